/**
 * WWW-Authenticate / Proxy-Authenticate values (RFC 3261 §20.27, §20.44, §25.1; RFC 2617 §3.2.1;
 * RFC 7616 §3.3; RFC 8760).
 *
 * One header row holds exactly one challenge: these headers are never split on commas at the
 * header level (RFC 3261 §7.3, checklist MSG-06), because the commas inside a challenge separate
 * its auth-params. The scanner below is a linear index walk (no backtracking regex), so hostile
 * input costs O(length).
 */
import { DigestAuthError, SipParseError } from '../errors.js';
import {
  hasNoQuotedPairFrom,
  isTokenCode,
  isWsp,
  plainQuotedStringEnd,
  skipQuotedString,
  unquoteRange,
} from './lexer.js';

/**
 * Most auth-params accepted in one value. RFC 3261 sets no limit; SEC-04 caps parameters per value
 * so a hostile peer cannot make us build huge maps.
 */
export const MAX_AUTH_PARAMS = 64;

/** A challenge or credentials value split into its scheme and auth-params. */
export interface AuthHeaderValue {
  /** The auth-scheme exactly as sent (`Digest`, `digest`, `Basic`, …). Compare case-insensitively. */
  readonly scheme: string;
  /**
   * The auth-params, keyed by lower-cased name (names are case-insensitive, DIG-03), values with the
   * quotes removed and quoted-pairs undone, otherwise unchanged (DIG-57: no trimming, decoding or
   * case folding). A null-prototype object, so a param named `__proto__` is just a key.
   */
  readonly params: Readonly<Record<string, string>>;
  /**
   * The RFC 7235 `token68` form some non-SIP schemes use instead of auth-params
   * (`Negotiate YIIB…==`); `undefined` when the value carries auth-params.
   */
  readonly token68: string | undefined;
}

/** The parts of a Digest challenge a UAC needs (RFC 2617 §3.2.1, RFC 7616 §3.3). */
export interface DigestChallenge {
  /** The scheme as sent (any case of `Digest`). */
  readonly scheme: string;
  /** Protection space; byte-for-byte as sent (DIG-32, DIG-57, PIT-17). */
  readonly realm: string;
  /** Server nonce, byte-for-byte as sent (`+`, `/`, `=` kept; DIG-57, PIT-12). */
  readonly nonce: string;
  /** `opaque` byte-for-byte when present, `undefined` when absent (DIG-08). */
  readonly opaque: string | undefined;
  /**
   * The algorithm, normalised: the RFC spelling (`MD5`, `MD5-sess`, `SHA-256`, `SHA-256-sess`,
   * `SHA-512-256`, `SHA-512-256-sess`) for the ones the library knows, the token upper-cased for
   * others (`AKAV1-MD5`), and `MD5` when the challenge has no `algorithm` (DIG-04).
   */
  readonly algorithm: string;
  /** The `algorithm` token exactly as the server spelled it, to echo it (DIG-31); `undefined` when absent. */
  readonly algorithmToken: string | undefined;
  /** The qop options, lower-cased, in server order; empty when the challenge has no `qop` (DIG-06). */
  readonly qop: readonly string[];
  /** `stale=true` (case-insensitive); any other value or absence is `false` (DIG-07). */
  readonly stale: boolean;
  /** `userhash=true` (case-insensitive, RFC 7616 §3.3; DIG-10). */
  readonly userhash: boolean;
  /** `charset` as sent (RFC 7616 §3.3 only defines `UTF-8`); `undefined` when absent. */
  readonly charset: string | undefined;
  /** Every auth-param, as in {@link AuthHeaderValue.params}; `domain` is here but ignored in SIP (DIG-09). */
  readonly params: Readonly<Record<string, string>>;
}

/** Algorithm names whose RFC spelling differs from plain upper case. */
const ALGORITHM_SPELLING: Readonly<Record<string, string>> = {
  MD5: 'MD5',
  'MD5-SESS': 'MD5-sess',
  'SHA-256': 'SHA-256',
  'SHA-256-SESS': 'SHA-256-sess',
  'SHA-512-256': 'SHA-512-256',
  'SHA-512-256-SESS': 'SHA-512-256-sess',
};

/** RFC 7235 token68 adds `/` and `=` to the characters a base64 nonce needs. */
function isToken68Char(code: number): boolean {
  return isTokenCode(code) || code === 0x2f || code === 0x3d;
}

/** True when `text` holds `word` at `start` (the caller has checked that the lengths match). */
function wordAt(text: string, start: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (text.charCodeAt(start + k) !== word.charCodeAt(k)) return false;
  return true;
}

/**
 * The auth-param name in `text[start, end)` (no upper-case letters in it). The names of RFC 2617,
 * RFC 7616 and RFC 3261 §25.1 come back as literals: no slice to allocate, and a key the params
 * object already knows, so storing and finding it needs no string-table search.
 */
function authParamName(text: string, start: number, end: number): string {
  let known: string | undefined;
  const first = text.charCodeAt(start);
  switch (end - start) {
    case 2:
      known = 'nc';
      break;
    case 3:
      known = first === 0x71 ? 'qop' : 'uri';
      break;
    case 5:
      known = first === 0x72 ? 'realm' : first === 0x6e ? 'nonce' : 'stale';
      break;
    case 6:
      known = first === 0x6f ? 'opaque' : first === 0x64 ? 'domain' : 'cnonce';
      break;
    case 7:
      known = first === 0x63 ? 'charset' : 'rspauth';
      break;
    case 8:
      known = first === 0x72 ? 'response' : text.charCodeAt(end - 1) === 0x68 ? 'userhash' : 'username';
      break;
    case 9:
      known = first === 0x61 ? 'algorithm' : 'nextnonce';
      break;
  }
  return known !== undefined && wordAt(text, start, known) ? known : text.slice(start, end);
}

function fail(header: string, problem: string): never {
  throw new SipParseError('BAD_HEADER_VALUE', `${header}: ${problem}`, header);
}

/** If everything from `start` is one token68 (trailing WSP allowed), return it. */
function readToken68(text: string, start: number): string | undefined {
  let end = text.length;
  while (end > start && isWsp(text.charCodeAt(end - 1))) end--;
  let firstEquals = -1;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (!isToken68Char(code)) return undefined;
    if (code === 0x3d && firstEquals === -1) firstEquals = i;
    // After the first `=`, token68 only allows more `=` (padding); anything else means `name=value`.
    if (firstEquals !== -1 && code !== 0x3d) return undefined;
  }
  return text.slice(start, end);
}

/**
 * Read `auth-param *(COMMA auth-param)` from `start` to the end of `value` into `params`
 * (names lower-cased, values unquoted; duplicates, missing values and bad separators are errors).
 */
function readAuthParams(value: string, start: number, header: string, params: Record<string, string>): void {
  const length = value.length;
  let i = start;
  let count = 0;
  // Decided at the first quoted value: with no backslash, CR or LF ahead, every quoted-string
  // ends at the next '"' and is found by a native search instead of a character loop.
  let plainQuotes = -1;
  while (i < length) {
    while (i < length && isWsp(value.charCodeAt(i))) i++;
    if (i === length) break;
    if (value.charCodeAt(i) === 0x2c) {
      i++; // empty list element
      continue;
    }
    const nameStart = i;
    let upper = false;
    while (i < length) {
      const code = value.charCodeAt(i);
      if (!isTokenCode(code)) break;
      if (code <= 0x5a && code >= 0x41) upper = true;
      i++;
    }
    if (i === nameStart) fail(header, `expected an auth-param name at offset ${i}`);
    const name = upper ? value.slice(nameStart, i).toLowerCase() : authParamName(value, nameStart, i);
    while (i < length && isWsp(value.charCodeAt(i))) i++;
    if (value.charCodeAt(i) !== 0x3d) fail(header, `auth-param "${name}" has no "=" and value`);
    i++;
    while (i < length && isWsp(value.charCodeAt(i))) i++;
    let paramValue: string;
    if (value.charCodeAt(i) === 0x22) {
      if (plainQuotes === -1) plainQuotes = hasNoQuotedPairFrom(value, i) ? 1 : 0;
      const end = plainQuotes === 1 ? plainQuotedStringEnd(value, i) : skipQuotedString(value, i);
      if (end === -1) fail(header, `unterminated quoted-string in auth-param "${name}"`);
      paramValue = plainQuotes === 1 ? value.slice(i + 1, end - 1) : unquoteRange(value, i, end);
      i = end;
    } else {
      const valueStart = i;
      while (i < length && isToken68Char(value.charCodeAt(i))) i++;
      if (i === valueStart) fail(header, `auth-param "${name}" has an empty or invalid value`);
      paramValue = value.slice(valueStart, i);
    }
    // Values are strings, so "has an own value" is the membership test (null prototype: no
    // inherited keys).
    if (params[name] !== undefined) fail(header, `auth-param "${name}" appears more than once`);
    if (++count > MAX_AUTH_PARAMS) fail(header, `more than ${MAX_AUTH_PARAMS} auth-params`);
    params[name] = paramValue;
    while (i < length && isWsp(value.charCodeAt(i))) i++;
    if (i === length) break;
    if (value.charCodeAt(i) !== 0x2c) fail(header, `expected "," after auth-param "${name}" at offset ${i}`);
    i++;
  }
}

/**
 * Parse an auth header value: `scheme` followed by comma-separated auth-params (RFC 3261 §25.1
 * `challenge` / `credentials`) or by a token68. Used for challenges and credentials alike.
 *
 * Accepted beyond the strict ABNF, because real servers send it and it is unambiguous: empty list
 * elements (`a=1,,b=2`, a trailing comma — RFC 7230 §7 list rule) and unquoted values containing
 * `/` and `=` (base64 nonces sent without quotes).
 *
 * @param value - one header row's value (folding already undone by the message parser)
 * @param header - the header name, used in error messages and `SipParseError.header`
 * @throws SipParseError `BAD_HEADER_VALUE` when the value is malformed: no scheme, an auth-param
 *   without `=` or value, an unterminated quoted-string, a missing comma, a duplicated name
 *   (MSG-08), more than {@link MAX_AUTH_PARAMS} params.
 */
export function parseAuthHeaderValue(value: string, header: string): AuthHeaderValue {
  if (typeof value !== 'string') fail(header, `expected a string value, received ${typeof value}`);
  const length = value.length;
  let i = 0;
  while (i < length && isWsp(value.charCodeAt(i))) i++;
  const schemeStart = i;
  while (i < length && isTokenCode(value.charCodeAt(i))) i++;
  if (i === schemeStart) fail(header, 'missing auth-scheme');
  const scheme =
    i - schemeStart === 6 && value.startsWith('Digest', schemeStart) ? 'Digest' : value.slice(schemeStart, i);
  const params: Record<string, string> = Object.create(null);
  if (i < length && !isWsp(value.charCodeAt(i))) {
    fail(header, `unexpected character at offset ${i} after the auth-scheme`);
  }
  while (i < length && isWsp(value.charCodeAt(i))) i++;
  if (i === length) return { scheme, params, token68: undefined };

  const token68 = readToken68(value, i);
  if (token68 !== undefined) return { scheme, params, token68 };

  readAuthParams(value, i, header, params);
  return { scheme, params, token68: undefined };
}

/**
 * Parse one WWW-Authenticate or Proxy-Authenticate row into `{ scheme, params }`.
 *
 * @param row - the value of one header row; one row is one challenge (MSG-06)
 * @param header - header name for errors
 * @default header `'WWW-Authenticate'`
 * @throws SipParseError `BAD_HEADER_VALUE` when malformed
 */
export function parseChallenge(row: string, header = 'WWW-Authenticate'): AuthHeaderValue {
  return parseAuthHeaderValue(row, header);
}

/** Split a qop value (`"auth,auth-int"`, `"auth, auth-int"` or a bare token) into lower-case options. */
export function parseQopOptions(value: string | undefined): string[] {
  if (value === undefined) return [];
  const options: string[] = [];
  for (const part of value.split(',')) {
    const option = part.trim().toLowerCase();
    if (option.length > 0 && !options.includes(option)) options.push(option);
  }
  return options;
}

/** Normalised algorithm name: the RFC spelling for known ones, upper case otherwise, MD5 if absent (DIG-04). */
export function normalizeAlgorithmName(token: string | undefined): string {
  if (token === undefined) return 'MD5';
  const upper = token.toUpperCase();
  return ALGORITHM_SPELLING[upper] ?? upper;
}

/**
 * The Digest view of one challenge row.
 *
 * @param row - one WWW-Authenticate / Proxy-Authenticate value
 * @param header - header name for errors
 * @default header `'WWW-Authenticate'`
 * @throws SipParseError `BAD_HEADER_VALUE` when the row is malformed
 * @throws DigestAuthError `BAD_CHALLENGE` when the row is well formed but not a usable Digest
 *   challenge: another scheme (DIG-02), or no realm or nonce (DIG-05)
 */
export function parseDigestChallenge(row: string, header = 'WWW-Authenticate'): DigestChallenge {
  const { scheme, params, token68 } = parseAuthHeaderValue(row, header);
  if (scheme.toLowerCase() !== 'digest') {
    throw new DigestAuthError('BAD_CHALLENGE', `${header}: scheme "${scheme}" is not Digest`);
  }
  if (token68 !== undefined) fail(header, 'a Digest challenge must carry auth-params, not a token68');
  const { realm, nonce } = params;
  if (realm === undefined) {
    throw new DigestAuthError('BAD_CHALLENGE', `${header}: Digest challenge has no realm (unusable)`);
  }
  if (nonce === undefined) {
    throw new DigestAuthError('BAD_CHALLENGE', `${header}: Digest challenge has no nonce (unusable)`);
  }
  const algorithmToken = params.algorithm;
  return {
    scheme,
    realm,
    nonce,
    opaque: params.opaque,
    algorithm: normalizeAlgorithmName(algorithmToken),
    algorithmToken,
    qop: parseQopOptions(params.qop),
    stale: params.stale?.toLowerCase() === 'true',
    userhash: params.userhash?.toLowerCase() === 'true',
    charset: params.charset,
    params,
  };
}

/**
 * True when a Digest challenge among `rows` says `stale=true` (optionally only for `realm`,
 * compared byte-for-byte). Malformed and non-Digest rows are ignored. The registrant engine uses it
 * to tell a stale nonce (re-answer, DIG-50) from rejected credentials (DIG-51).
 */
export function isStaleChallenge(rows: readonly string[], realm?: string): boolean {
  for (const row of rows) {
    let challenge: DigestChallenge;
    try {
      challenge = parseDigestChallenge(row);
    } catch {
      continue;
    }
    if (challenge.stale && (realm === undefined || challenge.realm === realm)) return true;
  }
  return false;
}

/**
 * Parse an Authentication-Info value (RFC 3261 §20.6, §25.1 `ainfo`; RFC 2617 §3.2.3): a bare
 * auth-param list (`nextnonce`, `qop`, `rspauth`, `cnonce`, `nc`), no scheme. The engine adopts
 * `nextnonce` for its next request (DIG-56).
 *
 * @param value - the header value
 * @param header - header name for errors
 * @default header `'Authentication-Info'`
 * @throws SipParseError `BAD_HEADER_VALUE` when malformed
 */
export function parseAuthenticationInfo(
  value: string,
  header = 'Authentication-Info',
): Readonly<Record<string, string>> {
  if (typeof value !== 'string') fail(header, `expected a string value, received ${typeof value}`);
  const params: Record<string, string> = Object.create(null);
  readAuthParams(value, 0, header, params);
  return params;
}
