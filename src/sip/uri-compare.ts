/**
 * URI equivalence, RFC 3261 §19.1.4, used to find our own binding among the Contacts of a 2xx to
 * REGISTER (checklist EXP-04, PIT-01, PIT-03). The rules, in order:
 *
 * - a SIP and a SIPS URI are never equal;
 * - user and password compare case-sensitively, everything else case-insensitively;
 * - parameter and header order does not matter;
 * - a character other than a reserved one equals its `%HH` escape (`%61lice` = `alice`), an escaped
 *   reserved character does not equal the raw one;
 * - a host name never equals an IP address; textual IP addresses compare by value (RFC 5954 §4);
 * - user, password, host and port must all match, and a component present in one URI and absent
 *   from the other does not match even when it holds the default (`:5060`, `;transport=udp`);
 * - `transport`, `user`, `ttl`, `method` and `maddr` parameters must be in both or neither, and
 *   match; any other parameter is compared only when both have it;
 * - URI headers are never ignored: each must be in both and match (names case-insensitive, values
 *   case-sensitive after the escape rule above).
 *
 * Equality is therefore not transitive (`;security=on` and `;security=off` each equal the URI without
 * the parameter but not each other), which is why callers compare against one URI, never chain.
 */

import { classifyHost, hostComparisonKey } from './host.js';
import type { GenericParam, GenericParams } from './params.js';
import { comparisonKey } from './percent-encoding.js';
import { parseUri, type SipUri, type TelUri, type Uri } from './uri.js';

/** Parameters that must be present in both URIs or in neither (RFC 3261 §19.1.4). */
const MUST_BE_IN_BOTH = ['transport', 'user', 'ttl', 'method', 'maddr'];

function optionalEqual(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a === b || comparisonKey(a) === comparisonKey(b);
}

function paramValueKey(param: GenericParam): string | undefined {
  return param.value === undefined ? undefined : comparisonKey(param.value).toLowerCase();
}

/** Name → parameter, for lookups that stay linear on URIs with very many parameters. */
function indexParams(params: GenericParams): (name: string) => GenericParam | undefined {
  if (params.size <= 16) return (name) => params.entry(name);
  const map = new Map<string, GenericParam>();
  for (const param of params) map.set(param.name, param);
  return (name) => map.get(name);
}

function sipParamsEqual(a: GenericParams, b: GenericParams): boolean {
  for (const name of MUST_BE_IN_BOTH) if (a.has(name) !== b.has(name)) return false;
  const lookup = indexParams(b);
  for (const param of a) {
    const other = lookup(param.name);
    if (other === undefined) continue;
    if (param.name === 'maddr' && param.value !== undefined && other.value !== undefined) {
      if (!hostsEqual(param.value, other.value)) return false;
    } else if (paramValueKey(param) !== paramValueKey(other)) return false;
  }
  return true;
}

/** maddr holds a host: compare it as one (case-insensitive name, IP addresses by value). */
function hostsEqual(a: string, b: string): boolean {
  const typeA = classifyHost(a);
  const typeB = classifyHost(b);
  if (typeA === undefined || typeB === undefined) return a.toLowerCase() === b.toLowerCase();
  return typeA === typeB && hostComparisonKey(a, typeA) === hostComparisonKey(b, typeB);
}

function headerKeys(uri: SipUri): string[] {
  // '=' is reserved, so it stays escaped inside a comparison key and can join name and value.
  return uri.headers.map((h) => comparisonKey(h.name).toLowerCase() + '=' + comparisonKey(h.value)).sort();
}

function sipUrisEqual(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (!optionalEqual(a.user, b.user) || !optionalEqual(a.password, b.password)) return false;
  if (a.port !== b.port) return false;
  if (a.hostType !== b.hostType) return false;
  if (hostComparisonKey(a.host, a.hostType) !== hostComparisonKey(b.host, b.hostType)) return false;
  if (!sipParamsEqual(a.params, b.params)) return false;
  if (a.headers.length !== b.headers.length) return false;
  if (a.headers.length === 0) return true;
  const keysA = headerKeys(a);
  const keysB = headerKeys(b);
  return keysA.every((key, i) => key === keysB[i]);
}

/** RFC 3966 §4: visual separators are ignored, hex digits and parameters compare case-insensitively. */
function telDigits(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '-' && ch !== '.' && ch !== '(' && ch !== ')') out += ch;
  }
  return out.toLowerCase();
}

function telUrisEqual(a: TelUri, b: TelUri): boolean {
  if (a.global !== b.global || telDigits(a.number) !== telDigits(b.number)) return false;
  // RFC 3966 §4: a parameter present in only one URI makes them different.
  if (a.params.size !== b.params.size) return false;
  const lookup = indexParams(b.params);
  for (const param of a.params) {
    const other = lookup(param.name);
    if (other === undefined) return false;
    let keyA = paramValueKey(param);
    let keyB = paramValueKey(other);
    if (param.name === 'phone-context' && keyA?.startsWith('+') && keyB?.startsWith('+')) {
      keyA = telDigits(keyA);
      keyB = telDigits(keyB);
    }
    if (keyA !== keyB) return false;
  }
  return true;
}

/**
 * True when two URIs are equivalent by RFC 3261 §19.1.4 (SIP, SIPS) or RFC 3966 §4 (tel). Other
 * schemes are equal when their schemes match and their remaining text is equal after the same
 * `%HH` rule. URIs of different schemes are never equal.
 *
 * Strings are parsed with {@link parseUri} first.
 * @throws SipParseError (`BAD_URI`) when a string argument is not a valid URI.
 */
export function uriEquals(a: Uri | string, b: Uri | string): boolean {
  const left = typeof a === 'string' ? parseUri(a) : a;
  const right = typeof b === 'string' ? parseUri(b) : b;
  if (left.kind === 'sip') return right.kind === 'sip' && sipUrisEqual(left, right);
  if (left.kind === 'tel') return right.kind === 'tel' && telUrisEqual(left, right);
  return (
    right.kind === 'absolute' &&
    left.scheme === right.scheme &&
    comparisonKey(left.value) === comparisonKey(right.value)
  );
}
