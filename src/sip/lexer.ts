/**
 * Lexical primitives shared by every header parser (RFC 3261 §25.1). All scanners are linear
 * index walks: no regular expression here can backtrack, so hostile input costs O(length).
 */

/** RFC 3261 §25.1 `token` characters: alphanum and `-.!%*_+\`'~`. */
export function isTokenChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2d || // -
    code === 0x2e || // .
    code === 0x21 || // !
    code === 0x25 || // %
    code === 0x2a || // *
    code === 0x5f || // _
    code === 0x2b || // +
    code === 0x60 || // `
    code === 0x27 || // '
    code === 0x7e // ~
  );
}

// isTokenChar as a table for the scanners' inner loops: one load per character instead of up to
// thirteen comparisons. Only for char codes (integers, or NaN past the end of a string).
const TOKEN_CHARS = new Uint8Array(128);
for (let code = 0; code < 128; code++) TOKEN_CHARS[code] = isTokenChar(code) ? 1 : 0;

/**
 * {@link isTokenChar} for a value of `charCodeAt` (an integer 0–0xFFFF, or NaN past the end).
 * @internal
 */
export function isTokenCode(code: number): boolean {
  return code < 128 && TOKEN_CHARS[code] === 1;
}

/** True when `text` is a non-empty RFC 3261 token. */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isTokenChar(text.charCodeAt(i))) return false;
  return true;
}

/** Linear whitespace inside a header value after unfolding: SP or HTAB. */
export function isWsp(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Index just past the quoted-string that starts at `start` (which must hold `"`), or -1 when it is
 * not terminated. A quoted-pair (`\x`) skips the next character; CR and LF cannot be escaped
 * (RFC 3261 §25.1, checklist ABNF-01), so they end the scan as unterminated.
 */
export function skipQuotedString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code === 0x0d || code === 0x0a) return -1;
    if (code === 0x5c) {
      const next = text.charCodeAt(i + 1);
      if (Number.isNaN(next) || next === 0x0d || next === 0x0a) return -1;
      i++;
    }
  }
  return -1;
}

/** Content of a quoted-string (with its quotes) with quoted-pairs undone: `"a\"b"` → `a"b`. */
export function unquote(quoted: string): string {
  const inner = quoted.slice(1, -1);
  if (!inner.includes('\\')) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch === '\\' && i + 1 < inner.length) {
      out += inner[i + 1];
      i++;
    } else out += ch;
  }
  return out;
}

/**
 * {@link unquote} of the quoted-string `text[open, close)` (as delimited by
 * {@link skipQuotedString}) without first copying it out: the usual value holds no quoted-pair and
 * is returned as one slice.
 * @internal
 */
export function unquoteRange(text: string, open: number, close: number): string {
  for (let i = open + 1; i < close - 1; i++) {
    if (text.charCodeAt(i) === 0x5c) return unquote(text.slice(open, close));
  }
  return text.slice(open + 1, close - 1);
}

/**
 * True when `text` holds no backslash, CR or LF from `from` on. Then a quoted-string there has no
 * quoted-pair and cannot be cut short by a line end, so its end is simply the next `"`: see
 * {@link plainQuotedStringEnd}. Three native searches instead of a character loop per value.
 * @internal
 */
export function hasNoQuotedPairFrom(text: string, from: number): boolean {
  return (
    text.indexOf('\\', from) === -1 && text.indexOf('\r', from) === -1 && text.indexOf('\n', from) === -1
  );
}

/**
 * {@link skipQuotedString} for a position where {@link hasNoQuotedPairFrom} holds: index just past
 * the closing `"`, or -1 when there is none. The content is then `text.slice(start + 1, end - 1)`
 * with nothing to undo.
 * @internal
 */
export function plainQuotedStringEnd(text: string, start: number): number {
  const close = text.indexOf('"', start + 1);
  return close === -1 ? -1 : close + 1;
}

/** Quote a string for emission, escaping `"` and `\` (RFC 3261 §25.1 quoted-pair; SEC-06). */
export function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === '\\') out += '\\';
    out += ch;
  }
  return out + '"';
}

/**
 * Split `text` on `separator` where it stands outside quoted-strings and `<…>`, trimming each part
 * (RFC 3261 §7.3: a comma inside a quoted display name or inside a URI in angle brackets does not
 * separate values; checklist MSG-05, PIT-25). Returns `undefined` when a quoted-string or an angle
 * bracket is left open.
 */
export function splitOutside(text: string, separator: string): string[] | undefined {
  const sep = separator.charCodeAt(0);
  const parts: string[] = [];
  let angle = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      const end = skipQuotedString(text, i);
      if (end === -1) return undefined;
      i = end - 1;
    } else if (code === 0x3c) {
      if (angle) return undefined;
      angle = true;
    } else if (code === 0x3e) {
      if (!angle) return undefined;
      angle = false;
    } else if (code === sep && !angle) {
      parts.push(text.slice(from, i).trim());
      from = i + 1;
    }
  }
  if (angle) return undefined;
  parts.push(text.slice(from).trim());
  return parts;
}
