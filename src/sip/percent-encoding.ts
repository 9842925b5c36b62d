/**
 * `%HH` escapes in SIP URIs (RFC 3261 §19.1.2, §25.1 `escaped`; RFC 2396 §2).
 *
 * URIs are stored with their escapes exactly as received, because unescaping a reserved character
 * changes meaning (`sip:a%3Bb@h` has the user `a;b` with an escaped `;`, which RFC 3261 §19.1.4
 * says is not the same URI as `sip:a;b@h`). This file gives the three views callers need: a full
 * decode for display, a comparison key with only the safe escapes undone, and escaping of a
 * component for output.
 */

/** RFC 2396 `reserved`: these stay escaped when URIs are compared (RFC 3261 §19.1.4). */
function isReserved(code: number): boolean {
  return (
    code === 0x3b || // ;
    code === 0x2f || // /
    code === 0x3f || // ?
    code === 0x3a || // :
    code === 0x40 || // @
    code === 0x26 || // &
    code === 0x3d || // =
    code === 0x2b || // +
    code === 0x24 || // $
    code === 0x2c // ,
  );
}

/** RFC 3261 §25.1 `unreserved` = alphanum / mark. */
export function isUnreserved(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2d || // -
    code === 0x5f || // _
    code === 0x2e || // .
    code === 0x21 || // !
    code === 0x7e || // ~
    code === 0x2a || // *
    code === 0x27 || // '
    code === 0x28 || // (
    code === 0x29 // )
  );
}

/** Value of one hex digit, or -1. */
export function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** Value of the escape `%HH` at `index` (which holds `%`), or -1 when it is not a valid escape. */
export function escapeAt(text: string, index: number): number {
  const high = hexValue(text.charCodeAt(index + 1));
  const low = hexValue(text.charCodeAt(index + 2));
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

const HEX = '0123456789ABCDEF';

function escapeByte(byte: number): string {
  return '%' + HEX[byte >> 4] + HEX[byte & 15];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** `%HH` escapes (upper-case hex) for the UTF-8 bytes of one code point written as `text[i…]`. */
function escapeCodePoint(text: string, index: number): { escaped: string; width: number } {
  const codePoint = text.codePointAt(index)!;
  const width = codePoint > 0xffff ? 2 : 1;
  let escaped = '';
  for (const byte of encoder.encode(text.slice(index, index + width))) escaped += escapeByte(byte);
  return { escaped, width };
}

/**
 * Comparison key of a URI component (RFC 3261 §19.1.4: "characters other than those in the
 * reserved set are equivalent to their %HH encoding"): escapes of non-reserved ASCII characters
 * are undone, escapes of reserved characters, of `%` itself and of non-ASCII bytes stay escaped
 * with upper-case hex, and raw non-ASCII characters are escaped as UTF-8 so both spellings meet.
 * The key is for comparison only; it is not always valid URI text.
 */
export function comparisonKey(text: string): string {
  let plain = true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25 || code >= 0x80) {
      plain = false;
      break;
    }
  }
  if (plain) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25) {
      const byte = escapeAt(text, i);
      if (byte < 0) {
        out += '%';
        continue;
      }
      out += byte < 0x80 && byte !== 0x25 && !isReserved(byte) ? String.fromCharCode(byte) : escapeByte(byte);
      i += 2;
    } else if (code >= 0x80) {
      const { escaped, width } = escapeCodePoint(text, i);
      out += escaped;
      i += width - 1;
    } else out += text[i];
  }
  return out;
}

/**
 * Fully decodes `%HH` escapes as UTF-8 (invalid sequences become U+FFFD), for showing or using a
 * component's value: `sip:I%20have%20spaces@h` has the user `I have spaces`. Never use the result
 * for comparison (`uriEquals` compares escapes as RFC 3261 §19.1.4 says).
 */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  let out = '';
  let bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const byte = text.charCodeAt(i) === 0x25 ? escapeAt(text, i) : -1;
    if (byte >= 0) {
      bytes.push(byte);
      i += 2;
      continue;
    }
    if (bytes.length > 0) {
      out += decoder.decode(Uint8Array.from(bytes));
      bytes = [];
    }
    out += text[i];
  }
  if (bytes.length > 0) out += decoder.decode(Uint8Array.from(bytes));
  return out;
}

/**
 * Index of the first `%` in `text[start, end)` that does not begin a valid `%HH` escape, or -1.
 * RFC 3261 §25.1 `escaped` = "%" HEXDIG HEXDIG.
 */
export function findBadEscape(text: string, start = 0, end = text.length): number {
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) !== 0x25) continue;
    if (i + 2 >= end || escapeAt(text, i) < 0) return i;
    i += 2;
  }
  return -1;
}

/**
 * `text` made safe for one URI component: characters `allowed` accepts and existing valid `%HH`
 * escapes are kept, everything else is escaped as UTF-8 `%HH`. Used by the formatters so a URI
 * built by hand (a user part with a space, say) still serializes to valid text.
 */
export function escapeComponent(text: string, allowed: (code: number) => boolean): string {
  let clean = true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25 ? escapeAt(text, i) < 0 : !allowed(code)) {
      clean = false;
      break;
    }
  }
  if (clean) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25 && escapeAt(text, i) >= 0) {
      out += text.slice(i, i + 3);
      i += 2;
    } else if (code !== 0x25 && allowed(code)) out += text[i];
    else {
      const { escaped, width } = escapeCodePoint(text, i);
      out += escaped;
      i += width - 1;
    }
  }
  return out;
}
