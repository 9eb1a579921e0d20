{% load static %}/* Laydown field app's service worker: keeps the app's pages and files for use without a
   network, and sends the outbox when the browser says the network is back (Background Sync). */
importScripts("{% static 'field/outbox.js' %}");
var CACHE = "laydown-field-2";
var SHELL = [
  "{% url 'field:outbox' %}", "{% url 'field:enrol' %}",{% for form in forms %}
  "{% url 'field:app_form' form.name %}",{% endfor %}
  "{% static 'laydown.css' %}", "{% static 'field/outbox.js' %}", "{% static 'field/app.js' %}",
  "{% static 'field/icon.svg' %}", "{% url 'field:manifest' %}"
];

self.addEventListener("install", function (event) {
  /* Fetched without cookies: the pages kept are shells holding nobody's data. */
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (url) {
      return fetch(url, { credentials: "omit" }).then(function (res) { return res.ok ? cache.put(url, res) : null; });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (req.mode === "navigate") {
    /* Pages: the network first (signed in, the server fills the lists), the kept shell offline. */
    event.respondWith(fetch(req).catch(function () {
      return caches.match(url.pathname, { ignoreSearch: true }).then(function (hit) {
        return hit || caches.match("{% url 'field:outbox' %}");
      });
    }));
    return;
  }
  event.respondWith(caches.match(req, { ignoreSearch: true }).then(function (hit) { return hit || fetch(req); }));
});

/* The outbox key, in this worker's memory only: a page of the app hands it over after the PIN
   and every few seconds with the clerk's last touch (IDLE_MS without one, the worker forgets it);
   a page opened next asks for it; a page locked by the clerk or by idleness says so. */
self.addEventListener("message", function (event) {
  var data = event.data || {}, O = self.LaydownOutbox;
  if (data.keyGive) O.keyKeep(data.keyGive, data.activeAt, data.idleMs);
  if (data.lock) O.lock();
  if (data.wantKey && event.ports[0]) event.ports[0].postMessage({ key: O.keyHeld() });
});

function tell() {
  return self.clients.matchAll().then(function (clients) {
    clients.forEach(function (c) { c.postMessage({ outbox: true }); });
  });
}

self.addEventListener("sync", function (event) {
  /* Locked (no page of the app holds the key), the sync sends nothing and ends: the page sends
     the outbox once the PIN is typed. */
  if (event.tag === "laydown-outbox") {
    event.waitUntil(self.LaydownOutbox.syncAll().then(tell, function (err) { return tell().then(function () { throw err; }); }));
  }
});
