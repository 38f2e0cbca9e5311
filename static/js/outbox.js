// Polku outbox: what the device captured waits here until the server confirms it.
//
// An item leaves the outbox only on a verified acknowledgement: a 2xx JSON answer that
// echoes the item's client UUID. A network error, a 5xx, an HTML page (captive
// portal), a redirect, a 401 or a CSRF 400 keeps it (reliability.md I3). Items the
// server refuses for good move to "rejected" with the reason and stay until exported
// (I4). One database per user: another person on the same phone never opens it.
// Classic script (not a module) so that the service worker can importScripts() it.
(function (root) {
  "use strict";
  const IDB = root.PolkuIDB;
  const STORES = {
    outbox: { keyPath: "seq", autoIncrement: true },
    rejected: { keyPath: "seq" },
    audits: { keyPath: "audit_uuid" },
    journeys: { keyPath: "id" },
  };
  const PERMANENT = [403, 404, 409, 410, 413, 415, 422];
  const channel = "BroadcastChannel" in root ? new BroadcastChannel("polku-outbox") : null;
  const listeners = new Set();
  let token = "";
  let cached = { user: null, db: null };
  let running = null;
  let lastState = "idle";

  async function meta(fn) {
    const db = await IDB.open("polku-meta", { kv: { keyPath: "key" } });
    try { return await fn(db); } finally { db.close(); }
  }
  const currentUser = () => meta(async (db) => (await IDB.get(db, "kv", "user"))?.value || null);
  const setUser = (user) => meta((db) => IDB.put(db, "kv", { key: "user", value: String(user) }));
  const forgetUser = () => meta((db) => IDB.del(db, "kv", "user"));

  async function database() {
    const user = await currentUser();
    if (!user) return null;
    if (cached.user !== user) {
      if (cached.db) cached.db.close();
      cached = { user, db: await IDB.open("polku-u" + user, STORES) };
    }
    return cached.db;
  }

  function announce() {
    if (channel) channel.postMessage("changed");
    for (const fn of listeners) fn();
  }

  function setState(state) {
    lastState = state;
    announce();
    return state;
  }

  function askBackgroundSync() {
    // An extra trigger where the browser has it (Chromium); never relied on.
    if (!root.document || !navigator.serviceWorker) return;
    navigator.serviceWorker.ready
      .then((reg) => reg.sync && reg.sync.register("polku-outbox"))
      .catch(() => {});
  }

  async function enqueue(kind, path, body, { blob = null, audit = null } = {}) {
    const db = await database();
    if (!db) throw new Error("nobody is signed in on this device");
    const created = Date.now();
    // The device's clock travels along for review; the server orders by its own.
    body = { captured_at: new Date(created).toISOString(), ...body };
    const item = { kind, path, body, blob, audit, created, attempts: 0, lastError: "" };
    item.seq = await IDB.put(db, "outbox", item);
    announce();
    askBackgroundSync();
    return item;
  }

  // One touchpoint's answers: kept in the device's copy of the audit and queued with
  // the version they build on. The offline walker and the online screen (when its
  // own save does not get through) both save here, so one visit has one version
  // chain: each queued save builds on the one before (the server answers base + 1).
  async function saveVisit(auditUuid, position, values, { audit = null, knownVersion = 1 } = {}) {
    const db = await database();
    if (!db) throw new Error("nobody is signed in on this device");
    audit = audit || (await IDB.get(db, "audits", auditUuid));
    const tp = audit && audit.touchpoints[position];
    const base = Math.max((tp && tp.next_base) || 1, knownVersion);
    if (tp) {
      Object.assign(tp, values);
      tp.next_base = base + 1;
      await IDB.put(db, "audits", audit);
    }
    return enqueue("visit_save", "/api/v1/visit-saves", {
      client_uuid: crypto.randomUUID(), audit_uuid: auditUuid, position,
      base_version: base, ...values,
    }, { audit: auditUuid });
  }

  function post(item) {
    const headers = { Accept: "application/json", "X-CSRFToken": token };
    let body;
    if (item.blob) {
      body = new FormData();
      for (const [key, value] of Object.entries(item.body)) body.append(key, value);
      body.append("photo", item.blob, "photo.jpg");
    } else {
      body = JSON.stringify(item.body);
      headers["Content-Type"] = "application/json";
    }
    return fetch(item.path, {
      method: "POST", body, headers, credentials: "same-origin",
      redirect: "manual", cache: "no-store",
    });
  }

  async function readJson(response) {
    const type = response.headers.get("Content-Type") || "";
    if (!type.startsWith("application/json")) return null;
    try { return await response.json(); } catch { return null; }
  }

  async function refreshToken() {
    const response = await fetch("/api/v1/csrf", {
      credentials: "same-origin", redirect: "manual", cache: "no-store",
    });
    const body = await readJson(response);
    if (response.status === 200 && body && body.csrf_token) {
      token = body.csrf_token;
      return "ok";
    }
    return response.status === 401 ? "signin" : "error";
  }

  // One delivery attempt → {outcome: ack | reject | later | stop | signin, ...}.
  async function attempt(item, retried) {
    let response;
    try {
      response = await post(item);
    } catch {
      return { outcome: "stop", reason: "network" };
    }
    const body = await readJson(response);
    if (response.ok && body && body.client_uuid === item.body.client_uuid) {
      return { outcome: "ack", ack: body };
    }
    if (response.status === 401) return { outcome: "signin", reason: "401" };
    if (response.status === 400 && body && body.error === "csrf" && !retried) {
      const refreshed = await refreshToken().catch(() => "error");
      if (refreshed === "ok") return attempt(item, true);
      return { outcome: refreshed === "signin" ? "signin" : "stop", reason: "csrf" };
    }
    if (body && body.retryable === false && PERMANENT.includes(response.status)) {
      return { outcome: "reject", reason: body.message || body.error, code: body.error,
        current: body.current || null };
    }
    if (body && body.error === "parent_missing") return { outcome: "later", reason: body.error };
    const reason = response.type === "opaqueredirect" ? "redirect" : String(response.status);
    return { outcome: "stop", reason };
  }

  function applyAck(audit, item, ack) {
    if (item.kind === "audit") audit.server_id = ack.id;
    if (item.kind === "visit_save") {
      const tp = audit.touchpoints[ack.position];
      if (tp) tp.server_version = Math.max(tp.server_version || 1, ack.version);
    }
    if (item.kind === "submission") audit.status = ack.status;
    if (item.kind === "friction_point_edit") {
      const point = (audit.points || []).find((p) => p.client_uuid === ack.friction_point_uuid);
      if (point) point.version = Math.max(point.version || 1, ack.version);
    }
  }

  function settle(db, item, ack) {
    return IDB.run(db, ["outbox", "audits"], "readwrite", (outbox, audits) => {
      outbox.delete(item.seq);
      if (!item.audit) return;
      const req = audits.get(item.audit);
      req.onsuccess = () => {
        if (!req.result) return;
        applyAck(req.result, item, ack);
        audits.put(req.result);
      };
    });
  }

  function reject(db, item, result) {
    return IDB.run(db, ["outbox", "rejected"], "readwrite", (outbox, rejected) => {
      outbox.delete(item.seq);
      rejected.put({ ...item, reason: result.reason, code: result.code,
        current: result.current, rejectedAt: Date.now() });
    });
  }

  async function runSync() {
    const db = await database();
    if (!db) return setState("signed_out");
    setState("syncing");
    const items = await IDB.all(db, "outbox");
    const refused = new Set((await IDB.all(db, "rejected")).map((r) => r.body.client_uuid));
    let state = "ok";
    for (const item of items) {
      let result = await attempt(item, false);
      const parent = item.body.friction_point_uuid || item.body.audit_uuid;
      if (result.outcome === "later" && refused.has(parent)) {
        result = { outcome: "reject", reason: "parent_rejected", code: "parent_rejected" };
      }
      if (result.outcome === "ack") { await settle(db, item, result.ack); continue; }
      if (result.outcome === "reject") {
        await reject(db, item, result);
        refused.add(item.body.client_uuid);
        continue;
      }
      item.attempts += 1;
      item.lastError = result.reason;
      await IDB.put(db, "outbox", item);
      if (result.outcome === "later") { state = "waiting"; continue; }
      state = result.outcome === "signin" ? "signin" : "error";
      break;
    }
    return setState(state);
  }

  function sync() {
    if (running) return running;
    const locks = root.navigator && navigator.locks;
    // One sync at a time across tabs and the worker (double replay: workbox #600).
    const work = locks ? navigator.locks.request("polku-outbox", runSync) : runSync();
    running = work.catch(() => setState("error")).finally(() => { running = null; });
    return running;
  }

  async function status() {
    const db = await database();
    if (!db) return { user: null, pending: 0, oldest: null, items: [], rejected: [], state: lastState };
    const items = await IDB.all(db, "outbox");
    const rejected = await IDB.all(db, "rejected");
    const oldest = items.length ? Math.min(...items.map((i) => i.created)) : null;
    return { user: cached.user, pending: items.length, oldest, items, rejected, state: lastState };
  }

  // Sign-out: forget what the next person on this phone must not see. Items that
  // have not reached the server stay in this user's own database until they sign in.
  async function forgetDevice() {
    const db = await database();
    const user = cached.user;
    let keep = 0;
    if (db) {
      keep = (await IDB.count(db, "outbox")) + (await IDB.count(db, "rejected"));
      await IDB.clear(db, "audits");
      await IDB.clear(db, "journeys");
      db.close();
    }
    cached = { user: null, db: null };
    if (user && !keep) await IDB.drop("polku-u" + user).catch(() => {});
    await forgetUser();
    if (root.caches) {
      for (const key of await caches.keys()) {
        if (key.startsWith("polku-private")) await caches.delete(key);
      }
    }
  }

  const store = (name) => ({
    get: async (key) => IDB.get(await database(), name, key),
    put: async (value) => IDB.put(await database(), name, value),
    all: async () => { const db = await database(); return db ? IDB.all(db, name) : []; },
  });

  if (channel) channel.onmessage = () => { for (const fn of listeners) fn(); };

  root.PolkuOutbox = {
    enqueue, saveVisit, sync, status, setUser, currentUser, forgetDevice,
    setToken: (value) => { token = value || token; },
    onChange: (fn) => listeners.add(fn),
    audits: store("audits"),
    journeys: store("journeys"),
  };
})(self);
