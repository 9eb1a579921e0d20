// Laydown: check a hand-in receipt, or the checkpoint a page shows, in the browser.
// SHA-256 and Ed25519 through WebCrypto; no answer of the server is trusted: the checkpoint's
// signature and cosignatures are checked against the published policy (C2SP tlog-policy), the
// inclusion and consistency proofs are recomputed (RFC 9162, 2.1.3.2 and 2.1.4.2).
// The words come from the element's data-t-* attributes, which the template translates.
(() => {
  "use strict";
  const box = document.getElementById("log-check");
  if (!box) return;
  const enc = new TextEncoder();
  const STORE = "laydown-checkpoint:";

  class Problem extends Error {
    constructor(code, detail) {
      super(detail);
      this.code = code;
    }
  }

  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const b64url = (s) =>
    b64(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
  const toB64 = (u) => btoa(String.fromCharCode(...u));
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const sha = async (data) => new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  const node = (left, right) => sha(concat(Uint8Array.of(1), left, right));
  const half = (n) => Math.floor(n / 2);
  const odd = (n) => n % 2 === 1;

  function vkey(text) {
    const first = text.indexOf("+");
    const second = text.indexOf("+", first + 1);
    const [name, id] = [text.slice(0, first), text.slice(first + 1, second)];
    const raw = b64(text.slice(second + 1));
    return { name, id: parseInt(id, 16), alg: raw[0], pub: raw.slice(1) };
  }

  function parsePolicy(text) {
    const policy = { logs: [], witnesses: [], groups: {}, quorum: "none" };
    for (const line of text.split("\n")) {
      const f = line.trim().split(/[ \t]+/);
      if (!f[0] || f[0].startsWith("#")) continue;
      if (f[0] === "log") policy.logs.push(vkey(f[1]));
      else if (f[0] === "witness") policy.witnesses.push({ label: f[1], ...vkey(f[2]) });
      else if (f[0] === "group") {
        const members = f.slice(3);
        const k = f[2] === "all" ? members.length : f[2] === "any" ? 1 : parseInt(f[2], 10);
        policy.groups[f[1]] = { k, members };
      } else if (f[0] === "quorum") policy.quorum = f[1];
    }
    return policy;
  }

  function parseNote(text) {
    const cut = text.indexOf("\n\n");
    if (cut < 0) throw new Problem("other", "the checkpoint is not a signed note");
    const body = text.slice(0, cut + 1);
    const sigs = [];
    for (const line of text.slice(cut + 2).split("\n")) {
      if (!line) continue;
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) throw new Problem("other", "a signature line is malformed");
      const raw = b64(m[2]);
      sigs.push({ name: m[1], id: new DataView(raw.buffer).getUint32(0), sig: raw.slice(4) });
    }
    const lines = body.split("\n");
    return { body, origin: lines[0], size: Number(lines[1]), root: b64(lines[2]), sigs };
  }

  async function ed25519(pub, message, sig) {
    const key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, sig, message);
  }

  async function checkpointChecked(text, policy) {
    const note = parseNote(text);
    const log = policy.logs[0];
    const own = note.sigs.find((s) => s.name === log.name && s.id === log.id);
    if (!own || !(await ed25519(log.pub, enc.encode(note.body), own.sig)))
      throw new Problem("log-signature", `no valid signature of ${log.name}`);
    if (note.origin !== log.name)
      throw new Problem("log-signature", `origin ${note.origin} is not ${log.name}`);
    const cosigned = new Set();
    for (const w of policy.witnesses) {
      const s = note.sigs.find((x) => x.name === w.name && x.id === w.id);
      if (!s || s.sig.length !== 72) continue;
      const time = new DataView(s.sig.buffer, s.sig.byteOffset).getBigUint64(0);
      const message = concat(enc.encode(`cosignature/v1\ntime ${time}\n`), enc.encode(note.body));
      if (await ed25519(w.pub, message, s.sig.slice(8))) cosigned.add(w.label);
    }
    const met = (name) => {
      const group = policy.groups[name];
      if (!group) return cosigned.has(name);
      return group.members.filter(met).length >= group.k;
    };
    if (policy.quorum !== "none" && !met(policy.quorum)) {
      const missing = policy.witnesses.filter((w) => !cosigned.has(w.label)).map((w) => w.label);
      throw new Problem("quorum", `no valid cosignature from ${missing.join(", ")}`);
    }
    return { note, cosigned: [...cosigned] };
  }

  async function rootFromInclusion(index, size, leaf, path) {
    if (index >= size) throw new Problem("not-in-log", `index ${index} is beyond size ${size}`);
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of path) {
      if (sn === 0) throw new Problem("not-in-log", "the proof is too long");
      if (odd(fn) || fn === sn) {
        r = await node(p, r);
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else r = await node(r, p);
      fn = half(fn);
      sn = half(sn);
    }
    if (sn !== 0) throw new Problem("not-in-log", "the proof is too short");
    return r;
  }

  async function consistent(first, second, firstRoot, secondRoot, path) {
    if (first === second) return same(firstRoot, secondRoot) && path.length === 0;
    if (first === 0) return true;
    if ((first & (first - 1)) === 0) path = [firstRoot, ...path];
    if (!path.length) return false;
    let fn = first - 1;
    let sn = second - 1;
    while (odd(fn)) {
      fn = half(fn);
      sn = half(sn);
    }
    let fr = path[0];
    let sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0) return false;
      if (odd(fn) || fn === sn) {
        fr = await node(c, fr);
        sr = await node(c, sr);
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      } else sr = await node(sr, c);
      fn = half(fn);
      sn = half(sn);
    }
    return sn === 0 && same(fr, firstRoot) && same(sr, secondRoot);
  }

  const logUrl = box.dataset.logUrl;
  async function fetchText(path) {
    const answer = await fetch(`${logUrl}/${path}`, { cache: "no-cache" });
    if (!answer.ok) throw new Problem(answer.status === 404 ? "missing" : "other", `${path}: ${answer.status}`);
    return answer.text();
  }

  async function extends_(old, note, what) {
    if (old.size > note.size)
      throw new Problem("rollback", `${what}: ${old.size} records, now ${note.size}`);
    const text = old.size && old.size < note.size ? await fetchText(`consistency/${old.size}/${note.size}`) : "";
    const path = text.split("\n").filter(Boolean).map(b64);
    if (!(await consistent(old.size, note.size, old.root, note.root, path)))
      throw new Problem("fork", `${what}: ${old.size} records, root ${toB64(old.root)}`);
  }

  // ---- what the page shows -------------------------------------------------------------------
  const list = box.querySelector(".checks");
  const say = (key, values = {}) =>
    (box.dataset[key] || key).replace(/\{(\w+)\}/g, (_, k) => String(values[k] ?? ""));
  function line(cls, text) {
    const li = document.createElement("li");
    li.className = cls;
    li.textContent = text;
    list.append(li);
  }
  function failed(problem) {
    const key = { "log-signature": "tFailSignature", quorum: "tFailQuorum", "not-in-log": "tFailNotInLog", rollback: "tFailRollback", fork: "tFailFork" }[problem.code] || "tFailOther";
    line("fail", say(key, { detail: problem.message }));
    const alert = box.querySelector(".verdict");
    alert.textContent = say("tFailHeadline");
    alert.className = "verdict error";
    alert.setAttribute("role", "alert");
    box.dataset.result = problem.code;
  }
  function passed(key) {
    const verdict = box.querySelector(".verdict");
    verdict.textContent = say(key);
    verdict.className = "verdict ok";
    box.dataset.result = "ok";
  }

  function remember(note) {
    localStorage.setItem(STORE + note.origin, JSON.stringify({ size: note.size, root: toB64(note.root) }));
  }
  async function sameBrowser(note) {
    const kept = JSON.parse(localStorage.getItem(STORE + note.origin) || "null");
    if (kept) {
      await extends_({ size: kept.size, root: b64(kept.root) }, note, say("tSeenBefore"));
      line("ok", say("tSeenConsistent", { old: kept.size }));
    }
    remember(note);
  }

  async function signed(text, policy) {
    const { note, cosigned } = await checkpointChecked(text, policy);
    line("ok", say("tSigned", { size: note.size }));
    if (policy.witnesses.length)
      line("ok", say("tCosigned", { names: cosigned.join(", ") || "—", quorum: policy.quorum }));
    return note;
  }

  async function checkReceipt(policy) {
    const fields = new URLSearchParams(location.hash.slice(1));
    const index = Number(fields.get("i"));
    if (!fields.get("h") || !Number.isSafeInteger(index))
      throw new Problem("other", say("tNoReceipt"));
    const leaf = b64url(fields.get("h"));
    for (const shown of document.querySelectorAll(".receipt-index")) shown.textContent = String(index);
    let proof;
    try {
      proof = await fetchText(`proof/${index}`);
    } catch (problem) {
      if (problem.code !== "missing") throw problem;
      const note = await signed(await fetchText("checkpoint"), policy);
      const printed = Number(fields.get("n") || 0);
      if (printed > note.size) throw new Problem("rollback", `${printed} → ${note.size}`);
      throw new Problem("not-in-log", `${index} ≥ ${note.size}`);
    }
    const cut = proof.indexOf("\n\n");
    const head = proof.slice(0, cut).split("\n");
    if (head[0] !== "c2sp.org/tlog-proof@v1" || head[1] !== `index ${index}`)
      throw new Problem("other", "not a tlog-proof of this index");
    const note = await signed(proof.slice(cut + 2), policy);
    if (fields.get("o") && fields.get("o") !== note.origin)
      throw new Problem("not-in-log", `the receipt names ${fields.get("o")}, this log is ${note.origin}`);
    const root = await rootFromInclusion(index, note.size, leaf, head.slice(2).map(b64));
    if (!same(root, note.root)) throw new Problem("not-in-log", `record ${index}`);
    line("ok", say("tIncluded", { index, size: note.size }));
    if (fields.get("n") && fields.get("r")) {
      const old = { size: Number(fields.get("n")), root: b64url(fields.get("r")) };
      await extends_(old, note, say("tPrinted"));
      line("ok", say("tConsistent", { old: old.size }));
    }
    await sameBrowser(note);
    line("note", say("tNotProven"));
    passed("tReceiptOk");
  }

  async function checkShown(policy) {
    const shown = document.getElementById(box.dataset.checkpoint).textContent;
    const note = await signed(shown, policy);
    await sameBrowser(note);
    passed("tCheckpointOk");
  }

  async function run() {
    if (!window.crypto || !crypto.subtle) throw new Problem("other", say("tNoCrypto"));
    const policy = parsePolicy(document.getElementById("log-policy").textContent);
    if (box.dataset.mode === "receipt") await checkReceipt(policy);
    else await checkShown(policy);
  }
  box.querySelector(".verdict").textContent = say("tChecking");
  const started = performance.now();
  run()
    .catch((problem) => failed(problem instanceof Problem ? problem : new Problem("other", String(problem))))
    .finally(() => {
      box.dataset.ms = String(Math.round(performance.now() - started));
    });
})();
