import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/cli/check-command.js';
import type { CliIo } from '../../src/cli/cli-io.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sr-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    env: {},
    cwd: dir,
    onSignal: () => () => undefined,
  };
}

const ACCOUNT = `accounts:
  - aor: sip:a@example.com
    registrar: sip:r.example.com
    contact: sip:a@127.0.0.1:5070
    socket: UDP:127.0.0.1:5070
`;

describe('sip-registrant check', () => {
  it('matches forced sockets against --listen as the manager does (protocol in any case)', async () => {
    await writeFile(join(dir, 'a.yaml'), ACCOUNT);
    const matched = io();
    expect(
      await runCheck(
        { command: 'check', config: 'a.yaml', format: undefined, listen: ['udp:127.0.0.1:5070'] },
        matched,
      ),
    ).toBe(0);
    expect(matched.out.join('')).not.toContain('warning');
    const unmatched = io();
    expect(
      await runCheck(
        { command: 'check', config: 'a.yaml', format: undefined, listen: ['udp:127.0.0.1:5071'] },
        unmatched,
      ),
    ).toBe(0);
    expect(unmatched.out.join('')).toContain(
      'socket UDP:127.0.0.1:5070 is used by an account but is not in "listen"',
    );
  });

  it('warns about a file without accounts, and a bad --listen is a usage error', async () => {
    await writeFile(join(dir, 'empty.yaml'), '# nothing yet\n');
    const empty = io();
    expect(
      await runCheck({ command: 'check', config: 'empty.yaml', format: undefined, listen: [] }, empty),
    ).toBe(0);
    expect(empty.out.join('')).toContain('no accounts');
    const bad = io();
    expect(
      await runCheck(
        { command: 'check', config: 'empty.yaml', format: undefined, listen: ['sctp:127.0.0.1:5061'] },
        bad,
      ),
    ).toBe(2);
    expect(bad.err.join('')).toContain('--listen: protocol must be udp, tcp or tls');
  });
});
