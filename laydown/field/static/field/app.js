/* Laydown field app, page side: enrolment, the PIN that opens the outbox, the offline forms
   ("register the next one", suggestions, lists from the device's vocabularies), the outbox page
   and sync on reconnect (Background Sync where the browser has it, else a retry loop with
   back-off). Without JavaScript the pages are ordinary forms that post to the server. */
(function () {
  "use strict";
  var script = document.currentScript;
  var O = window.LaydownOutbox;
  var delay = 2000;
  var retry = null;
  var lastTouch = Date.now();  /* the clerk's last touch: IDLE_MS without one locks the app */
  var afterUnlock = [];

  function $(sel, el) { return (el || document).querySelector(sel); }
  function $$(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }
  function fmt(text, values) {
    return (text || "").replace(/%\((\w+)\)s/g, function (_m, k) { return values[k] === undefined ? "" : values[k]; });
  }
  function status(text) {
    var el = $("#field-status") || $("#sync-text");
    if (el) { el.textContent = text; el.hidden = !text; }
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !script.dataset.sw) return Promise.resolve(null);
    return navigator.serviceWorker.register(script.dataset.sw).then(function () {
      return navigator.serviceWorker.ready;
    }).catch(function () { return null; });
  }

  /* The device's credential arrives in the enrolment link's fragment (never sent to a server). */
  function enrol() {
    var box = $("#enrol-status");
    var secret = decodeURIComponent(location.hash.slice(1));
    if (!secret) return Promise.resolve();
    box.textContent = box.dataset.working;
    return O.put("config", secret, "token").then(refreshDevice).then(function (ok) {
      history.replaceState(null, "", location.pathname);
      box.textContent = ok ? box.dataset.done : box.dataset.failed;
    }, function () { box.textContent = navigator.onLine ? box.dataset.failed : box.dataset.offline; });
  }

  /* Online: fetch the device's key (a revoked device gets none) and the vocabularies. */
  function refreshDevice() {
    return O.token().then(function (secret) {
      if (!secret || !navigator.onLine) return false;
      return O.call("field/device").then(function (res) {
        if (res.status === 401) return O.put("config", true, "revoked").then(function () { return false; });
        if (!res.ok) return false;
        return res.json().then(function (device) {
          return O.serverKeys(device.key, device.pin_key)
            .then(function () {
              delete device.key; delete device.pin_key;
              return O.put("config", device, "device");
            })
            .then(function () { return O.put("config", false, "revoked"); })
            .then(function () { return O.del("config", "wiped"); })
            .then(function () { return O.call("field/vocab"); })
            .then(function (r) { return r.ok ? r.json() : null; })
            .then(function (vocab) { return vocab && O.put("config", vocab, "vocab"); })
            .then(function () { return true; });
        });
      });
    }).catch(function () { return false; });
  }

  function options(select, list) {
    var keep = select.value;
    $$("option", select).forEach(function (o) { if (o.value) o.remove(); });
    (list || []).forEach(function (pair) {
      var o = document.createElement("option");
      o.value = pair[0]; o.textContent = pair[1];
      select.appendChild(o);
    });
    if (keep) select.value = keep;
  }

  function unique(values) {
    var seen = {}, out = [];
    values.forEach(function (v) { if (v && !seen[v]) { seen[v] = 1; out.push(v); } });
    return out;
  }

  /* Makes, models and calibres suggested from the site's recent entries first, then the whole
     vocabulary; models follow the make typed. */
  function suggest(form, values) {
    var site = form.elements.site ? form.elements.site.value : "";
    var make = form.elements.make ? form.elements.make.value.toLowerCase() : "";
    var recent = ((values.recent || {})[site] || []).map(function (r) { return [r.make, r.model, r.calibre]; });
    var rows = recent.concat(values.weapons || []);
    var lists = {
      makes: unique(rows.map(function (r) { return r[0]; })),
      models: unique(rows.filter(function (r) { return !make || (r[0] || "").toLowerCase() === make; }).map(function (r) { return r[1]; })),
      calibres: unique(rows.map(function (r) { return r[2]; }))
    };
    $$("input[data-suggest]", form).forEach(function (input) {
      var list = document.getElementById(input.getAttribute("list"));
      if (!list) return;
      list.innerHTML = "";
      (lists[input.dataset.suggest] || []).slice(0, 100).forEach(function (v) {
        var o = document.createElement("option"); o.value = v; list.appendChild(o);
      });
    });
  }

  function fillLists(form) {
    return O.get("config", "vocab").then(function (vocab) {
      var values = (vocab && vocab.values) || {};
      $$("select[data-vocab]", form).forEach(function (s) {
        if (values[s.dataset.vocab]) options(s, values[s.dataset.vocab]);
      });
      var holder = $("[data-questions]", form);
      if (holder && values.questions) {
        values.questions.forEach(function (q) {
          var p = document.createElement("p"), label = document.createElement("label"), sel = document.createElement("select");
          sel.name = holder.dataset.questions + q[0]; sel.id = "f-" + sel.name; label.htmlFor = sel.id; label.textContent = q[1];
          ["", "yes", "no", "unknown"].forEach(function (v) { var o = document.createElement("option"); o.value = v; o.textContent = v || "—"; sel.appendChild(o); });
          p.className = "field"; p.appendChild(label); p.appendChild(sel); holder.appendChild(p);
        });
      }
      suggest(form, values);
      form.addEventListener("input", function (e) {
        if (e.target.name === "make" || e.target.name === "site") suggest(form, values);
      });
    });
  }

  /* The form's fields as the API's body: the same rules as the server's payload_from_post. */
  function payloadOf(form) {
    var payload = {};
    $$("input, select, textarea", form).forEach(function (el) {
      if (!el.name || el.type === "file" || el.name === "submission" || el.name === "csrfmiddlewaretoken") return;
      var value = (el.value || "").trim();
      if (!value) return;
      var out = el.name === "identifiers" ? value.split(/\n/).map(function (s) { return s.trim(); }).filter(Boolean) : value;
      var parts = el.name.split("."), into = payload;
      parts.slice(0, -1).forEach(function (p) { into = into[p] = into[p] || {}; });
      into[parts[parts.length - 1]] = out;
    });
    return payload;
  }

  function summaryOf(form, payload) {
    var parts = ["site", "make", "model", "serial", "type", "calibre", "quantity", "description", "place", "item", "date"]
      .filter(function (k) { return payload[k]; }).map(function (k) { return payload[k]; });
    if (form.dataset.form === "people.registration") parts = [payload.region, payload.category];
    return parts.join(" · ");
  }

  /* The photos chosen, made smaller before they are kept (outbox.js shrink: a long side of at
     most 1600 px, WebP, no EXIF): a tent's network is slow, and they travel after the record. */
  function photoOf(form) {
    var input = form.elements.photo;
    var files = input && input.files ? Array.prototype.slice.call(input.files) : [];
    return Promise.all(files.map(O.shrink));
  }

  function enhanceForm(form) {
    return O.token().then(function (enrolled) {
      fillLists(form);
      var editing = new URLSearchParams(location.search).get("edit");
      if (editing) { loadForEdit(form, editing); afterUnlock.push(function () { loadForEdit(form, editing); }); }
      if (!enrolled) { status(script.dataset.notEnrolled || ""); return; }
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        if (!O.keyHeld()) { pinPanel(true); return; }
        var payload = payloadOf(form);
        var id = editing || undefined;
        photoOf(form).then(function (photos) {
          return O.save(form.dataset.form, { payload: payload, photos: photos, summary: summaryOf(form, payload) }, id);
        }).then(function () {
          editing = null;
          history.replaceState(null, "", location.pathname);
          nextOne(form);
          form.dataset.saved = String(Number(form.dataset.saved || 0) + 1);
          status(script.dataset.saved);
          counter();
          soon();
        }, function (err) { status(String(err)); });
      });
    });
  }

  function loadForEdit(form, id) {
    O.get("outbox", id).then(function (rec) {
      if (!rec) return;
      return O.unseal(rec.id, rec.sealed).then(function (body) {
        var flat = {};
        (function walk(obj, prefix) {
          Object.keys(obj || {}).forEach(function (k) {
            var v = obj[k];
            if (v && typeof v === "object" && !Array.isArray(v)) walk(v, prefix + k + ".");
            else flat[prefix + k] = Array.isArray(v) ? v.join("\n") : v;
          });
        })(body.payload, "");
        Object.keys(flat).forEach(function (name) { if (form.elements[name]) form.elements[name].value = flat[name]; });
        var fields = (rec.problem && rec.problem.fields) || {};
        Object.keys(fields).forEach(function (name) {
          var slot = $('[data-error-for="' + name + '"]', form);
          if (slot) slot.textContent = fields[name];
        });
        status((rec.problem && rec.problem.message) || rec.note || "");
      });
    });
  }

  /* "Register the next one": site, category, make, model (and the other kept fields) stay. */
  function nextOne(form) {
    $$("input, select, textarea", form).forEach(function (el) {
      if (el.hasAttribute("data-keep") || el.type === "hidden") return;
      if (el.tagName === "SELECT") el.selectedIndex = 0; else el.value = "";
    });
    $$(".field-error", form).forEach(function (el) { el.textContent = ""; });
    var first = $$("input:not([data-keep]):not([type=hidden]), select:not([data-keep])", form)[0];
    if (first) first.focus();
  }

  function counter() {
    return Promise.all([O.all("outbox"), O.photosWaiting()]).then(function (got) {
      var n = got[0].filter(function (r) { return r.status === "waiting"; }).length;
      var photos = Object.keys(got[1]).reduce(function (sum, id) { return sum + got[1][id]; }, 0);
      var el = $("#outbox-count");
      if (el) el.textContent = n ? "(" + n + ")" : "";
      var line = $("#photos-line"), labels = $("#labels");
      if (line && labels) { line.textContent = photos ? fmt(labels.dataset.photosLeft, { n: photos }) : ""; line.hidden = !photos; }
    });
  }

  function renderOutbox() {
    var table = $("#outbox");
    if (!table) return Promise.resolve();
    var labels = $("#labels").dataset;
    return Promise.all([O.all("outbox"), O.get("config", "device"), O.get("config", "revoked"), O.photosWaiting(),
                        O.get("config", "wiped")]).then(function (got) {
      var photos = got[3];
      var rows = got[0].sort(function (a, b) { return b.saved - a.saved; });
      var device = got[1], line = $("#device-line");
      line.textContent = got[4] ? labels.wiped : got[2] ? labels.revoked : device
        ? fmt(labels.device, { device: device.name, user: device.user, until: (device.expires_at || "").slice(0, 10) })
        : labels.noDevice;
      $("#sync-now").hidden = !device;
      var body = $("tbody", table);
      return Promise.all(rows.map(function (rec) {
        return O.unseal(rec.id, rec.sealed).catch(function () { return {}; }).then(function (b) { return [rec, b]; });
      })).then(function (pairs) {
        body.innerHTML = "";
        pairs.forEach(function (pair) {
          var rec = pair[0], tr = document.createElement("tr");
          tr.dataset.status = rec.status; tr.dataset.id = rec.id;
          var why = rec.problem && rec.problem.message ? rec.problem.message : "";
          if (rec.problem && rec.problem.fields) {
            why += " " + Object.keys(rec.problem.fields).map(function (k) { return k + ": " + rec.problem.fields[k]; }).join("; ");
          }
          if (rec.note) why += " " + rec.note;
          if (rec.result) why += " " + Object.keys(rec.result).map(function (k) { return rec.result[k]; }).join(" ");
          var state = labels[rec.status.replace("-", "_")] || rec.status;
          if (photos[rec.id]) {
            tr.dataset.photos = String(photos[rec.id]);
            state = fmt(rec.status === "sent" ? labels.sentPhotos : labels.photos, { status: state, n: photos[rec.id] });
          }
          [new Date(rec.saved).toLocaleString(), rec.form, pair[1].summary || "", state, why.trim()]
            .forEach(function (text) { var td = document.createElement("td"); td.textContent = text; tr.appendChild(td); });
          if (rec.status === "refused" || rec.status === "sent_back") {
            var a = document.createElement("a");
            a.href = "../app/" + rec.form + "/?edit=" + rec.id; a.textContent = labels.edit;
            tr.lastChild.appendChild(document.createTextNode(" ")); tr.lastChild.appendChild(a);
          }
          body.appendChild(tr);
        });
      });
    });
  }

  function progress(done, total, phase) {
    var bar = $("#sync-progress"), labels = $("#labels");
    if (bar) { bar.hidden = !total; bar.max = total || 1; bar.value = done; }
    var sending = phase === "photos" ? labels && labels.dataset.sendingPhotos : labels && labels.dataset.sending;
    if (labels) status(total && done < total ? fmt(sending, { done: done, total: total }) : labels.dataset.done);
    if (phase === "photos" || done === total) counter();
  }

  /* Sync now if online; on failure try again after 2, 4, 8 ... 60 s. */
  function sync() {
    clearTimeout(retry);
    if (!navigator.onLine) {
      var labels = $("#labels");
      if (labels) status(labels.dataset.offline);
      return Promise.resolve();
    }
    return O.syncAll(progress).then(function (done) {
      delay = 2000;
      var panel = $("#pin-panel");
      if (done && done.locked && panel) status(panel.dataset.waits);
      if (done && done.again) retry = setTimeout(sync, 0);  /* records saved meanwhile go first */
    }, function () {
      retry = setTimeout(sync, delay);
      delay = Math.min(delay * 2, 60000);
    }).then(function () { return Promise.all([counter(), renderOutbox()]); });
  }

  function soon() {
    navigator.serviceWorker && navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) return reg.sync.register("laydown-outbox");
      return null;
    }).catch(function () { return null; });
    if (navigator.onLine) sync();
  }

  /* ---- the PIN: the outbox key, unwrapped, lives in this page and in the service worker ---- */

  function idleMs() { return O.get("config", "idleMs").then(function (ms) { return ms || O.IDLE_MS; }); }

  /* The active service worker: the one already registered at once (a page opened after
     another), else the one being registered, waiting up to `wait` ms. */
  function workerOf(wait) {
    if (!navigator.serviceWorker) return Promise.resolve(null);
    return navigator.serviceWorker.getRegistration().catch(function () { return null; }).then(function (reg) {
      if (reg && reg.active) return reg.active;
      return Promise.race([started, new Promise(function (resolve) { setTimeout(resolve, wait); })])
        .then(function (r) { return (r && r.active) || null; });
    });
  }

  /* The key to the service worker, with the clerk's last touch: it keeps the key while a page of
     the app reminds it (every few seconds), for the next page and for Background Sync. */
  function keyToWorker() {
    var key = O.keyHeld();
    if (!key) return Promise.resolve();
    return Promise.all([workerOf(60000), idleMs()]).then(function (got) {
      if (got[0]) got[0].postMessage({ keyGive: key, activeAt: lastTouch, idleMs: got[1] });
    });
  }

  function keyFromWorker() {
    return workerOf(3000).then(function (active) {
      if (!active) return null;
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        /* a worker stopped meanwhile starts again first: on a busy tablet that takes seconds */
        var timer = setTimeout(function () { resolve(null); }, 10000);
        channel.port1.onmessage = function (e) { clearTimeout(timer); resolve((e.data && e.data.key) || null); };
        active.postMessage({ wantKey: true }, [channel.port2]);
      });
    }).then(function (key) { if (key) O.keyKeep(key, lastTouch); return key; });
  }

  function lockNow() {
    O.lock();
    workerOf(3000).then(function (active) { if (active) active.postMessage({ lock: true }); });
    return pinPanel(false).then(function () { return Promise.all([counter(), renderOutbox()]); });
  }

  function idleCheck() {
    if (!O.keyHeld()) return;
    idleMs().then(function (ms) {
      if (Date.now() - lastTouch > ms) lockNow(); else keyToWorker();
    });
  }

  /* The panel above the page: choose a PIN, type it, or connect to get the key again. `ask`: the
     clerk tried to save while locked. */
  function pinPanel(ask) {
    var panel = $("#pin-panel");
    if (!panel) return Promise.resolve(null);
    return Promise.all([O.pinState(), O.token(), O.get("config", "pinWiped"), idleMs()]).then(function (got) {
      var state = got[0], L = panel.dataset;
      panel.dataset.state = state;
      panel.hidden = !got[1] || state === "unlocked";
      $("#pin-form").hidden = state === "offline";
      $("#pin-again-field").hidden = state !== "choose";
      $("#pin-title").textContent = state === "choose" ? L.chooseTitle : L.lockedTitle;
      $("#pin-text").textContent = state === "choose" ? fmt(L.choose, { tries: O.PIN_TRIES, minutes: Math.round(got[3] / 60000) })
        : state === "locked" ? L.locked : got[2] ? L.forgotten : L.needsNetwork;
      $("#pin-submit").textContent = state === "choose" ? L.chooseButton : L.unlockButton;
      var lockButton = $("#lock-now");
      if (lockButton) lockButton.hidden = state !== "unlocked";
      if (ask && !panel.hidden) { panel.scrollIntoView(); $("#pin-input").focus(); }
      return state;
    });
  }

  function pinError(text) { var el = $("#pin-error"); el.textContent = text || ""; }

  function pinSubmit(e) {
    e.preventDefault();
    var panel = $("#pin-panel"), L = panel.dataset, input = $("#pin-input"), again = $("#pin-again");
    var pin = input.value, state = panel.dataset.state, button = $("#pin-submit");
    pinError("");
    if (state === "choose" && !O.pinAcceptable(pin)) return pinError(L.weak);
    if (state === "choose" && pin !== again.value) return pinError(L.mismatch);
    button.disabled = true;
    status(L.working);
    var done = state === "choose" ? O.pinSet(pin).then(function () { return { ok: true }; }) : O.pinUnlock(pin);
    return done.then(function (answer) {
      input.value = ""; again.value = "";
      if (!answer.ok) {
        pinError(answer.left ? fmt(L.wrong, { left: answer.left }) : L.forgotten);
        return pinPanel(false);
      }
      lastTouch = Date.now();
      keyToWorker();
      afterUnlock.forEach(function (f) { f(); });
      return pinPanel(false).then(sync);
    }, function () { pinError(L.forgotten); return pinPanel(false); })
      .finally(function () { button.disabled = false; status(""); });
  }

  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function () { lastTouch = Date.now(); }, { capture: true, passive: true });
  });
  setInterval(idleCheck, 5000);

  window.addEventListener("online", function () { refreshDevice().then(function () { return pinPanel(false); }).then(sync); });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (e) {
      /* the service worker, started again by a Background Sync, asks an open page for the key */
      if (e.data && e.data.wantKey && e.ports[0]) { e.ports[0].postMessage({ key: O.keyHeld() }); return; }
      if (e.data && e.data.outbox) { counter(); renderOutbox(); }
    });
    navigator.serviceWorker.startMessages();
  }

  var started = registerWorker();
  var enrolled = script.hasAttribute("data-enrol") ? enrol() : refreshDevice();
  var ready = enrolled.then(function () {
    return O.keyHeld() ? null : keyFromWorker();
  }).then(function (key) {
    return key || O.keyHeld() || O.keyOfEarlierVersion();
  }).then(function () {
    var pin = $("#pin-form");
    if (pin) pin.addEventListener("submit", pinSubmit);
    var lockButton = $("#lock-now");
    if (lockButton) lockButton.addEventListener("click", lockNow);
    var form = $("form.field-form");
    var sn = $("#sync-now");
    if (sn) sn.addEventListener("click", sync);
    return Promise.all([pinPanel(false), form ? enhanceForm(form) : null, counter(), renderOutbox()]);
  });
  ready.then(function () { return started; }).then(sync);
  window.LaydownApp = { sync: sync, ready: ready, lock: lockNow };
})();
