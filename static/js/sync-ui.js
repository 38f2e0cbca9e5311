// The sync indicator (online/offline, waiting items, age of the oldest, "Sync now"),
// refused items with an export, automatic sync, offline copies and a safe sign-out.
const outbox = self.PolkuOutbox;
const T = JSON.parse(document.getElementById("polku-strings")?.textContent || "{}");
const bar = document.getElementById("sync-status");
const refusedBox = document.getElementById("sync-rejected");
const userMeta = document.querySelector("meta[name=polku-user]");
const PREFETCH_EVERY = 5 * 60 * 1000;

export const fill = (text, values) =>
  String(text || "").replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));

function age(ms) {
  const minutes = Math.floor(ms / 60000);
  if (minutes < 1) return T.just_now;
  if (minutes < 60) return fill(T.minutes, { n: minutes });
  if (minutes < 48 * 60) return fill(T.hours, { n: Math.floor(minutes / 60) });
  return fill(T.days, { n: Math.floor(minutes / 1440) });
}

let persistDenied = false;

async function render() {
  if (!bar) return;
  const status = await outbox.status();
  if (!status.user) { bar.hidden = true; return; }
  bar.hidden = false;
  const online = navigator.onLine;
  bar.classList.toggle("is-offline", !online);
  bar.dataset.pending = String(status.pending);
  bar.dataset.state = status.state;
  const parts = [online ? T.online : T.offline];
  if (status.pending) {
    parts.push(fill(T.waiting, { n: status.pending }));
    parts.push(fill(T.oldest, { age: age(Date.now() - status.oldest) }));
    if (persistDenied) parts.push(T.storage_warning);
  } else {
    parts.push(T.synced);
  }
  bar.querySelector(".syncbar__text").textContent = parts.join(" · ");
  const live = bar.querySelector(".syncbar__live");
  const headline = [parts[0], status.pending ? parts[1] : parts[parts.length - 1]].join(" · ");
  if (live.textContent !== headline) live.textContent = headline;
  const now = bar.querySelector(".syncbar__now");
  now.textContent = status.state === "syncing" ? T.syncing : T.sync_now;
  now.disabled = status.state === "syncing";
  const signin = bar.querySelector(".syncbar__signin");
  signin.textContent = T.sign_in;
  signin.hidden = status.state !== "signin";
  renderRefused(status.rejected);
}

function renderRefused(rejected) {
  if (!refusedBox) return;
  refusedBox.hidden = rejected.length === 0;
  if (!rejected.length) return;
  refusedBox.querySelector(".rejected__title").textContent =
    fill(T.rejected, { n: rejected.length });
  refusedBox.querySelector(".rejected__hint").textContent = T.dismiss_hint;
  const list = refusedBox.querySelector(".rejected__list");
  list.replaceChildren(...rejected.map((item) => {
    const li = document.createElement("li");
    const kind = (T.kinds || {})[item.kind] || item.kind;
    const what = item.body.title ? `${kind} “${item.body.title}”` : kind;
    li.textContent = `${what}: ${T[item.reason] || item.reason}`;
    if (item.current) li.append(bothVersions(item.body, item.current));
    return li;
  }));
  refusedBox.querySelector(".rejected__export").textContent = T.export;
}

// A stale edit: show what this device had next to what the server holds now.
function bothVersions(mine, server) {
  const table = document.createElement("dl");
  table.className = "both";
  const describe = (v) => (v.title !== undefined
    ? [v.title, T.severities[v.severity], v.description]
    : [Object.values(v.ratings || {}).map((r) => T.ratings[r] || "–").join(", "), v.happened])
    .filter(Boolean).join(" · ") || T.kinds.friction_point_delete;
  for (const [label, value] of [[T.this_device, mine], [T.on_server, server]]) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = describe(value);
    table.append(dt, dd);
  }
  return table;
}

function dataUrl(blob) {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.readAsDataURL(blob);
  });
}

async function exportRefused() {
  const { rejected } = await outbox.status();
  const items = await Promise.all(rejected.map(async (item) => ({
    ...item, blob: item.blob ? await dataUrl(item.blob) : null,
  })));
  const file = new Blob([JSON.stringify({ exported: new Date().toISOString(), items }, null, 2)],
    { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(file);
  link.download = `polku-not-saved-${new Date().toISOString().slice(0, 10)}.json`;
  document.body.append(link);
  link.click();
  link.remove();
}

async function syncNow() {
  await outbox.sync();
  await render();
}

async function fetchJson(url) {
  const response = await fetch(url, { credentials: "same-origin", redirect: "manual" });
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok || !type.startsWith("application/json")) throw new Error(url);
  return response.json();
}

// Keep the journeys and my open audits on the device, so they can be walked offline.
// The list of open audits is checked on every page (a new one must be there before
// the network goes); journeys and unchanged audits are refreshed every few minutes.
async function keepForOffline() {
  if (!navigator.onLine) return;
  const key = `polku.prefetched.${userMeta.content}`;
  const due = Date.now() - Number(localStorage.getItem(key) || 0) > PREFETCH_EVERY;
  const { audits } = await fetchJson("/api/v1/audits");
  for (const uuid of audits) {
    if (due || !(await outbox.audits.get(uuid))) await keepAudit(uuid);
  }
  if (!due) return;
  const { journeys, personas = [] } = await fetchJson("/api/v1/journeys");
  for (const journey of journeys) {
    const known = await outbox.journeys.get(journey.id);
    if (!known || known.version !== journey.version) {
      await outbox.journeys.put(await fetchJson(`/api/v1/journeys/${journey.id}`));
    } else if (JSON.stringify(known.personas || []) !== JSON.stringify(personas)) {
      await outbox.journeys.put({ ...known, personas }); // personas change on their own
    }
  }
  localStorage.setItem(key, String(Date.now()));
}

// Store the server's copy of one audit, unless the device has unsent work for it
// (the device's own answers are newer).
export async function keepAudit(uuid) {
  const { items } = await outbox.status();
  if (items.some((i) => i.audit === uuid)) return;
  await outbox.audits.put(fromServer(await fetchJson(`/api/v1/audits/${uuid}`)));
}

function fromServer(state) {
  return {
    audit_uuid: state.audit_uuid, server_id: state.id, status: state.status,
    journey_id: state.journey_id, journey_version: state.journey_version,
    journey_name: state.journey_name, location: state.location, audit_date: state.audit_date,
    persona_name: state.persona_name || "",
    from_server: true,
    points: (state.friction_points || []).map((p) => ({
      client_uuid: p.client_uuid, position: p.position, title: p.title,
      severity: p.severity, description: p.description || "", photos: p.photos,
      version: p.version, next_base: p.version,
    })),
    touchpoints: state.visits.map((v) => ({
      position: v.position, stage_name: v.stage_name, name: v.name,
      expectations: v.expectations, ratings: v.ratings, happened: v.happened || "",
      emotion: v.emotion, response_seconds: v.response_seconds,
      server_version: v.version, next_base: v.version,
    })),
  };
}

async function signOut(form) {
  let status = await outbox.status();
  if (status.pending && navigator.onLine) { await outbox.sync(); status = await outbox.status(); }
  if (status.pending && !window.confirm(fill(T.logout_pending, { n: status.pending }))) return;
  await outbox.forgetDevice();
  form.submit();
}

// A page without the user in it (the offline walker) asks the server who is signed
// in, so that it never opens the previous user's data after someone else signs in.
async function whoIsSignedIn() {
  if (userMeta) {
    // Any form on the page carries the session's token (the sign-out form always).
    outbox.setToken(document.querySelector("input[name=csrf_token]")?.value);
    return userMeta.content;
  }
  if (!navigator.onLine) return null;
  try {
    const body = await fetchJson("/api/v1/csrf");
    outbox.setToken(body.csrf_token);
    return body.user;
  } catch {
    return null; // offline or signed out: keep the last user's own work
  }
}

async function start() {
  const user = await whoIsSignedIn();
  if (user && user !== (await outbox.currentUser())) await outbox.setUser(user);
  outbox.onChange(render);
  bar?.querySelector(".syncbar__now").addEventListener("click", syncNow);
  refusedBox?.querySelector(".rejected__export").addEventListener("click", exportRefused);
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-signout]");
    if (!form) return;
    event.preventDefault();
    signOut(form);
  }, true);
  window.addEventListener("online", syncNow);
  window.addEventListener("offline", render);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") syncNow();
  });
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data === "polku-sync") syncNow();
  });
  setInterval(() => { if (navigator.onLine) syncNow(); else render(); }, 30_000);
  if (navigator.storage?.persist) {
    navigator.storage.persist().then((granted) => { persistDenied = !granted; }).catch(() => {});
  }
  await render();
  // Not awaited: the page can show the device's data while the outbox is sent.
  syncNow().then(() => (userMeta ? keepForOffline() : null)).catch(() => {});
}

// Resolves once the device knows whose data to show.
export const ready = start();
export { keepForOffline };
