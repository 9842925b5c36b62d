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
import { classifyHost, type HostType } from './host.js';
import { isToken } from './lexer.js';
import { type GenericParam, type GenericParams, paramsFromUniqueList, UniqueNames } from './params.js';
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

class UriScanner {
  readonly #text: string;
  readonly #header: string | undefined;

  constructor(text: string, header: string | undefined) {
    this.#text = text;
    this.#header = header;
  }

  /** Throws BAD_URI. Messages name the component, never echo user or password text (SEC rules). */
  fail(what: string): never {
    const where = this.#header ? `${this.#header}: ` : '';
    throw new SipParseError('BAD_URI', `${where}invalid URI: ${what}`, this.#header);
  }

  /**
   * Index of the first character in `[start, end)` that is neither `allowed`, non-ASCII, nor part
   * of a valid `%HH` escape; `end` when all are fine. A `%` not followed by two hex digits fails.
   */
  scan(start: number, end: number, allowed: (code: number) => boolean, what: string): number {
    const text = this.#text;
    for (let i = start; i < end; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x25) {
        if (i + 2 >= end || escapeAt(text, i) < 0) this.fail(`malformed %-escape in ${what}`);
        i += 2;
      } else if (code < 0x80 && !allowed(code)) return i;
    }
    return end;
  }
}

/**
 * Parses uri-parameters `;name[=value]…` of a SIP or tel URI from `start` up to `end` (which must
 * hold `?` or be the end of text). Names are stored by comparison key (lower case, unreserved
 * escapes undone), values as received.
 */
function parseUriParams(text: string, start: number, end: number, scanner: UriScanner): GenericParams {
  const list: GenericParam[] = [];
  const seen = new UniqueNames();
  let i = start;
  while (i < end) {
    // Caller guarantees text[i] === ';'.
    const nameStart = i + 1;
    const nameEnd = scanner.scan(nameStart, end, isParamChar, 'a parameter name');
    if (nameEnd === nameStart) scanner.fail(`empty parameter name at offset ${nameStart}`);
    const name = comparisonKey(text.slice(nameStart, nameEnd)).toLowerCase();
    let value: string | undefined;
    i = nameEnd;
    if (i < end && text.charCodeAt(i) === 0x3d) {
      const valueEnd = scanner.scan(i + 1, end, isParamChar, `parameter '${name}'`);
      if (valueEnd === i + 1) scanner.fail(`parameter '${name}' has '=' but no value`);
      value = text.slice(i + 1, valueEnd);
      i = valueEnd;
    }
    if (i < end && text.charCodeAt(i) !== 0x3b) scanner.fail(`unexpected character in parameter '${name}'`);
    if (!seen.add(name)) scanner.fail(`parameter '${name}' appears more than once`);
    list.push({ name, value, quoted: false });
  }
  return paramsFromUniqueList(list);
}

/** Checks the values of the parameters RFC 3261 §19.1.1 gives a grammar to. */
function checkKnownParams(params: GenericParams, scanner: UriScanner): void {
  for (const { name, value } of params) {
    if (name === 'transport' || name === 'user' || name === 'method') {
      if (value === undefined || !isToken(comparisonKey(value)))
        scanner.fail(`'${name}' must have a token value`);
    } else if (name === 'ttl') {
      const ttl = value === undefined || value.length > 3 ? -1 : scanUnsigned32(value);
      if (ttl < 0 || ttl > 255) scanner.fail(`'ttl' must be 1 to 3 digits, 0-255`);
    } else if (name === 'maddr') {
      if (value === undefined || classifyHost(value) === undefined) scanner.fail(`'maddr' must be a host`);
    }
  }
}

function parseSipParts(text: string, scheme: 'sip' | 'sips', start: number, scanner: UriScanner): SipUri {
  const end = text.length;
  // Raw '@' may appear only as the userinfo separator: user, password, host, parameters and headers
  // all exclude it, so the first '@' is the separator and a second one is an error.
  const at = text.indexOf('@', start);
  let user: string | undefined;
  let password: string | undefined;
  let hostStart = start;
  if (at !== -1) {
    if (text.indexOf('@', at + 1) !== -1) scanner.fail(`more than one '@'`);
    const userEnd = scanner.scan(start, at, isUserChar, 'the user part');
    if (userEnd === start) scanner.fail('empty user part before @');
    user = text.slice(start, userEnd);
    if (userEnd < at) {
      if (text.charCodeAt(userEnd) !== 0x3a) scanner.fail('invalid character in the user part');
      if (scanner.scan(userEnd + 1, at, isPasswordChar, 'the password') !== at) {
        scanner.fail('invalid character in the password');
      }
      password = text.slice(userEnd + 1, at);
    }
    hostStart = at + 1;
  }

  let i = hostStart;
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf(']', i);
    if (close === -1) scanner.fail(`unterminated [IPv6] reference`);
    i = close + 1;
  } else {
    while (i < end) {
      const code = text.charCodeAt(i);
      if (code === 0x3a || code === 0x3b || code === 0x3f) break;
      i++;
    }
  }
  const hostType = classifyHost(text, hostStart, i);
  if (hostType === undefined) {
    scanner.fail(
      `host ${JSON.stringify(text.slice(hostStart, Math.min(i, hostStart + 64)))} is not a hostname, IPv4 address or [IPv6] reference`,
    );
  }
  const host = text.slice(hostStart, i);

  let port: number | undefined;
  if (i < end && text.charCodeAt(i) === 0x3a) {
    const portStart = i + 1;
    i = portStart;
    while (i < end && text.charCodeAt(i) !== 0x3b && text.charCodeAt(i) !== 0x3f) i++;
    const value = scanUnsigned32(text, portStart, i);
    if (value < 1 || value > 65535) scanner.fail(`port must be a number from 1 to 65535`);
    port = value;
  }

  let paramsEnd = text.indexOf('?', i);
  if (paramsEnd === -1) paramsEnd = end;
  if (i < paramsEnd && text.charCodeAt(i) !== 0x3b) scanner.fail(`unexpected character after the host`);
  const params = parseUriParams(text, i, paramsEnd, scanner);
  checkKnownParams(params, scanner);

  const headers: UriHeader[] = [];
  i = paramsEnd;
  while (i < end) {
    // text[i] is '?' for the first header, '&' for the others.
    const nameStart = i + 1;
    const nameEnd = scanner.scan(nameStart, end, isHeaderChar, 'a URI header name');
    if (nameEnd === nameStart || text.charCodeAt(nameEnd) !== 0x3d)
      scanner.fail(`URI header needs 'name=value'`);
    const valueEnd = scanner.scan(nameEnd + 1, end, isHeaderChar, 'a URI header value');
    if (valueEnd < end && text.charCodeAt(valueEnd) !== 0x26)
      scanner.fail(`unexpected character in a URI header`);
    headers.push({ name: text.slice(nameStart, nameEnd), value: text.slice(nameEnd + 1, valueEnd) });
    i = valueEnd;
  }

  return { kind: 'sip', scheme, user, password, host, hostType, port, params, headers };
}

function parseTelUri(text: string, start: number, scanner: UriScanner): TelUri {
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
  if (digits === 0) scanner.fail('tel: number has no digits');
  if (global) {
    for (let j = start + 1; j < i; j++) {
      const code = text.charCodeAt(j);
      if (
        (code >= 0x41 && code <= 0x46) ||
        (code >= 0x61 && code <= 0x66) ||
        code === 0x2a ||
        code === 0x23
      ) {
        scanner.fail('a global tel: number holds only digits and visual separators');
      }
    }
  }
  if (i < end && text.charCodeAt(i) !== 0x3b) scanner.fail('unexpected character in the tel: number');
  const params = parseUriParams(text, i, end, scanner);
  return { kind: 'tel', scheme: 'tel', number: text.slice(start, i), global, params };
}

function isSchemeChar(code: number, first: boolean): boolean {
  const alpha = (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
  if (first) return alpha;
  return alpha || (code >= 0x30 && code <= 0x39) || code === 0x2b || code === 0x2d || code === 0x2e;
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
  const scanner = new UriScanner(text, header);
  let i = 0;
  while (i < text.length && isSchemeChar(text.charCodeAt(i), i === 0)) i++;
  if (i === 0 || text.charCodeAt(i) !== 0x3a) scanner.fail('missing or malformed scheme');
  const scheme = text.slice(0, i).toLowerCase();
  const start = i + 1;
  if (scheme === 'sip' || scheme === 'sips') return parseSipParts(text, scheme, start, scanner);
  if (scheme === 'tel') return parseTelUri(text, start, scanner);
  if (start === text.length) scanner.fail(`nothing after '${scheme}:'`);
  for (let j = start; j < text.length; j++) {
    const code = text.charCodeAt(j);
    // Whitespace, controls, quotes and angle brackets cannot be part of any URI (RFC 3986 §2).
    if (code <= 0x20 || code === 0x7f || code === 0x22 || code === 0x3c || code === 0x3e) {
      scanner.fail(`invalid character in a '${scheme}:' URI at offset ${j}`);
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
