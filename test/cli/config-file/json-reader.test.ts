import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toPlainValue } from '../../../src/cli/config-file/config-node.js';
import { ConfigSyntaxError } from '../../../src/cli/config-file/config-syntax-error.js';
import { parseJson } from '../../../src/cli/config-file/json-reader.js';

function syntaxError(text: string): ConfigSyntaxError {
  try {
    parseJson(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigSyntaxError);
    return error as ConfigSyntaxError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(text)}`);
}

describe('JSON reader', () => {
  it('gives the values JSON.parse gives, with the line of every key and value', () => {
    const text =
      '{\n  "status": {\n    "port": 9090\n  },\n  "accounts": [\n    {"aor": "sip:a@b", "expiry": 1.5e2}\n  ]\n}';
    const root = parseJson(text);
    expect(toPlainValue(root)).toEqual(JSON.parse(text));
    if (root.kind !== 'mapping') throw new Error('not a mapping');
    expect(root.entries.map((e) => [e.key, e.keyLine])).toEqual([
      ['status', 2],
      ['accounts', 5],
    ]);
    const accounts = root.entries[1]!.value;
    if (accounts.kind !== 'sequence') throw new Error('not a list');
    expect(accounts.items[0]!.line).toBe(6);
  });

  it.each([
    ['{"a": 1,}', 1, 9, /trailing ','/],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, /expected ',' or '}'/],
    ['{"a": tru}', 1, 7, /expected a value/],
    ["{'a': 1}", 1, 2, /double quotes/],
    ['{"a": "x\ny"}', 1, 9, /control character in string/],
    ['{"a": "\\q"}', 1, 8, /invalid escape/],
    ['{"a": 01}', 1, 8, /expected ',' or '}'/],
    ['{"a": 1, "a": 2}', 1, 10, /duplicate key "a" \(first given at line 1\)/],
    ['', 1, 1, /empty document/],
    ['{"a": "open', 1, 7, /unterminated string/],
    ['{}\n{}', 2, 1, /after the end of the document/],
    ['{"a": -}', 1, 8, /invalid number/],
    ['\r\n\r\n  [1,,2]', 3, 6, /expected a value/],
  ])('%j → line %i column %i', (text, line, column, message) => {
    const error = syntaxError(text);
    expect(error.code).toBe('ERR_CONFIG_SYNTAX');
    expect([error.line, error.column]).toEqual([line, column]);
    expect(error.message).toMatch(message);
  });

  it('caps nesting depth', () => {
    expect(syntaxError('['.repeat(100_000)).message).toMatch(/nested deeper/);
  });

  it('never quotes string contents in errors', () => {
    expect(syntaxError('{"password": "s3cr3t-value\\q"}').message).not.toContain('s3cr3t');
    expect(syntaxError('{"password": s3cr3t-value}').message).not.toContain('s3cr3t');
    expect(syntaxError('{"password": "s3cr3t-value').message).not.toContain('s3cr3t');
  });

  it('agrees with JSON.parse on any JSON value, however it is indented', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 1, 2, '\t', ' \r\n'), (value, indent) => {
        let text = JSON.stringify(
          value,
          null,
          typeof indent === 'string' && indent.includes('\n') ? 1 : indent,
        );
        if (indent === ' \r\n') text = text.split('\n').join('\r\n');
        const ours = toPlainValue(parseJson(text));
        expect(ours).toEqual(JSON.parse(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary text: a value equal to JSON.parse, or a ConfigSyntaxError where JSON.parse fails too', () => {
    const jsonChar = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '\\',
      ' ',
      '\n',
      '1',
      '-',
      '.',
      'e',
      'a',
      'u',
      't',
      'r',
      'n',
      'l',
      '0',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.array(jsonChar, { maxLength: 40 }).map((c) => c.join('')),
        ),
        (text) => {
          fc.pre(!text.startsWith('\ufeff')); // we accept a BOM, JSON.parse does not
          let expected: { ok: true; value: unknown } | { ok: false };
          try {
            expected = { ok: true, value: JSON.parse(text) };
          } catch {
            expected = { ok: false };
          }
          try {
            const value = toPlainValue(parseJson(text));
            expect(expected).toEqual({ ok: true, value });
          } catch (error) {
            if (!(error instanceof ConfigSyntaxError)) throw error;
            // We reject duplicate keys, which JSON.parse accepts; nothing else may differ.
            if (expected.ok) expect(error.problem).toMatch(/duplicate key/);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});
