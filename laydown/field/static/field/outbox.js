/* Laydown field app: the outbox kept on the device (IndexedDB), sealed with AES-256-GCM under
   the key the server hands the enrolled device, and its exactly-once sync. Plain JS, loaded by
   the pages and by the service worker (importScripts). No build step. */
(function (root) {
  "use strict";
  var DB = "laydown-field";
  var API = "/api/v1/";
  var CONCURRENCY = 4;
  var dbPromise = null;

  function idb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB, 1);
        req.onupgradeneeded = function () {
          req.result.createObjectStore("config");
          req.result.createObjectStore("outbox", { keyPath: "id" });
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbPromise;
  }

  function run(store, mode, act) {
    return idb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode);
        var req = act(t.objectStore(store));
        t.oncomplete = function () { resolve(req && req.result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function get(store, key) { return run(store, "readonly", function (s) { return s.get(key); }); }
  function put(store, value, key) {
    return run(store, "readwrite", function (s) { return key === undefined ? s.put(value) : s.put(value, key); });
  }
  function del(store, key) { return run(store, "readwrite", function (s) { return s.delete(key); }); }
  function all(store) { return run(store, "readonly", function (s) { return s.getAll(); }); }

  function b64ToBytes(b64) {
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /* The key arrives as 32 bytes base64 and is kept as a non-extractable CryptoKey: scripts can
     use it, none can read it out. */
  function keySet(b64) {
    return crypto.subtle.importKey("raw", b64ToBytes(b64), { name: "AES-GCM" }, false, ["encrypt", "decrypt"])
      .then(function (key) { return put("config", key, "key"); });
  }

  function aad(id) { return new TextEncoder().encode("laydown-outbox:" + id); }

  function seal(id, value) {
    return get("config", "key").then(function (key) {
      if (!key) throw new Error("no-key");
      var iv = crypto.getRandomValues(new Uint8Array(12));
      var plain = new TextEncoder().encode(JSON.stringify(value));
      return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: aad(id) }, key, plain)
        .then(function (ct) { return { iv: iv, ct: ct }; });
    });
  }

  function unseal(id, sealed) {
    return get("config", "key").then(function (key) {
      if (!key) throw new Error("no-key");
      return crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv, additionalData: aad(id) }, key, sealed.ct)
        .then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); });
    });
  }

  /* Save a submission: {payload, photos: [{type, b64}], summary} sealed; its status in clear. */
  function save(form, body, id) {
    id = id || crypto.randomUUID();
    return seal(id, body).then(function (sealed) {
      return put("outbox", {
        id: id, form: form, device_at: new Date().toISOString(), saved: Date.now(),
        status: "waiting", problem: null, result: null, note: "", sealed: sealed
      });
    }).then(function () { return id; });
  }

  function token() { return get("config", "token"); }

  function call(path, options) {
    return token().then(function (secret) {
      options = options || {};
      options.headers = Object.assign({ Authorization: "Bearer " + secret }, options.headers || {});
      options.credentials = "omit";
      return fetch(API + path, options);
    });
  }

  function refused(res) {
    return res.json().then(function (answer) {
      var err = new Error("answer " + res.status); err.status = res.status; err.answer = answer; throw err;
    });
  }

  function uploadPhoto(photo) {
    var data = new FormData();
    data.append("file", new Blob([b64ToBytes(photo.b64)], { type: photo.type }), "photo");
    return call("arms/photos", { method: "POST", body: data }).then(function (res) {
      if (!res.ok) return refused(res);
      return res.json().then(function (d) { return d.sha256; });
    });
  }

  function settle(rec, status, fields) {
    return get("outbox", rec.id).then(function (now) {
      now = now || rec;
      Object.assign(now, { status: status }, fields || {});
      return put("outbox", now);
    });
  }

  /* Once sent (or rejected), only the summary stays on the device: payload and photos go. */
  function keepSummary(rec, body) {
    return seal(rec.id, { summary: body.summary }).then(function (sealed) { return { sealed: sealed }; });
  }

  function send(rec) {
    return unseal(rec.id, rec.sealed).then(function (body) {
      var payload = Object.assign({}, body.payload);
      return Promise.all((body.photos || []).map(uploadPhoto)).then(function (shas) {
        if (shas.length) payload.photos = shas;
        return call("field/submissions", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ id: rec.id, form: rec.form, device_at: rec.device_at, payload: payload })
        });
      }).then(function (res) {
        if (res.status === 200 || res.status === 201 || res.status === 202) {
          return res.json().then(function (answer) {
            var status = answer.status === "accepted" ? "sent" : answer.status;
            var extra = { result: answer.result, problem: answer.problem, note: answer.note };
            if (status === "sent" || status === "rejected") {
              return keepSummary(rec, body).then(function (s) { return settle(rec, status, Object.assign(extra, s)); });
            }
            return settle(rec, status, extra);
          });
        }
        return refused(res);
      }).catch(function (err) {
        if (err.status === 422 && err.answer) return settle(rec, "refused", { problem: err.answer.error });
        throw err;
      });
    });
  }

  function poll(rec) {
    return call("field/submissions/" + rec.id).then(function (res) {
      if (!res.ok) return null;
      return res.json().then(function (answer) {
        var status = answer.status === "accepted" ? "sent" : answer.status;
        if (status === rec.status) return null;
        return settle(rec, status, { result: answer.result, problem: answer.problem, note: answer.note });
      });
    });
  }

  var syncing = null;

  /* Send every waiting submission, CONCURRENCY at a time; each carries its id, so a retry, or a
     second sync running at once (the page and the service worker), writes nothing twice. */
  function syncAll(progress) {
    if (syncing) return syncing;
    syncing = token().then(function (secret) {
      if (!secret) return { sent: 0, left: 0 };
      return all("outbox").then(function (rows) {
        var waiting = rows.filter(function (r) { return r.status === "waiting"; });
        var held = rows.filter(function (r) { return r.status === "needs_review"; });
        var total = waiting.length, done = 0, failed = null, queue = waiting.slice();
        if (progress) progress(0, total);
        function worker() {
          var rec = queue.shift();
          if (!rec || failed) return Promise.resolve();
          return send(rec).then(function () {
            done += 1;
            if (progress) progress(done, total);
          }, function (err) { failed = err; }).then(worker);
        }
        var workers = [];
        for (var i = 0; i < CONCURRENCY; i++) workers.push(worker());
        return Promise.all(workers).then(function () {
          return Promise.all(held.map(function (r) { return poll(r).catch(function () { return null; }); }));
        }).then(function () {
          if (failed) throw failed;
          return { sent: done, left: total - done };
        });
      });
    }).finally(function () { syncing = null; });
    return syncing;
  }

  root.LaydownOutbox = {
    get: get, put: put, del: del, all: all, save: save, seal: seal, unseal: unseal,
    keySet: keySet, token: token, call: call, syncAll: syncAll
  };
})(self);
