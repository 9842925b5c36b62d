/**
 * The README's embedding example must compile against the real API: its code lives in
 * readme-embed.ts (type-checked by `npm run typecheck` with the rest of test/), and this test keeps
 * the README's copy identical to it, the import path aside.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MARKER = '<!-- embed-example: test/docs/readme-embed.ts -->';

/** The first ```ts block after the marker, or undefined. */
function readmeBlock(readme: string): string | undefined {
  const at = readme.indexOf(MARKER);
  if (at < 0) return undefined;
  const open = readme.indexOf('```ts\n', at);
  if (open < 0) return undefined;
  const start = open + '```ts\n'.length;
  const close = readme.indexOf('\n```', start);
  return close < 0 ? undefined : readme.slice(start, close + 1);
}

describe('README embedding example', () => {
  it('is the type-checked code of test/docs/readme-embed.ts, importing from the package name', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const source = readFileSync(`${root}test/docs/readme-embed.ts`, 'utf8');
    const block = readmeBlock(readme);
    expect(block, `README.md has no \`\`\`ts block after ${MARKER}`).toBeDefined();
    expect(source).toContain("from '../../src/index.js'");
    expect(block).toBe(source.replaceAll("from '../../src/index.js'", "from 'sip-registrant'"));
  });

  it('stays about twenty lines of code', () => {
    const source = readFileSync(`${root}test/docs/readme-embed.ts`, 'utf8');
    const code = source.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('//'));
    expect(code.length).toBeLessThanOrEqual(26);
  });
});
