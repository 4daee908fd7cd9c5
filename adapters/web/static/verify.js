// Verification of the ledger's records in the browser, with WebCrypto alone.
//
// It checks what `ledger verify` and `ledger verify-transcript` check, with
// the same encodings as the Go code:
//
//   - an event's hash, recomputed from its envelope (docs/hash-chain.md,
//     versions 1 and 2);
//   - each link of a stream's chain (prevHash is the previous revision's
//     hash) where both revisions are at hand;
//   - each inclusion proof against a checkpoint's root (RFC 9162 §2.1.3.2,
//     leaf hash SHA-256(0x00 || the 32 bytes of the event hash));
//   - the checkpoint's Ed25519 signature (a C2SP signed note under the
//     ledger's note verifier key, origin = the key's name);
//   - OB 3.0 VC-JWT credentials and transcripts as adapters/credential issues
//     them.
//
// The exported functions are pure (no DOM, no network) so that they run
// outside a page too. The driver at the end wires them to the trail page and
// to /verify; it fetches only from the page's own origin, and a file dropped
// on /verify is read in the browser and sent nowhere.
//
// Why the module parses JSON itself: an event's hash covers its data byte
// for byte as stored. The ledger prints data exactly as stored (compact,
// keys in stored order, escapes as stored, HTML characters unescaped), but
// JSON.parse followed by JSON.stringify does not give those bytes back in
// general (an escaped "\u003c" comes back as "<", 1.0 as 1, large integers
// rounded). parseJSON keeps, for every object member, the exact source text
// of its value, and the hash is taken over that text.

const enc = new TextEncoder();

// ---------------------------------------------------------------------------
// JSON with the source text of every member

/** Symbol under which parseJSON keeps each object's member source spans. */
export const RAW = Symbol('raw JSON text of members');

/**
 * parseJSON parses one JSON text (RFC 8259, strict: no trailing commas, no
 * comments, no duplicate member names) and returns its value. Every object
 * carries, under RAW, the exact source text of each member's value: see
 * rawText. Numbers are JS numbers; their source text is kept too, so integer
 * fields are read exactly (see rawText).
 */
export function parseJSON(text) {
  const p = { s: text, i: 0 };
  skipWS(p);
  const v = parseValue(p, 0);
  skipWS(p);
  if (p.i !== p.s.length) throw new SyntaxError(`JSON: unexpected text at offset ${p.i}`);
  return v;
}

/** rawText returns the source text of obj's member key, as parseJSON saw it. */
export function rawText(obj, key) {
  const r = obj && obj[RAW];
  return r && Object.prototype.hasOwnProperty.call(r, key) ? r[key] : undefined;
}

function skipWS(p) {
  const s = p.s;
  while (p.i < s.length) {
    const c = s.charCodeAt(p.i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) p.i++;
    else break;
  }
}

function parseValue(p, depth) {
  if (depth > 200) throw new SyntaxError('JSON: nested too deeply');
  const c = p.s[p.i];
  if (c === '{') return parseObject(p, depth);
  if (c === '[') return parseArray(p, depth);
  if (c === '"') return parseString(p);
  if (c === 't' && p.s.startsWith('true', p.i)) { p.i += 4; return true; }
  if (c === 'f' && p.s.startsWith('false', p.i)) { p.i += 5; return false; }
  if (c === 'n' && p.s.startsWith('null', p.i)) { p.i += 4; return null; }
  const m = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  m.lastIndex = p.i;
  const r = m.exec(p.s);
  if (!r || r[0] === '' || r[0] === '-') throw new SyntaxError(`JSON: unexpected character at offset ${p.i}`);
  p.i += r[0].length;
  return Number(r[0]);
}

function parseObject(p, depth) {
  p.i++; // {
  const out = {};
  const raw = Object.create(null);
  Object.defineProperty(out, RAW, { value: raw, enumerable: false });
  skipWS(p);
  if (p.s[p.i] === '}') { p.i++; return out; }
  for (;;) {
    skipWS(p);
    if (p.s[p.i] !== '"') throw new SyntaxError(`JSON: expected a member name at offset ${p.i}`);
    const key = parseString(p);
    // A name given twice is read as the last by Go and may be read
    // otherwise elsewhere: refused, so two verifiers never disagree.
    if (key in raw) throw new SyntaxError(`JSON: member "${key}" given twice`);
    skipWS(p);
    if (p.s[p.i] !== ':') throw new SyntaxError(`JSON: expected ':' at offset ${p.i}`);
    p.i++;
    skipWS(p);
    const start = p.i;
    const v = parseValue(p, depth + 1);
    raw[key] = p.s.slice(start, p.i);
    // defineProperty, not assignment: a member named "__proto__" stays data.
    Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    skipWS(p);
    if (p.s[p.i] === ',') { p.i++; continue; }
    if (p.s[p.i] === '}') { p.i++; return out; }
    throw new SyntaxError(`JSON: expected ',' or '}' at offset ${p.i}`);
  }
}

function parseArray(p, depth) {
  p.i++; // [
  const out = [];
  skipWS(p);
  if (p.s[p.i] === ']') { p.i++; return out; }
  for (;;) {
    skipWS(p);
    out.push(parseValue(p, depth + 1));
    skipWS(p);
    if (p.s[p.i] === ',') { p.i++; continue; }
    if (p.s[p.i] === ']') { p.i++; return out; }
    throw new SyntaxError(`JSON: expected ',' or ']' at offset ${p.i}`);
  }
}

const ESC = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function parseString(p) {
  const s = p.s;
  let i = p.i + 1;
  let out = '';
  let from = i;
  for (;;) {
    if (i >= s.length) throw new SyntaxError('JSON: unterminated string');
    const c = s.charCodeAt(i);
    if (c === 0x22) break;
    if (c < 0x20) throw new SyntaxError(`JSON: control character in a string at offset ${i}`);
    if (c !== 0x5c) { i++; continue; }
    out += s.slice(from, i);
    const e = s[i + 1];
    if (e === 'u') {
      const hex = s.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new SyntaxError(`JSON: bad \\u escape at offset ${i}`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 6;
    } else if (e in ESC) {
      out += ESC[e];
      i += 2;
    } else {
      throw new SyntaxError(`JSON: bad escape at offset ${i}`);
    }
    from = i;
  }
  out += s.slice(from, i);
  p.i = i + 1;
  return out;
}

// ---------------------------------------------------------------------------
// Bytes

function hexOf(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

const HASH_RE = /^[0-9a-f]{64}$/;

function bytesOfHex(h) {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const B64URL_RE = /^[A-Za-z0-9_-]*$/;

/** Standard base64 with padding, as Go's base64.StdEncoding; null if not. */
export function base64Decode(s) {
  if (typeof s !== 'string' || !B64_RE.test(s)) return null;
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function base64Encode(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Unpadded base64url, as JWS uses; null if not. */
function base64urlDecode(s) {
  if (typeof s !== 'string' || !B64URL_RE.test(s) || s.length % 4 === 1) return null;
  let t = s.replace(/-/g, '+').replace(/_/g, '/');
  while (t.length % 4) t += '=';
  return base64Decode(t);
}

function concat(...parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function equalBytes(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

// ---------------------------------------------------------------------------
// Event hashes (docs/hash-chain.md)

export const ZERO_HASH = '0'.repeat(64);
const SALT_RE = /^[0-9a-f]{32}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REVISION_RE = /^(?:0|[1-9][0-9]*)$/;

/** toEvent takes an envelope as text (one JSON object) or as a parsed object. */
function toEvent(e) {
  return typeof e === 'string' ? parseJSON(e) : e;
}

/**
 * eventHash recomputes an event's hash from its envelope: the text of one
 * envelope (a line of NDJSON, or any JSON text of one event), or an object
 * parseJSON returned. The data member is hashed as its source text, byte for
 * byte. An object without source text (from JSON.parse) is re-serialised with
 * JSON.stringify, which is exact only for payloads without escaped characters
 * or numbers JSON.stringify prints otherwise: pass text where you can.
 * Throws an Error naming the field at fault for a malformed envelope.
 */
export async function eventHash(envelope) {
  const e = toEvent(envelope);
  if (!e || typeof e !== 'object') throw new Error('not an event envelope');
  const str = (name, v) => {
    if (typeof v !== 'string') throw new Error(`${name} is not a string`);
    return v;
  };
  let head;
  if (e.salt !== undefined) {
    // A salt that is not exactly 32 lower-case hex digits is refused, not
    // hashed, as `ledger verify` does.
    if (typeof e.salt !== 'string' || !SALT_RE.test(e.salt)) throw new Error('salt is not 32 lower-case hex digits');
    head = ['mastery-ledger/event/v2', e.salt];
  } else {
    head = ['mastery-ledger/event/v1'];
  }
  // The revision is hashed as decimal text: taken from the source when there
  // is one, so a revision beyond 2^53 is not rounded.
  let revision = rawText(e, 'revision');
  if (revision === undefined) revision = Number.isSafeInteger(e.revision) ? String(e.revision) : undefined;
  if (revision === undefined || !REVISION_RE.test(revision)) throw new Error('revision is not a decimal number');
  let data = rawText(e, 'data');
  if (data === undefined) {
    if (e.data === undefined) throw new Error('data is missing');
    data = JSON.stringify(e.data);
  }
  const actor = e.actor;
  if (!actor || typeof actor !== 'object') throw new Error('actor is missing');
  const fields = [
    ...head, str('prevHash', e.prevHash), str('stream', e.stream), revision, str('eventId', e.eventId),
    str('type', e.type), str('occurredAt', e.occurredAt), str('recordedAt', e.recordedAt),
    str('actor.role', actor.role), str('actor.name', actor.name), data,
  ];
  const parts = [];
  for (const f of fields) {
    const b = enc.encode(f);
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, b.length, false);
    parts.push(len, b);
  }
  return hexOf(await sha256(concat(...parts)));
}

/**
 * checkLinks checks the chain links among events of one or more streams,
 * given in stream order. A link is checked only where the previous revision
 * is at hand (or the event is revision 0, whose prevHash is 64 zeros): a
 * trail holds only the events bearing on a claim, and the rest of the
 * stream is vouched for by the inclusion proofs. Returns one result per
 * event: {ok: true|false|null, reason}; null means not checkable here.
 */
export function checkLinks(events) {
  const byKey = new Map();
  for (const e of events) byKey.set(`${e.stream}\u0000${revisionOf(e)}`, e);
  return events.map((e) => {
    const rev = revisionOf(e);
    if (rev === null) return { ok: false, reason: 'revision is not a decimal number' };
    if (rev === 0n) {
      return e.prevHash === ZERO_HASH
        ? { ok: true, reason: 'first event of its stream' }
        : { ok: false, reason: 'the first event of a stream must have a prevHash of 64 zeros' };
    }
    const prev = byKey.get(`${e.stream}\u0000${rev - 1n}`);
    if (!prev) return { ok: null, reason: `revision ${rev - 1n} of ${e.stream} is not in this trail; the inclusion proof covers the event` };
    return e.prevHash === prev.hash
      ? { ok: true, reason: `links to revision ${rev - 1n}` }
      : { ok: false, reason: `prevHash is not the hash of revision ${rev - 1n} (event ${prev.eventId})` };
  });
}

function revisionOf(e) {
  const r = rawText(e, 'revision') ?? (Number.isSafeInteger(e.revision) ? String(e.revision) : '');
  return REVISION_RE.test(r) ? BigInt(r) : null;
}

// ---------------------------------------------------------------------------
// The transparency log (RFC 9162 / RFC 6962)

/** leafHash is SHA-256(0x00 || the 32 bytes of an event hash in hex). */
export async function leafHash(eventHashHex) {
  if (typeof eventHashHex !== 'string' || !HASH_RE.test(eventHashHex)) throw new Error(`event hash ${eventHashHex} is not 64 lower-case hex digits`);
  return sha256(concat(Uint8Array.of(0), bytesOfHex(eventHashHex)));
}

async function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

function toBig(v) {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && REVISION_RE.test(v)) return BigInt(v);
  if (Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return null;
}

/**
 * verifyInclusion checks, by RFC 9162 §2.1.3.2, that the event whose hash is
 * eventHashHex is leaf index of the tree of size leaves whose root is root
 * (bytes), given the proof's sibling hashes (bytes, or standard base64 as
 * the API serves them). Returns {ok, reason}.
 */
export async function verifyInclusion({ eventHash: h, index, size, hashes, root }) {
  const idx = toBig(index), n = toBig(size);
  if (idx === null || n === null) return { ok: false, reason: 'leaf index or tree size is not a whole number' };
  if (idx >= n) return { ok: false, reason: `leaf ${idx} is not in a tree of ${n} leaves` };
  if (!Array.isArray(hashes)) return { ok: false, reason: 'the proof has no hashes' };
  const path = [];
  for (const [i, p] of hashes.entries()) {
    const b = typeof p === 'string' ? base64Decode(p) : p;
    if (!b || b.length !== 32) return { ok: false, reason: `proof hash ${i} is not 32 bytes of base64` };
    path.push(b);
  }
  let r;
  try { r = await leafHash(h); } catch (err) { return { ok: false, reason: err.message }; }
  let fn = idx, sn = n - 1n;
  for (const p of path) {
    if (sn === 0n) return { ok: false, reason: `the proof is longer than a proof of leaf ${idx} in a tree of ${n}` };
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) return { ok: false, reason: `the proof is shorter than a proof of leaf ${idx} in a tree of ${n}` };
  if (!equalBytes(r, root)) return { ok: false, reason: `hash ${h} at leaf ${idx} does not reach the root of the tree of ${n} leaves` };
  return { ok: true, reason: `leaf ${idx} of ${n}` };
}

// ---------------------------------------------------------------------------
// Signed notes and checkpoints (C2SP signed-note, tlog-checkpoint)

const SIG_PREFIX = '\u2014 '; // "— ", an em dash and a space

function validName(name) {
  return name !== '' && !/[\s+]/u.test(name);
}

async function keyHash(name, keyWithAlg) {
  return (await sha256(concat(enc.encode(name + '\n'), keyWithAlg))).slice(0, 4);
}

/**
 * parseVerifierKey reads a note verifier key, "<name>+<8 hex key hash>+
 * base64(0x01 || 32-byte Ed25519 key)", as GET /v1/log/key serves it, and
 * checks its key hash. Returns {name, hash (4 bytes), publicKey (32 bytes)}
 * or throws.
 */
export async function parseVerifierKey(vkey) {
  const s = String(vkey).trim();
  const a = s.indexOf('+');
  const b = a < 0 ? -1 : s.indexOf('+', a + 1);
  if (b < 0) throw new Error('not a note verifier key: want name+hash+key');
  const name = s.slice(0, a), hash16 = s.slice(a + 1, b), key64 = s.slice(b + 1);
  const key = base64Decode(key64);
  if (!validName(name) || !/^[0-9a-fA-F]{8}$/.test(hash16) || !key || key.length === 0) throw new Error('not a note verifier key: want name+hash+key');
  if (key[0] !== 1 || key.length !== 33) throw new Error('not an Ed25519 note verifier key');
  const want = await keyHash(name, key);
  if (hexOf(want) !== hash16.toLowerCase()) throw new Error('the verifier key\'s hash does not match its name and key');
  return { name, hash: want, publicKey: key.slice(1) };
}

async function ed25519Verify(publicKey, sig, msg) {
  let k;
  try {
    k = await crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch (err) {
    // Browsers older than 2025 may lack Ed25519 in WebCrypto: say so,
    // rather than let it read as a bad signature.
    throw new Error(`this browser cannot check Ed25519 signatures (${err.name}): use a current browser, or ledger verify`);
  }
  return crypto.subtle.verify({ name: 'Ed25519' }, k, sig, msg);
}

/**
 * verifyCheckpoint checks a signed checkpoint against the ledger's verifier
 * key (text, or what parseVerifierKey returned): a signature line by the
 * key's name and hash that verifies over the note's text, and a checkpoint
 * body whose origin is the key's name. Returns {ok, reason, origin, size
 * (decimal text), root (bytes)}; origin, size and root only when ok.
 */
export async function verifyCheckpoint(note, key) {
  const fail = (reason) => ({ ok: false, reason });
  let k;
  try { k = typeof key === 'string' ? await parseVerifierKey(key) : key; } catch (err) { return fail(`key: ${err.message}`); }
  if (typeof note !== 'string') return fail('no checkpoint');
  const opened = await openNote(note, k, 'checkpoint');
  if (!opened.ok) return opened;
  const text = opened.text;
  const lines = text.split('\n');
  if (lines.length < 4) return fail('the checkpoint has fewer than three lines');
  const [origin, size, root64] = lines;
  if (origin !== k.name) return fail(`the checkpoint is of log "${origin}", the key is "${k.name}"`);
  if (!REVISION_RE.test(size)) return fail(`the checkpoint's size "${size}" is not a number`);
  const root = base64Decode(root64);
  if (!root || root.length !== 32) return fail('the checkpoint\'s root hash is not 32 bytes of base64');
  return { ok: true, reason: `signed by ${k.name}: ${size} leaves`, origin, size, root };
}

/**
 * openNote checks a C2SP signed note against the parsed verifier key k: a
 * signature line by the key's name and hash that verifies over the note's
 * text (other signers' lines are passed over). what names the note in
 * reasons. Returns {ok, reason, text}.
 */
async function openNote(note, k, what) {
  const fail = (reason) => ({ ok: false, reason });
  // A note is valid UTF-8 with no control character but newline. The text
  // was decoded already: U+FFFD is what a decoder leaves of bytes that were
  // not UTF-8, so it is refused too (a signed note never holds one).
  if (/[\u0000-\u0009\u000b-\u001f\ufffd]/.test(note)) return fail(`the ${what} is not a signed note: control character`);
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return fail(`the ${what} is not a signed note: no blank line before signatures`);
  const text = note.slice(0, split + 1);
  const sigs = note.slice(split + 2);
  if (sigs === '' || !sigs.endsWith('\n')) return fail(`the ${what} is not a signed note: no signature line`);
  let signed = false;
  for (const line of sigs.slice(0, -1).split('\n')) {
    if (!line.startsWith(SIG_PREFIX)) return fail(`the ${what} is not a signed note: a signature line does not start with "— "`);
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.indexOf(' ');
    const name = sp < 0 ? rest : rest.slice(0, sp);
    const b64 = sp < 0 ? '' : rest.slice(sp + 1);
    const sig = base64Decode(b64);
    if (!sig || !validName(name) || b64 === '' || sig.length < 5) return fail(`the ${what} is not a signed note: malformed signature line`);
    if (name !== k.name || !equalBytes(sig.slice(0, 4), k.hash)) continue; // another signer's (a witness)
    let good = false;
    try { good = sig.length === 68 && await ed25519Verify(k.publicKey, sig.slice(4), enc.encode(text)); } catch (err) { return fail(err.message); }
    if (!good) {
      return fail(`the signature of ${k.name} does not verify: the ${what} was altered or not signed by this key`);
    }
    signed = true;
  }
  if (!signed) return fail(`the ${what} carries no signature of ${k.name}`);
  return { ok: true, reason: '', text };
}

// ---------------------------------------------------------------------------
// A claim's trail

function docOf(x) {
  return typeof x === 'string' ? parseJSON(x) : x;
}

/**
 * verifyTrail checks a claim's trail:
 *   replay     the text (or parseJSON value) of GET .../standards/{sid}/replay
 *   events     optional: the events to check instead of replay.events
 *   key        the verifier key text of GET /v1/log/key
 *   checkpoint the signed note of GET /v1/log/checkpoint
 *   proofs     the inclusion proofs of GET /v1/log/proof/inclusion, as texts or
 *              values, in an array or an object keyed by event id
 * Returns {ok, checkpoint: {ok, reason, ...}, events: [{eventId, type,
 * stream, revision, position, hash, ok, checks: {hash, link, inclusion},
 * reasons}], failures: [text], notes: [text]}. An event fails if its hash,
 * link or inclusion fails; a link that cannot be checked here (the previous
 * revision is not in the trail) does not fail it.
 */
export async function verifyTrail({ replay, events, key, checkpoint, proofs }) {
  const failures = [], notes = [];
  let evs = events;
  if (typeof evs === 'string') evs = docOf(evs);
  if (evs && !Array.isArray(evs)) evs = evs.events;
  if (!evs) {
    const r = docOf(replay);
    evs = r && Array.isArray(r.events) ? r.events : null;
  }
  if (!Array.isArray(evs)) return { ok: false, checkpoint: { ok: false, reason: 'not checked' }, events: [], failures: ['the trail holds no events list'], notes };

  const cp = await verifyCheckpoint(checkpoint, key);
  if (!cp.ok) failures.push(`checkpoint: ${cp.reason}`);

  const byID = new Map();
  const proofList = Array.isArray(proofs) ? proofs : Object.values(proofs || {});
  for (const p of proofList) {
    const v = docOf(p);
    if (v && typeof v.eventId === 'string') byID.set(v.eventId, v);
  }

  const links = checkLinks(evs);
  const out = [];
  for (const [i, e] of evs.entries()) {
    const r = {
      eventId: String(e.eventId), type: e.type, stream: e.stream, revision: e.revision, position: e.position, hash: e.hash,
      checks: {}, reasons: [],
    };
    // The hash, recomputed from the envelope.
    let computed = null;
    try {
      computed = await eventHash(e);
      r.checks.hash = computed === e.hash
        ? { ok: true, reason: 'recomputed' }
        : { ok: false, reason: `the event's data do not hash to its hash (recomputed ${computed}, the event says ${e.hash})` };
    } catch (err) {
      r.checks.hash = { ok: false, reason: `hash: ${err.message}` };
    }
    r.checks.link = links[i];
    // The inclusion proof, of the recomputed hash: a leaf proves the
    // content only if the hash it holds is the content's.
    const p = byID.get(r.eventId);
    if (!cp.ok) {
      r.checks.inclusion = { ok: false, reason: 'not proved: the checkpoint does not verify' };
    } else if (!p) {
      r.checks.inclusion = { ok: false, reason: 'no inclusion proof' };
    } else if (p.eventHash !== e.hash) {
      r.checks.inclusion = { ok: false, reason: `the log holds hash ${p.eventHash} for this event, the trail ${e.hash}` };
    } else if (String(rawText(p, 'treeSize') ?? p.treeSize) !== cp.size) {
      r.checks.inclusion = { ok: false, reason: `the proof is for a tree of ${p.treeSize} leaves, the checkpoint's has ${cp.size}` };
    } else {
      const res = await verifyInclusion({
        eventHash: computed ?? e.hash, index: rawText(p, 'leafIndex') ?? p.leafIndex, size: cp.size, hashes: p.hashes, root: cp.root,
      });
      r.checks.inclusion = res.ok ? res : { ok: false, reason: `inclusion: ${res.reason}` };
    }
    for (const [name, c] of Object.entries(r.checks)) {
      if (c.ok === false) r.reasons.push(`${name}: ${c.reason}`);
    }
    r.ok = r.reasons.length === 0;
    if (!r.ok) failures.push(`event ${r.eventId}: ${r.reasons.join('; ')}`);
    out.push(r);
  }
  if (links.some((l) => l.ok === null)) {
    notes.push('The trail holds only the events bearing on this claim: a link is checked where both revisions are shown, and every event is proved in the log by its inclusion proof.');
  }
  return { ok: failures.length === 0, checkpoint: cp, events: out, failures, notes };
}

// ---------------------------------------------------------------------------
// Credentials and transcripts (adapters/credential)

const CONTEXT_VC = 'https://www.w3.org/ns/credentials/v2';
const CONTEXT_OB = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** didKey is the did:key of an Ed25519 public key (multicodec 0xed01, base58btc). */
export function didKey(pub) {
  return didKeyOf(Uint8Array.of(0xed, 0x01), pub);
}

// derInt is a DER INTEGER of the unsigned big-endian bytes b.
function derInt(b) {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  b = b.slice(i);
  if (b[0] & 0x80) b = concat(Uint8Array.of(0), b);
  return concat(Uint8Array.of(0x02), derLen(b.length), b);
}

function derLen(n) {
  if (n < 0x80) return Uint8Array.of(n);
  const out = [];
  for (; n > 0; n >>= 8) out.unshift(n & 0xff);
  return Uint8Array.of(0x80 | out.length, ...out);
}

/**
 * jwkDidKey is the did:key of a public JWK as the ledger's credentials
 * carry it: P-256 as a compressed point (multicodec 0x1200), RSA as PKCS #1
 * DER (0x1205), as adapters/credential writes them. Returns '' otherwise.
 */
export function jwkDidKey(jwk) {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') {
    const x = base64urlDecode(strOf(jwk.x)), y = base64urlDecode(strOf(jwk.y));
    if (!x || !y || x.length !== 32 || y.length !== 32) return '';
    return didKeyOf(Uint8Array.of(0x80, 0x24), concat(Uint8Array.of(2 | (y[31] & 1)), x));
  }
  if (jwk.kty === 'RSA') {
    const n = base64urlDecode(strOf(jwk.n)), e = base64urlDecode(strOf(jwk.e));
    if (!n || !e) return '';
    const body = concat(derInt(n), derInt(e));
    return didKeyOf(Uint8Array.of(0x85, 0x24), concat(Uint8Array.of(0x30), derLen(body.length), body));
  }
  return '';
}

// jwsVerify checks an ES256 (raw r||s, which WebCrypto's ECDSA takes as
// it is) or RS256 signature over msg with the public JWK.
async function jwsVerify(alg, jwk, sig, msg) {
  if (alg === 'ES256') {
    const k = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    return sig.length === 64 && crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, k, sig, msg);
  }
  const k = await crypto.subtle.importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e }, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'RSASSA-PKCS1-v1_5' }, k, sig, msg);
}

function didKeyOf(prefix, pub) {
  const b = concat(prefix, pub);
  let zeros = 0;
  while (zeros < b.length && b[zeros] === 0) zeros++;
  const digits = [];
  for (const c of b.slice(zeros)) {
    let carry = c;
    for (let i = 0; i < digits.length; i++) {
      carry += digits[i] << 8;
      digits[i] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) { digits.push(carry % 58); carry = Math.floor(carry / 58); }
  }
  let s = '1'.repeat(zeros);
  for (let i = digits.length - 1; i >= 0; i--) s += B58[digits[i]];
  return 'did:key:z' + s;
}

class CheckError extends Error {
  constructor(check, eventId, detail) {
    super(eventId ? `${check} check failed for event ${eventId}: ${detail}` : `${check} check failed: ${detail}`);
    this.check = check;
    this.eventId = eventId || '';
  }
}

const arr = (v) => (Array.isArray(v) ? v : []);
const strOf = (v) => (typeof v === 'string' ? v : '');

// RFC 3339 as Go's time.Parse reads it; returns {ms, nanos} or null.
function parseRFC3339(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return null;
  let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (Number.isNaN(ms) || +m[2] < 1 || +m[2] > 12 || +m[3] > 31 || +m[4] > 23 || +m[5] > 59 || +m[6] > 59) return null;
  if (m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    ms -= sign * (+m[8].slice(1, 3) * 60 + +m[8].slice(4, 6)) * 60000;
  }
  return { ms, nanos: m[7] ? +m[7].padEnd(9, '0') : 0 };
}

/**
 * verifyCredential checks one compact JWS as adapters/credential issues it,
 * in the order Verify does: the JOSE header (EdDSA, typ JWT, only alg, kid,
 * jwk, typ), the jwk being the verifier key, the Ed25519 signature, the
 * credential's shape and JWT claims, the issuer's did:key, the result
 * level, the checkpoint's signature and origin, the evidence against the
 * ledgerProof entries, and each event's inclusion proof.
 * Returns {ok, reasons, check, summary, events: [{eventId, type, stream,
 * revision, hash, leafIndex, ok, reasons}]}.
 */
export async function verifyCredential(jws, key) {
  const events = [];
  try {
    const k = typeof key === 'string' ? await parseVerifierKey(key) : key;
    const summary = await checkCredential(jws, k, events);
    for (const e of events) if (e.ok === undefined) { e.ok = true; e.reasons = []; }
    return { ok: true, reasons: [], check: '', summary, events };
  } catch (err) {
    const check = err instanceof CheckError ? err.check : 'key';
    for (const e of events) {
      if (e.ok !== undefined) continue;
      if (err.eventId === e.eventId) { e.ok = false; e.reasons = [err.message]; } else { e.ok = null; e.reasons = ['not proved: the credential failed']; }
    }
    if (err.eventId && !events.some((e) => e.eventId === err.eventId)) {
      events.push({ eventId: err.eventId, ok: false, reasons: [err.message] });
    }
    return { ok: false, reasons: [err.message], check, summary: null, events };
  }
}

async function checkCredential(jws, k, events) {
  const fail = (check, fmt, eventId) => new CheckError(check, eventId, fmt);
  if (typeof jws !== 'string') throw fail('jws', 'not a compact JWS');
  const parts = jws.split('.');
  if (parts.length !== 3) throw fail('jws', 'not a compact JWS: want three parts');
  const headerBytes = base64urlDecode(parts[0]);
  const payloadBytes = base64urlDecode(parts[1]);
  const sig = base64urlDecode(parts[2]);
  if (!headerBytes || !payloadBytes || !sig) throw fail('jws', 'a part is not base64url');
  let header;
  try { header = parseJSON(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes)); } catch (err) { throw fail('jws', `header: ${err.message}`); }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw fail('jws', 'header is not an object');
  if (header.alg !== 'ES256' && header.alg !== 'RS256') throw fail('jws', `alg is ${JSON.stringify(header.alg)}, want "ES256" or "RS256"`);
  for (const name of Object.keys(header)) {
    if (name === 'typ') {
      if (header.typ !== 'JWT') throw fail('jws', `typ is ${JSON.stringify(header.typ)}, want "JWT"`);
    } else if (!['alg', 'kid', 'jwk'].includes(name)) {
      throw fail('jws', `header parameter "${name}" is not allowed in an OB 3.0 VC-JWT`);
    }
  }
  const jwk = header.jwk;
  if (!jwk || typeof jwk !== 'object') throw fail('key', 'the header carries no jwk');
  const keyDid = jwk.d === undefined ? jwkDidKey(jwk) : '';
  if (!keyDid || (header.alg === 'ES256') !== (jwk.kty === 'EC')) throw fail('key', `the header's jwk is not a public ${header.alg === 'ES256' ? 'P-256' : 'RSA'} key`);
  let good = false;
  try { good = await jwsVerify(header.alg, jwk, sig, enc.encode(parts[0] + '.' + parts[1])); } catch (err) { throw fail('signature', err.message); }
  if (!good) {
    throw fail('signature', 'the signature does not verify with the header\'s key: the header or the payload was altered after signing');
  }
  let cred;
  try { cred = parseJSON(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes)); } catch (err) { throw fail('credential', `payload: ${err.message}`); }
  if (!cred || typeof cred !== 'object' || Array.isArray(cred)) throw fail('credential', 'payload is not an object');

  // Shape (checkShape).
  const ctx = arr(cred['@context']);
  if (ctx.length !== 3) throw fail('credential', `@context has ${ctx.length} entries, want VC 2.0, OB 3.0 and the ledger's`);
  if (ctx[0] !== CONTEXT_VC || ctx[1] !== CONTEXT_OB) throw fail('credential', '@context does not start with VC 2.0 and OB 3.0');
  if (!ctx[2] || typeof ctx[2] !== 'object' || !ctx[2].ledgerProof || ctx[2].ledgerProof['@type'] !== '@json') throw fail('credential', '@context[2] does not declare ledgerProof as @json');
  const types = arr(cred.type);
  if (!types.includes('VerifiableCredential') || !(types.includes('OpenBadgeCredential') || types.includes('AchievementCredential'))) {
    throw fail('credential', 'type is not a VerifiableCredential and an OpenBadgeCredential');
  }
  const issuer = cred.issuer || {};
  const s = cred.credentialSubject || {};
  const a = s.achievement || {};
  const ids = arr(s.identifier);
  const lp = cred.ledgerProof || {};
  if (!strOf(cred.id) || !strOf(issuer.id) || !strOf(s.id)) throw fail('credential', 'id, issuer.id and credentialSubject.id are required');
  if (!arr(s.type).includes('AchievementSubject')) throw fail('credential', 'credentialSubject type is not AchievementSubject');
  if (ids.length !== 1 || ids[0].type !== 'IdentityObject' || ids[0].hashed !== true || !strOf(ids[0].salt) || !/^sha256\$[0-9a-f]{64}$/.test(strOf(ids[0].identityHash))) {
    throw fail('credential', 'credentialSubject.identifier must be one hashed IdentityObject: sha256$ and 64 hex digits, with its salt');
  }
  if (!arr(a.type).includes('Achievement')) throw fail('credential', 'achievement type is not Achievement');
  if (!strOf(a.id) || !strOf(a.name) || !strOf(a.description) || !strOf(a.criteria && a.criteria.narrative)) {
    throw fail('credential', 'achievement id, name, description and criteria are required');
  }
  if (!strOf(lp.checkpoint)) throw fail('credential', 'ledgerProof.checkpoint is missing');
  const validFrom = parseRFC3339(strOf(cred.validFrom));
  if (!validFrom) throw fail('credential', `validFrom ${JSON.stringify(cred.validFrom)} is not RFC 3339`);
  if (!parseRFC3339(strOf(s.activityEndDate))) throw fail('credential', `activityEndDate ${JSON.stringify(s.activityEndDate)} is not RFC 3339`);
  if (!/^[+-]?[0-9]+$/.test(strOf(a.version))) throw fail('credential', `achievement version ${JSON.stringify(a.version)} is not a standard revision`);

  // JWT claims.
  if (cred.iss !== issuer.id) throw fail('claims', `iss ${JSON.stringify(cred.iss)} is not issuer.id`);
  if (cred.sub !== s.id) throw fail('claims', `sub ${JSON.stringify(cred.sub)} is not credentialSubject.id`);
  const nbf = rawText(cred, 'nbf');
  if (validFrom.nanos !== 0 || nbf === undefined || !/^-?[0-9]+$/.test(nbf) || BigInt(nbf) !== BigInt(validFrom.ms / 1000)) {
    throw fail('claims', `nbf ${nbf} is not validFrom ${cred.validFrom}`);
  }
  if (issuer.id !== keyDid) throw fail('issuer', `issuer ${issuer.id} is not ${keyDid}, the did:key of the header's key`);
  // The log's key vouches for the credential key (ledgerProof.issuerBinding).
  const binding = await openNote(strOf(lp.issuerBinding), k, 'issuer binding');
  if (!binding.ok) throw fail('issuer', `ledgerProof.issuerBinding: ${binding.reason}`);
  if (binding.text !== `OB 3.0 credential issuer\n${issuer.id}\n`) throw fail('issuer', `the log's key vouches for another issuer than ${issuer.id}`);

  // Result (checkResult).
  const results = arr(s.result);
  if (results.length !== 1) throw fail('result', `${results.length} results, want 1`);
  const res = results[0] || {};
  const desc = arr(a.resultDescription).find((d) => d && d.id === res.resultDescription);
  if (!desc) throw fail('result', `result description ${JSON.stringify(res.resultDescription)} is not the achievement's`);
  const levels = arr(desc.rubricCriterionLevel);
  const at = (id) => levels.findIndex((l) => l && l.id === id);
  const achieved = at(res.achievedLevel), required = at(desc.requiredLevel);
  if (achieved < 0) throw fail('result', `achieved level ${JSON.stringify(res.achievedLevel)} is not one of the achievement's levels`);
  if (required < 0) throw fail('result', `required level ${JSON.stringify(desc.requiredLevel)} is not one of the achievement's levels`);
  if (achieved < required) throw fail('result', `achieved level ${levels[achieved].name} is below the required ${levels[required].name}`);
  if (!/^[+-]?[0-9]+$/.test(strOf(levels[achieved].level))) throw fail('result', `achieved level ${JSON.stringify(levels[achieved].level)} is not a number`);

  // The checkpoint.
  const cp = await verifyCheckpoint(lp.checkpoint, k);
  if (!cp.ok) throw fail('checkpoint', `not a checkpoint of ${k.name}: ${cp.reason}`);

  // Evidence and ledgerProof, one to one (checkEvidence).
  const byID = new Map();
  for (const e of arr(cred.evidence)) {
    const eid = strOf(e && e.id);
    if (!eid.startsWith('urn:uuid:')) throw fail('evidence', 'evidence id is not a urn:uuid: of an event', eid);
    const id = eid.slice('urn:uuid:'.length);
    if (byID.has(id)) throw fail('evidence', 'listed twice in evidence', id);
    if (!arr(e.type).includes('Evidence')) throw fail('evidence', 'evidence type is not Evidence', id);
    byID.set(id, e);
  }
  const proved = new Set();
  let attempt = false;
  const pevs = arr(lp.events);
  for (const p of pevs) {
    const id = strOf(p && p.eventId);
    if (proved.has(id)) throw fail('evidence', 'listed twice in ledgerProof', id);
    proved.add(id);
    const e = byID.get(id);
    if (!e) throw fail('evidence', 'ledgerProof entry is not listed in evidence', id);
    if (!UUID_RE.test(id)) throw fail('evidence', 'not a lower-case UUID', id);
    attempt = attempt || e.genre === 'SummativeAttemptRecorded';
    events.push({ eventId: id, type: e.genre, stream: p.stream, revision: p.revision, hash: p.hash, leafIndex: p.leafIndex });
  }
  for (const id of byID.keys()) if (!proved.has(id)) throw fail('evidence', 'evidence has no ledgerProof entry', id);
  if (!attempt) throw fail('evidence', 'no SummativeAttemptRecorded among the evidence');

  // Inclusion (checkInclusion), every event.
  for (const [i, p] of pevs.entries()) {
    const id = p.eventId;
    const treeSize = String(rawText(p, 'treeSize') ?? '');
    const leaf = toBig(rawText(p, 'leafIndex'));
    if (treeSize !== cp.size) throw fail('inclusion', `the proof is for a tree of ${treeSize} leaves, the checkpoint's has ${cp.size}`, id);
    if (leaf === null || leaf >= BigInt(cp.size)) throw fail('inclusion', `leaf ${p.leafIndex} lies beyond the checkpoint's ${cp.size} leaves`, id);
    if (typeof p.hash !== 'string' || !HASH_RE.test(p.hash)) throw fail('inclusion', `hash ${JSON.stringify(p.hash)} is not 64 lower-case hex digits`, id);
    const r = await verifyInclusion({ eventHash: p.hash, index: leaf, size: cp.size, hashes: arr(p.inclusionProof), root: cp.root });
    if (!r.ok) throw fail('inclusion', r.reason, id);
    events[i].ok = true;
    events[i].reasons = [];
  }
  const label = levels[achieved].name;
  const sourced = (list) => (arr(list).find((x) => x && x.identifierType === 'sourcedId') || {}).identifier || '';
  return {
    credentialId: cred.id, issuer: issuer.id, schoolId: sourced(issuer.otherIdentifier), schoolName: strOf(issuer.name),
    identityHash: ids[0].identityHash, salt: ids[0].salt, learnerId: '', standardId: sourced(a.otherIdentifier), code: strOf(a.humanCode), title: strOf(a.name),
    standardRevision: Number(a.version), level: Number(levels[achieved].level), levelLabel: strOf(label), metAt: s.activityEndDate,
    validFrom: cred.validFrom, checkpoint: { origin: cp.origin, size: cp.size, rootHash: base64Encode(cp.root) },
    revocation: await checkRevocation(cred.credentialStatus, issuer.id, fail),
  };
}

/**
 * checkRevocation reads the credential's revocation list when it is served
 * by this page's own origin (the module fetches from nowhere else), checks
 * its signature and issuer, and throws a 'revoked' CheckError if the
 * credential's bit is set. Returns what it could say otherwise.
 */
async function checkRevocation(status, issuerId, fail) {
  if (!status) return 'no revocation list';
  if (status.type !== 'BitstringStatusListEntry' || status.statusPurpose !== 'revocation' || !/^[0-9]+$/.test(strOf(status.statusListIndex))) {
    throw fail('credential', 'credentialStatus is not a BitstringStatusListEntry for revocation');
  }
  let url;
  try { url = new URL(strOf(status.statusListCredential)); } catch { throw fail('credential', 'credentialStatus names no list URL'); }
  if (typeof location === 'undefined' || url.origin !== location.origin) return `revocation not checked: the list is served by ${url.origin}, not this page's origin`;
  let list;
  try {
    const res = await fetch(url.pathname, { credentials: 'omit' });
    if (!res.ok) return `revocation not checked: the list answered ${res.status}`;
    list = (await res.text()).trim();
  } catch (err) { return `revocation not checked: ${err.message}`; }
  const parts = list.split('.');
  const h = parts.length === 3 ? parseJSON(new TextDecoder().decode(base64urlDecode(parts[0]) || new Uint8Array())) : null;
  const body = parts.length === 3 ? parseJSON(new TextDecoder().decode(base64urlDecode(parts[1]) || new Uint8Array())) : null;
  if (!h || !body || !h.jwk || (h.alg !== 'ES256' && h.alg !== 'RS256')) throw fail('status-list', 'the revocation list is not a VC-JWT');
  if (jwkDidKey(h.jwk) !== issuerId || body.issuer !== issuerId) throw fail('status-list', 'the revocation list is not signed by the credential\'s issuer');
  if (!(await jwsVerify(h.alg, h.jwk, base64urlDecode(parts[2]), enc.encode(parts[0] + '.' + parts[1])))) throw fail('status-list', 'the revocation list\'s signature does not verify');
  const subj = body.credentialSubject || {};
  if (body.id !== status.statusListCredential || subj.statusPurpose !== 'revocation' || !strOf(subj.encodedList).startsWith('u')) throw fail('status-list', 'not the revocation list the credential names');
  const gz = base64urlDecode(subj.encodedList.slice(1));
  const bits = new Uint8Array(await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  const i = Number(status.statusListIndex);
  if (bits.length * 8 < 131072 || i >= bits.length * 8) throw fail('status-list', 'the revocation list is too short');
  if (bits[i >> 3] & (0x80 >> (i & 7))) throw fail('revoked', `the credential is REVOKED (revocation list ${url.pathname}, entry ${i})`);
  return 'not revoked';
}

/**
 * verifyTranscript checks a transcript file as GET /v1/learners/{id}/
 * transcript?format=ob3 answers it ({"learnerId", "credentials": [{
 * "standardId", "jwt"}]}), or a single credential (a compact JWS), against
 * the ledger's verifier key: every credential as verifyCredential does, and,
 * for a transcript, that each names the transcript's learner and the
 * standard it is listed under, and that no standard is listed twice, as
 * `ledger verify-transcript` does. Unlike it, it goes on after a failure, so
 * that every failing credential and event is named.
 * Returns {ok, reasons, learnerId, credentials: [{index, standardId, ok,
 * reasons, summary, events}]}.
 */
export async function verifyTranscript(fileText, key) {
  const text = String(fileText).replace(/^\uFEFF/, '').trim();
  const out = { ok: false, reasons: [], learnerId: '', credentials: [] };
  let k;
  try { k = await parseVerifierKey(key); } catch (err) { out.reasons.push(`key: ${err.message}`); return out; }
  let list;
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text)) {
    list = [{ standardId: null, jwt: text }];
  } else {
    let t;
    try { t = parseJSON(text); } catch (err) { out.reasons.push(`transcript check failed: ${err.message}`); return out; }
    if (!t || typeof t !== 'object' || Array.isArray(t)) { out.reasons.push('transcript check failed: not a transcript object'); return out; }
    const extra = Object.keys(t).filter((n) => n !== 'learnerId' && n !== 'credentials');
    if (extra.length) { out.reasons.push(`transcript check failed: unknown field "${extra[0]}"`); return out; }
    if (!strOf(t.learnerId)) { out.reasons.push('transcript check failed: learnerId is required'); return out; }
    if (!Array.isArray(t.credentials)) { out.reasons.push('transcript check failed: credentials is not a list'); return out; }
    out.learnerId = t.learnerId;
    list = t.credentials;
  }
  const seen = new Set();
  for (const [i, c] of list.entries()) {
    const entry = c && typeof c === 'object' ? c : {};
    const sid = entry.standardId;
    let r;
    const unknown = Object.keys(entry).filter((n) => n !== 'standardId' && n !== 'jwt');
    if (unknown.length) {
      r = { ok: false, reasons: [`transcript check failed: unknown field "${unknown[0]}"`], summary: null, events: [] };
    } else if (sid !== null && seen.has(sid)) {
      r = { ok: false, reasons: [`transcript check failed: standard "${sid}" is listed twice`], summary: null, events: [] };
    } else {
      seen.add(sid);
      r = await verifyCredential(entry.jwt, k);
      if (r.ok && sid !== null) {
        const hash = 'sha256$' + hexOf(await sha256(enc.encode(out.learnerId + r.summary.salt)));
        if (hash !== r.summary.identityHash) {
          r.ok = false;
          r.reasons.push(`transcript check failed: the credential's identity hash ${r.summary.identityHash} is not learner "${out.learnerId}"'s with its salt`);
        } else if (r.summary.standardId !== sid) {
          r.ok = false;
          r.reasons.push(`transcript check failed: the credential is on standard "${r.summary.standardId}", listed as "${sid}"`);
        } else {
          r.summary.learnerId = out.learnerId;
        }
      }
    }
    out.credentials.push({ index: i, standardId: sid ?? (r.summary && r.summary.standardId) ?? '', ...r });
    if (!r.ok) out.reasons.push(`credential ${i}${sid ? ` (standard "${sid}")` : ''}: ${r.reasons.join('; ')}`);
  }
  if (list.length === 0) out.reasons.push('transcript check failed: no credentials');
  out.ok = out.reasons.length === 0;
  return out;
}

// ---------------------------------------------------------------------------
// The page driver
//
// The pages give the module what it needs through data- attributes; it
// needs no element ids and no inline script.
//
// Trail page:
//   <section data-verify-trail data-learner="l-0001" data-standard="math-6-rp-1">
//   data-replay-url (optional) replaces the replay's URL, same origin.
//   Inside it, optional: [data-verify-result] (the overall verdict and what
//   failed) and [data-verify-events] (a list the driver fills with one
//   <li data-event-id="…" data-verdict="…"> per event: its id, type and
//   each check with its reason). Missing ones are appended, the result
//   first. Any other element of the page with data-event-id="<id>" (the
//   page's own row of the event) gets the event's data-verdict too.
//
// /verify:
//   <div data-verify-file>, with, optionally, input[type=file],
//   textarea[data-verify-input] (paste), [data-verify-key] (an input or
//   textarea for the ledger's key; empty: this ledger's GET /v1/log/key) and
//   [data-verify-run] (a button that checks the pasted text); missing ones
//   are appended. A file chosen or dropped on the element is checked at
//   once. Results go to [data-verify-result] and [data-verify-events] as on
//   the trail page, one <li> per event of each credential.
//
// The root carries data-verify-state="running" while a check runs; the
// verdict, data-verdict="verified" or "failed", is set only when it ends.
// Everything is written with textContent: event data never becomes markup.

/**
 * fetchTrail fetches, from the page's own origin, what verifyTrail needs:
 * the replay, the key, the latest checkpoint, and each event's inclusion
 * proof in the tree of that checkpoint's size (asked for by size, so that a
 * checkpoint signed in between does not make the proofs disagree with it).
 */
export async function fetchTrail({ learner, standard, replayURL, fetch: f = globalThis.fetch, origin = '' }) {
  const get = async (path, what) => {
    const res = await f(origin + path, { credentials: 'same-origin', headers: { Accept: 'application/json, text/plain' } });
    if (!res.ok) throw new Error(`${what}: the server answered ${res.status}`);
    return res.text();
  };
  const enc_ = encodeURIComponent;
  const replay = await get(replayURL || `/v1/learners/${enc_(learner)}/standards/${enc_(standard)}/replay`, 'replay');
  const key = await get('/v1/log/key', 'key');
  const checkpoint = await get('/v1/log/checkpoint', 'checkpoint');
  const size = checkpoint.split('\n')[1];
  const doc = parseJSON(replay);
  const proofs = {};
  for (const e of arr(doc && doc.events)) {
    const q = `eventId=${enc_(e.eventId)}` + (REVISION_RE.test(size || '') ? `&size=${size}` : '');
    try { proofs[e.eventId] = await get(`/v1/log/proof/inclusion?${q}`, `proof of ${e.eventId}`); } catch (err) { /* verifyTrail names it: no proof */ }
  }
  return { replay: doc, key, checkpoint, proofs };
}

function el(doc, tag, attrs = {}, text = '') {
  const n = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text) n.textContent = text;
  return n;
}

// resultSlots finds or makes, inside root, the overall result element
// ([data-verify-result]) and the list of events ([data-verify-events]),
// the result first, so it is the first verdict in the page's order.
function resultSlots(root) {
  const doc = root.ownerDocument;
  let result = root.querySelector('[data-verify-result]');
  if (!result) { result = el(doc, 'p', { 'data-verify-result': '', role: 'status' }); root.appendChild(result); }
  let list = root.querySelector('[data-verify-events]');
  if (!list) { list = el(doc, 'ul', { 'data-verify-events': '' }); root.appendChild(list); }
  return { result, list };
}

function setVerdict(node, ok) {
  node.setAttribute('data-verdict', ok ? 'verified' : 'failed');
}

function renderEvent(list, e, lines) {
  const doc = list.ownerDocument;
  const li = el(doc, 'li', { 'data-event-id': e.eventId });
  setVerdict(li, e.ok !== false);
  li.appendChild(el(doc, 'code', {}, e.eventId));
  li.appendChild(doc.createTextNode(` ${e.type || ''}${e.ok === false ? ': failed' : ': verified'}`));
  const ul = el(doc, 'ul');
  for (const line of lines) ul.appendChild(el(doc, 'li', {}, line));
  li.appendChild(ul);
  list.appendChild(li);
}

function markPageEvents(doc, id, ok, within) {
  // The page's own element of the event (a row of the trail), if any.
  for (const n of doc.querySelectorAll('[data-event-id]')) {
    if (n.getAttribute('data-event-id') === id && !within.contains(n)) setVerdict(n, ok);
  }
}

/** renderTrail writes verifyTrail's result into root. */
export function renderTrail(root, r) {
  const { result, list } = resultSlots(root);
  list.replaceChildren();
  for (const e of r.events) {
    const lines = Object.entries(e.checks).map(([name, c]) => `${name}: ${c.ok === null ? 'not checked here' : c.ok ? 'ok' : 'FAILED'} (${c.reason})`);
    renderEvent(list, e, lines);
    markPageEvents(root.ownerDocument, e.eventId, e.ok, list);
  }
  const failed = r.events.filter((e) => !e.ok).length;
  result.textContent = r.ok
    ? `Verified in this browser: ${r.events.length} events, their hashes, links and inclusion in the log of ${r.checkpoint.origin} (${r.checkpoint.size} leaves, signature checked).`
    : `Verification failed: ${r.failures.join(' — ')}${failed ? ` (${failed} of ${r.events.length} events failed)` : ''}`;
  if (r.notes.length) result.appendChild(el(root.ownerDocument, 'small', {}, ' ' + r.notes.join(' ')));
  setVerdict(result, r.ok);
  root.removeAttribute('data-verify-state');
}

/** renderTranscript writes verifyTranscript's result into root. */
export function renderTranscript(root, r, note = '') {
  const { result, list } = resultSlots(root);
  list.replaceChildren();
  for (const c of r.credentials) {
    for (const e of c.events) {
      renderEvent(list, e, e.ok === false ? e.reasons : e.ok === null ? e.reasons : [`${e.stream ? e.stream + ' ' : ''}revision ${e.revision}, hash ${e.hash}: in the log at leaf ${e.leafIndex}`]);
    }
  }
  const ok = r.ok;
  const lines = r.credentials.filter((c) => c.ok).map((c) => {
    const s = c.summary;
    return `${s.learnerId || 'The learner of ' + s.identityHash} met ${s.code} ${s.title} at level ${s.level} (${s.levelLabel}) on ${String(s.metAt).slice(0, 10)}, issued by ${s.schoolName}; ${c.events.length} events proved in the log ${s.checkpoint.origin} of size ${s.checkpoint.size}; ${s.revocation}.`;
  });
  result.textContent = ok
    ? `Verified in this browser: ${r.credentials.length} credentials. ${lines.join(' ')}`
    : `Verification failed: ${r.reasons.join(' — ')}`;
  if (note) result.appendChild(el(root.ownerDocument, 'small', {}, ' ' + note));
  setVerdict(result, ok);
  root.removeAttribute('data-verify-state');
}

async function runTrail(root) {
  root.setAttribute('data-verify-state', 'running');
  const { result } = resultSlots(root);
  result.textContent = 'Verifying in this browser…';
  try {
    const input = await fetchTrail({
      learner: root.getAttribute('data-learner'), standard: root.getAttribute('data-standard'),
      replayURL: root.getAttribute('data-replay-url') || '',
    });
    renderTrail(root, await verifyTrail(input));
  } catch (err) {
    renderTrail(root, { ok: false, events: [], failures: [err.message], notes: [], checkpoint: {} });
  }
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsText(file);
  });
}

function setupFile(root) {
  const doc = root.ownerDocument;
  let file = root.querySelector('input[type=file]');
  let paste = root.querySelector('textarea[data-verify-input]');
  let keyIn = root.querySelector('[data-verify-key]');
  let run = root.querySelector('[data-verify-run]');
  // A bare [data-verify-file] gets the controls it needs.
  if (!file) { file = el(doc, 'input', { type: 'file', accept: '.json,.jwt,.txt,application/json' }); root.appendChild(file); }
  if (!paste) { paste = el(doc, 'textarea', { 'data-verify-input': '', rows: '6', 'aria-label': 'Transcript or credential' }); root.appendChild(paste); }
  if (!keyIn) { keyIn = el(doc, 'input', { type: 'text', 'data-verify-key': '', 'aria-label': 'Ledger public key (empty: this ledger\'s)' }); root.appendChild(keyIn); }
  if (!run) { run = el(doc, 'button', { type: 'button', 'data-verify-run': '' }, 'Verify'); root.appendChild(run); }
  const go = async (text) => {
    root.setAttribute('data-verify-state', 'running');
    let key = keyIn.value.trim();
    let note = '';
    try {
      if (key === '') {
        // No key given: this ledger's. That checks the file against the
        // server that serves this page; a key saved elsewhere checks it
        // independently.
        const res = await fetch('/v1/log/key', { credentials: 'same-origin' });
        if (!res.ok) throw new Error(`key: the server answered ${res.status}`);
        key = (await res.text()).trim();
        note = `Checked with this ledger's key (${key.split('+')[0]}).`;
      }
      renderTranscript(root, await verifyTranscript(text, key), note);
    } catch (err) {
      renderTranscript(root, { ok: false, reasons: [err.message], credentials: [] });
    }
  };
  file.addEventListener('change', async () => {
    if (file.files && file.files[0]) go(await readFile(file.files[0]));
  });
  root.addEventListener('dragover', (ev) => ev.preventDefault());
  root.addEventListener('drop', async (ev) => {
    ev.preventDefault();
    const f = ev.dataTransfer && ev.dataTransfer.files[0];
    if (f) go(await readFile(f));
  });
  run.addEventListener('click', () => go(paste.value));
}

/** start wires the module to the page: what DOMContentLoaded runs. */
export function start(doc = globalThis.document) {
  if (!doc) return;
  for (const root of doc.querySelectorAll('[data-verify-trail]')) runTrail(root);
  for (const root of doc.querySelectorAll('[data-verify-file]')) setupFile(root);
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => start(document));
  else start(document);
}
