/* Laydown field app: the outbox kept on the device (IndexedDB), sealed with AES-256-GCM under
   the key the server hands the enrolled device, and its exactly-once sync. Plain JS, loaded by
   the pages and by the service worker (importScripts). No build step.

   The outbox key is kept on the device only wrapped under a key made from the clerk's PIN
   (PBKDF2-SHA-256, PIN_ITERATIONS, a random salt) and the server's PIN key (HMAC over the
   PBKDF2's bits), so that neither the browser's profile nor the PIN alone opens it. Unwrapped,
   it lives in memory only: in the page, and in the service worker while a page keeps it there
   (the worker forgets it after IDLE_MS without the clerk's hand, and dies with the browser). */
(function (root) {
  "use strict";
  var DB = "laydown-field";
  var API = "/api/v1/";
  var CONCURRENCY = 6;  /* records in flight: a record is small, the latency is what counts */
  var PHOTO_CONCURRENCY = 2;  /* photos in flight: they share the link's bytes */
  var PHOTO_SIDE = 1600;  /* a photo's long side on the device: enough to read a serial */
  var PHOTO_QUALITY = 0.7;
  /* PBKDF2 is the only password hash WebCrypto has (no Argon2, no scrypt): OWASP's count for
     PBKDF2-HMAC-SHA256 (2023), about half a second on a tablet */
  var PIN_ITERATIONS = 600000;
  var PIN_TRIES = 5;  /* wrong PINs in a row before the device forgets its key material */
  var IDLE_MS = 10 * 60 * 1000;  /* without the clerk's hand, the app locks itself */
  var dbPromise = null;
  var heldKey = null;  /* the outbox key, unwrapped: memory only */
  var activeAt = 0;  /* the clerk's last touch, as the page reported it (the worker's copy) */
  var idleMs = IDLE_MS;
  var syncKey = null;  /* the key a running sync took at its start: it finishes with it */
  var pending = null;  /* the server's keys, arrived while no PIN wraps them yet (page only) */

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

  function lockedError() { var err = new Error("locked"); err.locked = true; return err; }

  function isWorker() { return typeof window === "undefined" && !!self.clients; }

  /* The key held in memory, while the clerk's hand was there in the last idleMs. */
  function keyHeld() {
    if (heldKey && isWorker() && Date.now() - activeAt > idleMs) heldKey = null;
    return heldKey;
  }

  function outboxKey() {
    var key = keyHeld() || syncKey;
    return key ? Promise.resolve(key) : Promise.reject(lockedError());
  }

  /* The page hands the worker the key (after the PIN, and every minute while the clerk works),
     and asks it for the key when it opens (a page of the app opened after another). */
  function keyKeep(key, at, idle) {
    heldKey = key; activeAt = Math.max(activeAt, at || Date.now()); idleMs = idle || IDLE_MS;
  }
  function lock() { heldKey = null; pending = null; }

  /* The worker holds no key of its own once it was stopped: it asks an open page of the app. */
  function keyFromPages() {
    return self.clients.matchAll({ type: "window" }).then(function (pages) {
      return Promise.all(pages.map(function (client) {
        return new Promise(function (resolve) {
          var channel = new MessageChannel();
          var timer = setTimeout(function () { resolve(null); }, 3000);
          channel.port1.onmessage = function (e) { clearTimeout(timer); resolve((e.data && e.data.key) || null); };
          client.postMessage({ wantKey: true }, [channel.port2]);
        });
      }));
    }).then(function (keys) { return keys.filter(Boolean)[0] || null; });
  }

  function importOutboxKey(bytes) {
    return crypto.subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  }

  function pinKek(pin, wrap) {
    var encoder = new TextEncoder();
    return Promise.all([
      get("config", "pinKey"),
      crypto.subtle.importKey("raw", encoder.encode(pin.normalize("NFC")), "PBKDF2", false, ["deriveBits"])
    ]).then(function (got) {
      if (!got[0]) throw lockedError();
      return crypto.subtle.deriveBits(
        { name: "PBKDF2", hash: "SHA-256", salt: wrap.salt, iterations: wrap.iterations }, got[1], 256
      ).then(function (bits) { return crypto.subtle.sign("HMAC", got[0], bits); });
    }).then(function (mac) {
      return crypto.subtle.importKey("raw", mac, { name: "AES-GCM" }, false, ["encrypt", "unwrapKey"]);
    });
  }
  var WRAP_AAD = new TextEncoder().encode("laydown-outbox-key");

  /* What the app can do now: "unlocked"; "locked" (a PIN wraps the key: type it); "choose" (the
     server's keys are here and no PIN wraps them yet); "offline" (no key at all on the device: it
     needs the network, after too many wrong PINs or before its first PIN). */
  function pinState() {
    if (keyHeld()) return Promise.resolve(pending ? "choose" : "unlocked");
    return Promise.all([get("config", "pinWrap"), get("config", "pinKey")]).then(function (got) {
      if (got[0] && got[1]) return "locked";
      return pending ? "choose" : "offline";
    });
  }

  /* The server's keys (GET /api/v1/field/device), each 32 bytes base64. Kept in the page's
     memory until the clerk chooses a PIN; a device whose PIN already wraps them ignores them (the
     server's key never opens the outbox without the PIN). A device of an earlier version keeps
     working with its stored key until then. */
  function serverKeys(keyB64, pinKeyB64) {
    return Promise.all([get("config", "pinWrap"), get("config", "pinKey"), get("config", "key")]).then(function (got) {
      if (got[0] && got[1]) return pinState();
      pending = { key: b64ToBytes(keyB64), pinKey: b64ToBytes(pinKeyB64) };
      if (got[2] && !heldKey) heldKey = got[2];
      return "choose";
    });
  }

  /* A device of an earlier version keeps its key stored (no PIN wraps it yet): it keeps working
     with it, offline too, until the server's keys arrive and the clerk chooses a PIN. */
  function keyOfEarlierVersion() {
    return Promise.all([get("config", "key"), get("config", "pinWrap")]).then(function (got) {
      if (got[0] && !got[1] && !heldKey) heldKey = got[0];
      return heldKey;
    });
  }

  /* A PIN of at least 6 digits (not all one digit, nor in a row) or a passphrase of at least 10
     characters. */
  function pinAcceptable(pin) {
    if (/^\d+$/.test(pin)) {
      return pin.length >= 6 && !/^(\d)\1+$/.test(pin) &&
        "01234567890".indexOf(pin) < 0 && "09876543210".indexOf(pin) < 0;
    }
    return pin.length >= 10;
  }

  /* The clerk's PIN wraps the server's outbox key: kept are the salt, the count, the nonce and
     the wrapped key, and the server's PIN key (non-extractable). The key is then held. */
  function pinSet(pin) {
    if (!pending) return Promise.reject(lockedError());
    var keys = pending;
    var wrap = { salt: crypto.getRandomValues(new Uint8Array(16)), iterations: PIN_ITERATIONS,
                 iv: crypto.getRandomValues(new Uint8Array(12)), wrapped: null };
    return crypto.subtle.importKey("raw", keys.pinKey, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      .then(function (pinKey) { return put("config", pinKey, "pinKey"); })
      .then(function () { return pinKek(pin, wrap); })
      .then(function (kek) { return crypto.subtle.encrypt({ name: "AES-GCM", iv: wrap.iv, additionalData: WRAP_AAD }, kek, keys.key); })
      .then(function (wrapped) { wrap.wrapped = wrapped; return put("config", wrap, "pinWrap"); })
      .then(function () { return Promise.all([put("config", 0, "pinFailures"), del("config", "key"), del("config", "pinWiped")]); })
      .then(function () { return importOutboxKey(keys.key); })
      .then(function (key) { heldKey = key; pending = null; activeAt = Date.now(); return key; });
  }

  /* Type the PIN: {ok: true} and the key held, or {ok: false, left: tries left}; the last wrong
     one forgets the key material (pinForget) and answers {ok: false, left: 0}. */
  function pinUnlock(pin) {
    var tries = 0;
    return get("config", "pinWrap").then(function (wrap) {
      if (!wrap) throw lockedError();
      /* counted before the try, so that closing the page during it does not save a try */
      return get("config", "pinFailures").then(function (n) {
        tries = (n || 0) + 1;
        return put("config", tries, "pinFailures");
      }).then(function () { return pinKek(pin, wrap); }).then(function (kek) {
        return crypto.subtle.unwrapKey("raw", wrap.wrapped, kek, { name: "AES-GCM", iv: wrap.iv, additionalData: WRAP_AAD },
                                       { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
      });
    }).then(function (key) {
      heldKey = key; activeAt = Date.now();
      return put("config", 0, "pinFailures").then(function () { return { ok: true, key: key }; });
    }, function (err) {
      if (err.locked) throw err;
      if (tries >= PIN_TRIES) return pinForget().then(function () { return { ok: false, left: 0 }; });
      return { ok: false, left: PIN_TRIES - tries };
    });
  }

  /* Too many wrong PINs: the key material goes (the wrapped key, the server's PIN key, a stored
     key of an earlier version); the outbox and its photos stay sealed under the server's key,
     which the server hands again to a device still enrolled (then the clerk chooses a PIN). */
  function pinForget() {
    heldKey = null; pending = null;
    return Promise.all(["pinWrap", "pinKey", "key", "pinFailures"].map(function (k) { return del("config", k); }))
      .then(function () { return put("config", new Date().toISOString(), "pinWiped"); });
  }

  function aad(id) { return new TextEncoder().encode("laydown-outbox:" + id); }

  function seal(id, value) {
    return outboxKey().then(function (key) {
      var iv = crypto.getRandomValues(new Uint8Array(12));
      var plain = new TextEncoder().encode(JSON.stringify(value));
      return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: aad(id) }, key, plain)
        .then(function (ct) { return { iv: iv, ct: ct }; });
    });
  }

  function unseal(id, sealed) {
    return outboxKey().then(function (key) {
      return crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.iv, additionalData: aad(id) }, key, sealed.ct)
        .then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); });
    });
  }

  function sealBytes(label, bytes) {
    return outboxKey().then(function (key) {
      var iv = crypto.getRandomValues(new Uint8Array(12));
      var data = new TextEncoder().encode(label);
      return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: data }, key, bytes)
        .then(function (ct) { return { iv: iv, ct: ct }; });
    });
  }

  function unsealBytes(label, sealed) {
    return outboxKey().then(function (key) {
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
    heldKey = null; pending = null; syncKey = null;
    return Promise.all(["key", "pinWrap", "pinKey", "pinFailures", "vocab", "device", "token"]
      .map(function (k) { return del("config", k); }))
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
    syncing = Promise.all([token(), keyHeld() || (isWorker() ? keyFromPages() : null)]).then(function (got) {
      var secret = got[0];
      if (!secret) return { sent: 0, left: 0 };
      /* locked: the outbox waits for the PIN (a sync already running finishes with its key) */
      if (!got[1]) return { sent: 0, left: 0, locked: true };
      syncKey = got[1];
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
    }).finally(function () { syncing = null; syncKey = null; });
    return syncing;
  }

  root.LaydownOutbox = {
    get: get, put: put, del: del, all: all, save: save, seal: seal, unseal: unseal,
    token: token, wipe: wipe, call: call, syncAll: syncAll, shrink: shrink, keys: keys, count: count,
    photosWaiting: photosWaiting, serverKeys: serverKeys, pinState: pinState, pinAcceptable: pinAcceptable,
    pinSet: pinSet, pinUnlock: pinUnlock, keyOfEarlierVersion: keyOfEarlierVersion, keyHeld: keyHeld, keyKeep: keyKeep, lock: lock, IDLE_MS: IDLE_MS,
    PIN_TRIES: PIN_TRIES
  };
})(self);
