/**
 * A YAML *subset* reader for config files: what operators write, nothing that surprises.
 *
 * Supported: block mappings and sequences (also `- key: v` items with more keys below, `- - x`, and
 * a list at the same indentation as its key), `#` comments, plain / single-quoted / double-quoted
 * scalars, one-line flow collections `[a, b]` and `{a: 1}`, literal `|` and folded `>` block
 * scalars (with `-`/`+` chomping), a leading `---`, a final `...`, empty values (null), YAML 1.2
 * core-schema scalars (null, booleans, integers, floats).
 *
 * Rejected with the line and what was found: tabs in indentation, anchors, aliases, tags,
 * directives, complex keys, duplicate keys, bad indentation, more than one document, quoted strings
 * or flow collections spanning lines, plain values continuing on the next line, control characters.
 *
 * The reader is line-driven and linear in the input size: every line is looked at a bounded number
 * of times and nesting is capped at {@link MAX_YAML_DEPTH}, so hostile input can neither hang it
 * nor exhaust the stack. Errors never quote the text of a line (it could hold a password).
 */
import type { ConfigMappingEntry, ConfigNode, ConfigScalarNode } from './config-node.js';
import { ConfigSyntaxError } from './config-syntax-error.js';
import { FlowReader, MAX_YAML_DEPTH } from './yaml-flow.js';
import { isBlank, readDoubleQuoted, readSingleQuoted, unsupportedIndicator } from './yaml-scalars.js';

/** A content line: its number, indentation and text from the first non-space character. */
interface Line {
  /** 1-based line number. */
  readonly no: number;
  /** Index into the raw lines (block scalars read the raw text). */
  readonly raw: number;
  /** Column of `text[0]`; for a `- ` item's content, the column after the dash and blanks. */
  readonly indent: number;
  readonly text: string;
  /** Column (1-based) of a tab in the indentation; reported when the line is read as structure. */
  readonly tabAt?: number;
}

function nullAt(line: number): ConfigScalarNode {
  return { kind: 'scalar', value: null, plainText: undefined, line };
}

function isSequenceEntry(text: string): boolean {
  return text[0] === '-' && (text.length === 1 || isBlank(text[1]));
}

/** True when `text[from..]` is blank or a comment. */
function isRestEmpty(text: string, from: number): boolean {
  let i = from;
  while (isBlank(text[i])) i++;
  return i >= text.length || text[i] === '#';
}

/** First control character other than tab (YAML 1.2 §5.1 printable set), or -1. */
function controlCharIndex(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return i;
  }
  return -1;
}

/**
 * Parse a YAML document (the subset above) into a located {@link ConfigNode} tree. An empty
 * document (only blanks and comments) is a null scalar. Throws {@link ConfigSyntaxError}
 * (`ERR_CONFIG_SYNTAX`, format `yaml`) naming the line, the column and what was found.
 */
export function parseYaml(text: string): ConfigNode {
  return new YamlReader(text).read();
}

class YamlReader {
  readonly #raw: string[];
  readonly #lines: Line[] = [];
  #pos = 0;

  constructor(text: string) {
    const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    this.#raw = source.split(/\r\n|\r|\n/);
  }

  #fail(line: number, column: number | undefined, problem: string): never {
    throw new ConfigSyntaxError('yaml', line, column, problem);
  }

  /** The current line, rejecting one indented with tabs. */
  #peek(): Line | undefined {
    const line = this.#lines[this.#pos];
    if (line?.tabAt !== undefined)
      this.#fail(line.no, line.tabAt, 'tab character used for indentation (use spaces)');
    return line;
  }

  read(): ConfigNode {
    this.#scanLines();
    if (this.#lines.length === 0) return nullAt(1);
    const root = this.#parseBlock(-1, 0);
    const extra = this.#peek();
    if (extra !== undefined) this.#unexpected(extra, 'after the end of the document');
    return root;
  }

  /** Split into content lines, checking indentation, control characters and document markers. */
  #scanLines(): void {
    let contentSeen = false;
    let ended = false;
    for (let r = 0; r < this.#raw.length; r++) {
      const text = this.#raw[r]!;
      const no = r + 1;
      const bad = controlCharIndex(text);
      if (bad !== -1)
        this.#fail(
          no,
          bad + 1,
          `control character 0x${text.charCodeAt(bad).toString(16).padStart(2, '0').toUpperCase()} is not allowed`,
        );
      let indent = 0;
      while (text[indent] === ' ') indent++;
      let first = indent;
      while (isBlank(text[first])) first++;
      if (first >= text.length || text[first] === '#') continue; // blank or comment-only line
      if (first !== indent) {
        // Reported only if the parser reads this line as structure: inside a block scalar it is text.
        this.#lines.push({ no, raw: r, indent, text: text.slice(indent), tabAt: indent + 1 });
        contentSeen = true;
        continue;
      }
      if (ended) this.#fail(no, indent + 1, "content after the document end marker '...'");
      if (indent === 0 && (text.startsWith('---') || text.startsWith('...')) && isRestEmpty(text, 3)) {
        if (text[0] === '.') ended = true;
        else if (contentSeen)
          this.#fail(no, 1, "a second document ('---') is not supported: one document per file");
        continue;
      }
      if (indent === 0 && text.startsWith('--- '))
        this.#fail(no, 5, "content on the '---' line is not supported: start the document on the next line");
      if (indent === 0 && text[0] === '%')
        this.#fail(no, 1, "found '%': directives (%YAML, %TAG) are not supported");
      contentSeen = true;
      // Block scalar lines are also pushed here; the block scalar reader takes them from #raw and
      // moves past them.
      this.#lines.push({ no, raw: r, indent, text: text.slice(indent) });
    }
  }

  #unexpected(line: Line, where: string): never {
    const what = isSequenceEntry(line.text)
      ? "a list item ('- ')"
      : this.#keyOf(line) !== undefined
        ? 'a mapping key'
        : 'a value';
    this.#fail(
      line.no,
      line.indent + 1,
      `unexpected indentation: found ${what} at column ${line.indent + 1} ${where}`,
    );
  }

  /** Parse the node whose first line is the current one (its indentation is > `parent`). */
  #parseBlock(parent: number, depth: number): ConfigNode {
    const line = this.#peek()!;
    if (depth > MAX_YAML_DEPTH)
      this.#fail(line.no, line.indent + 1, `nested deeper than ${MAX_YAML_DEPTH} levels`);
    if (isSequenceEntry(line.text)) return this.#parseSequence(line.indent, depth);
    if (this.#keyOf(line) !== undefined) return this.#parseMapping(line.indent, depth);
    const node = this.#parseInlineValue(line, 0, parent, depth);
    const next = this.#peek();
    if (next !== undefined && next.indent > parent)
      this.#fail(
        next.no,
        next.indent + 1,
        'a value cannot continue on the next line (put it on one line, or use | for a block of text)',
      );
    return node;
  }

  #parseSequence(indent: number, depth: number): ConfigNode {
    const start = this.#lines[this.#pos]!;
    const items: ConfigNode[] = [];
    for (;;) {
      const line = this.#peek();
      if (line === undefined || line.indent < indent) break;
      if (line.indent > indent) this.#unexpected(line, 'inside a list');
      if (!isSequenceEntry(line.text)) break; // e.g. the next key of the mapping that holds this list
      let offset = 1;
      while (isBlank(line.text[offset])) offset++;
      if (offset >= line.text.length || line.text[offset] === '#') {
        this.#pos++;
        const next = this.#peek();
        items.push(
          next !== undefined && next.indent > indent ? this.#parseBlock(indent, depth + 1) : nullAt(line.no),
        );
        continue;
      }
      // The item's content is read as if it were a line of its own, indented to its column, so that
      // `- key: v` continues with keys at that column and `- - x` nests.
      this.#lines[this.#pos] = {
        no: line.no,
        raw: line.raw,
        indent: line.indent + offset,
        text: line.text.slice(offset),
      };
      items.push(this.#parseBlock(indent, depth + 1));
    }
    return { kind: 'sequence', items, line: start.no };
  }

  /** The key of a `key: value` line, with the index after its `:`; `undefined` if not a key line. */
  #keyOf(line: Line): { readonly key: string; readonly after: number } | undefined {
    const text = line.text;
    const first = text[0];
    if (first === '"' || first === "'") {
      let quoted: { value: string; end: number };
      try {
        quoted =
          first === '"'
            ? readDoubleQuoted(text, 0, line.no, line.indent)
            : readSingleQuoted(text, 0, line.no, line.indent);
      } catch {
        return undefined; // not a key; reading it as a value reports the problem
      }
      let i = quoted.end;
      while (isBlank(text[i])) i++;
      if (text[i] === ':' && (i + 1 >= text.length || isBlank(text[i + 1])))
        return { key: quoted.value, after: i + 1 };
      return undefined;
    }
    if (first === '[' || first === '{' || unsupportedIndicator(first, text[1]) !== undefined)
      return undefined;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === '#' && i > 0 && isBlank(text[i - 1])) return undefined;
      if (ch === ':' && (i + 1 >= text.length || isBlank(text[i + 1]))) {
        let end = i;
        while (end > 0 && isBlank(text[end - 1])) end--;
        return end === 0 ? undefined : { key: text.slice(0, end), after: i + 1 };
      }
    }
    return undefined;
  }

  #parseMapping(indent: number, depth: number): ConfigNode {
    const start = this.#lines[this.#pos]!;
    const entries: ConfigMappingEntry[] = [];
    const seen = new Map<string, number>();
    for (;;) {
      const line = this.#peek();
      if (line === undefined || line.indent < indent) break;
      if (line.indent > indent) this.#unexpected(line, 'inside a mapping');
      const key = this.#keyOf(line);
      if (key === undefined) {
        if (isSequenceEntry(line.text))
          this.#fail(line.no, line.indent + 1, "found a list item ('- ') where a mapping key was expected");
        const bad = unsupportedIndicator(line.text[0], line.text[1]);
        this.#fail(line.no, line.indent + 1, bad ?? "expected 'key: value' (a key followed by ': ')");
      }
      const earlier = seen.get(key.key);
      if (earlier !== undefined)
        this.#fail(
          line.no,
          line.indent + 1,
          `duplicate key ${JSON.stringify(key.key)} (first given at line ${earlier})`,
        );
      seen.set(key.key, line.no);
      let value: ConfigNode;
      if (isRestEmpty(line.text, key.after)) {
        this.#pos++;
        const next = this.#peek();
        if (next !== undefined && next.indent > indent) value = this.#parseBlock(indent, depth + 1);
        else if (next !== undefined && next.indent === indent && isSequenceEntry(next.text))
          value = this.#parseSequence(indent, depth + 1);
        else value = nullAt(line.no);
      } else {
        let at = key.after;
        while (isBlank(line.text[at])) at++;
        if (isSequenceEntry(line.text.slice(at)))
          this.#fail(
            line.no,
            line.indent + at + 1,
            "a list ('- ') cannot start on the line of its key: start it on the next line",
          );
        value = this.#parseInlineValue(line, at, indent, depth + 1);
        const next = this.#peek();
        if (next !== undefined && next.indent > indent)
          this.#fail(
            next.no,
            next.indent + 1,
            `unexpected indentation: key ${JSON.stringify(key.key)} at line ${line.no} already has a value on its line`,
          );
      }
      entries.push({ key: key.key, keyLine: line.no, value });
    }
    return { kind: 'mapping', entries, line: start.no };
  }

  /**
   * A value written on the current line from `at` (a scalar, a flow collection or a block scalar
   * header). Advances past the line (and a block scalar's lines). `parent` is the indentation of
   * the mapping or list that holds the value.
   */
  #parseInlineValue(line: Line, at: number, parent: number, depth: number): ConfigNode {
    const text = line.text;
    const ch = text[at];
    if (ch === '|' || ch === '>') return this.#parseBlockScalar(line, at, parent);
    const bad = unsupportedIndicator(ch, text[at + 1]);
    if (bad !== undefined) this.#fail(line.no, line.indent + at + 1, bad);
    const reader = new FlowReader(text, line.no, line.indent);
    const read = reader.readNode(at, depth, false);
    let i = read.end;
    while (isBlank(text[i])) i++;
    if (i < text.length && text[i] !== '#') {
      if (text[i] === ':')
        this.#fail(
          line.no,
          line.indent + i + 1,
          "found ': ' inside a value: quote the value, or put a nested mapping on the next lines",
        );
      this.#fail(line.no, line.indent + i + 1, 'unexpected text after the value');
    }
    this.#pos++;
    return read.node;
  }

  /** `|` (literal) or `>` (folded) block scalar, YAML 1.2 §8.1, with `-`/`+` chomping. */
  #parseBlockScalar(line: Line, at: number, parent: number): ConfigNode {
    const text = line.text;
    const style = text[at];
    let i = at + 1;
    let chomp: 'clip' | 'strip' | 'keep' = 'clip';
    if (text[i] === '-' || text[i] === '+') {
      chomp = text[i] === '-' ? 'strip' : 'keep';
      i++;
    }
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39)
      this.#fail(line.no, line.indent + i + 1, 'block scalar indentation indicators are not supported');
    if (!isRestEmpty(text, i) || (i < text.length && !isBlank(text[i])))
      this.#fail(
        line.no,
        line.indent + i + 1,
        `expected a line break after the '${style}' block scalar header`,
      );

    // Content: the raw lines after the header that are blank or indented deeper than `parent`;
    // the first non-blank one sets the content indentation.
    const body: string[] = [];
    let contentIndent = -1;
    let r = line.raw + 1;
    for (; r < this.#raw.length; r++) {
      const raw = this.#raw[r]!;
      // The empty piece after the file's final line break is not a line (it would add a newline
      // to a `|+` scalar at the end of the file).
      if (r === this.#raw.length - 1 && raw === '') break;
      let n = 0;
      while (raw[n] === ' ') n++;
      let m = n;
      while (isBlank(raw[m])) m++;
      const blank = m === raw.length;
      if (contentIndent === -1) {
        if (blank) {
          body.push('');
          continue;
        }
        if (n <= parent) break;
        if (isBlank(raw[n])) this.#fail(r + 1, n + 1, 'tab character used for indentation (use spaces)');
        contentIndent = n;
      }
      if (blank) body.push('');
      else if (n >= contentIndent) body.push(raw.slice(contentIndent));
      else if (raw[n] === '#')
        break; // a less-indented comment ends the scalar (YAML 1.2 §8.1.1.2)
      else if (n > parent)
        this.#fail(
          r + 1,
          n + 1,
          `block scalar line is indented less than its first line (${contentIndent} spaces)`,
        );
      else break;
    }
    // Trailing blank lines belong to the chomping, not the content; lines after the scalar resume.
    let last = body.length;
    while (last > 0 && body[last - 1] === '') last--;
    const trailing = body.length - last;
    const lines = body.slice(0, last);
    let value = style === '|' ? lines.join('\n') : fold(lines);
    if (lines.length > 0 && chomp !== 'strip') value += '\n';
    if (chomp === 'keep') value += '\n'.repeat(trailing);
    // The scalar's lines were also listed as content lines: move past them.
    while (this.#pos < this.#lines.length && this.#lines[this.#pos]!.raw < r) this.#pos++;
    return { kind: 'scalar', value, plainText: undefined, line: line.no };
  }
}

/** Folding of a `>` scalar (YAML 1.2 §8.1.3): single breaks between text lines become spaces. */
function fold(lines: readonly string[]): string {
  let out = '';
  let previous: 'none' | 'text' | 'indented' = 'none';
  let empty = 0;
  for (const line of lines) {
    if (line === '') {
      empty++;
      continue;
    }
    const indented = isBlank(line[0]);
    if (previous === 'none') out += '\n'.repeat(empty);
    else if (previous === 'text' && !indented) out += empty > 0 ? '\n'.repeat(empty) : ' ';
    else out += '\n'.repeat(empty + 1);
    out += line;
    previous = indented ? 'indented' : 'text';
    empty = 0;
  }
  return out;
}
