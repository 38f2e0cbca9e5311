// Polku service worker: precache the app shell, network-first pages, offline page.
// It never caches authenticated HTML: only static files and two pages that hold no
// one's data (the offline page and the offline walker; audits live in IndexedDB).
importScripts("/static/js/idb.js", "/static/js/outbox.js");

const VERSION = "polku-v3";
const SHELL = ["/offline", "/offline/walk"];
const PRECACHE = [...SHELL, "/static/css/app.css", "/static/js/app.js",
  "/static/js/idb.js", "/static/js/outbox.js", "/static/js/sync-ui.js",
  "/static/js/walker.js", "/static/js/downscale.js", "/static/js/walk.js",
  "/static/js/photos.js", "/static/icons/icon-192.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(PRECACHE)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) =>
      Promise.all(keys.filter((k) => k !== VERSION).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()));
});

function networkFirst(request, fallback) {
  return fetch(request).then((response) => {
    if (response.ok && SHELL.includes(new URL(request.url).pathname)) {
      const copy = response.clone(); // keep the shell in the user's current language
      caches.open(VERSION).then((cache) => cache.put(request, copy));
    }
    return response;
  }).catch(() => {
    // The shell pages vary by language and cookie on the server, but hold no data.
    const loose = { ignoreSearch: true, ignoreVary: true };
    return caches.match(request, loose).then((hit) => hit || caches.match(fallback, loose));
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    const fallback = url.pathname === "/offline/walk" ? "/offline/walk" : "/offline";
    event.respondWith(networkFirst(request, fallback));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(VERSION).then((cache) => cache.put(request, copy));
        }
        return response;
      })));
  }
});

// Background Sync where the browser has it (Chromium): an extra trigger only. Pages
// also sync on open, on "online", every 30 s and on "Sync now" (iOS has no sync event).
self.addEventListener("sync", (event) => {
  if (event.tag !== "polku-outbox") return;
  // Rejecting asks the browser to try again later with its own backoff.
  event.waitUntil(self.PolkuOutbox.sync().then((state) => {
    if (state !== "ok") throw new Error(state);
  }));
});
