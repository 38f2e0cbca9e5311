// Touchpoint screen: save every answer as it is given, show progress, run the timer.
// Without JavaScript the same form posts normally with "Save and continue".

import { keepAudit, ready } from "./sync-ui.js";

const outbox = self.PolkuOutbox;
const form = document.querySelector("form[data-autosave=on]");
const auditUuid = form?.dataset.auditUuid;
let version = Number(form?.dataset.version || 1);
const openedAt = Date.now();

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

// Answers on this screen that have a rating; the progress bar counted those given
// before the page loaded, so a queued answer moves it without the server.
const ratedHere = () => form ? form.querySelectorAll(
  "fieldset[data-answer-position] input:checked").length : 0;
const ratedHereAtLoad = ratedHere();

function localProgress() {
  const bar = document.getElementById("audit-progress");
  if (!bar) return;
  const answered = Number(bar.dataset.answered) - ratedHereAtLoad + ratedHere();
  bar.value = answered;
  const label = document.querySelector(".progress__text");
  // "12 of 30 answered", "Vastattu 12/30": the first number is the answered count.
  if (label) label.textContent = label.textContent.replace(/\d+/, String(answered));
}

// What the screen holds, in the outbox's shape (answers by their position).
function values() {
  const ratings = {};
  form.querySelectorAll("fieldset[data-answer-position]").forEach((box) => {
    ratings[box.dataset.answerPosition] = box.querySelector("input:checked")?.value || null;
  });
  const emotion = form.querySelector("input[name=emotion]:checked");
  const minutes = form.elements.response_minutes?.value || "";
  const seconds = form.elements.response_seconds?.value || "";
  return {
    ratings,
    happened: form.elements.happened?.value || "",
    emotion: emotion ? Number(emotion.value) : null,
    response_seconds: minutes === "" && seconds === "" ? null
      : Number(minutes || 0) * 60 + Number(seconds || 0),
  };
}

async function waitingHere() {
  if (!outbox) return false;
  const { items } = await outbox.status();
  return items.some((i) => i.audit === auditUuid);
}

// The network did not take it: keep it in the outbox, as the offline walker does.
async function queue() {
  await ready; // the outbox must know whose device this is
  const item = await outbox.saveVisit(auditUuid, Number(form.dataset.position), values(),
    { knownVersion: version });
  version = item.body.base_version + 1;
  setState(form.dataset.queued);
  localProgress();
  form.classList.add("is-queued");
  document.querySelector("[data-offline-link]")?.classList.remove("is-hidden");
  outbox.sync(); // delivered at once if the network is back
}

async function post() {
  let response;
  try {
    response = await fetch(form.action || window.location.href, {
      method: "POST", body: new FormData(form), headers: { Accept: "application/json" },
      credentials: "same-origin", redirect: "manual", cache: "no-store",
    });
  } catch {
    return queue();
  }
  const body = response.headers.get("Content-Type")?.startsWith("application/json")
    ? await response.json().catch(() => null) : null;
  if (response.ok && body && body.ok) {
    version = body.version;
    setState(form.dataset.saved);
    updateProgress(body);
    // The device's offline copy must know the new version, or an offline edit of
    // this touchpoint later would be refused as stale.
    keepAudit(auditUuid).catch(() => {});
  } else if (response.status === 422 && body && body.ok === false) {
    setState(form.dataset.failed); // the answers themselves need fixing
  } else {
    return queue(); // 5xx, a captive portal, a redirect to the login, a CSRF 400
  }
}

let timer = null;
let pending = null;

async function save() {
  timer = null;
  if (pending) await pending;
  setState(form.dataset.saving);
  // While something of this audit waits in the outbox, later saves queue behind it:
  // an online save in between would make the waiting one stale.
  pending = (await waitingHere() ? queue() : post())
    .catch(() => setState(form.dataset.failed))
    .finally(() => { pending = null; });
  return pending;
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

async function flush() {
  if (timer) { clearTimeout(timer); await save(); }
  if (pending) await pending;
}

if (form && outbox) {
  // Refresh the device's copy (friction points logged online since) for offline use.
  if (navigator.onLine) ready.then(() => keepAudit(auditUuid)).catch(() => {});
  // A friction-point link leaves the page: save the answer just given first.
  form.addEventListener("click", async (event) => {
    const link = event.target.closest("a.gap-link");
    if (!link || !timer) return;
    event.preventDefault();
    await flush();
    window.location.assign(link.href);
  });
  // "Save and continue" posts the form; first let what waits on the device through,
  // so the post does not overtake it. Without a network the answers stay queued.
  let cleared = false;
  form.addEventListener("submit", async (event) => {
    if (cleared) return;
    event.preventDefault();
    await flush();
    if (await waitingHere()) await outbox.sync();
    if (await waitingHere()) { setState(form.dataset.queued); return; }
    cleared = true;
    form.requestSubmit(event.submitter);
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
  // Leaving the page (phone locked, tab closed): keep what is pending on the device.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && timer) {
      clearTimeout(timer);
      timer = null;
      queue().catch(() => {});
    }
  });
  // Once the outbox has delivered this audit's saves, the screen says so.
  outbox.onChange(async () => {
    if (!form.classList.contains("is-queued") || pending) return;
    const { items, rejected } = await outbox.status();
    if (items.some((i) => i.audit === auditUuid)) return;
    form.classList.remove("is-queued");
    const refused = rejected.some((r) => r.audit === auditUuid && r.kind === "visit_save"
      && r.created >= openedAt);
    setState(refused ? form.dataset.refused : form.dataset.saved);
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
