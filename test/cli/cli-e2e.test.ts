/**
 * The `sip-registrant` command end to end: the compiled executable spawned as a user runs it,
 * against the registrar double (in this process, loopback UDP) and against a real Kamailio.
 * Real time here (a child process cannot share a fake clock): sweeps of 1 s keep every case short.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRegistrarDouble, type RegistrarDouble } from '../../src/testing/index.js';
import {
  describeWithKamailio,
  type KamailioRegistrar,
  startKamailioRegistrar,
} from '../interop/kamailio-harness.js';
import { buildCli, type CliProcess, runCliToEnd, spawnCli } from './built-cli.js';

let dir: string;
const running: CliProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sip-registrant-cli-'));
  await buildCli();
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const proc of running.splice(0)) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
});

async function spawnTracked(args: string[], env?: Record<string, string>): Promise<CliProcess> {
  const proc = await spawnCli(args, env === undefined ? {} : { env });
  running.push(proc);
  return proc;
}

/** JSON log lines of a process (stderr), parsed. */
function logLines(proc: CliProcess): Record<string, unknown>[] {
  return proc.stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function logged(proc: CliProcess, msg: string): Record<string, unknown> | undefined {
  return logLines(proc).find((entry) => String(entry.msg).startsWith(msg));
}

function statusUrl(proc: CliProcess): string {
  const started = logged(proc, 'started');
  if (started === undefined) throw new Error(`no "started" line:\n${proc.stderr}`);
  return String(started.status);
}

function yamlConfig(registrar: string, users: number[], extra = ''): string {
  const accounts = users
    .map(
      (i) => `  - aor: sip:user${i}@example.com
    contact: sip:user${i}@127.0.0.1:5070
    username: user${i}
    passwordEnv: PW_USER${i}`,
    )
    .join('\n');
  return `# written by cli-e2e.test.ts
listen:
  - udp:127.0.0.1:0
status:
  port: 0
log:
  format: json
manager:
  hashSize: 0
  timerInterval: 1
defaults:
  registrar: ${registrar}
accounts:
${accounts}
${extra}`;
}

const passwordEnv = (users: number[]): Record<string, string> =>
  Object.fromEntries(users.map((i) => [`PW_USER${i}`, `secret-${i}-xyz`]));

describe('sip-registrant (the executable)', () => {
  it('prints its version and help, and exits 2 on a bad flag', async () => {
    const version = await runCliToEnd(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^sip-registrant \d+\.\d+\.\d+\n$/);
    const help = await runCliToEnd(['help', 'run']);
    expect(help.stdout).toContain('--status-port N');
    const bad = await runCliToEnd(['run', '--config', 'x.yaml', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--bogus'");
  });

  it('demo registers accounts on the built-in registrar, prints reg_list and leaves the registrar empty', async () => {
    const result = await runCliToEnd([
      'demo',
      '--count',
      '200',
      '--timer-interval',
      '1',
      '--table-rows',
      '5',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/#\s+AOR\s+state/);
    expect(result.stdout).toContain('sip:user1@127.0.0.1');
    expect(result.stdout).toContain('200 records: REGISTERED 200');
    expect(result.stdout).toMatch(/200 of 200 accounts registered in [\d.]+ s with 400 REGISTERs/);
    expect(result.stdout).toContain(
      'un-REGISTERed 200, failed 0, timed out 0; the test registrar now holds 0 bindings',
    );
    expect(result.stdout + result.stderr).not.toContain('pass17');
  });

  it('check validates a file and names file, line, account and field when it is wrong', async () => {
    const good = join(dir, 'good.yaml');
    await writeFile(good, yamlConfig('sip:127.0.0.1:5999', [1, 2]));
    const ok = await runCliToEnd(['check', '--config', good], { env: passwordEnv([1, 2]) });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('accounts    2, 2 with credentials');
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      yamlConfig('sip:127.0.0.1:5999', [1, 2]).replace(
        'username: user2',
        'username: user2\n    expiry: soon',
      ),
    );
    const failed = await runCliToEnd(['check', '--config', bad], { env: passwordEnv([1, 2]) });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/bad\.yaml:\d+: accounts\[1\] \(sip:user2@example\.com\): expiry/);
    expect(failed.stderr + failed.stdout).not.toContain('secret-');
    const missing = await runCliToEnd(['run', '--config', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml');
  });

  describe('run against the registrar double', () => {
    let registrar: RegistrarDouble;
    const users = (name: string) => (name.startsWith('user') ? `secret-${name.slice(4)}-xyz` : undefined);
    beforeAll(async () => {
      registrar = await createRegistrarDouble({ users });
    });
    afterAll(async () => {
      await registrar.close();
    });

    it('registers, serves /metrics, /mi and /health, reloads on SIGHUP, keeps the set on a bad file, un-REGISTERs on SIGTERM', async () => {
      const uri = `sip:${registrar.hostPort}`;
      const file = join(dir, 'daemon.yaml');
      await writeFile(file, yamlConfig(uri, [1, 2, 3]));
      const env = passwordEnv([1, 2, 3, 4]);
      const proc = await spawnTracked(['run', '--config', file], env);
      await proc.waitForLog((s) => s.includes('all 3 enabled accounts registered'), 'all registered');
      expect(registrar.bindingCount()).toBe(3);

      const base = statusUrl(proc);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/sip_registrant_records_by_state\{state="REGISTERED"\} 3\n/);
      expect(metrics).toMatch(/sip_registrant_registers_sent_total 6\n/);
      const mi = await fetch(`${base}/mi`, {
        method: 'POST',
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'reg_list' }),
      });
      const list = (await mi.json()) as { result: { Records: unknown[] } };
      expect(list.result.Records).toHaveLength(3);
      const health = (await (await fetch(`${base}/health`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ records: 3, registered: 3 });

      // SIGHUP with user3 removed and user4 added: a diff, the others keep their registration.
      await writeFile(file, yamlConfig(uri, [1, 2, 4]));
      proc.child.kill('SIGHUP');
      await proc.waitForLog((s) => s.includes('"msg":"reloaded"'), 'reloaded');
      expect(logged(proc, 'reloaded')).toMatchObject({ added: 1, removed: 1, unchanged: 2, updated: 0 });
      await proc.waitForLog(
        () => registrar.bindings('sip:user4@example.com').length === 1,
        'user4 registered',
      );
      await proc.waitForLog(
        () => registrar.bindings('sip:user3@example.com').length === 0,
        'user3 un-REGISTERed',
      );

      // A broken file on SIGHUP: the running set stays, the log says where and why.
      await writeFile(file, `${yamlConfig(uri, [1, 2, 4])}bogusKey: 1\n`);
      proc.child.kill('SIGHUP');
      await proc.waitForLog((s) => s.includes('reload failed'), 'reload failure');
      expect(String(logged(proc, 'reload failed')?.msg)).toMatch(/daemon\.yaml:\d+: .*bogusKey/);
      expect(registrar.bindingCount()).toBe(3);

      // An empty file (caught mid-write) would remove every account: refused.
      await writeFile(file, '');
      proc.child.kill('SIGHUP');
      await proc.waitForLog((s) => s.includes('reload refused'), 'empty reload refused');
      expect(String(logged(proc, 'reload refused')?.msg)).toContain(
        'the file has no accounts; keeping the running 3',
      );
      expect(registrar.bindingCount()).toBe(3);

      // MI changes are logged at info (an audit trail), and take effect.
      const disable = await fetch(`${base}/mi`, {
        method: 'POST',
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 2,
          method: 'reg_disable',
          params: { aor: 'sip:user4@example.com', contact: 'sip:user4@127.0.0.1:5070', registrar: uri },
        }),
      });
      expect(((await disable.json()) as { result?: unknown }).result).toBe('OK');
      await proc.waitForLog((s) => s.includes('"msg":"MI disable"'), 'MI disable logged');
      expect(logged(proc, 'MI disable')).toMatchObject({ aor: 'sip:user4@example.com', level: 'info' });
      await proc.waitForLog(
        () => registrar.bindings('sip:user4@example.com').length === 0,
        'user4 un-REGISTERed',
      );

      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      expect(logged(proc, 'stopped')).toMatchObject({ unregistered: 2, failed: 0, timedOut: 0 });
      expect(registrar.bindingCount()).toBe(0);
      expect(proc.stderr + proc.stdout).not.toContain('secret-');
    });

    it('a second SIGINT during the graceful stop exits at once with 130', async () => {
      const file = join(dir, 'slow-stop.yaml');
      await writeFile(file, yamlConfig(`sip:${registrar.hostPort}`, [7]));
      const proc = await spawnTracked(['run', '--config', file], passwordEnv([7]));
      await proc.waitForLog((s) => s.includes('all 1 enabled account registered'), 'registered');
      // The registrar stops answering: the un-REGISTER would wait for Timer F (32 s).
      const undo = registrar.script({ type: 'drop' });
      try {
        proc.child.kill('SIGINT');
        await proc.waitForLog((s) => s.includes('SIGINT: stopping'), 'stopping');
        proc.child.kill('SIGINT');
        expect(await proc.exited).toBe(130);
      } finally {
        undo();
        registrar.clearBindings();
      }
    });

    it('opens a TLS listener from --listen with --tls-cert and --tls-key', async () => {
      const file = join(dir, 'tls-flags.yaml');
      await writeFile(file, yamlConfig(`sip:${registrar.hostPort}`, [8]));
      const tls = fileURLToPath(new URL('../fixtures/cli/tls/', import.meta.url));
      const proc = await spawnTracked(
        [
          'run',
          '--config',
          file,
          '--listen',
          'udp:127.0.0.1:0',
          '--listen',
          'tls:127.0.0.1:0',
          '--tls-cert',
          join(tls, 'client.pem'),
          '--tls-key',
          join(tls, 'client.key'),
        ],
        passwordEnv([8]),
      );
      await proc.waitForLog((s) => s.includes('all 1 enabled account registered'), 'registered');
      expect(String(logged(proc, 'started')?.transports)).toMatch(
        /^udp:127\.0\.0\.1:\d+,tls:127\.0\.0\.1:\d+$/,
      );
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    });

    it('exits 1 with the address when a listen address cannot be bound', async () => {
      const file = join(dir, 'busy.yaml');
      await writeFile(file, yamlConfig(`sip:${registrar.hostPort}`, [1]));
      const { host, port } = registrar.address;
      const result = await runCliToEnd(['run', '--config', file, '--listen', `udp:${host}:${port}`], {
        env: passwordEnv([1]),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`cannot listen on udp:${host}:${port}`);
      expect(result.stderr).toContain('EADDRINUSE');
    });
  });
});

describeWithKamailio('sip-registrant run against Kamailio', () => {
  let kamailio: KamailioRegistrar;
  beforeAll(async () => {
    kamailio = await startKamailioRegistrar();
  }, 30_000);
  afterAll(async () => {
    await kamailio?.stop();
  });

  it('registers 50 accounts from lines cut from opensips.cfg, then empties the location table on SIGTERM', async () => {
    const lines = [
      '# cut from opensips.cfg',
      'modparam("uac_registrant", "hash_size", 0)',
      'modparam("uac_registrant", "timer_interval", 1)',
    ];
    for (let i = 1; i <= 50; i++) {
      const csv = `${kamailio.uri},,sip:user${i}@127.0.0.1,,user${i},pass${i},sip:user${i}@127.0.0.1:5070,,300,`;
      lines.push(i % 2 === 0 ? `modparam("uac_registrant", "uac", "${csv}")` : csv);
    }
    const file = join(dir, 'kamailio.cfg');
    await writeFile(file, `${lines.join('\n')}\n`);
    const proc = await spawnTracked([
      'run',
      '--config',
      file,
      '--listen',
      'udp:127.0.0.1:0',
      '--log-format',
      'json',
    ]);
    await proc.waitForLog((s) => s.includes('all 50 enabled accounts registered'), 'all registered', 15_000);
    expect(await kamailio.contactCount()).toBe(50);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(await kamailio.contactCount()).toBe(0);
    expect(proc.stderr).not.toContain('pass17');
  }, 30_000);
});
