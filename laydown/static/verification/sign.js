// Signing a report in the browser with the observer's own Ed25519 key (WebCrypto).
//
// The private key never leaves the device: it is read from a key file picked locally (the
// file `laydown observer keygen` writes), or made in this browser, and may be kept in this
// browser's IndexedDB as a non-extractable CryptoKey (it can sign, it cannot be read back).
// The script signs the report as a C2SP signed note (the same bytes `laydown observer sign`
// prints), verifies the signature itself, checks that the key is the one registered with the
// accreditation, and only then submits the note; the server verifies it again.
// Words come from data- attributes of #browser-sign, translated by the template.
(function () {
  "use strict";
  const box = document.getElementById("browser-sign");
  if (!box || !window.crypto || !window.crypto.subtle || !window.indexedDB) return;
  const say = box.dataset;
  const $ = (id) => document.getElementById(id);
  const status = $("sign-status");
  const ALG = 0x01;
  const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
    0x04, 0x22, 0x04, 0x20];
  const encoder = new TextEncoder();

  function show(message, bad) {
    status.textContent = message;
    status.className = bad ? "error" : "ok";
  }
  function b64(bytes) {
    let s = "";
    bytes.forEach((b) => { s += String.fromCharCode(b); });
    return btoa(s);
  }
  function unb64(text) {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }
  function unb64url(text) {
    let t = text.replace(/-/g, "+").replace(/_/g, "/");
    while (t.length % 4) t += "=";
    return unb64(t);
  }
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }
  async function keyId(name, publicRaw) {
    const digest = new Uint8Array(await crypto.subtle.digest(
      "SHA-256", concat(encoder.encode(name + "\n"), [ALG], publicRaw)));
    return digest.slice(0, 4);
  }
  async function verifierKey(key) {
    const id = await keyId(key.name, key.publicRaw);
    const hex = Array.from(id, (b) => b.toString(16).padStart(2, "0")).join("");
    return key.name + "+" + hex + "+" + b64(concat([ALG], key.publicRaw));
  }

  // ---- the browser's key store --------------------------------------------------------
  function store(mode) {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open("laydown-observer-keys", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("keys", { keyPath: "name" });
      open.onerror = () => reject(open.error);
      open.onsuccess = () => resolve(open.result.transaction("keys", mode).objectStore("keys"));
    });
  }
  function request(r) {
    return new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }
  async function storedKeys() { return request((await store("readonly")).getAll()); }
  async function keep(key) { await request((await store("readwrite")).put(key)); }

  async function refreshStored() {
    const select = $("sign-stored");
    const keys = await storedKeys();
    select.replaceChildren(...keys.map((k) => new Option(k.name, k.name)));
    $("sign-stored-row").hidden = keys.length === 0;
  }

  // ---- keys from a file, or made here ----------------------------------------------
  async function keyFromFile(file) {
    const text = (await file.text()).trim();
    const pieces = text.split("+");  // the base64 key may hold "+" too
    const parts = [...pieces.slice(0, 4), pieces.slice(4).join("+")];
    if (pieces.length < 5 || parts[0] !== "PRIVATE" || parts[1] !== "KEY") {
      throw new Error(say.badFile);
    }
    const raw = unb64(parts[4]);
    if (raw.length !== 33 || raw[0] !== ALG) throw new Error(say.badFile);
    const pkcs8 = concat(PKCS8_PREFIX, raw.slice(1));
    // Imported once as extractable only to learn the public key (JWK "x"), then again as
    // non-extractable: the page keeps only the latter.
    const probe = await crypto.subtle.importKey("pkcs8", pkcs8, "Ed25519", true, ["sign"]);
    const jwk = await crypto.subtle.exportKey("jwk", probe);
    const publicRaw = unb64url(jwk.x);
    const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, "Ed25519", false, ["sign"]);
    const key = { name: parts[2], privateKey, publicRaw };
    const hex = Array.from(await keyId(key.name, publicRaw), (b) => b.toString(16).padStart(2, "0")).join("");
    if (hex !== parts[3]) throw new Error(say.badFile);
    return key;
  }
  async function keyMadeHere(name) {
    const pair = await crypto.subtle.generateKey("Ed25519", false, ["sign", "verify"]);
    const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    return { name, privateKey: pair.privateKey, publicRaw };
  }

  // ---- signing ------------------------------------------------------------------------
  async function signedNote(key, text) {
    const data = encoder.encode(text);
    const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", key.privateKey, data));
    const publicKey = await crypto.subtle.importKey("raw", key.publicRaw, "Ed25519", true, ["verify"]);
    if (!(await crypto.subtle.verify("Ed25519", publicKey, signature, data))) {
      throw new Error(say.badSignature);
    }
    const line = "\u2014 " + key.name + " " + b64(concat(await keyId(key.name, key.publicRaw), signature)) + "\n";
    return text + "\n" + line;
  }

  async function chosenKey() {
    const file = $("sign-key-file").files[0];
    if (file) {
      const key = await keyFromFile(file);
      if ($("sign-remember").checked) { await keep(key); await refreshStored(); }
      return key;
    }
    const name = $("sign-stored").value;
    const key = (await storedKeys()).find((k) => k.name === name);
    if (!key) throw new Error(say.noKey);
    return key;
  }

  async function signNow() {
    const key = await chosenKey();
    const vkey = await verifierKey(key);
    if (vkey !== say.vkey) {
      show(say.wrongKey + " " + vkey, true);
      return;
    }
    const response = await fetch(say.reportUrl, { credentials: "same-origin" });
    if (!response.ok) throw new Error(say.noReport);
    const note = await signedNote(key, await response.text());
    const form = document.querySelector("form input[name=step][value=sign]").form;
    form.querySelector("textarea[name=signed]").value = note;
    show(say.signed, false);
    form.submit();
  }

  async function makeKey() {
    const name = $("sign-new-name").value.trim();
    if (!/^[^\s+]+$/.test(name)) { show(say.badName, true); return; }
    const key = await keyMadeHere(name);
    await keep(key);
    await refreshStored();
    $("sign-stored").value = name;
    $("sign-vkey").textContent = await verifierKey(key);
    $("sign-vkey-row").hidden = false;
    show(say.made, false);
  }

  function guarded(action) {
    return () => action().catch((error) => show(say.failed + " " + (error.message || error), true));
  }

  (async () => {
    try {
      await crypto.subtle.generateKey("Ed25519", false, ["sign", "verify"]);
    } catch (error) {
      return; // no Ed25519 in this browser: the CLI remains (the section stays hidden)
    }
    await refreshStored();
    $("sign-now").addEventListener("click", guarded(signNow));
    $("sign-generate").addEventListener("click", guarded(makeKey));
    box.hidden = false;
  })();
})();
