// Checks static/verify.js outside a browser, against a live ledger that
// verifyjs_test.go starts: it fetches what the trail page fetches, verifies
// it, then tampers with one thing at a time and checks that the module
// fails and names what failed. Exits non-zero on the first failed check
// set, printing every failure.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const v = await import(pathToFileURL(env('VERIFY_MODULE')).href);
const base = env('LEDGER_URL');
const learner = env('LEARNER'), standard = env('STANDARD');
// node's own fetch, kept: the driver's checks below replace the global one.
const nodeFetch = globalThis.fetch;
const withToken = (token) => (url, init = {}) => nodeFetch(url, { ...init, headers: { ...(init.headers || {}), Authorization: `Bearer ${token}` } });

let failures = 0;
function check(name, cond, detail = '') {
  if (cond) {
    console.log(`ok   ${name}`);
  } else {
    failures++;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
}
const show = (r) => JSON.stringify(r.failures ?? r.reasons);

// otherKey is a well-formed verifier key of the same name that is not the
// ledger's: what a forger would sign with.
async function otherKey(name) {
  return (await noteKey(name)).vkey;
}

// noteKey makes a note key pair named name: the verifier key and a
// function that signs a note's text into a signed note.
async function noteKey(name) {
  const kp = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const key = new Uint8Array([1, ...new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey))]);
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array([...new TextEncoder().encode(name + '\n'), ...key])));
  const sign = async (text) => {
    const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, kp.privateKey, new TextEncoder().encode(text)));
    return `${text}\n\u2014 ${name} ${Buffer.from([...h.slice(0, 4), ...sig]).toString('base64')}\n`;
  };
  return { vkey: `${name}+${Buffer.from(h.slice(0, 4)).toString('hex')}+${Buffer.from(key).toString('base64')}`, sign };
}

// The worked example of docs/hash-chain.md: a version-1 event and two
// version-2 events chained onto it hash to the hashes printed there.
{
  const doc = fs.readFileSync(new URL('../../../docs/hash-chain.md', pathToFileURL(env('VERIFY_MODULE'))), 'utf8');
  const block = doc.split('```ndjson\n')[1].split('```')[0].trim().split('\n');
  const hashes = await Promise.all(block.map((l) => v.eventHash(l)));
  const parsed = block.map((l) => v.parseJSON(l));
  check('the worked example of docs/hash-chain.md hashes as printed there',
    block.length === 3 && hashes.every((h, i) => h === parsed[i].hash) && parsed[0].salt === undefined && parsed[1].salt !== undefined, hashes.join());
  check('the worked example\'s links hold', v.checkLinks(parsed).every((l) => l.ok === true));
  const bad = block[1].replace('"salt":"407245cc', '"salt":"407245cC');
  await v.eventHash(bad).then(() => check('a salt that is not lower-case hex is refused', false), (err) => check('a salt that is not lower-case hex is refused', /salt/.test(err.message)));
}

// What the trail page fetches, from the same server, as the page does.
const input = await v.fetchTrail({ learner, standard, origin: base, fetch: withToken(env('LEDGER_TOKEN')) });
const evs = input.replay.events;
const good = await v.verifyTrail(input);
check('the trail verifies', good.ok && good.checkpoint.ok, show(good));
check('every event verifies: hash, link where checkable, inclusion',
  good.events.length === evs.length && evs.length >= 6 && good.events.every((e) => e.ok && e.checks.hash.ok && e.checks.inclusion.ok && e.checks.link.ok !== false),
  JSON.stringify(good.events.map((e) => [e.eventId, e.reasons])));
check('the trail holds events of both hash versions',
  evs.some((e) => e.salt === undefined) && evs.some((e) => typeof e.salt === 'string'));
const crossing = good.events.find((e, i) => evs[i].salt !== undefined && evs.some((p) => p.salt === undefined && p.revision === evs[i].revision - 1));
check('a version-2 event links to a version-1 event, and the link is checked', crossing && crossing.checks.link.ok === true, JSON.stringify(crossing));
check('links to revisions outside the trail are left to the inclusion proofs, and the page says so',
  good.events.some((e) => e.checks.link.ok === null) && good.notes.length === 1);

// Exactness: every event the ledger holds, as the feed prints it (one
// envelope a line), hashes to its hash from its text; and re-serialising
// parsed data would not be exact for some of them.
const feed = await (await withToken(env('LEDGER_ADMIN_TOKEN'))(`${base}/v1/events?limit=1000`)).text();
const lines = feed.trim().split('\n');
let exact = 0, reserialised = 0;
for (const line of lines) {
  const h = v.parseJSON(line).hash;
  if ((await v.eventHash(line)) === h) exact++;
  if ((await v.eventHash(JSON.parse(line))) === h) reserialised++;
}
check(`every stored event hashes from its text (${exact} of ${lines.length})`, exact === lines.length && lines.length >= 10);
// The fixtures hold text (U+2028) whose stored form JSON.stringify does not
// give back: without it, the check above could not tell a module that
// hashes the data's text from one that re-serialises it.
check(`re-serialising parsed data is not exact for every event (it is for ${reserialised} of ${lines.length})`, reserialised < lines.length);
const withHTML = lines.filter((l) => /\\u003c|</.test(v.rawText(v.parseJSON(l), 'data')));
const nonASCII = lines.filter((l) => /[^\x00-\x7f]/.test(v.rawText(v.parseJSON(l), 'data')));
check('the fixtures hold data with HTML characters and non-ASCII text', withHTML.length >= 2 && nonASCII.length >= 2);

// One byte of one event's data changed: that event fails, by its hash,
// and nothing else does.
{
  const replayText = await (await withToken(env('LEDGER_TOKEN'))(`${base}/v1/learners/${learner}/standards/${standard}/replay`)).text();
  const target = evs.find((e) => e.type === 'FeedbackGiven' && e.salt !== undefined);
  const raw = v.rawText(target, 'data');
  const at = replayText.indexOf(raw) + raw.indexOf('rushed');
  check('the altered byte is in the target event\'s data', raw.includes('rushed') && replayText.indexOf(raw) > 0 && replayText.indexOf(raw, replayText.indexOf(raw) + 1) < 0);
  const tampered = replayText.slice(0, at) + 'R' + replayText.slice(at + 1);
  const r = await v.verifyTrail({ ...input, replay: tampered });
  const bad = r.events.filter((e) => !e.ok);
  check('one byte of data changed: the trail fails', !r.ok);
  check('one byte of data changed: that event fails by its hash, and only it',
    bad.length === 1 && bad[0].eventId === target.eventId && bad[0].checks.hash.ok === false && bad[0].reasons.some((s) => s.startsWith('hash:')),
    JSON.stringify(bad));
  check('one byte of data changed: the failure names the event', r.failures.some((f) => f.includes(target.eventId)));
  // The same change in a version-1 event.
  const old = evs.find((e) => e.type === 'FeedbackGiven' && e.salt === undefined);
  const oraw = v.rawText(old, 'data');
  const oat = replayText.indexOf(oraw) + oraw.indexOf('multi');
  const r1 = await v.verifyTrail({ ...input, replay: replayText.slice(0, oat) + 'M' + replayText.slice(oat + 1) });
  check('one byte of a version-1 event\'s data changed: it fails by its hash',
    !r1.ok && r1.events.filter((e) => !e.ok).map((e) => e.eventId).join() === old.eventId && r1.events.find((e) => e.eventId === old.eventId).checks.hash.ok === false);
  // A hash changed to match altered data breaks the next link.
  const prev = evs.find((e, i) => evs[i + 1] && evs[i + 1].revision === e.revision + 1 && evs[i + 1].stream === e.stream);
  const forged = replayText.replace(`"hash":"${prev.hash}"`, `"hash":"${'0'.repeat(64)}"`);
  const r2 = await v.verifyTrail({ ...input, replay: forged });
  const next = r2.events[evs.indexOf(prev) + 1];
  check('a changed hash breaks the next event\'s link', !r2.ok && next.checks.link.ok === false, JSON.stringify(next));
}

// The checkpoint's signature changed: the checkpoint fails, and with it
// every inclusion.
{
  const lines = input.checkpoint.split('\n');
  const i = lines.findIndex((l) => l.startsWith('\u2014 '));
  const sig = lines[i];
  const at = sig.lastIndexOf(' ') + 1 + 20; // past the 4-byte key hash, inside the signature
  lines[i] = sig.slice(0, at) + (sig[at] === 'A' ? 'B' : 'A') + sig.slice(at + 1);
  const r = await v.verifyTrail({ ...input, checkpoint: lines.join('\n') });
  check('a changed checkpoint signature fails', !r.ok && r.checkpoint.ok === false && /does not verify/.test(r.checkpoint.reason), r.checkpoint.reason);
  check('a changed checkpoint signature: no event is proved', r.events.every((e) => !e.ok && e.checks.inclusion.ok === false));
  const body = input.checkpoint.split('\n');
  body[1] = String(Number(body[1]) + 1);
  const r2 = await v.verifyTrail({ ...input, checkpoint: body.join('\n') });
  check('a changed checkpoint size fails its signature', !r2.ok && r2.checkpoint.ok === false, r2.checkpoint.reason);
  const other = await v.verifyTrail({ ...input, key: await otherKey('north.example/ledger') });
  // name+hash+key: the key is base64, which may itself hold '+'.
  const [kname, khash, ...kkey] = input.key.trim().split('+');
  const badHash = `${kname}+${khash.slice(0, 7)}${khash[7] === '0' ? '1' : '0'}+${kkey.join('+')}`;
  const r3 = await v.verifyTrail({ ...input, key: badHash });
  check('a verifier key whose hash does not match is refused', !r3.ok && /key: .*hash/.test(r3.checkpoint.reason), r3.checkpoint.reason);
  check('another key of the same name fails', !other.ok && other.checkpoint.ok === false && /no signature/.test(other.checkpoint.reason), other.checkpoint.reason);
}

// Checkpoints signed here: the signature alone is not enough, the origin
// must be the key's name, and another signer's line (a witness) is passed
// over.
{
  const k = await noteKey('a.example/log');
  const root = Buffer.alloc(32, 7).toString('base64');
  const ok = await v.verifyCheckpoint(await k.sign(`a.example/log\n5\n${root}\n`), k.vkey);
  check('a checkpoint signed by the key verifies', ok.ok && ok.size === '5' && ok.origin === 'a.example/log', ok.reason);
  const wrong = await v.verifyCheckpoint(await k.sign(`b.example/log\n5\n${root}\n`), k.vkey);
  check('a checkpoint of another origin fails', !wrong.ok && /is of log "b.example\/log"/.test(wrong.reason), wrong.reason);
  const w = await noteKey('witness.example');
  const cosigned = (await k.sign(`a.example/log\n5\n${root}\n`)) + (await w.sign('x')).split('\n').slice(-2).join('\n');
  const co = await v.verifyCheckpoint(cosigned, k.vkey);
  check('a co-signed checkpoint verifies', co.ok, co.reason);
  const onlyWitness = await v.verifyCheckpoint(await w.sign(`a.example/log\n5\n${root}\n`), k.vkey);
  check('a checkpoint signed by another key only fails', !onlyWitness.ok, onlyWitness.reason);
}

// A wrong inclusion path: that event fails by its inclusion, and only it.
{
  const target = evs[1];
  const p = v.parseJSON(input.proofs[target.eventId]);
  check('the proof to alter has hashes', p.hashes.length >= 2);
  const hashes = [...p.hashes];
  [hashes[0], hashes[1]] = [hashes[1], hashes[0]];
  const r = await v.verifyTrail({ ...input, proofs: { ...input.proofs, [target.eventId]: JSON.stringify({ ...p, hashes }) } });
  const bad = r.events.filter((e) => !e.ok);
  check('a wrong inclusion path fails that event, by its inclusion, and only it',
    !r.ok && bad.length === 1 && bad[0].eventId === target.eventId && bad[0].checks.inclusion.ok === false && bad[0].checks.hash.ok === true,
    JSON.stringify(bad));
  const r2 = await v.verifyTrail({ ...input, proofs: { ...input.proofs, [target.eventId]: JSON.stringify({ ...p, leafIndex: p.leafIndex + 1 }) } });
  check('a wrong leaf index fails that event', !r2.ok && r2.events.find((e) => e.eventId === target.eventId).checks.inclusion.ok === false);
  const r3 = await v.verifyTrail({ ...input, proofs: { ...input.proofs, [target.eventId]: JSON.stringify({ ...p, hashes: [...p.hashes, p.hashes[0]] }) } });
  check('a proof with an extra hash fails that event', !r3.ok && r3.events.find((e) => e.eventId === target.eventId).checks.inclusion.ok === false);
  const r5 = await v.verifyTrail({ ...input, proofs: { ...input.proofs, [target.eventId]: JSON.stringify({ ...p, hashes: p.hashes.slice(0, -1) }) } });
  check('a proof with a hash left out fails that event', !r5.ok && r5.events.find((e) => e.eventId === target.eventId).checks.inclusion.ok === false);
  const r6 = await v.verifyTrail({ ...input, proofs: { ...input.proofs, [target.eventId]: JSON.stringify({ ...p, eventHash: '0'.repeat(64) }) } });
  check('a proof for another hash than the trail\'s fails that event',
    !r6.ok && /the log holds hash/.test(r6.events.find((e) => e.eventId === target.eventId).checks.inclusion.reason));
  const { [target.eventId]: _, ...fewer } = input.proofs;
  const r4 = await v.verifyTrail({ ...input, proofs: fewer });
  check('an event without a proof fails', !r4.ok && r4.events.find((e) => e.eventId === target.eventId).checks.inclusion.reason === 'no inclusion proof');
}

// The transcript, as /verify reads a file.
{
  const text = fs.readFileSync(env('TRANSCRIPT_FILE'), 'utf8');
  const key = input.key;
  const r = await v.verifyTranscript(text, key);
  check('the transcript verifies', r.ok && r.credentials.length === 1 && r.credentials[0].events.length >= 4 && r.credentials[0].events.every((e) => e.ok), show(r));
  check('the transcript names the learner and the standard',
    r.ok && r.credentials[0].summary.learnerId === learner && r.credentials[0].summary.standardId === standard && r.credentials[0].summary.level === 3);
  const t = JSON.parse(text);
  const jwt = t.credentials[0].jwt;
  const single = await v.verifyTranscript(jwt, key);
  check('a single credential verifies', single.ok, show(single));
  const [h, payload, sig] = jwt.split('.');
  const at = Math.floor(payload.length / 2);
  const forged = [h, payload.slice(0, at) + (payload[at] === 'A' ? 'B' : 'A') + payload.slice(at + 1), sig].join('.');
  const changed = text.replace(jwt, forged);
  check('the altered transcript differs by one byte', changed.length === text.length && [...changed].filter((c, i) => c !== text[i]).length === 1);
  const rf = await v.verifyTranscript(changed, key);
  check('a transcript with one byte changed fails by its signature', !rf.ok && rf.credentials[0].check === 'signature', show(rf));
  const rs = await v.verifyTranscript(text.replace(`"jwt":"${h}.${payload}.${sig.slice(0, 5)}`, `"jwt":"${h}.${payload}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1, 5)}`), key);
  check('a transcript with its signature changed fails', !rs.ok && rs.credentials[0].check === 'signature', show(rs));
  const rl = await v.verifyTranscript(text.replace(`"learnerId":"${learner}"`, '"learnerId":"l-9999"'), key);
  check('a transcript of another learner fails', !rl.ok && /transcript check failed/.test(rl.reasons.join()), show(rl));
  const rk = await v.verifyTranscript(text, await otherKey('north.example/ledger'));
  // The credential's own key is the ES256 key in its header; what ties it
  // to the log's key is the issuer binding, which another key did not sign.
  check('a transcript checked with another key fails by its issuer binding', !rk.ok && rk.credentials[0].check === 'issuer', show(rk));
  const hdr = JSON.parse(Buffer.from(h, 'base64url').toString());
  check('the credential is signed with ES256 and its P-256 jwk', hdr.alg === 'ES256' && hdr.jwk.kty === 'EC' && hdr.jwk.crv === 'P-256', JSON.stringify(hdr));
  check('the credential names the learner by a salted hash only',
    r.ok && /^sha256\$[0-9a-f]{64}$/.test(r.credentials[0].summary.identityHash) && !Buffer.from(payload, 'base64url').toString().includes(learner));
  // The same claim issued RS256 (--credential-alg RS256): WebCrypto's
  // RSASSA-PKCS1-v1_5, and the did:key of the RSA key as Go derives it.
  const rsJwt = env('RS256_JWT');
  const rr = await v.verifyTranscript(rsJwt, key);
  check('an RS256 credential verifies', rr.ok && JSON.parse(Buffer.from(rsJwt.split('.')[0], 'base64url').toString()).alg === 'RS256', show(rr));
  const rsForged = rsJwt.slice(0, rsJwt.lastIndexOf('.') + 5) + (rsJwt[rsJwt.lastIndexOf('.') + 5] === 'A' ? 'B' : 'A') + rsJwt.slice(rsJwt.lastIndexOf('.') + 6);
  const rf2 = await v.verifyTranscript(rsForged, key);
  check('an RS256 credential with its signature changed fails by its signature', !rf2.ok && rf2.credentials[0].check === 'signature', show(rf2));
}

// The page driver, on a minimal document: just the DOM the driver uses
// (no DOM library is installed here). Selectors are the driver's: a tag, and
// attributes with or without a value.
class Node_ {
  constructor(doc, tag) { this.ownerDocument = doc; this.tagName = tag; this.attrs = new Map(); this.children = []; this.parent = null; this.text = ''; this.listeners = {}; this.value = ''; }
  setAttribute(k, v) { this.attrs.set(k, String(v)); }
  getAttribute(k) { return this.attrs.has(k) ? this.attrs.get(k) : null; }
  removeAttribute(k) { this.attrs.delete(k); }
  appendChild(c) { c.parent = this; this.children.push(c); return c; }
  replaceChildren() { this.children = []; }
  set textContent(t) { this.children = []; this.text = t; }
  get textContent() { return this.text + this.children.map((c) => c.textContent).join(''); }
  contains(n) { for (; n; n = n.parent) if (n === this) return true; return false; }
  addEventListener(type, f) { (this.listeners[type] ||= []).push(f); }
  *all() { for (const c of this.children) { yield c; yield* c.all(); } }
  querySelectorAll(sel) { return [...this.all()].filter((n) => matches(n, sel)); }
  querySelector(sel) { return this.querySelectorAll(sel)[0] ?? null; }
}
function matches(n, sel) {
  const m = /^([a-z]*)((?:\[[a-z-]+(?:=[a-z]+)?\])*)$/.exec(sel);
  if (!m) throw new Error(`selector ${sel}`);
  if (m[1] && n.tagName !== m[1]) return false;
  for (const [, k, val] of m[2].matchAll(/\[([a-z-]+)(?:=([a-z]+))?\]/g)) {
    if (!n.attrs.has(k) || (val !== undefined && n.attrs.get(k) !== val)) return false;
  }
  return true;
}
class Doc extends Node_ {
  constructor() { super(null, '#document'); this.ownerDocument = this; }
  createElement(tag) { return new Node_(this, tag); }
  createTextNode(t) { const n = new Node_(this, '#text'); n.text = t; return n; }
}
async function settled(root) {
  for (let i = 0; i < 600 && root.getAttribute('data-verify-state') === 'running'; i++) await new Promise((r) => setTimeout(r, 10));
}
// The page's fetch: same origin, with the session the page would have.
const pageFetch = (alter = (url, text) => text) => async (url, init = {}) => {
  const res = await withToken(env('LEDGER_TOKEN'))(base + url, init);
  const text = alter(url, await res.text());
  return { ok: res.ok, status: res.status, text: async () => text };
};
const verdictOf = (root) => root.querySelector('[data-verify-result]').getAttribute('data-verdict');
const eventNodes = (doc) => doc.querySelectorAll('[data-event-id]').filter((n) => n.tagName === 'li');
{
  const trail = async (alter) => {
    const doc = new Doc();
    const root = doc.appendChild(doc.createElement('section'));
    root.setAttribute('data-verify-trail', '');
    root.setAttribute('data-learner', learner);
    root.setAttribute('data-standard', standard);
    // The page's own row of an event, outside the driver's list.
    const row = doc.appendChild(doc.createElement('tr'));
    row.setAttribute('data-event-id', evs[2].eventId);
    globalThis.fetch = pageFetch(alter);
    v.start(doc);
    check('the driver marks the trail as running', root.getAttribute('data-verify-state') === 'running');
    await settled(root);
    return { doc, root, row };
  };
  const realFetch = globalThis.fetch;
  try {
    const ok = await trail();
    check('the trail page shows data-verdict="verified"', verdictOf(ok.root) === 'verified', ok.root.textContent);
    const lis = eventNodes(ok.doc);
    check('the trail page lists every event, verified, with its id',
      lis.length === evs.length && lis.every((n, i) => n.getAttribute('data-verdict') === 'verified' && n.textContent.includes(evs[i].eventId)));
    check('the trail page marks the page\'s own row of an event', ok.row.getAttribute('data-verdict') === 'verified');
    check('the trail page says links outside the trail are left to the proofs', /inclusion proof/.test(ok.root.querySelector('[data-verify-result]').textContent));

    const target = evs[2];
    const bad = await trail((url, text) => (url.includes('/replay') ? text.replace(v.rawText(target, 'data'), v.rawText(target, 'data').replace('"c', '"C')) : text));
    check('a changed byte: the trail page shows data-verdict="failed"', verdictOf(bad.root) === 'failed');
    const failed = bad.doc.querySelectorAll('[data-verdict=failed]').filter((n) => n.tagName === 'li');
    check('a changed byte: the failed event is marked, by an element holding its id and naming the hash',
      failed.length === 1 && failed[0].textContent.includes(target.eventId) && /hash: FAILED/.test(failed[0].textContent), failed.map((n) => n.textContent).join(' | '));
    check('a changed byte: the page\'s own row is marked failed', bad.row.getAttribute('data-verdict') === 'failed');
    check('a changed byte: the overall text names the event', verdictOf(bad.root) === 'failed' && bad.root.querySelector('[data-verify-result]').textContent.includes(target.eventId));

    const down = await trail((url, text) => (url.startsWith('/v1/log/checkpoint') ? text.replace(/^(\S+)\n(\d+)/, (m, o, n) => `${o}\n${Number(n) + 1}`) : text));
    check('a changed checkpoint: the trail page shows data-verdict="failed"', verdictOf(down.root) === 'failed');

    // /verify, on a bare element: the driver adds its controls; no key is
    // pasted, so this ledger's is fetched.
    const text = fs.readFileSync(env('TRANSCRIPT_FILE'), 'utf8');
    const verifyPage = async (fileText) => {
      const doc = new Doc();
      const root = doc.appendChild(doc.createElement('div'));
      root.setAttribute('data-verify-file', '');
      globalThis.fetch = pageFetch();
      v.start(doc);
      const paste = root.querySelector('textarea[data-verify-input]');
      const run = root.querySelector('[data-verify-run]');
      check('/verify: the driver adds a file input, a text area, a key field and a button',
        root.querySelector('input[type=file]') && paste && root.querySelector('[data-verify-key]') && run);
      paste.value = fileText;
      for (const f of run.listeners.click) f();
      await new Promise((r) => setTimeout(r, 0));
      await settled(root);
      return { doc, root };
    };
    const good = await verifyPage(text);
    check('/verify: a transcript shows data-verdict="verified"', verdictOf(good.root) === 'verified', good.root.textContent);
    check('/verify: it says the key was this ledger\'s', /this ledger's key/.test(good.root.textContent));
    const jwt = JSON.parse(text).credentials[0].jwt;
    const at = jwt.indexOf('.') + 40;
    const forged = await verifyPage(text.replace(jwt, jwt.slice(0, at) + (jwt[at] === 'A' ? 'B' : 'A') + jwt.slice(at + 1)));
    check('/verify: a changed byte shows data-verdict="failed", naming the signature',
      verdictOf(forged.root) === 'failed' && /signature check failed/.test(forged.root.textContent), forged.root.textContent);
  } finally {
    globalThis.fetch = realFetch;
  }
}

// Revocation, last because it appends to the learner's stream: as on a
// page served by the ledger itself, the module reads the list from its own
// origin only.
{
  const text = fs.readFileSync(env('TRANSCRIPT_FILE'), 'utf8');
  const key = input.key;
  const payload = JSON.parse(text).credentials[0].jwt.split('.')[1];

  // Revocation, as on a page served by the ledger itself: the module reads
  // the list from its own origin only.
  const savedFetch = globalThis.fetch;
  const listURL = new URL(JSON.parse(Buffer.from(payload, 'base64url').toString()).credentialStatus.statusListCredential);
  globalThis.location = { origin: listURL.origin };
  globalThis.fetch = (path, init) => nodeFetch(base + path, init);
  try {
    const live = await v.verifyTranscript(text, key);
    check('the module reads the revocation list of its own origin: not revoked', live.ok && live.credentials[0].summary.revocation === 'not revoked', show(live));
    const credId = JSON.parse(Buffer.from(payload, 'base64url').toString()).id.replace('urn:uuid:', '');
    const res = await nodeFetch(`${base}/v1/learners/${learner}/credentials/${credId}/revocation`, {
      method: 'POST', headers: { Authorization: `Bearer ${env('LEDGER_ADMIN_TOKEN')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason: 'a test of the revocation list' }),
    });
    check('the admin revokes the credential', res.status === 201, String(res.status));
    const gone = await v.verifyTranscript(text, key);
    check('a revoked credential fails, named revoked', !gone.ok && gone.credentials[0].check === 'revoked' && /REVOKED/.test(gone.reasons.join()), show(gone));
  } finally {
    globalThis.fetch = savedFetch;
    delete globalThis.location;
  }
}

if (failures) {
  console.log(`${failures} checks failed`);
  process.exit(1);
}
console.log('ok: all checks passed');
