/**
 * Compact header forms (RFC 3261 §7.3.3, §20) and the canonical spelling of the long names, so a
 * lookup for `Call-ID` finds a row sent as `i:` or `CALL-id:` (checklist MSG-01, MSG-02).
 */
const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'Call-ID',
  m: 'Contact',
  e: 'Content-Encoding',
  l: 'Content-Length',
  c: 'Content-Type',
  f: 'From',
  s: 'Subject',
  k: 'Supported',
  t: 'To',
  v: 'Via',
  // Extension compact forms (RFC 3265, RFC 3515, RFC 4028, RFC 3892, RFC 3841).
  o: 'Event',
  u: 'Allow-Events',
  r: 'Refer-To',
  b: 'Referred-By',
  x: 'Session-Expires',
  j: 'Reject-Contact',
  a: 'Accept-Contact',
  d: 'Request-Disposition',
  y: 'Identity',
  n: 'Identity-Info',
};

/** Long names whose canonical capitalisation is not plain Title-Case. */
const SPECIAL_CASE: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  rack: 'RAck',
  rseq: 'RSeq',
};

/**
 * Names met on every message, in the spellings met (canonical, lower case, compact), mapped to their
 * key: one Map lookup instead of a fresh lower-cased string per row and per lookup, and keys that
 * are shared constants, so comparing two keys is mostly a pointer comparison. Other names take the
 * general path. A fixed table: names from the wire are never added (nothing grows, nothing holds a
 * slice of a message).
 */
const COMMON_NAMES = [
  'Via',
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Contact',
  'Max-Forwards',
  'Expires',
  'Min-Expires',
  'Content-Length',
  'Content-Type',
  'User-Agent',
  'Server',
  'Authorization',
  'Proxy-Authorization',
  'WWW-Authenticate',
  'Proxy-Authenticate',
  'Authentication-Info',
  'Route',
  'Record-Route',
  'Retry-After',
  'Allow',
  'Supported',
  'Require',
  'Unsupported',
  'Date',
  'Warning',
  'Path',
  'Service-Route',
  'Timestamp',
  'Accept',
  'Event',
];
const KNOWN_KEYS = new Map<string, string>();
for (const name of COMMON_NAMES) {
  const key = name.toLowerCase();
  KNOWN_KEYS.set(name, key);
  KNOWN_KEYS.set(key, key);
}
for (const [compact, long] of Object.entries(COMPACT_FORMS)) {
  const key = KNOWN_KEYS.get(long) ?? long.toLowerCase();
  KNOWN_KEYS.set(compact, key);
  KNOWN_KEYS.set(compact.toUpperCase(), key);
}

/**
 * The lookup key for a header name: lower case, compact form expanded.
 * `headerKey('i') === headerKey('CALL-ID') === 'call-id'`.
 */
export function headerKey(name: string): string {
  const known = KNOWN_KEYS.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  if (lower.length === 1) {
    const long = COMPACT_FORMS[lower];
    if (long !== undefined) return long.toLowerCase();
  }
  return lower;
}

/** Canonical long spelling for emitting a header (`call-id` → `Call-ID`, `v` → `Via`). MSG-10. */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  const special = SPECIAL_CASE[key];
  if (special !== undefined) return special;
  return key.replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
}
