/**
 * Property tests of the YAML subset reader: any text gives a value or a ConfigSyntaxError (never
 * another exception, never a hang), and plain JSON-like data written as block YAML reads back equal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toPlainValue } from '../../../src/cli/config-file/config-node.js';
import { ConfigSyntaxError } from '../../../src/cli/config-file/config-syntax-error.js';
import { parseYaml } from '../../../src/cli/config-file/yaml-parser.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function parsesOrSyntaxError(text: string): void {
  try {
    toPlainValue(parseYaml(text));
  } catch (error) {
    if (!(error instanceof ConfigSyntaxError)) throw error;
    expect(error.line).toBeGreaterThanOrEqual(1);
    expect(error.line).toBeLessThanOrEqual(text.split(/\r\n|\r|\n/).length);
  }
}

/** Characters that matter to YAML, so random text hits the parser's branches often. */
const yamlChar = fc.constantFrom(
  ' ',
  ' ',
  ' ',
  '\n',
  '\n',
  '\t',
  '\r',
  '-',
  ':',
  '#',
  '"',
  "'",
  '\\',
  '[',
  ']',
  '{',
  '}',
  ',',
  '|',
  '>',
  '&',
  '*',
  '!',
  '?',
  '%',
  '@',
  '~',
  '.',
  'a',
  'b',
  'k',
  '0',
  '1',
  'x',
  'é',
  '\u0000',
);

const yamlLine = fc
  .tuple(
    fc.nat({ max: 6 }).map((n) => ' '.repeat(n)),
    fc.constantFrom('', '- ', 'k: ', 'key:', '- k: ', '"q": ', '? ', '--- ', '...', '# '),
    fc.array(yamlChar, { maxLength: 12 }).map((chars) => chars.join('')),
  )
  .map(([indent, lead, rest]) => indent + lead + rest);

describe('YAML subset reader on arbitrary input', () => {
  it('returns a value or throws ConfigSyntaxError for any string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), parsesOrSyntaxError), { numRuns: 2000 });
  });

  it('returns a value or throws ConfigSyntaxError for YAML-shaped text', () => {
    fc.assert(
      fc.property(fc.array(yamlLine, { maxLength: 15 }), (lines) => parsesOrSyntaxError(lines.join('\n'))),
      { numRuns: 5000 },
    );
  });

  it('returns a value or throws ConfigSyntaxError for text made of YAML indicators', () => {
    fc.assert(
      fc.property(fc.array(yamlChar, { maxLength: 120 }), (chars) => parsesOrSyntaxError(chars.join(''))),
      { numRuns: 5000 },
    );
  });

  it('stays fast on large hostile input (linear, no catastrophic backtracking)', () => {
    const hostile = [
      `a: ${'['.repeat(200_000)}`,
      `a: "${'\\\\'.repeat(200_000)}`,
      `a: ${'x '.repeat(200_000)}#`,
      `${'a:'.repeat(200_000)}`,
      `${'- '.repeat(100_000)}x`,
      `${'k: v\n'.repeat(50_000)}`,
      `a: ${'1'.repeat(200_000)}e`,
      `${'"k": 1\n'.repeat(50_000)}`,
      `a: |\n${'  line\n'.repeat(100_000)}`,
    ];
    const started = performance.now();
    for (const text of hostile) parsesOrSyntaxError(text);
    // Generous bound: a quadratic reader would take minutes on these inputs.
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

// ---- round trip ---------------------------------------------------------------------------------

/** Plain text that this writer can leave unquoted and that reads back as the same string. */
function isSafePlain(text: string): boolean {
  return (
    /^[A-Za-z_][A-Za-z0-9_ ./@;=-]*$/.test(text) &&
    !text.endsWith(' ') &&
    !/^(true|false|null|yes|no|on|off)$/i.test(text)
  );
}

/** A YAML double-quoted string: JSON's escapes are YAML's, plus DEL, which YAML does not allow raw. */
function quoted(text: string): string {
  return JSON.stringify(text).split('\x7f').join('\\x7F');
}

function scalar(value: null | boolean | number | string): string {
  if (typeof value === 'string') return isSafePlain(value) ? value : quoted(value);
  return value === null ? 'null' : String(value);
}

function key(text: string): string {
  return isSafePlain(text) ? text : quoted(text);
}

/** Block-style YAML for `value`, indented by `indent` spaces. */
function toBlockYaml(value: Json, indent: number): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}[]\n`;
    return value
      .map((item) => {
        if (item !== null && typeof item === 'object' && Object.keys(item).length > 0) {
          // `- ` then the nested block, its first line joined to the dash.
          const nested = toBlockYaml(item, indent + 2);
          return `${pad}- ${nested.slice(indent + 2)}`;
        }
        return `${pad}- ${toBlockYaml(item, 0).trimEnd()}\n`;
      })
      .join('');
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return `${pad}{}\n`;
    return keys
      .map((k) => {
        const item = value[k]!;
        if (item !== null && typeof item === 'object' && Object.keys(item).length > 0)
          return `${pad}${key(k)}:\n${toBlockYaml(item, indent + 2)}`;
        return `${pad}${key(k)}: ${toBlockYaml(item, 0).trimEnd()}\n`;
      })
      .join('');
  }
  return `${pad}${scalar(value)}\n`;
}

const jsonLike: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -1e9, max: 1e9 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    fc.string({ maxLength: 20, unit: 'binary' }),
    fc.constantFrom(
      'sip:alice@example.com',
      'udp:127.0.0.1:5070',
      'my agent/1.0',
      'a: b',
      '#x',
      ' lead',
      '0123',
      'true',
      'del\x7f',
      '\u2028',
    ),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8, unit: 'binary' }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('YAML subset round trip', () => {
  it('plain JSON-like data written as block YAML reads back equal', () => {
    fc.assert(
      fc.property(jsonLike, (value) => {
        const text = toBlockYaml(value, 0);
        expect(toPlainValue(parseYaml(text))).toEqual(value);
      }),
      { numRuns: 3000 },
    );
  });

  it('a mapping of configs round-trips (top level is a mapping, as in a config file)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), jsonLike, { minKeys: 1, maxKeys: 5 }),
        (value) => {
          expect(toPlainValue(parseYaml(`---\n# generated\n${toBlockYaml(value, 0)}`))).toEqual(value);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
