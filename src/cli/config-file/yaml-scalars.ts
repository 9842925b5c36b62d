/**
 * Scalars of the YAML subset: plain scalars resolved by the YAML 1.2 core schema (null, booleans,
 * integers, floats, else text) and quoted strings read from one line (YAML 1.2 §7.3).
 *
 * Every scan is a single pass over the line; the resolution regexes are anchored and have no
 * nested or overlapping quantifiers, so hostile input cannot make them backtrack.
 */
import { ConfigSyntaxError } from './config-syntax-error.js';

const DECIMAL_INT = /^[-+]?[0-9]+$/;
const OCTAL_INT = /^0o[0-7]+$/;
const HEX_INT = /^0x[0-9a-fA-F]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/**
 * The value of a plain scalar per the YAML 1.2 core schema: `~`, `null` (and `Null`, `NULL`) and
 * the empty string are null; `true`/`false` (three casings) booleans; decimal, `0o` octal and `0x`
 * hex integers; decimal floats, `.inf`, `-.inf`, `.nan`; anything else is the text itself.
 */
export function resolvePlainScalar(text: string): string | number | boolean | null {
  switch (text) {
    case '':
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
    case '.inf':
    case '.Inf':
    case '.INF':
    case '+.inf':
    case '+.Inf':
    case '+.INF':
      return Number.POSITIVE_INFINITY;
    case '-.inf':
    case '-.Inf':
    case '-.INF':
      return Number.NEGATIVE_INFINITY;
    case '.nan':
    case '.NaN':
    case '.NAN':
      return Number.NaN;
  }
  const first = text.charCodeAt(0);
  // Only text starting like a number can be one; skip the regexes for everything else.
  const numeric = (first >= 0x30 && first <= 0x39) || first === 0x2b || first === 0x2d || first === 0x2e;
  if (!numeric || text.length > 400) return text;
  if (DECIMAL_INT.test(text) || OCTAL_INT.test(text) || HEX_INT.test(text) || FLOAT.test(text))
    return Number(text);
  return text;
}

/** A quoted string read from a line: its value and the index just past the closing quote. */
export interface QuotedScalar {
  readonly value: string;
  readonly end: number;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};

const HEX_ESCAPE_LENGTH: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/**
 * Read a double-quoted string starting at `start` (the `"`), with YAML's escapes (`\n`, `\"`,
 * `\\`, `\xXX`, `\uXXXX`, `\UXXXXXXXX`, …). The string must end on the same line. Errors name the
 * column, never the text (it could be a password).
 */
export function readDoubleQuoted(
  text: string,
  start: number,
  line: number,
  columnBase: number,
): QuotedScalar {
  let out = '';
  let runStart = start + 1;
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') return { value: out + text.slice(runStart, i), end: i + 1 };
    if (ch !== '\\') continue;
    out += text.slice(runStart, i);
    const code = text[i + 1];
    if (code === undefined) break;
    const simple = SIMPLE_ESCAPES[code];
    if (simple !== undefined) {
      out += simple;
      i += 1;
    } else {
      const length = HEX_ESCAPE_LENGTH[code];
      let ok = length !== undefined && i + 2 + length <= text.length;
      for (let k = 0; ok && k < length!; k++) ok = isHexDigit(text.charCodeAt(i + 2 + k));
      const point = ok ? Number.parseInt(text.slice(i + 2, i + 2 + length!), 16) : -1;
      if (!ok || point > 0x10ffff)
        throw new ConfigSyntaxError(
          'yaml',
          line,
          columnBase + i + 1,
          'invalid escape sequence in double-quoted string (supported: \\n \\t \\r \\" \\\\ \\/ \\0 \\xXX \\uXXXX \\UXXXXXXXX and the other YAML escapes)',
        );
      out += length === 8 ? String.fromCodePoint(point) : String.fromCharCode(point);
      i += 1 + length!;
    }
    runStart = i + 1;
  }
  throw new ConfigSyntaxError(
    'yaml',
    line,
    columnBase + start + 1,
    'unterminated double-quoted string (a quoted string must end on the line where it starts)',
  );
}

/** Read a single-quoted string starting at `start` (the `'`); `''` stands for one quote. */
export function readSingleQuoted(
  text: string,
  start: number,
  line: number,
  columnBase: number,
): QuotedScalar {
  let out = '';
  let runStart = start + 1;
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] !== "'") continue;
    if (text[i + 1] === "'") {
      out += text.slice(runStart, i + 1);
      i += 1;
      runStart = i + 1;
      continue;
    }
    return { value: out + text.slice(runStart, i), end: i + 1 };
  }
  throw new ConfigSyntaxError(
    'yaml',
    line,
    columnBase + start + 1,
    'unterminated single-quoted string (a quoted string must end on the line where it starts)',
  );
}

/** True for a space or a tab. */
export function isBlank(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

/**
 * The problem with a node starting with `ch`, when YAML gives that character a meaning this subset
 * does not support; `undefined` when it is an ordinary start.
 */
export function unsupportedIndicator(ch: string | undefined, next: string | undefined): string | undefined {
  switch (ch) {
    case '&':
      return "found '&': anchors are not supported";
    case '*':
      return "found '*': aliases are not supported (quote the value if it is text)";
    case '!':
      return "found '!': tags are not supported (quote the value if it is text)";
    case '%':
      return "found '%': directives are not supported (quote the value if it is text)";
    case '@':
    case '`':
      return `found '${ch}': a reserved indicator; quote the value`;
    case '?':
      return isBlank(next) || next === undefined
        ? "found '?': complex mapping keys are not supported"
        : undefined;
    default:
      return undefined;
  }
}
