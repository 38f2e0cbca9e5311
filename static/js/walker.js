// The offline walker: start and walk audits from what the device keeps in IndexedDB.
// Every change is saved on the device first and queued in the outbox for the server.
import { downscale } from "./downscale.js";
import { fill, ready } from "./sync-ui.js";

const outbox = self.PolkuOutbox;
const T = JSON.parse(document.getElementById("polku-strings").textContent);
const root = document.getElementById("walker");
const RATINGS = ["exceeded", "met", "partly", "not_met", "na"];

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  el.append(...children.flat().filter((c) => c != null));
  return el;
}

const uuid = () => crypto.randomUUID();
const day = (iso) => iso && new Date(`${iso}T12:00:00`).toLocaleDateString(document.documentElement.lang);

async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { audit: params.get("a"), tp: params.has("t") ? Number(params.get("t")) : null };
}

const answered = (a) => a.touchpoints.reduce((n, t) =>
  n + Object.values(t.ratings).filter(Boolean).length, 0);
const total = (a) => a.touchpoints.reduce((n, t) => n + t.expectations.length, 0);

async function pendingFor(auditUuid) {
  const { items } = await outbox.status();
  return items.filter((i) => i.audit === auditUuid);
}

async function showHome() {
  const user = await outbox.currentUser();
  if (!user) return root.replaceChildren(h("p", { class: "empty", text: T.no_user }));
  const audits = (await outbox.audits.all()).filter((a) => a.status !== "approved");
  const journeys = await outbox.journeys.all();
  const items = await Promise.all(audits.map(async (a) => h("li", { class: "list__item" },
    h("a", { class: "list__link", href: `#a=${a.audit_uuid}` },
      h("strong", { text: a.journey_name }),
      h("span", { class: "muted", text: [day(a.audit_date), a.location, a.persona_name]
        .filter(Boolean)
        .join(" · ") }),
      h("span", { class: "muted", text: fill(T.answered, { a: answered(a), t: total(a) }) }),
      h("span", { class: "badge", text: fill(T.waiting_items,
        { n: (await pendingFor(a.audit_uuid)).length }) })))));
  root.replaceChildren(
    h("h1", { text: T.offline_audits }),
    audits.length ? h("ul", { class: "list", "data-offline-audits": "" }, items)
      : h("p", { class: "empty", text: T.no_audits }),
    h("h2", { text: T.start_new }),
    journeys.length ? startForm(journeys) : h("p", { class: "empty", text: T.no_journeys }));
}

function startForm(journeys) {
  // Every journey kept on the device carries the organisation's personas.
  const personas = journeys.find((j) => j.personas)?.personas || [];
  const form = h("form", { class: "card", id: "start-offline" },
    h("div", { class: "field" }, h("label", { for: "o-journey", text: T.journey }),
      h("select", { id: "o-journey", name: "journey" },
        journeys.map((j) => h("option", { value: j.id, text: j.name })))),
    personas.length ? h("div", { class: "field" },
      h("label", { for: "o-persona", text: T.persona }),
      h("select", { id: "o-persona", name: "persona" },
        h("option", { value: "", text: T.no_persona }),
        personas.map((p) => h("option", { value: p.id, text: p.name })))) : null,
    h("div", { class: "field" }, h("label", { for: "o-location", text: T.location }),
      h("input", { id: "o-location", name: "location", maxlength: 200 })),
    h("div", { class: "field" }, h("label", { for: "o-date", text: T.date }),
      h("input", { id: "o-date", name: "date", type: "date",
        value: new Date().toISOString().slice(0, 10), required: true })),
    h("button", { class: "btn btn--primary btn--block", type: "submit", text: T.start }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const journey = journeys.find((j) => String(j.id) === form.journey.value);
    const persona = personas.find((p) => String(p.id) === form.persona?.value) || null;
    const audit = await startAudit(journey, form.location.value, form.date.value, persona);
    location.hash = `a=${audit.audit_uuid}&t=0`;
  });
  return form;
}

async function startAudit(journey, place, day, persona) {
  const audit = {
    audit_uuid: uuid(), status: "in_progress", journey_id: journey.id,
    journey_version: journey.version, journey_name: journey.name, location: place,
    audit_date: day, points: [], persona_name: persona ? persona.name : "",
    touchpoints: journey.touchpoints.map((t) => ({
      position: t.position, stage_name: t.stage_name, name: t.name,
      expectations: t.expectations, ratings: {}, happened: "", emotion: null,
      response_seconds: null, server_version: 1, next_base: 1,
    })),
  };
  await outbox.audits.put(audit);
  await outbox.enqueue("audit", "/api/v1/audits", {
    client_uuid: audit.audit_uuid, journey_id: journey.id, journey_version: journey.version,
    persona_id: persona ? persona.id : null, location: place, audit_date: day,
  }, { audit: audit.audit_uuid });
  return audit;
}

async function showAudit(audit) {
  const done = answered(audit) === total(audit);
  const submit = h("button", { class: "btn btn--primary btn--block", type: "button",
    disabled: !done || audit.submitted, text: T.submit });
  submit.addEventListener("click", async () => {
    audit.submitted = true;
    await outbox.audits.put(audit);
    await outbox.enqueue("submission", "/api/v1/submissions",
      { client_uuid: uuid(), audit_uuid: audit.audit_uuid }, { audit: audit.audit_uuid });
    render();
  });
  root.replaceChildren(
    h("a", { class: "back", href: "#", text: `← ${T.back_list}` }),
    h("h1", { text: audit.journey_name }),
    h("p", { class: "muted", text: fill(T.answered, { a: answered(audit), t: total(audit) }) }),
    h("ol", { class: "list" }, audit.touchpoints.map((t) => h("li", { class: "list__item" },
      h("a", { class: "list__link", href: `#a=${audit.audit_uuid}&t=${t.position}` },
        h("span", { class: "eyebrow", text: t.stage_name }), h("strong", { text: t.name }),
        h("span", { class: "muted", text: fill(T.answered, { a: Object.values(t.ratings)
          .filter(Boolean).length, t: t.expectations.length }) }))))),
    audit.submitted ? h("p", { class: "alert alert--info", text: T.submitted })
      : done ? null : h("p", { class: "hint", text: T.missing_answers }),
    submit);
}

function radios(name, legend, choices, current) {
  return h("fieldset", { class: "field" }, h("legend", { text: legend }),
    h("div", { class: "choices" }, choices.map(([value, label]) =>
      h("label", { class: "choice" }, h("input", { type: "radio", name, value,
        checked: String(current) === String(value) }), label))));
}

async function saveTouchpoint(audit, tp, form) {
  const ratings = {};
  for (let i = 0; i < tp.expectations.length; i++) {
    ratings[String(i)] = form.elements[`r${i}`].value || null;
  }
  const min = form.minutes.value, sec = form.seconds.value;
  await outbox.saveVisit(audit.audit_uuid, tp.position, {
    ratings, happened: form.happened.value,
    emotion: form.emotion.value === "" ? null : Number(form.emotion.value),
    response_seconds: min === "" && sec === "" ? null : Number(min || 0) * 60 + Number(sec || 0),
  }, { audit });
}

async function addPoint(audit, tp, form) {
  const point = { client_uuid: uuid(), position: tp.position, title: form.title.value.trim(),
    severity: Number(form.severity.value), description: form.description.value, photos: [],
    version: 1, next_base: 1 };
  if (!point.title) return;
  // The photos' UUIDs travel with the point, so the server can tell which are missing.
  const files = [...form.photos.files];
  const photoIds = files.map(() => uuid());
  audit.points.push(point);
  await outbox.audits.put(audit);
  await outbox.enqueue("friction_point", "/api/v1/friction-points", {
    client_uuid: point.client_uuid, audit_uuid: audit.audit_uuid, position: tp.position,
    answer_position: null, title: point.title, description: point.description,
    severity: point.severity, photo_uuids: photoIds,
  }, { audit: audit.audit_uuid });
  for (const [n, file] of files.entries()) {
    const blob = await downscale(file);
    const photo = { client_uuid: photoIds[n], sha256: await sha256(blob) };
    point.photos.push(photo);
    await outbox.enqueue("photo", "/api/v1/photos", {
      client_uuid: photo.client_uuid, friction_point_uuid: point.client_uuid,
      sha256: photo.sha256 }, { blob, audit: audit.audit_uuid });
  }
  await outbox.audits.put(audit);
}

function touchpointForm(audit, tp) {
  const min = tp.response_seconds == null ? "" : Math.floor(tp.response_seconds / 60);
  const sec = tp.response_seconds == null ? "" : tp.response_seconds % 60;
  const form = h("form", { class: "checklist", id: "offline-visit" },
    tp.expectations.map((text, i) => radios(`r${i}`, text,
      RATINGS.map((r) => [r, T.ratings[r]]), tp.ratings[String(i)])),
    h("div", { class: "field" }, h("label", { for: "o-happened", text: T.happened }),
      h("textarea", { id: "o-happened", name: "happened", rows: 4, maxlength: 10000,
        text: tp.happened })),
    radios("emotion", T.feeling, Object.entries(T.emotions).sort((a, b) => a[0] - b[0]),
      tp.emotion),
    h("fieldset", { class: "field" }, h("legend", { text: T.response_time }),
      h("div", { class: "target__row" },
        h("label", {}, T.minutes_label, h("input", { name: "minutes", type: "number", min: 0,
          inputmode: "numeric", value: min })),
        h("label", {}, T.seconds_label, h("input", { name: "seconds", type: "number", min: 0,
          max: 59, inputmode: "numeric", value: sec })))),
    h("p", { class: "save-state muted", role: "status" }),
    h("button", { class: "btn btn--primary btn--block", type: "submit", text: T.save }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await saveTouchpoint(audit, tp, form);
    form.querySelector(".save-state").textContent = T.saved_device;
  });
  return form;
}

// Change a friction point (one from the server, or captured here) on the device and
// queue the change with the version it builds on; a stale one comes back as 409.
async function editPoint(audit, point, form) {
  const base = point.next_base || point.version || 1;
  Object.assign(point, { title: form.title.value.trim(), severity: Number(form.severity.value),
    description: form.description.value, next_base: base + 1 });
  if (!point.title) return;
  await outbox.audits.put(audit);
  await outbox.enqueue("friction_point_edit", "/api/v1/friction-point-edits", {
    client_uuid: uuid(), friction_point_uuid: point.client_uuid, base_version: base,
    title: point.title, description: point.description, severity: point.severity,
  }, { audit: audit.audit_uuid });
}

async function deletePoint(audit, point) {
  audit.points = audit.points.filter((p) => p.client_uuid !== point.client_uuid);
  await outbox.audits.put(audit);
  await outbox.enqueue("friction_point_delete", "/api/v1/friction-point-deletions", {
    client_uuid: uuid(), friction_point_uuid: point.client_uuid,
    base_version: point.next_base || point.version || 1,
  }, { audit: audit.audit_uuid });
}

let editing = null; // the client UUID of the friction point being edited

function pointForm(audit, tp, point = null) {
  const form = h("form", { class: "card", id: point ? "offline-point-edit" : "offline-point" },
    h("h3", { text: point ? T.edit_point : T.add_point }),
    h("div", { class: "field" }, h("label", { for: "o-title", text: T.title }),
      h("input", { id: "o-title", name: "title", maxlength: 200, required: true,
        value: point?.title })),
    h("div", { class: "field" }, h("label", { for: "o-severity", text: T.severity }),
      h("select", { id: "o-severity", name: "severity" }, Object.entries(T.severities)
        .map(([v, label]) => h("option", { value: v, text: label,
          selected: v === String(point ? point.severity : 2) })))),
    h("div", { class: "field" }, h("label", { for: "o-description", text: T.description }),
      h("textarea", { id: "o-description", name: "description", rows: 3, maxlength: 5000,
        text: point?.description || "" })),
    point ? null : h("div", { class: "field" }, h("label", { for: "o-photos", text: T.photos }),
      h("input", { id: "o-photos", name: "photos", type: "file", accept: "image/*",
        multiple: true })),
    h("div", { class: "toolbar" },
      h("button", { class: "btn btn--block", type: "submit",
        text: point ? T.save_changes : T.add_point }),
      point ? h("button", { class: "btn btn--ghost", type: "button", text: T.cancel,
        onclick: () => { editing = null; render(); } }) : null));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    if (point) await editPoint(audit, point, form);
    else await addPoint(audit, tp, form);
    editing = null;
    render();
  });
  return form;
}

function pointItem(audit, p, waiting) {
  const photos = p.photos.filter((ph) => ph.exists !== false).length;
  return h("li", { class: "list__item point" },
    h("span", { class: "list__main" }, h("strong", { text: p.title }),
      h("span", { class: "muted", text: `${T.severities[p.severity]} · ${fill(T.photos_count,
        { n: photos })}` })),
    h("span", { class: "badge", text: waiting.has(p.client_uuid) ||
      p.photos.some((ph) => waiting.has(ph.client_uuid)) ? T.on_device : T.server_now }),
    audit.submitted || ["submitted", "approved"].includes(audit.status) ? null
      : h("span", { class: "toolbar" },
      h("button", { class: "btn btn--small", type: "button", text: T.edit,
        "aria-label": `${T.edit}: ${p.title}`,
        onclick: () => { editing = p.client_uuid; render(); } }),
      h("button", { class: "btn btn--small btn--ghost", type: "button", text: T.delete,
        "aria-label": `${T.delete}: ${p.title}`,
        onclick: async () => {
          if (!window.confirm(T.delete_confirm)) return;
          await deletePoint(audit, p);
          render();
        } })));
}

async function showTouchpoint(audit, tp) {
  const count = audit.touchpoints.length;
  const link = (pos, text) => (pos >= 0 && pos < count)
    ? h("a", { class: "btn", href: `#a=${audit.audit_uuid}&t=${pos}`, text }) : null;
  const { items } = await outbox.status();
  const waiting = new Set(items.flatMap((i) => [i.body.client_uuid,
    i.body.friction_point_uuid]));
  const points = audit.points.filter((p) => p.position === tp.position);
  const edited = points.find((p) => p.client_uuid === editing);
  root.replaceChildren(
    h("a", { class: "back", href: `#a=${audit.audit_uuid}`, text: `← ${audit.journey_name}` }),
    h("p", { class: "muted", text: fill(T.touchpoint_of, { n: tp.position + 1, count }) }),
    h("p", { class: "eyebrow", text: tp.stage_name }),
    h("h1", { text: tp.name }),
    touchpointForm(audit, tp),
    h("h2", { text: T.friction_points }),
    h("ul", { class: "list", "data-points": "" }, points.map((p) => pointItem(audit, p, waiting))),
    edited ? pointForm(audit, tp, edited) : pointForm(audit, tp),
    h("div", { class: "toolbar" }, link(tp.position - 1, `← ${T.previous}`),
      link(tp.position + 1, `${T.next} →`)));
}

async function render() {
  const { audit: id, tp } = route();
  const audit = id ? await outbox.audits.get(id) : null;
  if (!audit) return showHome();
  if (tp == null || !audit.touchpoints[tp]) return showAudit(audit);
  return showTouchpoint(audit, audit.touchpoints[tp]);
}

window.addEventListener("hashchange", () => { editing = null; render(); window.scrollTo(0, 0); });
// Only once the device knows who is signed in: never a previous user's audits.
ready.finally(render);
