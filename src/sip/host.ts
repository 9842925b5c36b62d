/**
 * The `host` of SIP URIs and Via sent-by (RFC 3261 §25.1): `hostname / IPv4address / IPv6reference`,
 * with the IPv6 grammar as corrected by RFC 5954 §3 (the RFC 3986 `IPv6address` rule, which also
 * accepts a dotted IPv4 tail such as `[::ffff:192.0.2.1]`). Checklist ABNF-04.
 *
 * All checks are index scans: no regular expression, linear in the length of the input.
 */

/** What kind of host a string holds. IPv6 hosts are written with their brackets (`[2001:db8::1]`). */
export type HostType = 'domain' | 'ipv4' | 'ipv6';

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isAlpha(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

function isHex(code: number): boolean {
  return isDigit(code) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);
}

/**
 * Octets of a dotted-quad IPv4 address in `text[start, end)`, or `undefined`. RFC 3261 allows
 * `1*3DIGIT` per part; RFC 5954 (via RFC 3986 `dec-octet`) bounds each part to 0–255.
 */
export function parseIPv4(text: string, start = 0, end = text.length): number[] | undefined {
  const octets: number[] = [];
  let i = start;
  while (octets.length < 4) {
    let value = 0;
    let digits = 0;
    while (i < end && isDigit(text.charCodeAt(i)) && digits < 4) {
      value = value * 10 + text.charCodeAt(i) - 0x30;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 3 || value > 255) return undefined;
    octets.push(value);
    if (octets.length < 4) {
      if (i >= end || text.charCodeAt(i) !== 0x2e) return undefined;
      i++;
    }
  }
  return i === end ? octets : undefined;
}

/**
 * The eight 16-bit groups of an IPv6 address (no brackets) in `text[start, end)`, or `undefined`
 * when it is not an RFC 3986 `IPv6address` (RFC 5954 §3): at most one `::`, groups of 1–4 hex
 * digits, an optional dotted IPv4 tail counting as two groups.
 */
export function parseIPv6(text: string, start = 0, end = text.length): number[] | undefined {
  const groups: number[] = [];
  let gap = -1;
  let i = start;
  if (end - start < 2) return undefined;
  if (text.charCodeAt(i) === 0x3a) {
    if (text.charCodeAt(i + 1) !== 0x3a) return undefined;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    let j = i;
    while (j < end && j - i < 5 && isHex(text.charCodeAt(j))) j++;
    if (j < end && text.charCodeAt(j) === 0x2e) {
      // A dotted IPv4 tail ends the address (RFC 3986 `ls32`).
      const octets = parseIPv4(text, i, end);
      if (octets === undefined) return undefined;
      groups.push(octets[0]! * 256 + octets[1]!, octets[2]! * 256 + octets[3]!);
      i = end;
      break;
    }
    if (j === i || j - i > 4) return undefined;
    groups.push(Number.parseInt(text.slice(i, j), 16));
    i = j;
    if (i === end) break;
    if (text.charCodeAt(i) !== 0x3a) return undefined;
    i++;
    if (i < end && text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return undefined;
      gap = groups.length;
      i++;
    } else if (i === end) return undefined;
    if (groups.length > 8) return undefined;
  }
  if (gap < 0) return groups.length === 8 ? groups : undefined;
  if (groups.length > 7) return undefined;
  const zeros = new Array<number>(8 - groups.length).fill(0);
  return [...groups.slice(0, gap), ...zeros, ...groups.slice(gap)];
}

/** True when `text` (no brackets) is an IPv6 address. */
export function isIPv6(text: string): boolean {
  return parseIPv6(text) !== undefined;
}

/** True when `text` is a dotted-quad IPv4 address. */
export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== undefined;
}

/**
 * True when `text[start, end)` is an RFC 3261 `hostname`: dot-separated labels of letters, digits
 * and inner hyphens, an optional trailing dot, the last label starting with a letter (which is what
 * tells `example.com` from a malformed address such as `192.0.2.256`). Underscores are accepted in
 * labels because real deployments use them (container and SRV-style names), though the ABNF does not.
 */
export function isHostname(text: string, start = 0, end = text.length): boolean {
  if (end > start && text.charCodeAt(end - 1) === 0x2e) end--;
  if (end <= start) return false;
  let labelStart = start;
  for (let i = start; i <= end; i++) {
    const code = i < end ? text.charCodeAt(i) : 0x2e;
    if (code === 0x2e) {
      if (i === labelStart) return false;
      if (text.charCodeAt(labelStart) === 0x2d || text.charCodeAt(i - 1) === 0x2d) return false;
      if (i === end && !isAlpha(text.charCodeAt(labelStart))) return false;
      labelStart = i + 1;
    } else if (!isAlpha(code) && !isDigit(code) && code !== 0x2d && code !== 0x5f) return false;
  }
  return true;
}

/**
 * True when `text[start, end)` is a dotted-quad IPv4 address: {@link parseIPv4} without building
 * the octets, for the classifiers on the header-parsing hot path.
 */
function isIPv4Range(text: string, start: number, end: number): boolean {
  let i = start;
  for (let part = 0; part < 4; part++) {
    let value = 0;
    let digits = 0;
    while (i < end && digits < 4) {
      const digit = text.charCodeAt(i) - 0x30;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 3 || value > 255) return false;
    if (part < 3) {
      if (i >= end || text.charCodeAt(i) !== 0x2e) return false;
      i++;
    }
  }
  return i === end;
}

/**
 * True when `text[start, end)` (no brackets) is an IPv6 address: exactly the inputs for which
 * {@link parseIPv6} returns groups, counted instead of collected.
 */
function isIPv6Range(text: string, start: number, end: number): boolean {
  let groups = 0;
  let gap = false;
  let i = start;
  if (end - start < 2) return false;
  if (text.charCodeAt(i) === 0x3a) {
    if (text.charCodeAt(i + 1) !== 0x3a) return false;
    gap = true;
    i += 2;
  }
  while (i < end) {
    let j = i;
    while (j < end && j - i < 5 && isHex(text.charCodeAt(j))) j++;
    if (j < end && text.charCodeAt(j) === 0x2e) {
      // A dotted IPv4 tail ends the address (RFC 3986 `ls32`) and counts as two groups.
      if (!isIPv4Range(text, i, end)) return false;
      groups += 2;
      break;
    }
    if (j === i || j - i > 4) return false;
    groups++;
    i = j;
    if (i === end) break;
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < end && text.charCodeAt(i) === 0x3a) {
      if (gap) return false;
      gap = true;
      i++;
    } else if (i === end) return false;
    if (groups > 8) return false;
  }
  return gap ? groups <= 7 : groups === 8;
}

/**
 * Kind of host written in `text[start, end)` (IPv6 with its brackets), or `undefined` when it is
 * none of hostname, IPv4 address or `[IPv6]` reference.
 */
export function classifyHost(text: string, start = 0, end = text.length): HostType | undefined {
  if (end <= start) return undefined;
  if (text.charCodeAt(start) === 0x5b) {
    return text.charCodeAt(end - 1) === 0x5d && isIPv6Range(text, start + 1, end - 1) ? 'ipv6' : undefined;
  }
  if (isIPv4Range(text, start, end)) return 'ipv4';
  return isHostname(text, start, end) ? 'domain' : undefined;
}

// Characters of a hostname or IPv4 address for scanHostname: digits, '.', and the rest (letters,
// '-', '_'); 0 for anything that ends the host.
const DIGIT = 1;
const DOT = 2;
const OTHER = 3;
const HOST_CHARS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  if (isDigit(code)) HOST_CHARS[code] = DIGIT;
  else if (code === 0x2e) HOST_CHARS[code] = DOT;
  else if (isAlpha(code) || code === 0x2d || code === 0x5f) HOST_CHARS[code] = OTHER;
}

/** {@link scanHostname} kinds (the low two bits of its result). */
export const SCANNED_NEITHER = 0;
export const SCANNED_DOMAIN = 1;
export const SCANNED_IPV4 = 2;

/**
 * Reads a host that is not an `[IPv6]` reference from `start` to the first character no hostname
 * or IPv4 address can hold (letters, digits, `-`, `_`, `.` can), classifying it on the way, so the
 * parsers that find a host's end by scanning do not walk it a second time. Returns
 * `end * 4 + kind`, kind being {@link SCANNED_DOMAIN} or {@link SCANNED_IPV4} when
 * `classifyHost(text, start, end)` would say `domain` or `ipv4`, {@link SCANNED_NEITHER} otherwise.
 * @internal
 */
export function scanHostname(text: string, start: number): number {
  const length = text.length;
  let digitsOnly = true;
  let labelsOk = true;
  let labelStart = start;
  let lastLabelStart = start;
  // The dotted quad as parseIPv4 reads it: four parts of 1-3 digits, each at most 255.
  let dots = 0;
  let partDigits = 0;
  let partValue = 0;
  let quadOk = true;
  let i = start;
  for (; i < length; i++) {
    const code = text.charCodeAt(i);
    const kind = code < 0x80 ? HOST_CHARS[code]! : 0;
    if (kind === DIGIT) {
      partValue = partValue * 10 + (code - 0x30);
      if (++partDigits > 3 || partValue > 255) quadOk = false;
    } else if (kind === OTHER) digitsOnly = false;
    else if (kind === DOT) {
      // Same label rules as isHostname: not empty, no '-' at either end.
      if (i === labelStart || text.charCodeAt(labelStart) === 0x2d || text.charCodeAt(i - 1) === 0x2d) {
        labelsOk = false;
      }
      lastLabelStart = labelStart;
      labelStart = i + 1;
      if (partDigits === 0 || ++dots > 3) quadOk = false;
      partDigits = 0;
      partValue = 0;
    } else break;
  }
  if (i === start) return i * 4 + SCANNED_NEITHER;
  if (digitsOnly) {
    return i * 4 + (quadOk && dots === 3 && partDigits > 0 ? SCANNED_IPV4 : SCANNED_NEITHER);
  }
  // The last label (before one optional trailing dot) must also start with a letter, which is what
  // tells a name from a malformed address such as 192.0.2.256a.
  let lastStart: number;
  if (text.charCodeAt(i - 1) === 0x2e) lastStart = lastLabelStart;
  else {
    lastStart = labelStart;
    if (text.charCodeAt(lastStart) === 0x2d || text.charCodeAt(i - 1) === 0x2d) labelsOk = false;
  }
  return i * 4 + (labelsOk && isAlpha(text.charCodeAt(lastStart)) ? SCANNED_DOMAIN : SCANNED_NEITHER);
}

/**
 * True when `text` is an RFC 3261 `received` address: IPv4, a bare IPv6 address, or a bracketed
 * `[IPv6]` reference (RFC 5118 §4.5; checklist TRN-07). Allocation-free, for the Via parser.
 * @internal
 */
export function isAddressLiteral(text: string, start = 0, end = text.length): boolean {
  if (isIPv4Range(text, start, end)) return true;
  if (text.charCodeAt(start) === 0x5b) {
    return end - start >= 2 && text.charCodeAt(end - 1) === 0x5d && isIPv6Range(text, start + 1, end - 1);
  }
  return isIPv6Range(text, start, end);
}

/**
 * Comparison key of a host: host names compare case-insensitively (RFC 3261 §19.1.4) and textual
 * IP addresses compare by their binary value (RFC 5954 §4), so `[2001:DB8::0:1]` and
 * `[2001:db8::1]` give the same key, as do `192.0.2.010` and `192.0.2.10`.
 */
export function hostComparisonKey(host: string, type: HostType): string {
  if (type === 'ipv4') {
    const octets = parseIPv4(host);
    if (octets) return octets.join('.');
  } else if (type === 'ipv6') {
    const groups = parseIPv6(host, 1, host.length - 1);
    if (groups) return '[' + groups.map((group) => group.toString(16)).join(':') + ']';
  }
  return host.toLowerCase();
}
