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

// PDF reports (links marked data-pdf): the server may take a while to lay out a
// large report, so fetch it with a visible "producing" state, then save it; if the
// server refuses (too large, took too long, signed out), show its own message
// instead of leaving the page. Without JavaScript the link simply downloads.
function savedName(response) {
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return match ? match[1] : "report.pdf";
}

document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[data-pdf]");
  if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  if (link.getAttribute("aria-busy") === "true") return;
  const status = link.nextElementSibling?.matches(".pdf-status") ? link.nextElementSibling
    : null;
  const say = (text) => { if (status) status.textContent = text; };
  const started = Date.now();
  const tick = () => say(link.dataset.busy.replace("{n}",
    String(Math.round((Date.now() - started) / 1000))));
  link.setAttribute("aria-busy", "true");
  tick();
  const timer = setInterval(tick, 1000);
  try {
    const response = await fetch(link.href, {
      credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" },
    });
    const type = response.headers.get("Content-Type") || "";
    if (response.ok && type.startsWith("application/pdf")) {
      const url = URL.createObjectURL(await response.blob());
      const save = Object.assign(document.createElement("a"),
        { href: url, download: savedName(response), hidden: true });
      document.body.append(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      say(link.dataset.done);
    } else {
      const body = type.includes("json") ? await response.json().catch(() => null) : null;
      say(body?.message || link.dataset.failed);
    }
  } catch {
    say(link.dataset.offline);
  } finally {
    clearInterval(timer);
    link.removeAttribute("aria-busy");
  }
});

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}
