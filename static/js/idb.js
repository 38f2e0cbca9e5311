// A tiny promise wrapper around IndexedDB, shared by the pages and the service worker.
// Classic script (not a module) so that the worker can importScripts() it.
(function (root) {
  "use strict";

  function request(req) {
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  function finished(tx) {
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
    });
  }

  // Open (and on first use create) a database with these stores: {name: options}.
  function open(name, stores) {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => {
      for (const [store, options] of Object.entries(stores)) {
        if (!req.result.objectStoreNames.contains(store)) {
          req.result.createObjectStore(store, options);
        }
      }
    };
    return request(req).then((db) => {
      // Let a delete (sign-out) or an upgrade in another tab or the worker proceed.
      db.onversionchange = () => db.close();
      return db;
    });
  }

  // Delete a database; resolve even if another connection holds it open (the delete
  // then completes as soon as that connection closes).
  function drop(name) {
    return new Promise((resolve, reject) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = () => resolve();
      req.onblocked = () => resolve();
      req.onerror = () => reject(req.error);
    });
  }

  // Run fn(store, ...) inside one transaction over `stores`; resolve when it commits.
  async function run(db, stores, mode, fn) {
    const tx = db.transaction(stores, mode);
    const names = Array.isArray(stores) ? stores : [stores];
    const result = fn(...names.map((s) => tx.objectStore(s)));
    await finished(tx);
    return result instanceof IDBRequest ? result.result : result;
  }

  root.PolkuIDB = {
    open,
    run,
    get: (db, store, key) => run(db, store, "readonly", (s) => s.get(key)),
    all: (db, store) => run(db, store, "readonly", (s) => s.getAll()),
    count: (db, store) => run(db, store, "readonly", (s) => s.count()),
    put: (db, store, value) => run(db, store, "readwrite", (s) => s.put(value)),
    del: (db, store, key) => run(db, store, "readwrite", (s) => s.delete(key)),
    clear: (db, store) => run(db, store, "readwrite", (s) => s.clear()),
    drop,
  };
})(self);
