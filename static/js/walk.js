// Touchpoint screen: save every answer as it is given, show progress, run the timer.
// Without JavaScript the same form posts normally with "Save and continue".

import { keepAudit } from "./sync-ui.js";

const form = document.querySelector("form[data-autosave=on]");

function setState(text) {
  const state = document.querySelector(".save-state");
  if (state) state.textContent = text;
}

function updateProgress(body) {
  const bar = document.getElementById("audit-progress");
  if (!bar) return;
  bar.value = body.answered;
  bar.max = body.total;
  const label = document.querySelector(".progress__text");
  if (label && body.label) label.textContent = body.label;
}

let timer = null;
let pending = false;

async function save() {
  timer = null;
  if (pending) { timer = setTimeout(save, 300); return; }
  pending = true;
  setState(form.dataset.saving);
  try {
    const response = await fetch(form.action || window.location.href, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    const body = response.headers.get("Content-Type")?.includes("json")
      ? await response.json() : null;
    if (response.ok && body && body.ok) {
      setState(form.dataset.saved);
      updateProgress(body);
      // The device's offline copy must know the new version, or an offline edit of
      // this touchpoint later would be refused as stale.
      keepAudit(form.dataset.auditUuid).catch(() => {});
    } else {
      setState(form.dataset.failed);
    }
  } catch {
    setState(form.dataset.failed);
  } finally {
    pending = false;
  }
}

function schedule(delay) {
  if (timer) clearTimeout(timer);
  timer = setTimeout(save, delay);
}

function toggleGapLink(input) {
  const box = input.closest(".expect");
  const link = box && box.querySelector(".gap-link");
  if (link) link.classList.toggle("is-hidden", !["partly", "not_met"].includes(input.value));
}

if (form) {
  // A friction-point link leaves the page: save the answer just given first.
  form.addEventListener("click", async (event) => {
    const link = event.target.closest("a.gap-link");
    if (!link || !timer) return;
    event.preventDefault();
    clearTimeout(timer);
    await save();
    window.location.assign(link.href);
  });
  form.addEventListener("change", (event) => {
    if (event.target.type === "radio" && event.target.name.startsWith("answer_")) {
      toggleGapLink(event.target);
    }
    schedule(200);
  });
  form.addEventListener("input", (event) => {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "number") schedule(1200);
  });
  // Leaving the page (phone locked, tab closed) sends what is pending.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && timer) {
      clearTimeout(timer);
      const data = new FormData(form);
      navigator.sendBeacon?.(form.action || window.location.href, data) || save();
      timer = null;
    }
  });
}

// A simple stopwatch for response times: start, stop, fills minutes and seconds.
document.querySelectorAll("[data-timer]").forEach((button) => {
  let started = null;
  let tick = null;
  const minutes = document.querySelector("input[name=response_minutes]");
  const seconds = document.querySelector("input[name=response_seconds]");
  const show = (total) => {
    minutes.value = Math.floor(total / 60);
    seconds.value = total % 60;
  };
  button.addEventListener("click", () => {
    if (started === null) {
      started = Date.now();
      button.textContent = button.dataset.stop;
      button.classList.add("is-running");
      tick = setInterval(() => show(Math.round((Date.now() - started) / 1000)), 1000);
    } else {
      clearInterval(tick);
      show(Math.round((Date.now() - started) / 1000));
      started = null;
      button.textContent = button.dataset.start;
      button.classList.remove("is-running");
      form?.dispatchEvent(new Event("change"));
    }
  });
});
