/**
 * Header parameters: the `*( SEMI generic-param )` tail of Contact, From, To, Via, Retry-After and
 * other headers (RFC 3261 §7.3.1, §25.1):
 *
 *     generic-param = token [ EQUAL gen-value ]
 *     gen-value     = token / host / quoted-string
 *
 * with optional whitespace around `;` and `=` (SEMI and EQUAL are `SWS x SWS`). Valueless flags
 * (`lr`, `rport`, `ob`, `+sip.ice`) are legal (checklist ABNF-05). Names compare case-insensitively
 * and are stored in lower case; a name may appear only once per header value (MSG-07, MSG-08).
 */

import { SipInvalidArgumentError, SipParseError } from '../errors.js';
import { classifyHost } from './host.js';
import {
  hasNoQuotedPairFrom,
  isToken,
  isTokenChar,
  isTokenCode,
  isWsp,
  plainQuotedStringEnd,
  quote,
  skipQuotedString,
  unquoteRange,
} from './lexer.js';

/**
 * One parameter.
 *
 * Shape: `value` is what the parameter means — a token or host exactly as received (case kept), or
 * the content of a quoted-string with its quotes removed and quoted-pairs undone — and `quoted`
 * records that it was (and will again be) written as a quoted-string. A valueless flag has
 * `value: undefined`.
 */
export interface GenericParam {
  /** Parameter name in lower case. */
  readonly name: string;
  /** Value as described above; `undefined` for a flag such as `;lr`. */
  readonly value: string | undefined;
  /** True when the value is a quoted-string (`methods="INVITE,BYE"`). */
  readonly quoted: boolean;
}

let adoptList: (list: GenericParam[]) => GenericParams;
let listOf: (params: GenericParams) => readonly GenericParam[];

/**
 * Wraps a list whose names are lower-case and unique, without copying or checking it. For the
 * parsers in this folder (not part of the public API).
 * @internal
 */
export function paramsFromUniqueList(list: GenericParam[]): GenericParams {
  return adoptList(list);
}

/**
 * The parameter with the lower-case name `key`, without lower-casing it again: for the parsers in
 * this folder, which look up fixed names (`tag`, `expires`, `branch`) on every parse.
 * @internal
 */
export function paramEntry(params: GenericParams, key: string): GenericParam | undefined {
  const list = listOf(params);
  for (let i = 0; i < list.length; i++) {
    const param = list[i]!;
    if (param.name === key) return param;
  }
  return undefined;
}

/**
 * The parameters of `params` in order, not copied: read-only access for the parsers in this folder.
 * @internal
 */
export function paramList(params: GenericParams): readonly GenericParam[] {
  return listOf(params);
}

/**
 * True when `list` already holds a parameter named `name`: a short scan for the usual handful of
 * names, a Set once the list is long, so a duplicate is caught in linear time overall (MSG-08).
 * `index` is the Set built so far (or `undefined` while the list is short).
 * @internal
 */
export function isDuplicateName(
  list: readonly GenericParam[],
  name: string,
  index: Set<string> | undefined,
): boolean {
  if (index !== undefined) return index.has(name);
  for (let k = 0; k < list.length; k++) if (list[k]!.name === name) return true;
  return false;
}

/**
 * Appends `param` to `list` and keeps the duplicate index in step: returns the Set to pass to
 * {@link isDuplicateName} next time (created once the list outgrows a short scan).
 * @internal
 */
export function pushUnique(
  list: GenericParam[],
  param: GenericParam,
  index: Set<string> | undefined,
): Set<string> | undefined {
  list.push(param);
  if (index !== undefined) index.add(param.name);
  else if (list.length > 16) {
    index = new Set<string>();
    for (let k = 0; k < list.length; k++) index.add(list[k]!.name);
  }
  return index;
}

/**
 * Tracks names already seen in one parameter list so a duplicate is caught in linear time overall:
 * a short scan for the usual handful of names, a Set beyond that (MSG-08).
 * @internal
 */
export class UniqueNames {
  #names: string[] = [];
  #set: Set<string> | undefined;

  /** Records `name`; false when it was already recorded. */
  add(name: string): boolean {
    if (this.#set) {
      if (this.#set.has(name)) return false;
      this.#set.add(name);
      return true;
    }
    if (this.#names.includes(name)) return false;
    this.#names.push(name);
    if (this.#names.length > 16) this.#set = new Set(this.#names);
    return true;
  }
}

/** Characters an unquoted value may hold when written: token characters, `:` `[` `]` for IP addresses. */
function isBareValueChar(code: number): boolean {
  return isTokenChar(code) || code === 0x3a || code === 0x5b || code === 0x5d;
}

// What parseParams accepts in an unquoted value: token characters and ':' (bare IPv6 received=).
const BARE_VALUE_CHARS = new Uint8Array(128);
for (let code = 0; code < 128; code++) BARE_VALUE_CHARS[code] = isTokenChar(code) || code === 0x3a ? 1 : 0;

/**
 * An ordered list of parameters with case-insensitive lookup. Names are unique: `set` replaces.
 */
export class GenericParams implements Iterable<GenericParam> {
  #list: GenericParam[];

  static {
    // Parsers build a list whose names are already unique and lower-case; adopting it avoids the
    // per-entry replace scan of `set`, which would be quadratic on a hostile 100 000-parameter value.
    adoptList = (list) => {
      const params = new GenericParams();
      params.#list = list;
      return params;
    };
    listOf = (params) => params.#list;
  }

  /** Copies `entries`; names are lower-cased. Duplicate names keep the last value. */
  constructor(entries?: Iterable<GenericParam>) {
    this.#list = [];
    if (entries) for (const entry of entries) this.set(entry.name, entry.value, { quoted: entry.quoted });
  }

  /** Number of parameters. */
  get size(): number {
    return this.#list.length;
  }

  /** True when a parameter of this name (any case) is present, with or without a value. */
  has(name: string): boolean {
    return this.entry(name) !== undefined;
  }

  /** Value of the parameter (see {@link GenericParam.value}); `undefined` when absent or a flag. */
  get(name: string): string | undefined {
    return this.entry(name)?.value;
  }

  /** The whole parameter, or `undefined` when absent. */
  entry(name: string): GenericParam | undefined {
    const key = name.toLowerCase();
    for (const param of this.#list) if (param.name === key) return param;
    return undefined;
  }

  /**
   * Add a parameter, or replace the value of the one with this name in place.
   * @throws SipInvalidArgumentError when `name` is not a token.
   */
  set(name: string, value?: string, options?: { quoted?: boolean }): this {
    if (!isToken(name))
      throw new SipInvalidArgumentError(`parameter name must be a token, got ${JSON.stringify(name)}`);
    const param: GenericParam = {
      name: name.toLowerCase(),
      value,
      quoted: value !== undefined && !!options?.quoted,
    };
    const index = this.#list.findIndex((p) => p.name === param.name);
    if (index === -1) this.#list.push(param);
    else this.#list[index] = param;
    return this;
  }

  /** Remove the parameter with this name; returns whether one was removed. */
  delete(name: string): boolean {
    const key = name.toLowerCase();
    const index = this.#list.findIndex((p) => p.name === key);
    if (index === -1) return false;
    this.#list.splice(index, 1);
    return true;
  }

  /** The parameters in their original order. */
  [Symbol.iterator](): Iterator<GenericParam> {
    return this.#list[Symbol.iterator]();
  }

  /** The parameters as header text, each preceded by `;` (see {@link formatParams}). */
  toString(): string {
    return formatParams(this);
  }
}

/**
 * Header text for parameters: `;name`, `;name=value`, or `;name="value"` when the parameter is
 * marked `quoted` or its value could not stand unquoted (it is then quoted and escaped, SEC-06).
 * @throws SipInvalidArgumentError when a name is not a token or a value holds CR, LF or another
 *   control character, which no quoted-string can carry (RFC 3261 §25.1) and which would let a
 *   value inject header lines.
 */
export function formatParams(params: Iterable<GenericParam>): string {
  let out = '';
  for (const { name, value, quoted } of params) {
    if (!isToken(name))
      throw new SipInvalidArgumentError(`parameter name must be a token, got ${JSON.stringify(name)}`);
    out += ';' + name;
    if (value === undefined) continue;
    let bare = !quoted && value.length > 0;
    for (let i = 0; bare && i < value.length; i++) bare = isBareValueChar(value.charCodeAt(i));
    if (!bare) checkQuotable(value, `parameter '${name}'`);
    out += '=' + (bare ? value : quote(value));
  }
  return out;
}

/**
 * Throws when `text` holds a character a quoted-string cannot carry: CR, LF and the other controls
 * except HTAB (RFC 3261 §25.1 qdtext; quoted-pair cannot escape CR or LF).
 * @internal
 */
export function checkQuotable(text: string, what: string): void {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) {
      throw new SipInvalidArgumentError(`${what} must not contain control characters (CR, LF, …)`);
    }
  }
}

/**
 * Parses `;name=value;flag…` from `start` to the end of `text` (leading and trailing whitespace
 * allowed). Values: token, `[IPv6]`, quoted-string (ABNF-05); `:` is also accepted in unquoted
 * values so the bare IPv6 `received=2001:db8::1` of RFC 3261 §20.42 / RFC 5118 parses (TRN-07).
 *
 * @param header - header name used in error messages.
 * @throws SipParseError (`BAD_HEADER_VALUE`) on a missing `;`, an empty name, `=` without a value,
 *   an unterminated quoted-string, a malformed `[IPv6]`, or a duplicate name (MSG-08).
 */
export function parseParams(text: string, header: string, start = 0): GenericParams {
  const list: GenericParam[] = [];
  let index: Set<string> | undefined;
  // Decided at the first quoted value: with no backslash, CR or LF ahead, every quoted-string
  // ends at the next '"' and is found by a native search instead of a character loop.
  let plainQuotes = -1;
  let i = start;
  const end = text.length;
  for (;;) {
    while (i < end && isWsp(text.charCodeAt(i))) i++;
    if (i >= end) break;
    if (text.charCodeAt(i) !== 0x3b) badParams(header, `expected ';' before a parameter at offset ${i}`);
    i++;
    while (i < end && isWsp(text.charCodeAt(i))) i++;
    const nameStart = i;
    // Names are lower-cased only when they hold an upper-case letter: the usual `tag`, `branch`,
    // `expires` are stored as sliced.
    let upper = false;
    while (i < end) {
      const code = text.charCodeAt(i);
      if (!isTokenCode(code)) break;
      if (code <= 0x5a && code >= 0x41) upper = true;
      i++;
    }
    if (i === nameStart) badParams(header, `empty or invalid parameter name at offset ${nameStart}`);
    const name = upper ? text.slice(nameStart, i).toLowerCase() : text.slice(nameStart, i);
    while (i < end && isWsp(text.charCodeAt(i))) i++;
    let value: string | undefined;
    let quoted = false;
    if (i < end && text.charCodeAt(i) === 0x3d) {
      i++;
      while (i < end && isWsp(text.charCodeAt(i))) i++;
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        if (plainQuotes === -1) plainQuotes = hasNoQuotedPairFrom(text, i) ? 1 : 0;
        const close = plainQuotes === 1 ? plainQuotedStringEnd(text, i) : skipQuotedString(text, i);
        if (close === -1) badParams(header, `unterminated quoted-string in parameter '${name}'`);
        value = plainQuotes === 1 ? text.slice(i + 1, close - 1) : unquoteRange(text, i, close);
        quoted = true;
        i = close;
      } else if (code === 0x5b) {
        const close = text.indexOf(']', i);
        if (close === -1 || classifyHost(text, i, close + 1) !== 'ipv6') {
          badParams(header, `parameter '${name}' holds a malformed [IPv6] reference`);
        }
        value = text.slice(i, close + 1);
        i = close + 1;
      } else {
        const valueStart = i;
        while (i < end) {
          const c = text.charCodeAt(i);
          if (c >= 0x80 || BARE_VALUE_CHARS[c] !== 1) break;
          i++;
        }
        if (i === valueStart) badParams(header, `parameter '${name}' has '=' but no valid value`);
        value = text.slice(valueStart, i);
      }
    }
    if (isDuplicateName(list, name, index)) badParams(header, `parameter '${name}' appears more than once`);
    index = pushUnique(list, { name, value, quoted }, index);
  }
  return adoptList(list);
}

function badParams(header: string, what: string): never {
  throw new SipParseError('BAD_HEADER_VALUE', `${header}: ${what}`, header);
}
