import { describe, expect, it } from 'vitest';
import { type ConfigNode, toPlainValue } from '../../../src/cli/config-file/config-node.js';
import { ConfigSyntaxError } from '../../../src/cli/config-file/config-syntax-error.js';
import { parseYaml } from '../../../src/cli/config-file/yaml-parser.js';

const plain = (text: string) => toPlainValue(parseYaml(text));

function syntaxError(text: string): ConfigSyntaxError {
  try {
    parseYaml(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigSyntaxError);
    return error as ConfigSyntaxError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(text)}`);
}

describe('YAML subset: structure', () => {
  it('reads block mappings, nested mappings and comments', () => {
    const text = [
      '# leading comment',
      'status:',
      '  host: 127.0.0.1   # trailing comment',
      '  port: 9090',
      '',
      'log:',
      '    level: info',
      '    format: json',
    ].join('\n');
    expect(plain(text)).toEqual({
      status: { host: '127.0.0.1', port: 9090 },
      log: { level: 'info', format: 'json' },
    });
  });

  it('reads block sequences, also at the same indentation as their key', () => {
    expect(plain('listen:\n  - udp:127.0.0.1:5070\n  - tcp:[::1]:5060\n')).toEqual({
      listen: ['udp:127.0.0.1:5070', 'tcp:[::1]:5060'],
    });
    expect(plain('a:\n- 1\n- 2\nb: x\n')).toEqual({ a: [1, 2], b: 'x' });
  });

  it('reads sequences of mappings with continuation keys, and nested sequences', () => {
    const text = [
      'accounts:',
      '  - aor: sip:alice@example.com',
      '    expiry: 600',
      '    tags:',
      '      - a',
      '      - b',
      '  -   aor: sip:bob@example.com',
      '      enabled: false',
      '  - - 1',
      '    - 2',
      '  -',
      '  - x: {a: 1, b: [true, ~]}',
    ].join('\n');
    expect(plain(text)).toEqual({
      accounts: [
        { aor: 'sip:alice@example.com', expiry: 600, tags: ['a', 'b'] },
        { aor: 'sip:bob@example.com', enabled: false },
        [1, 2],
        null,
        { x: { a: 1, b: [true, null] } },
      ],
    });
  });

  it('records the 1-based line of every node and key', () => {
    const root = parseYaml('---\n# c\naccounts:\n  - aor: a\n    expiry: 5\n') as ConfigNode & {
      kind: 'mapping';
    };
    expect(root.kind).toBe('mapping');
    const accounts = root.entries[0]!;
    expect(accounts.keyLine).toBe(3);
    const list = accounts.value;
    if (list.kind !== 'sequence') throw new Error('not a list');
    const first = list.items[0]!;
    if (first.kind !== 'mapping') throw new Error('not a mapping');
    expect(first.line).toBe(4);
    expect(first.entries.map((e) => [e.key, e.keyLine, e.value.line])).toEqual([
      ['aor', 4, 4],
      ['expiry', 5, 5],
    ]);
  });

  it('empty values are null; an empty document is null; --- and ... are accepted', () => {
    expect(plain('a:\nb: ~\nc: null\n')).toEqual({ a: null, b: null, c: null });
    expect(plain('')).toBeNull();
    expect(plain('# only a comment\n\n')).toBeNull();
    expect(plain('--- # start\na: 1\n...\n# after\n')).toEqual({ a: 1 });
  });

  it('accepts CRLF line ends and a BOM', () => {
    expect(plain('\ufeffa: 1\r\nb:\r\n  - x\r\n')).toEqual({ a: 1, b: ['x'] });
  });
});

describe('YAML subset: scalars', () => {
  it('resolves plain scalars by the YAML 1.2 core schema', () => {
    expect(
      plain(
        'a: 12\nb: -3\nc: 1.5\nd: 1e3\ne: 0x1F\nf: 0o17\ng: true\nh: False\ni: ~\nj: .inf\nk: text here\nl: 1.2.3\nm: +7',
      ),
    ).toEqual({
      a: 12,
      b: -3,
      c: 1.5,
      d: 1000,
      e: 31,
      f: 15,
      g: true,
      h: false,
      i: null,
      j: Infinity,
      k: 'text here',
      l: '1.2.3',
      m: 7,
    });
  });

  it('keeps the source text of plain scalars for text fields', () => {
    const root = parseYaml('password: 0123\n');
    if (root.kind !== 'mapping') throw new Error('not a mapping');
    const value = root.entries[0]!.value;
    expect(value).toMatchObject({ kind: 'scalar', value: 123, plainText: '0123' });
  });

  it('reads single- and double-quoted strings with escapes; # inside quotes is text', () => {
    expect(
      plain(
        [
          `a: 'it''s # not a comment'`,
          'b: "tab\\there \\"q\\" \\\\ \\u00e9 \\x41 \\U0001F600"  # comment',
          `c: "a: b"`,
          `"quoted key": 1`,
          `'single key' : 2`,
          'd: plain#hash',
          `e: it's plain`,
        ].join('\n'),
      ),
    ).toEqual({
      a: "it's # not a comment",
      b: 'tab\there "q" \\ é A 😀',
      c: 'a: b',
      'quoted key': 1,
      'single key': 2,
      d: 'plain#hash',
      e: "it's plain",
    });
  });

  it('keeps URIs, IPv6 literals and CSV strings as plain text', () => {
    expect(plain('a: sip:alice@example.com;transport=tcp\nb: ::1\nc: x,,y, z\nd: http://h/p?q=1')).toEqual({
      a: 'sip:alice@example.com;transport=tcp',
      b: '::1',
      c: 'x,,y, z',
      d: 'http://h/p?q=1',
    });
  });

  it('reads flow sequences and mappings on one line', () => {
    expect(plain('a: [1, two, "three", [4]]\nb: {x: 1, "y": [a, b], z:}\nc: []\nd: {}\ne: [a, b,]')).toEqual({
      a: [1, 'two', 'three', [4]],
      b: { x: 1, y: ['a', 'b'], z: null },
      c: [],
      d: {},
      e: ['a', 'b'],
    });
  });

  it('reads literal and folded block scalars with chomping', () => {
    const text = [
      'literal: |',
      '  line 1',
      '    indented',
      '',
      '  line 3',
      '',
      'strip: |-',
      '  x',
      'keep: |+',
      '  y',
      '',
      'folded: >',
      '  a',
      '  b',
      '',
      '  c',
      'after: 1',
    ].join('\n');
    expect(plain(text)).toEqual({
      literal: 'line 1\n  indented\n\nline 3\n',
      strip: 'x',
      keep: 'y\n\n',
      folded: 'a b\nc\n',
      after: 1,
    });
  });

  it("a |+ scalar at the end of the file keeps its own line breaks only (not the file's last one as an extra)", () => {
    expect(plain('a: |+\n  x\n')).toEqual({ a: 'x\n' });
    expect(plain('a: |+\n  x\n\n')).toEqual({ a: 'x\n\n' });
    expect(plain('a: |+\n  x')).toEqual({ a: 'x\n' });
  });
});

describe('YAML subset: rejected input names the line and what was found', () => {
  it.each([
    ['a:\n\tb: 1\n', 2, /tab character used for indentation/],
    ['a: &x 1\n', 1, /anchors are not supported/],
    ['a: *x\n', 1, /aliases are not supported/],
    ['a: !!str 1\n', 1, /tags are not supported/],
    ['%YAML 1.2\n---\na: 1\n', 1, /directives/],
    ['a: 1\nb: 2\na: 3\n', 3, /duplicate key "a" \(first given at line 1\)/],
    ['a:\n  b: 1\n   c: 2\n', 3, /unexpected indentation/],
    ['a: 1\n  b: 2\n', 2, /unexpected indentation/],
    ['a: "open\n', 1, /unterminated double-quoted string/],
    ["a: 'open\n", 1, /unterminated single-quoted string/],
    ['a: [1, 2\n', 1, /unterminated flow collection/],
    ['a: b: c\n', 1, /found ': ' inside a value/],
    ['a: - x\n', 1, /cannot start on the line of its key/],
    ['a: 1\n---\nb: 2\n', 2, /second document/],
    ['- a\nb: 1\n', 2, /unexpected indentation|after the end/],
    ['a:\n  - x\n  y: 1\n', 3, /found a mapping key|unexpected/],
    ['a: "bad \\q escape"\n', 1, /invalid escape/],
    ['a: |2\n  x\n', 1, /indentation indicators are not supported/],
    ['? complex\n', 1, /complex mapping keys/],
    ['a: x\u0007\n', 1, /control character 0x07/],
    ['- x\n  y\n', 2, /cannot continue on the next line/],
    ['a: [x: 1]\n', 1, /single-pair mappings/],
    ['a: {x: 1, x: 2}\n', 1, /duplicate key "x"/],
  ])('%j → line %i', (text, line, message) => {
    const error = syntaxError(text);
    expect(error.code).toBe('ERR_CONFIG_SYNTAX');
    expect(error.line).toBe(line);
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(new RegExp(`^YAML syntax error at line ${line}`));
  });

  it('a tab inside a block scalar is text, not indentation', () => {
    expect(plain('a: |\n  x\n  \ty\n')).toEqual({ a: 'x\n\ty\n' });
  });

  it('caps nesting depth instead of exhausting the stack', () => {
    expect(syntaxError(`a: ${'['.repeat(5000)}`).message).toMatch(/nested deeper/);
    const deep = Array.from({ length: 500 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    expect(syntaxError(deep).message).toMatch(/nested deeper/);
  });

  it('never quotes the text of a bad line (it could hold a password)', () => {
    for (const text of [
      'password: "s3cr3t-value\n',
      'password: s3cr3t-value: x\n',
      "password: 's3cr3t-value\n",
      'password: "s3cr3t-value\\q"\n',
      'password: [s3cr3t-value\n',
    ]) {
      expect(syntaxError(text).message).not.toContain('s3cr3t');
    }
  });
});
