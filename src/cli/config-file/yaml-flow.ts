/**
 * Flow collections of the YAML subset, on one line: `[a, b]` and `{key: value, other: 1}`, nested,
 * with quoted or plain scalars inside (YAML 1.2 §7.4). Multi-line flow collections and
 * `[key: value]` single-pair mappings are rejected with a clear message.
 */
import type { ConfigMappingEntry, ConfigNode } from './config-node.js';
import { ConfigSyntaxError } from './config-syntax-error.js';
import {
  isBlank,
  readDoubleQuoted,
  readSingleQuoted,
  resolvePlainScalar,
  unsupportedIndicator,
} from './yaml-scalars.js';

/** Nesting limit of flow (and block) collections: deep enough for any config, shallow for the stack. */
export const MAX_YAML_DEPTH = 64;

/** A flow node read from a line and the index just past it. */
export interface FlowRead {
  readonly node: ConfigNode;
  readonly end: number;
}

/**
 * Reads flow collections and scalars from one line. `columnBase` is the 0-based column of
 * `text[0]` in the source line, for error columns.
 */
export class FlowReader {
  readonly #text: string;
  readonly #line: number;
  readonly #columnBase: number;

  constructor(text: string, line: number, columnBase: number) {
    this.#text = text;
    this.#line = line;
    this.#columnBase = columnBase;
  }

  #fail(index: number, problem: string): never {
    throw new ConfigSyntaxError('yaml', this.#line, this.#columnBase + index + 1, problem);
  }

  #skipBlanks(index: number): number {
    let i = index;
    while (isBlank(this.#text[i])) i++;
    return i;
  }

  /** Read the collection starting at `start` (a `[` or `{`). */
  readCollection(start: number, depth: number): FlowRead {
    if (depth > MAX_YAML_DEPTH) this.#fail(start, `collections nested deeper than ${MAX_YAML_DEPTH} levels`);
    return this.#text[start] === '[' ? this.#readSequence(start, depth) : this.#readMapping(start, depth);
  }

  #unterminated(start: number, close: string): never {
    this.#fail(
      start,
      `unterminated flow collection: no '${close}' on this line (flow collections must be on one line)`,
    );
  }

  #readSequence(start: number, depth: number): FlowRead {
    const items: ConfigNode[] = [];
    let i = this.#skipBlanks(start + 1);
    for (;;) {
      const ch = this.#text[i];
      if (ch === undefined || ch === '#') this.#unterminated(start, ']');
      if (ch === ']') break;
      if (ch === ',') this.#fail(i, "empty entry in flow sequence (found ',')");
      const item = this.readNode(i, depth, true);
      items.push(item.node);
      i = this.#skipBlanks(item.end);
      if (this.#text[i] === ':')
        this.#fail(i, "found ':' inside [ ]: single-pair mappings in flow sequences are not supported");
      if (this.#text[i] === ',') i = this.#skipBlanks(i + 1);
      else if (this.#text[i] !== ']') {
        if (this.#text[i] === undefined || this.#text[i] === '#') this.#unterminated(start, ']');
        this.#fail(i, "expected ',' or ']' in flow sequence");
      }
    }
    return { node: { kind: 'sequence', items, line: this.#line }, end: i + 1 };
  }

  #readMapping(start: number, depth: number): FlowRead {
    const entries: ConfigMappingEntry[] = [];
    const seen = new Set<string>();
    let i = this.#skipBlanks(start + 1);
    for (;;) {
      const ch = this.#text[i];
      if (ch === undefined || ch === '#') this.#unterminated(start, '}');
      if (ch === '}') break;
      if (ch === ',') this.#fail(i, "empty entry in flow mapping (found ',')");
      const keyStart = i;
      const key = this.readNode(i, depth, true);
      if (key.node.kind !== 'scalar') this.#fail(keyStart, 'mapping keys must be scalars');
      const keyText = key.node.plainText ?? String(key.node.value);
      if (seen.has(keyText)) this.#fail(keyStart, `duplicate key ${JSON.stringify(keyText)} in flow mapping`);
      seen.add(keyText);
      i = this.#skipBlanks(key.end);
      let value: ConfigNode = { kind: 'scalar', value: null, plainText: undefined, line: this.#line };
      if (this.#text[i] === ':') {
        i = this.#skipBlanks(i + 1);
        const next = this.#text[i];
        if (next !== ',' && next !== '}') {
          const read = this.readNode(i, depth, true);
          value = read.node;
          i = this.#skipBlanks(read.end);
        }
      }
      entries.push({ key: keyText, keyLine: this.#line, value });
      if (this.#text[i] === ',') i = this.#skipBlanks(i + 1);
      else if (this.#text[i] !== '}') {
        if (this.#text[i] === undefined || this.#text[i] === '#') this.#unterminated(start, '}');
        this.#fail(i, "expected ',' or '}' in flow mapping");
      }
    }
    return { node: { kind: 'mapping', entries, line: this.#line }, end: i + 1 };
  }

  /**
   * Read one node at `start`: a flow collection, a quoted string or a plain scalar. In flow context
   * (`inFlow`) a plain scalar also ends at `,` `[` `]` `{` `}`.
   */
  readNode(start: number, depth: number, inFlow: boolean): FlowRead {
    const text = this.#text;
    const ch = text[start];
    if (ch === '[' || ch === '{') return this.readCollection(start, depth + 1);
    if (ch === '"') {
      const q = readDoubleQuoted(text, start, this.#line, this.#columnBase);
      return { node: { kind: 'scalar', value: q.value, plainText: undefined, line: this.#line }, end: q.end };
    }
    if (ch === "'") {
      const q = readSingleQuoted(text, start, this.#line, this.#columnBase);
      return { node: { kind: 'scalar', value: q.value, plainText: undefined, line: this.#line }, end: q.end };
    }
    const bad = unsupportedIndicator(ch, text[start + 1]);
    if (bad !== undefined) this.#fail(start, bad);
    if (ch === '|' || ch === '>')
      this.#fail(start, `found '${ch}': block scalars cannot appear inside [ ] or { }`);
    if (ch === '-' && (isBlank(text[start + 1]) || text[start + 1] === undefined))
      this.#fail(start, "found '- ': block list items cannot appear inside [ ] or { }");
    // Plain scalar: up to a flow indicator, ': ' / ':' before an indicator, or ' #'.
    let i = start;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (inFlow && (c === ',' || c === '[' || c === ']' || c === '{' || c === '}')) break;
      if (c === ':') {
        const after = text[i + 1];
        if (
          after === undefined ||
          isBlank(after) ||
          (inFlow && (after === ',' || after === ']' || after === '}'))
        )
          break;
      }
      if (c === '#' && i > start && isBlank(text[i - 1])) break;
    }
    let end = i;
    while (end > start && isBlank(text[end - 1])) end--;
    if (end === start) this.#fail(start, `expected a value, found '${text[start] ?? 'end of line'}'`);
    const plain = text.slice(start, end);
    return {
      node: { kind: 'scalar', value: resolvePlainScalar(plain), plainText: plain, line: this.#line },
      end,
    };
  }
}
