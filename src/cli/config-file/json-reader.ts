/**
 * A strict JSON (RFC 8259) reader that keeps positions: the same values `JSON.parse` gives, as a
 * located {@link ConfigNode} tree, so schema errors in a JSON config name their line too, and a
 * syntax error names its line and column. Duplicate keys are rejected (JSON.parse would keep the
 * last one silently). Single pass, nesting capped; messages never quote string contents.
 */
import type { ConfigMappingEntry, ConfigNode } from './config-node.js';
import { ConfigSyntaxError } from './config-syntax-error.js';

/** Nesting limit of arrays and objects. */
export const MAX_JSON_DEPTH = 64;

/**
 * Parse JSON text into a located node tree. Throws {@link ConfigSyntaxError} (`ERR_CONFIG_SYNTAX`,
 * format `json`) with the 1-based line and column of the problem.
 */
export function parseJson(text: string): ConfigNode {
  return new JsonReader(text).read();
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

class JsonReader {
  readonly #text: string;
  #i = 0;
  #line = 1;
  #lineStart = 0;

  constructor(text: string) {
    // A UTF-8 BOM is not JSON, but editors add it; it carries no meaning.
    this.#text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  #fail(problem: string, at = this.#i): never {
    throw new ConfigSyntaxError('json', this.#line, at - this.#lineStart + 1, problem);
  }

  /** Describe the character at `#i` for a message without quoting text that could be a secret. */
  #found(): string {
    const ch = this.#text[this.#i];
    if (ch === undefined) return 'end of input';
    return '{}[],:"\''.includes(ch) ? `'${ch}'` : 'unexpected text';
  }

  #skipWhitespace(): void {
    const text = this.#text;
    for (; this.#i < text.length; this.#i++) {
      const code = text.charCodeAt(this.#i);
      if (code === 0x20 || code === 0x09) continue;
      if (code === 0x0a || (code === 0x0d && text.charCodeAt(this.#i + 1) !== 0x0a)) {
        this.#line++;
        this.#lineStart = this.#i + 1;
        continue;
      }
      if (code === 0x0d) continue;
      break;
    }
  }

  read(): ConfigNode {
    this.#skipWhitespace();
    if (this.#i >= this.#text.length) this.#fail('empty document: expected a JSON object');
    const node = this.#value(0);
    this.#skipWhitespace();
    if (this.#i < this.#text.length) this.#fail(`unexpected ${this.#found()} after the end of the document`);
    return node;
  }

  #value(depth: number): ConfigNode {
    const text = this.#text;
    const ch = text[this.#i];
    const line = this.#line;
    if (ch === '{' || ch === '[') {
      if (depth >= MAX_JSON_DEPTH)
        this.#fail(`arrays and objects nested deeper than ${MAX_JSON_DEPTH} levels`);
      return ch === '{' ? this.#object(depth + 1) : this.#array(depth + 1);
    }
    if (ch === '"') return { kind: 'scalar', value: this.#string(), plainText: undefined, line };
    if (ch === '-' || (ch !== undefined && isDigit(ch.charCodeAt(0))))
      return { kind: 'scalar', value: this.#number(), plainText: undefined, line };
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, this.#i)) {
        this.#i += word.length;
        return { kind: 'scalar', value, plainText: undefined, line };
      }
    }
    this.#fail(
      `expected a value (object, array, string, number, true, false or null), found ${this.#found()}` +
        (ch === "'" ? ' (JSON strings use double quotes)' : ''),
    );
  }

  #object(depth: number): ConfigNode {
    const line = this.#line;
    const entries: ConfigMappingEntry[] = [];
    const seen = new Map<string, number>();
    this.#i++; // '{'
    this.#skipWhitespace();
    if (this.#text[this.#i] === '}') {
      this.#i++;
      return { kind: 'mapping', entries, line };
    }
    for (;;) {
      if (this.#text[this.#i] !== '"')
        this.#fail(`expected a "key" in double quotes, found ${this.#found()}`);
      const keyLine = this.#line;
      const keyAt = this.#i;
      const key = this.#string();
      const earlier = seen.get(key);
      if (earlier !== undefined)
        this.#fail(`duplicate key ${JSON.stringify(key)} (first given at line ${earlier})`, keyAt);
      seen.set(key, keyLine);
      this.#skipWhitespace();
      if (this.#text[this.#i] !== ':') this.#fail(`expected ':' after the key, found ${this.#found()}`);
      this.#i++;
      this.#skipWhitespace();
      entries.push({ key, keyLine, value: this.#value(depth) });
      this.#skipWhitespace();
      const next = this.#text[this.#i];
      this.#i++;
      if (next === '}') return { kind: 'mapping', entries, line };
      if (next !== ',') {
        this.#i--;
        this.#fail(`expected ',' or '}' in object, found ${this.#found()}`);
      }
      this.#skipWhitespace();
      if (this.#text[this.#i] === '}') this.#fail("trailing ',' before '}' is not allowed in JSON");
    }
  }

  #array(depth: number): ConfigNode {
    const line = this.#line;
    const items: ConfigNode[] = [];
    this.#i++; // '['
    this.#skipWhitespace();
    if (this.#text[this.#i] === ']') {
      this.#i++;
      return { kind: 'sequence', items, line };
    }
    for (;;) {
      items.push(this.#value(depth));
      this.#skipWhitespace();
      const next = this.#text[this.#i];
      this.#i++;
      if (next === ']') return { kind: 'sequence', items, line };
      if (next !== ',') {
        this.#i--;
        this.#fail(`expected ',' or ']' in array, found ${this.#found()}`);
      }
      this.#skipWhitespace();
      if (this.#text[this.#i] === ']') this.#fail("trailing ',' before ']' is not allowed in JSON");
    }
  }

  #string(): string {
    const text = this.#text;
    const start = this.#i;
    let out = '';
    let run = start + 1;
    for (let i = start + 1; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        this.#i = i + 1;
        return out + text.slice(run, i);
      }
      if (code < 0x20) this.#fail('control character in string (escape it, e.g. \\n)', i);
      if (code !== 0x5c) continue;
      out += text.slice(run, i);
      const escapeChar = text[i + 1];
      const simple = escapeChar === undefined ? undefined : SIMPLE_ESCAPES[escapeChar];
      if (simple !== undefined) {
        out += simple;
        i += 1;
      } else if (escapeChar === 'u') {
        const hex = text.slice(i + 2, i + 6);
        let ok = hex.length === 4;
        for (let k = 0; ok && k < 4; k++) {
          const c = hex.charCodeAt(k);
          ok = isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
        }
        if (!ok) this.#fail('invalid \\u escape in string (expected 4 hex digits)', i);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 5;
      } else {
        this.#fail('invalid escape in string (allowed: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)', i);
      }
      run = i + 1;
    }
    this.#fail('unterminated string', start);
  }

  #number(): number {
    const text = this.#text;
    const start = this.#i;
    let i = start;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (isDigit(text.charCodeAt(i))) while (isDigit(text.charCodeAt(i))) i++;
    else this.#fail('invalid number: expected a digit', i);
    if (text[i] === '.') {
      i++;
      if (!isDigit(text.charCodeAt(i)))
        this.#fail('invalid number: expected a digit after the decimal point', i);
      while (isDigit(text.charCodeAt(i))) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!isDigit(text.charCodeAt(i))) this.#fail('invalid number: expected a digit in the exponent', i);
      while (isDigit(text.charCodeAt(i))) i++;
    }
    this.#i = i;
    return Number(text.slice(start, i));
  }
}
