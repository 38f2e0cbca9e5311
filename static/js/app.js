// Small progressive enhancements; every page works without them.

// Ask before destructive actions (forms marked data-confirm).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// Copy buttons: <button data-copy="#selector" data-copied="Copied">.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const input = document.querySelector(button.dataset.copy);
  if (!input) return;
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    document.execCommand("copy");
  }
  const label = button.textContent;
  button.textContent = button.dataset.copied || label;
  setTimeout(() => { button.textContent = label; }, 2000);
});

// Show the target response time only for channels where speed matters.
function syncTarget() {
  const box = document.querySelector("[data-speed-channels]");
  const channel = document.querySelector("select[name=channel]");
  if (!box || !channel) return;
  const speed = box.dataset.speedChannels.split(" ");
  const value = box.querySelector("input[name=target_value]");
  const applies = speed.includes(channel.value);
  box.hidden = !applies && !(value && value.value);
}
document.addEventListener("change", (event) => {
  if (event.target.matches("select[name=channel]")) syncTarget();
});
syncTarget();

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}
