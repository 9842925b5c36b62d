/**
 * The URIs SIP headers carry (RFC 3261 §19.1, §25.1; RFC 3966 for `tel:`), parsed by index scanning.
 *
 *     SIP-URI  = "sip:"  [ userinfo ] hostport uri-parameters [ headers ]
 *     SIPS-URI = "sips:" [ userinfo ] hostport uri-parameters [ headers ]
 *     userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 *
 * Escaped forms (`%HH`) are kept exactly as received in `user`, `password`, parameter values and
 * URI headers, because undoing an escaped reserved character changes the URI (RFC 3261 §19.1.4);
 * {@link percentDecode} gives the decoded text and `uri-compare.ts` the RFC comparison.
 *
 * Lenience, on purpose: raw non-ASCII characters are accepted in the user, password, parameters and
 * headers (some UAs send UTF-8 user parts), underscores in host names, `lr=on`, and `tel:` local
 * numbers without `phone-context`.
 */

import { SipParseError } from '../errors.js';
import { classifyHost, type HostType, SCANNED_DOMAIN, SCANNED_IPV4, scanHostname } from './host.js';
import { isToken, isTokenCode } from './lexer.js';
import {
  type GenericParam,
  type GenericParams,
  isDuplicateName,
  paramsFromUniqueList,
  pushUnique,
} from './params.js';
import { comparisonKey, escapeAt, escapeComponent, isUnreserved, percentDecode } from './percent-encoding.js';
import { scanUnsigned32 } from './unsigned-decimal.js';

export { percentDecode };

/** One `name=value` of a SIP URI's `?headers` part, both as received (escapes kept). */
export interface UriHeader {
  readonly name: string;
  readonly value: string;
}

/** A `sip:` or `sips:` URI. */
export interface SipUri {
  readonly kind: 'sip';
  /** Lower case whatever the input's case. */
  readonly scheme: 'sip' | 'sips';
  /** User part as received, escapes kept (may contain `;`, RFC 4475 §3.1.1.9); `undefined` when absent. */
  readonly user: string | undefined;
  /** Password as received, escapes kept; `undefined` when absent. Never log it. */
  readonly password: string | undefined;
  /** Host as received (case kept); an IPv6 host keeps its brackets: `[2001:db8::1]`. */
  readonly host: string;
  readonly hostType: HostType;
  /** Port when one is written (1–65535); `undefined` when absent, which is not the same as 5060. */
  readonly port: number | undefined;
  /**
   * uri-parameters in order. Names are stored lower case with escapes of unreserved characters
   * undone (`%6C%72` → `lr`, RFC 4475 §3.1.1.3); values are kept as received, escapes included.
   * Names may hold URI characters that are not header-token characters, so write them with
   * {@link formatUri}, not `params.toString()`.
   */
  readonly params: GenericParams;
  /** `?name=value&…` headers in order, as received. */
  readonly headers: readonly UriHeader[];
}

/** A `tel:` URI (RFC 3966). */
export interface TelUri {
  readonly kind: 'tel';
  readonly scheme: 'tel';
  /** The number as received, with `+` for a global number and any visual separators. */
  readonly number: string;
  /** True for a global number (`+…`). */
  readonly global: boolean;
  /** Parameters (`phone-context`, `ext`, `isub`, others): names lower case, values as received. */
  readonly params: GenericParams;
}

/** Any other absolute URI (`http:`, `urn:`, `isbn:`…), kept opaque (RFC 3261 §19, RFC 4475 §3.3.4). */
export interface AbsoluteUri {
  readonly kind: 'absolute';
  /** Lower case. */
  readonly scheme: string;
  /** Everything after the first `:`, as received. */
  readonly value: string;
}

/** A URI as it can appear in a name-addr, Request-URI or Contact. */
export type Uri = SipUri | TelUri | AbsoluteUri;

/** True for `sip:` and `sips:` URIs. */
export function isSipUri(uri: Uri): uri is SipUri {
  return uri.kind === 'sip';
}

// ---------------------------------------------------------------------------------------------
// Character classes of RFC 3261 §25.1 (ASCII only; non-ASCII is let through, see the file comment).

/** user = 1*( unreserved / escaped / user-unreserved ); user-unreserved = & = + $ , ; ? / */
function isUserChar(code: number): boolean {
  return (
    isUnreserved(code) ||
    code === 0x26 ||
    code === 0x3d ||
    code === 0x2b ||
    code === 0x24 ||
    code === 0x2c ||
    code === 0x3b ||
    code === 0x3f ||
    code === 0x2f
  );
}

/** password = *( unreserved / escaped / & = + $ , ) */
function isPasswordChar(code: number): boolean {
  return (
    isUnreserved(code) || code === 0x26 || code === 0x3d || code === 0x2b || code === 0x24 || code === 0x2c
  );
}

/** paramchar = param-unreserved / unreserved / escaped; param-unreserved = [ ] / : & + $ */
function isParamChar(code: number): boolean {
  return (
    isUnreserved(code) ||
    code === 0x5b ||
    code === 0x5d ||
    code === 0x2f ||
    code === 0x3a ||
    code === 0x26 ||
    code === 0x2b ||
    code === 0x24
  );
}

/** hname/hvalue chars: hnv-unreserved / unreserved / escaped; hnv-unreserved = [ ] / ? : + $ */
function isHeaderChar(code: number): boolean {
  return (
    isUnreserved(code) ||
    code === 0x5b ||
    code === 0x5d ||
    code === 0x2f ||
    code === 0x3f ||
    code === 0x3a ||
    code === 0x2b ||
    code === 0x24
  );
}

/** RFC 3966 phonedigit-hex plus `+`: HEXDIG / * / # / visual separators - . ( ) */
function isTelNumberChar(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x46) ||
    (code >= 0x61 && code <= 0x66) ||
    code === 0x2a ||
    code === 0x23 ||
    code === 0x2d ||
    code === 0x2e ||
    code === 0x28 ||
    code === 0x29
  );
}

// ---------------------------------------------------------------------------------------------

// The same classes as a table, one bit per class, so a scan costs one load per character.
const USER = 1;
const PASSWORD = 2;
const PARAM = 4;
const HEADER = 8;
const URI_CHARS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  URI_CHARS[code] =
    (isUserChar(code) ? USER : 0) |
    (isPasswordChar(code) ? PASSWORD : 0) |
    (isParamChar(code) ? PARAM : 0) |
    (isHeaderChar(code) ? HEADER : 0);
}

/** {@link scanUri} result for a `%` not followed by two hex digits. */
const BAD_ESCAPE = -1;

/** Throws BAD_URI. Messages name the component, never echo user or password text (SEC rules). */
function uriFail(header: string | undefined, what: string): never {
  const where = header ? `${header}: ` : '';
  throw new SipParseError('BAD_URI', `${where}invalid URI: ${what}`, header);
}

/**
 * Index of the first character in `[start, end)` that is neither in the `mask` class, non-ASCII,
 * nor part of a valid `%HH` escape; `end` when all are fine; {@link BAD_ESCAPE} when a `%` is not
 * followed by two hex digits.
 */
function scanUri(text: string, start: number, end: number, mask: number): number {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80 || (URI_CHARS[code]! & mask) !== 0) continue;
    if (code !== 0x25) return i;
    if (i + 2 >= end || escapeAt(text, i) < 0) return BAD_ESCAPE;
    i += 2;
  }
  return end;
}

/**
 * Parses uri-parameters `;name[=value]…` of a SIP or tel URI from `start` (which holds `;`, or is
 * where they end) into `list`, and returns the index where they end: `end`, or with `stopAtQuery`
 * the `?` that begins the URI headers (no parameter character is a `?`, so the first one met is the
 * first one in the text). Names are stored by comparison key (lower case, unreserved escapes undone),
 * values as received.
 */
function parseUriParams(
  text: string,
  start: number,
  end: number,
  header: string | undefined,
  stopAtQuery: boolean,
  list: GenericParam[],
): number {
  let index: Set<string> | undefined;
  let i = start;
  while (i < end) {
    // text[i] is ';' here, or '?' when stopAtQuery (checked below and by the caller).
    if (stopAtQuery && text.charCodeAt(i) === 0x3f) break;
    const nameStart = i + 1;
    // The name needs its comparison key only when it holds an escape or non-ASCII text, and
    // lower-casing only when it holds an upper-case letter; `transport`, `lr` need neither.
    let upper = false;
    let plain = true;
    let nameEnd = nameStart;
    for (; nameEnd < end; nameEnd++) {
      const code = text.charCodeAt(nameEnd);
      if (code >= 0x80) plain = false;
      else if ((URI_CHARS[code]! & PARAM) !== 0) {
        if (code <= 0x5a && code >= 0x41) upper = true;
      } else if (code === 0x25) {
        if (nameEnd + 2 >= end || escapeAt(text, nameEnd) < 0)
          uriFail(header, 'malformed %-escape in a parameter name');
        plain = false;
        nameEnd += 2;
      } else break;
    }
    if (nameEnd === nameStart) uriFail(header, `empty parameter name at offset ${nameStart}`);
    const raw = text.slice(nameStart, nameEnd);
    const name = !plain ? comparisonKey(raw).toLowerCase() : upper ? raw.toLowerCase() : raw;
    let value: string | undefined;
    i = nameEnd;
    if (i < end && text.charCodeAt(i) === 0x3d) {
      const valueEnd = scanUri(text, i + 1, end, PARAM);
      if (valueEnd === BAD_ESCAPE) uriFail(header, `malformed %-escape in parameter '${name}'`);
      if (valueEnd === i + 1) uriFail(header, `parameter '${name}' has '=' but no value`);
      value = text.slice(i + 1, valueEnd);
      i = valueEnd;
    }
    if (i < end) {
      const code = text.charCodeAt(i);
      if (code !== 0x3b && !(stopAtQuery && code === 0x3f))
        uriFail(header, `unexpected character in parameter '${name}'`);
    }
    if (isDuplicateName(list, name, index)) uriFail(header, `parameter '${name}' appears more than once`);
    index = pushUnique(list, { name, value, quoted: false }, index);
  }
  return i;
}

/**
 * `isToken(comparisonKey(value))` without building the key when there is nothing to undo (no `%`,
 * no non-ASCII text), which is every `transport=udp`.
 */
function isTokenValue(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x25 || code >= 0x80) return isToken(comparisonKey(value));
    if (!isTokenCode(code)) return false;
  }
  return true;
}

/** Checks the values of the parameters RFC 3261 §19.1.1 gives a grammar to. */
function checkKnownParams(list: readonly GenericParam[], header: string | undefined): void {
  for (let k = 0; k < list.length; k++) {
    const { name, value } = list[k]!;
    if (name === 'transport' || name === 'user' || name === 'method') {
      if (value === undefined || !isTokenValue(value)) uriFail(header, `'${name}' must have a token value`);
    } else if (name === 'ttl') {
      const ttl = value === undefined || value.length > 3 ? -1 : scanUnsigned32(value);
      if (ttl < 0 || ttl > 255) uriFail(header, `'ttl' must be 1 to 3 digits, 0-255`);
    } else if (name === 'maddr') {
      if (value === undefined || classifyHost(value) === undefined) uriFail(header, `'maddr' must be a host`);
    }
  }
}

function parseSipParts(
  text: string,
  scheme: 'sip' | 'sips',
  start: number,
  header: string | undefined,
): SipUri {
  const end = text.length;
  // User characters exclude '@', so scanning them from the start reaches the first '@' when the
  // URI is the usual `user@host…`: the user part is then valid and needs no second look.
  const userEnd = scanUri(text, start, end, USER);
  if (userEnd !== BAD_ESCAPE && userEnd < end && text.charCodeAt(userEnd) === 0x40) {
    try {
      if (userEnd === start) uriFail(header, 'empty user part before @');
      return parseHostPort(text, scheme, text.slice(start, userEnd), undefined, userEnd + 1, header);
    } catch (error) {
      // No component after the '@' admits another '@', so a second one shows up only as a failure
      // there; report it as the check below does, before anything else.
      if (text.indexOf('@', userEnd + 1) !== -1) uriFail(header, `more than one '@'`);
      throw error;
    }
  }
  // Raw '@' may appear only as the userinfo separator: user, password, host, parameters and headers
  // all exclude it, so the first '@' is the separator and a second one is an error.
  const at = text.indexOf('@', start);
  let user: string | undefined;
  let password: string | undefined;
  let hostStart = start;
  if (at !== -1) {
    if (text.indexOf('@', at + 1) !== -1) uriFail(header, `more than one '@'`);
    const userEnd = scanUri(text, start, at, USER);
    if (userEnd === BAD_ESCAPE) uriFail(header, 'malformed %-escape in the user part');
    if (userEnd === start) uriFail(header, 'empty user part before @');
    user = text.slice(start, userEnd);
    if (userEnd < at) {
      if (text.charCodeAt(userEnd) !== 0x3a) uriFail(header, 'invalid character in the user part');
      const passwordEnd = scanUri(text, userEnd + 1, at, PASSWORD);
      if (passwordEnd === BAD_ESCAPE) uriFail(header, 'malformed %-escape in the password');
      if (passwordEnd !== at) uriFail(header, 'invalid character in the password');
      password = text.slice(userEnd + 1, at);
    }
    hostStart = at + 1;
  }
  return parseHostPort(text, scheme, user, password, hostStart, header);
}

/** The rest of a SIP URI from `hostStart`: hostport, uri-parameters, headers. */
function parseHostPort(
  text: string,
  scheme: 'sip' | 'sips',
  user: string | undefined,
  password: string | undefined,
  hostStart: number,
  header: string | undefined,
): SipUri {
  const end = text.length;
  let i = hostStart;
  let hostType: HostType | undefined;
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf(']', i);
    if (close === -1) uriFail(header, `unterminated [IPv6] reference`);
    i = close + 1;
    hostType = classifyHost(text, hostStart, i);
  } else {
    // The host ends at ':', ';', '?' or the end. A name or address is read and classified in one
    // pass; when something else stops it, the host runs on to the real end and is classified whole.
    const scanned = scanHostname(text, i);
    i = scanned >>> 2;
    const code = text.charCodeAt(i);
    if (i === end || code === 0x3a || code === 0x3b || code === 0x3f) {
      const kind = scanned & 3;
      hostType = kind === SCANNED_DOMAIN ? 'domain' : kind === SCANNED_IPV4 ? 'ipv4' : undefined;
    } else {
      while (i < end) {
        const c = text.charCodeAt(i);
        if (c === 0x3a || c === 0x3b || c === 0x3f) break;
        i++;
      }
      hostType = classifyHost(text, hostStart, i);
    }
  }
  if (hostType === undefined) {
    uriFail(
      header,
      `host ${JSON.stringify(text.slice(hostStart, Math.min(i, hostStart + 64)))} is not a hostname, IPv4 address or [IPv6] reference`,
    );
  }
  const host = text.slice(hostStart, i);

  let port: number | undefined;
  if (i < end && text.charCodeAt(i) === 0x3a) {
    // 1*DIGIT up to ';', '?' or the end, read in the same pass; any other character, no digit at
    // all, or a value past 65535 is an error (the value stops growing there, so no overflow).
    const portStart = i + 1;
    i = portStart;
    let value = 0;
    let digits = true;
    for (; i < end; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x3b || code === 0x3f) break;
      const digit = code - 0x30;
      if (digit < 0 || digit > 9) digits = false;
      else if (value <= 65535) value = value * 10 + digit;
    }
    if (!digits || i === portStart || value < 1 || value > 65535)
      uriFail(header, `port must be a number from 1 to 65535`);
    port = value;
  }

  if (i < end) {
    const code = text.charCodeAt(i);
    if (code !== 0x3b && code !== 0x3f) uriFail(header, `unexpected character after the host`);
  }
  const list: GenericParam[] = [];
  const paramsEnd = parseUriParams(text, i, end, header, true, list);
  checkKnownParams(list, header);
  const params = paramsFromUniqueList(list);

  const headers: UriHeader[] = [];
  i = paramsEnd;
  while (i < end) {
    // text[i] is '?' for the first header, '&' for the others.
    const nameStart = i + 1;
    const nameEnd = scanUri(text, nameStart, end, HEADER);
    if (nameEnd === BAD_ESCAPE) uriFail(header, 'malformed %-escape in a URI header name');
    if (nameEnd === nameStart || text.charCodeAt(nameEnd) !== 0x3d)
      uriFail(header, `URI header needs 'name=value'`);
    const valueEnd = scanUri(text, nameEnd + 1, end, HEADER);
    if (valueEnd === BAD_ESCAPE) uriFail(header, 'malformed %-escape in a URI header value');
    if (valueEnd < end && text.charCodeAt(valueEnd) !== 0x26)
      uriFail(header, `unexpected character in a URI header`);
    headers.push({ name: text.slice(nameStart, nameEnd), value: text.slice(nameEnd + 1, valueEnd) });
    i = valueEnd;
  }

  return { kind: 'sip', scheme, user, password, host, hostType, port, params, headers };
}

function parseTelUri(text: string, start: number, header: string | undefined): TelUri {
  const end = text.length;
  let i = start;
  const global = text.charCodeAt(i) === 0x2b;
  if (global) i++;
  let digits = 0;
  while (i < end && isTelNumberChar(text.charCodeAt(i))) {
    const code = text.charCodeAt(i);
    if (
      global ? code >= 0x30 && code <= 0x39 : code !== 0x2d && code !== 0x2e && code !== 0x28 && code !== 0x29
    ) {
      digits++;
    }
    i++;
  }
  // A global number holds decimal digits only (RFC 3966 `global-number-digits`).
  if (digits === 0) uriFail(header, 'tel: number has no digits');
  if (global) {
    for (let j = start + 1; j < i; j++) {
      const code = text.charCodeAt(j);
      if (
        (code >= 0x41 && code <= 0x46) ||
        (code >= 0x61 && code <= 0x66) ||
        code === 0x2a ||
        code === 0x23
      ) {
        uriFail(header, 'a global tel: number holds only digits and visual separators');
      }
    }
  }
  if (i < end && text.charCodeAt(i) !== 0x3b) uriFail(header, 'unexpected character in the tel: number');
  const list: GenericParam[] = [];
  parseUriParams(text, i, end, header, false, list);
  const params = paramsFromUniqueList(list);
  return { kind: 'tel', scheme: 'tel', number: text.slice(start, i), global, params };
}

function isSchemeChar(code: number, first: boolean): boolean {
  const alpha = (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
  if (first) return alpha;
  return alpha || (code >= 0x30 && code <= 0x39) || code === 0x2b || code === 0x2d || code === 0x2e;
}

/** The scheme `text[0, length)` in lower case; `sip` and `sips` without slicing or case mapping. */
function lowerScheme(text: string, length: number): string {
  if ((length === 3 || length === 4) && (text.charCodeAt(0) | 0x20) === 0x73) {
    if ((text.charCodeAt(1) | 0x20) === 0x69 && (text.charCodeAt(2) | 0x20) === 0x70) {
      if (length === 3) return 'sip';
      if ((text.charCodeAt(3) | 0x20) === 0x73) return 'sips';
    }
  }
  return text.slice(0, length).toLowerCase();
}

/**
 * Parses a URI: `sip:`/`sips:` and `tel:` in full, any other scheme as an opaque
 * {@link AbsoluteUri}. The scheme is case-insensitive. The text must be exactly the URI: no
 * surrounding whitespace, no angle brackets.
 *
 * @param header - header name for error messages (e.g. `Contact`).
 * @throws SipParseError with reason `BAD_URI`; the message names the component at fault and never
 *   repeats the user or password.
 */
export function parseUri(text: string, header?: string): Uri {
  let i = 0;
  while (i < text.length && isSchemeChar(text.charCodeAt(i), i === 0)) i++;
  if (i === 0 || text.charCodeAt(i) !== 0x3a) uriFail(header, 'missing or malformed scheme');
  const scheme = lowerScheme(text, i);
  const start = i + 1;
  if (scheme === 'sip' || scheme === 'sips') return parseSipParts(text, scheme, start, header);
  if (scheme === 'tel') return parseTelUri(text, start, header);
  if (start === text.length) uriFail(header, `nothing after '${scheme}:'`);
  for (let j = start; j < text.length; j++) {
    const code = text.charCodeAt(j);
    // Whitespace, controls, quotes and angle brackets cannot be part of any URI (RFC 3986 §2).
    if (code <= 0x20 || code === 0x7f || code === 0x22 || code === 0x3c || code === 0x3e) {
      uriFail(header, `invalid character in a '${scheme}:' URI at offset ${j}`);
    }
  }
  return { kind: 'absolute', scheme, value: text.slice(start) };
}

/**
 * Parses a URI that must be `sip:` or `sips:`.
 * @throws SipParseError (`BAD_URI`) for any other scheme or malformed text.
 */
export function parseSipUri(text: string, header?: string): SipUri {
  const uri = parseUri(text, header);
  if (uri.kind !== 'sip') {
    const where = header ? `${header}: ` : '';
    throw new SipParseError(
      'BAD_URI',
      `${where}expected a sip: or sips: URI, got scheme '${uri.scheme}'`,
      header,
    );
  }
  return uri;
}

function formatUriParams(params: GenericParams): string {
  let out = '';
  for (const { name, value } of params) {
    out += ';' + escapeComponent(name, isParamChar);
    if (value !== undefined && value !== '') out += '=' + escapeComponent(value, isParamChar);
  }
  return out;
}

/**
 * Writes a URI as text: scheme in lower case, parameter names in lower case, the port without
 * leading zeros, everything else as stored. Characters a component may not hold raw (in a URI
 * built by hand) are `%HH`-escaped, so the output always reparses to an equal URI
 * (`uriEquals(parseUri(formatUri(u)), u)`).
 */
export function formatUri(uri: Uri): string {
  if (uri.kind === 'absolute') return uri.scheme + ':' + uri.value;
  if (uri.kind === 'tel') return 'tel:' + uri.number + formatUriParams(uri.params);
  let out = uri.scheme + ':';
  if (uri.user !== undefined && uri.user !== '') {
    out += escapeComponent(uri.user, isUserChar);
    if (uri.password !== undefined) out += ':' + escapeComponent(uri.password, isPasswordChar);
    out += '@';
  }
  out += uri.host;
  if (uri.port !== undefined) out += ':' + uri.port;
  out += formatUriParams(uri.params);
  for (let i = 0; i < uri.headers.length; i++) {
    const { name, value } = uri.headers[i]!;
    out +=
      (i === 0 ? '?' : '&') +
      escapeComponent(name, isHeaderChar) +
      '=' +
      escapeComponent(value, isHeaderChar);
  }
  return out;
}
