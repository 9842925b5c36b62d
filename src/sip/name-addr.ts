/**
 * Addresses in From, To, Contact, Route and similar headers (RFC 3261 §20.10, §25.1):
 *
 *     ( name-addr / addr-spec ) *( SEMI generic-param )
 *     name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *     display-name = *( token LWS ) / quoted-string
 *
 * Whitespace before `<` is optional (`caller<sip:caller@example.com>`, RFC 4475 §3.1.1.6; ABNF-02).
 * Without angle brackets every `;param` after the URI is a header parameter, never a URI parameter
 * (RFC 3261 §20.10; checklist MSG-11), and the URI may not contain `,`, `;` or `?`, which is why a
 * Contact such as `sip:user@example.com?Route=…` without `<>` is rejected (RFC 4475 §3.1.2.13).
 */

import { SipInvalidArgumentError, SipParseError } from '../errors.js';
import { isTokenCode, isWsp, quote, skipQuotedString, unquoteRange } from './lexer.js';
import {
  checkQuotable,
  formatParams,
  type GenericParam,
  type GenericParams,
  paramEntry,
  parseParams,
} from './params.js';
import { formatUri, parseUri, type Uri } from './uri.js';

/** A parsed name-addr or addr-spec with its header parameters. */
export interface NameAddr {
  /**
   * Display name: a quoted-string's content with quoted-pairs undone, or the display-name tokens
   * joined by single spaces; `undefined` when there is none.
   */
  readonly displayName: string | undefined;
  /** The address. Non-SIP schemes (`tel:`, `http:`, `urn:`…) are legal here too. */
  readonly uri: Uri;
  /** Header parameters after the address (`tag`, `expires`, `q`, `+sip.instance`…). */
  readonly params: GenericParams;
}

/** A From or To value: a {@link NameAddr} plus its `tag` (RFC 3261 §19.3). */
export interface FromTo extends NameAddr {
  /** The `tag` parameter, or `undefined` when there is none. */
  readonly tag: string | undefined;
}

function badValue(header: string, what: string): never {
  throw new SipParseError('BAD_HEADER_VALUE', `${header}: ${what}`, header);
}

/**
 * Parses one address value (one element of a Contact list, or a whole From/To value). Surrounding
 * whitespace is ignored.
 *
 * @param header - header name for error messages. @default 'name-addr'
 * @throws SipParseError: `BAD_URI` for a malformed URI, `BAD_HEADER_VALUE` for everything else
 *   (unterminated quoted display name, missing `>`, illegal display-name characters, bad params).
 */
export function parseNameAddr(text: string, header = 'name-addr'): NameAddr {
  let end = text.length;
  while (end > 0 && isWsp(text.charCodeAt(end - 1))) end--;
  let i = 0;
  while (i < end && isWsp(text.charCodeAt(i))) i++;
  if (i === end) badValue(header, 'empty address');

  let displayName: string | undefined;
  let angle = false;
  if (text.charCodeAt(i) === 0x22) {
    const close = skipQuotedString(text, i);
    if (close === -1) badValue(header, 'unterminated quoted display name');
    displayName = unquoteRange(text, i, close);
    i = close;
    while (i < end && isWsp(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 0x3c) badValue(header, "expected '<' after the quoted display name");
    angle = true;
  } else {
    // Tokens and whitespace up to '<' are a display name; anything else means an addr-spec
    // (its scheme's ':' stops the scan). Non-ASCII characters are let into display-name tokens,
    // though the ABNF wants them quoted, because UAs send `Jörg <sip:…>` and the name is only shown.
    let j = i;
    while (j < end) {
      const code = text.charCodeAt(j);
      if (!isTokenCode(code) && !isWsp(code) && code < 0x80) break;
      j++;
    }
    if (j < end && text.charCodeAt(j) === 0x3c) {
      if (j > i) displayName = joinTokens(text, i, j);
      i = j;
      angle = true;
    }
  }

  if (angle) {
    const close = text.indexOf('>', i + 1);
    if (close === -1 || close >= end) badValue(header, "missing '>' after the URI");
    const uri = parseUri(text.slice(i + 1, close), header);
    const params = parseParams(text, header, close + 1);
    return { displayName, uri, params };
  }

  let uriEnd = i;
  while (uriEnd < end) {
    const code = text.charCodeAt(uriEnd);
    if (code === 0x3b || isWsp(code)) break;
    if (code === 0x2c || code === 0x3f) {
      badValue(header, "a URI holding ',', ';' or '?' must be enclosed in '<>' (RFC 3261 §20.10)");
    }
    uriEnd++;
  }
  const uri = parseUri(text.slice(i, uriEnd), header);
  const params = parseParams(text, header, uriEnd);
  return { displayName: undefined, uri, params };
}

/** Display-name tokens in `text[start, end)` joined by single spaces (LWS between them is one SP). */
function joinTokens(text: string, start: number, end: number): string | undefined {
  let out = '';
  let i = start;
  while (i < end) {
    while (i < end && isWsp(text.charCodeAt(i))) i++;
    const tokenStart = i;
    while (i < end && !isWsp(text.charCodeAt(i))) i++;
    if (i > tokenStart) out += (out === '' ? '' : ' ') + text.slice(tokenStart, i);
  }
  return out === '' ? undefined : out;
}

/**
 * Parses a From or To value and reads its tag.
 * @param header - `From` or `To`, for messages. @default 'From'
 * @throws SipParseError as {@link parseNameAddr}, and `BAD_HEADER_VALUE` when `tag` has no token
 *   value (RFC 3261 §25.1 `tag-param = "tag" EQUAL token`).
 */
export function parseFromTo(text: string, header = 'From'): FromTo {
  const { displayName, uri, params } = parseNameAddr(text, header);
  const tag = paramEntry(params, 'tag');
  if (tag !== undefined && (tag.value === undefined || tag.quoted))
    badValue(header, 'tag must have a token value');
  // Spelled out rather than spread: an object spread here cost more than the rest of the parse.
  return { displayName, uri, params, tag: tag?.value };
}

/** What {@link formatNameAddr} writes. */
export interface NameAddrInit {
  /** Display name, written as a quoted-string. Omitted when `undefined` or empty. */
  readonly displayName?: string | undefined;
  /** The URI; a string is checked with `parseUri` and written verbatim (byte for byte). */
  readonly uri: Uri | string;
  /** Header parameters written after `>`. */
  readonly params?: Iterable<GenericParam> | undefined;
}

/**
 * Header text for an address, always in name-addr form (`"Alice" <sip:alice@example.com>;tag=x`),
 * so parameters can never be mistaken for URI parameters (RFC 3261 §20.10).
 * @throws SipInvalidArgumentError for a display name or parameter value with CR, LF or other
 *   control characters, or a `uri` string that is not a valid URI.
 */
export function formatNameAddr(address: NameAddrInit): string {
  let out = '';
  if (address.displayName) {
    checkQuotable(address.displayName, 'displayName');
    out += quote(address.displayName) + ' ';
  }
  let uriText: string;
  if (typeof address.uri === 'string') {
    try {
      parseUri(address.uri);
    } catch (error) {
      throw new SipInvalidArgumentError(`uri must be a valid URI: ${(error as Error).message}`);
    }
    uriText = address.uri;
  } else uriText = formatUri(address.uri);
  out += '<' + uriText + '>';
  if (address.params) out += formatParams(address.params);
  return out;
}
