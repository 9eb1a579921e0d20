/* Laydown field app: the outbox kept on the device (IndexedDB), sealed with AES-256-GCM under
   the key the server hands the enrolled device, and its exactly-once sync. Plain JS, loaded by
   the pages and by the service worker (importScripts). No build step. */
(function (root) {
  "use strict";
  var DB = "laydown-field";
  var API = "/api/v1/";
  var CONCURRENCY = 6;  /* records in flight: a record is small, the latency is what counts */
  var PHOTO_CONCURRENCY = 2;  /* photos in flight: they share the link's bytes */
  var PHOTO_SIDE = 1600;  /* a photo's long side on the device: enough to read a serial */
  var PHOTO_QUALITY = 0.7;
  var dbPromise = null;

  function idb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB, 2);
        req.onupgradeneeded = function () {
          var names = req.result.objectStoreNames;
          if (!names.contains("config")) req.result.createObjectStore("config");
          if (!names.contains("outbox")) req.result.createObjectStore("outbox", { keyPath: "id" });
          /* a record's photos, apart: {key: id + ":" + sha, id, sha, type, status, sealed} */
          if (!names.contains("photos")) req.result.createObjectStore("photos", { keyPath: "key" });
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
  /* keys only (a photo's key is its record's id, ":" and its SHA-256): no photo read */
  function keys(store, range) { return run(store, "readonly", function (s) { return s.getAllKeys(range); }); }
  function count(store) { return run(store, "readonly", function (s) { return s.count(); }); }
  function clear(store) { return run(store, "readwrite", function (s) { return s.clear(); }); }

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

  function sealBytes(label, bytes) {
    return get("config", "key").then(function (key) {
      if (!key) throw new Error("no-key");
      var iv = crypto.getRandomValues(new Uint8Array(12));
      var data = new TextEncoder().encode(label);
      return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: data }, key, bytes)
        .then(function (ct) { return { iv: iv, ct: ct }; });
    });
  }

  function unsealBytes(label, sealed) {
    return get("config", "key").then(function (key) {
      if (!key) throw new Error("no-key");
      var data = new TextEncoder().encode(label);
      return crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv, additionalData: data }, key, sealed.ct);
    });
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* A photo made smaller before it is kept: its long side at most PHOTO_SIDE px, re-encoded as
     WebP (JPEG where the browser cannot write WebP). Drawing it on a canvas keeps the pixels
     only: no EXIF (no place, no camera, no time) leaves the device. */
  function shrink(file) {
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
      var w = Math.max(1, Math.round(bitmap.width * scale)), h = Math.max(1, Math.round(bitmap.height * scale));
      var canvas = typeof OffscreenCanvas !== "undefined" ? new OffscreenCanvas(w, h) : document.createElement("canvas");
      canvas.width = w; canvas.height = h;
      canvas.getContext("2d").drawImage(bitmap, 0, 0, w, h);
      if (bitmap.close) bitmap.close();
      var encode = function (type) {
        if (canvas.convertToBlob) return canvas.convertToBlob({ type: type, quality: PHOTO_QUALITY });
        return new Promise(function (resolve) { canvas.toBlob(resolve, type, PHOTO_QUALITY); });
      };
      return encode("image/webp").then(function (blob) {
        return blob && blob.type === "image/webp" ? blob : encode("image/jpeg");
      });
    }).then(function (blob) {
      return blob.arrayBuffer().then(function (bytes) { return { type: blob.type, bytes: new Uint8Array(bytes) }; });
    });
  }

  function photoLabel(id, sha) { return "laydown-photo:" + id + ":" + sha; }

  /* Keep a record's photos apart from it, each sealed and named by its SHA-256; return the
     names of all the record's photos (those kept before, when a record is corrected, too). */
  function photosKeep(id, photos) {
    return Promise.all((photos || []).map(function (photo) {
      var bytes = photo.bytes || b64ToBytes(photo.b64);
      return crypto.subtle.digest("SHA-256", bytes).then(function (digest) {
        var sha = hex(digest);
        return sealBytes(photoLabel(id, sha), bytes).then(function (sealed) {
          return put("photos", { key: id + ":" + sha, id: id, sha: sha, type: photo.type, status: "waiting",
                                 size: bytes.byteLength, problem: null, sealed: sealed });
        });
      });
    })).then(function () {
      return keys("photos", IDBKeyRange.bound(id + ":", id + ";"));
    }).then(function (found) {
      return found.map(function (key) { return key.split(":")[1]; });
    });
  }

  /* Save a submission: {payload, photos: [{type, bytes}], summary}. The photos are kept apart
     (photosKeep) and the payload names them by SHA-256, so the record travels without them;
     payload and summary sealed, the status in clear. */
  function save(form, body, id) {
    id = id || crypto.randomUUID();
    return photosKeep(id, body.photos).then(function (shas) {
      body = Object.assign({}, body, { payload: Object.assign({}, body.payload) });
      delete body.photos;
      if (shas.length) body.payload.photos = shas;
      return seal(id, body);
    }).then(function (sealed) {
      /* a record saved while photos are being sent goes before the rest of them */
      put("config", Date.now(), "savedAt");
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

  /* Send a record; its photos are only named (payload.photos), and follow in sendPhotos. */
  function send(rec) {
    return unseal(rec.id, rec.sealed).then(function (body) {
      var payload = Object.assign({}, body.payload);
      /* an outbox kept by an earlier version holds its photos inside the record */
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

  /* A photo of a record the server accepted, sent by its SHA-256 to the record's tag: once
     stored (or found there already) it leaves the device. A photo of a rejected record goes. */
  function sendPhoto(key, rec) {
    if (!rec || rec.status === "rejected") return del("photos", key);
    var tag = rec.result && rec.result.tag;
    if (!tag) return Promise.resolve();
    var photo = null;
    return get("photos", key).then(function (row) {
      photo = row;
      if (!photo || photo.status !== "waiting") return null;
      return unsealBytes(photoLabel(photo.id, photo.sha), photo.sealed);
    }).then(function (bytes) {
      if (!bytes) return null;
      var data = new FormData();
      data.append("file", new Blob([bytes], { type: photo.type }), "photo");
      return call("arms/photos/" + encodeURIComponent(tag) + "/" + photo.sha, { method: "POST", body: data });
    }).then(function (res) {
      if (!res) return null;
      if (res.status === 200 || res.status === 201) return del("photos", photo.key);
      if (res.status === 422 || res.status === 404) {
        return res.json().catch(function () { return {}; }).then(function (answer) {
          return get("photos", photo.key).then(function (now) {
            if (!now) return null;
            now.status = "refused"; now.problem = answer.error || { message: String(res.status) };
            return put("photos", now);
          });
        });
      }
      return refused(res);
    });
  }

  /* The photos waiting whose record is sent (or rejected), PHOTO_CONCURRENCY at a time. Each is
     one upload by its hash: a connection lost halfway loses that photo's upload only, and the
     next sync sends it again; the server stores a photo once, whoever sends it how often. */
  function sendPhotos(progress) {
    return Promise.all([keys("photos"), all("outbox")]).then(function (got) {
      var records = {};
      got[1].forEach(function (r) { records[r.id] = r; });
      var queue = got[0].filter(function (key) {
        var rec = records[key.split(":")[0]];
        return !rec || rec.status === "sent" || rec.status === "rejected";
      });
      var total = queue.length, done = 0, failed = null, started = Date.now(), interrupted = false;
      if (progress && total) progress(0, total, "photos");
      function worker() {
        if (!queue.length || failed || interrupted) return Promise.resolve();
        return get("config", "savedAt").then(function (savedAt) {
          if (savedAt > started) { interrupted = true; return null; }
          var key = queue.shift();
          return key ? sendPhoto(key, records[key.split(":")[0]]).then(function () { return key; }) : null;
        }).then(function (photo) {
          if (!photo) return;
          done += 1;
          if (progress) progress(done, total, "photos");
        }, function (err) { failed = err; }).then(worker);
      }
      var workers = [];
      for (var i = 0; i < PHOTO_CONCURRENCY; i++) workers.push(worker());
      return Promise.all(workers).then(function () {
        if (failed) throw failed;
        return { sent: done, left: total - done, interrupted: interrupted };
      });
    });
  }

  /* How many photos each record still keeps on the device: {id: n}. */
  function photosWaiting() {
    return keys("photos").then(function (found) {
      var out = {};
      found.forEach(function (key) { var id = key.split(":")[0]; out[id] = (out[id] || 0) + 1; });
      return out;
    });
  }

  /* Remote wipe: a device the server revoked (or let expire) has sent what it held (held there
     for a supervisor), then forgets everything: the outbox's key, the outbox and its photos, the
     vocabularies, its credential and the app's cached pages. Only the fact stays. */
  function wipe() {
    return Promise.all(["key", "vocab", "device", "token"].map(function (k) { return del("config", k); }))
      .then(function () { return Promise.all([clear("outbox"), clear("photos")]); })
      .then(function () { return put("config", new Date().toISOString(), "wiped"); })
      .then(function () {
        if (!self.caches) return null;
        return caches.keys().then(function (names) {
          return Promise.all(names.filter(function (n) { return n.indexOf("laydown-field") === 0; })
            .map(function (n) { return caches.delete(n); }));
        });
      });
  }

  var syncing = null;

  /* Send every waiting submission, CONCURRENCY at a time, then the photos of those sent; each
     carries its id, so a retry, or a second sync running at once (the page and the service
     worker), writes nothing twice. */
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
          return sendPhotos(progress);
        }).then(function (photos) {
          return { sent: done, left: total - done, photos: photos.sent, photosLeft: photos.left,
                   again: photos.interrupted };
        }).then(function (result) {
          return get("config", "revoked").then(function (revoked) {
            return revoked ? wipe().then(function () { result.wiped = true; return result; }) : result;
          });
        });
      });
    }).finally(function () { syncing = null; });
    return syncing;
  }

  root.LaydownOutbox = {
    get: get, put: put, del: del, all: all, save: save, seal: seal, unseal: unseal,
    keySet: keySet, token: token, wipe: wipe, call: call, syncAll: syncAll, shrink: shrink, keys: keys, count: count,
    photosWaiting: photosWaiting
  };
})(self);
