import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DaemonConfigError,
  detectDaemonConfigFormat,
  loadDaemonConfig,
} from '../../../src/cli/config-file/index.js';
import { validateRegistrantConfig } from '../../../src/config/validate-registrant-config.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/cli/${name}`, import.meta.url));
const env = { ALICE_PASSWORD: 'alice-pw-1', DEFAULT_PASSWORD: 'default-pw-2' };

describe('detectDaemonConfigFormat', () => {
  it.each([
    ['a.yaml', 'yaml'],
    ['dir/a.YML', 'yaml'],
    ['a.json', 'json'],
    ['a.uac', 'uac'],
    ['opensips.cfg', 'uac'],
    ['a.txt', 'uac'],
    ['a.csv', 'uac'],
    ['no-extension', 'uac'],
    ['yaml', 'uac'],
  ])('%s → %s', (file, format) => {
    expect(detectDaemonConfigFormat(file)).toBe(format);
  });
});

describe('loadDaemonConfig: the sample config with every feature', () => {
  it('reads listen (short, IPv6, long, TLS with files relative to the config)', async () => {
    const config = await loadDaemonConfig(fixture('daemon-config.yaml'), { env });
    expect(config.format).toBe('yaml');
    expect(config.listen?.map((l) => l.text)).toEqual([
      'udp:127.0.0.1:5070',
      'tcp:[::1]:5060',
      'udp:0.0.0.0:5080',
      'tls:[::]:5061',
    ]);
    expect(config.listen?.[1]).toMatchObject({ protocol: 'tcp', host: '::1', port: 5060 });
    expect(config.listen?.[2]?.advertisedHost).toBe('203.0.113.5');
    const tls = config.listen?.[3]?.tls;
    expect(tls?.ca?.toString()).toContain('BEGIN CERTIFICATE');
    expect(tls?.cert?.toString()).toContain('BEGIN CERTIFICATE');
    expect(tls?.key?.toString()).toContain('PRIVATE KEY');
    expect(tls?.keyPath).toBe(fixture('tls/client.key'));
    expect(tls?.rejectUnauthorized).toBe(false);
  });

  it('reads status, log and every manager option', async () => {
    const config = await loadDaemonConfig(fixture('daemon-config.yaml'), { env });
    expect(config.status).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(config.log).toEqual({ format: 'json', level: 'debug' });
    expect(config.manager).toMatchObject({
      hashSize: 4,
      userAgent: 'my-sbc/1.0',
      transactionTimers: { t1: 500, t2: 4000, t4: 5000 },
      stopRate: 1000,
    });
    expect(Object.keys(config.manager)).toHaveLength(20);
  });

  it('reads accounts with defaults merged, passwords from the environment, and uac entries', async () => {
    const config = await loadDaemonConfig(fixture('daemon-config.yaml'), { env });
    expect(
      config.accounts.map((a) => [a.aor, a.registrar, a.username, a.password, a.expiry, a.enabled]),
    ).toEqual([
      ['sip:alice@example.com', 'sip:registrar.example.com', 'alice', 'alice-pw-1', 3600, undefined],
      ['sip:bob@example.com', 'sip:registrar.example.com', 'bob', 'default-pw-2', 600, false],
      ['sip:0123@example.com', 'sip:registrar.example.com', '0123', 'p@ss # not a comment', 3600, undefined],
      ['sip:carol@example.com', 'sip:registrar.example.com', 'carol', 'default-pw-2', 3600, undefined],
      ['sip:dave@example.com', 'sip:registrar.example.com', 'dave', 'dave-secret', 1800, undefined],
      ['sip:erin@example.com', 'sip:registrar2.example.com', 'erin', 'erin-secret', undefined, undefined],
    ]);
    expect(config.accounts[2]).toMatchObject({
      proxy: 'sip:proxy.example.com:5080',
      thirdPartyRegistrant: 'sip:pbx@example.com',
      contactParams: ';+sip.instance="<urn:uuid:00000000-0000-0000-0000-000000000001>";reg-id=1',
      socket: 'udp:127.0.0.1:5070',
    });
    expect(config.accounts.some((a) => 'passwordEnv' in a)).toBe(false);
    expect(config.accountLines).toEqual([50, 54, 59, 67, 69, 70]);
    // Every account is one the library accepts.
    for (const account of config.accounts) expect(() => validateRegistrantConfig(account)).not.toThrow();
  });

  it('reads the JSON sample with the same schema', async () => {
    const config = await loadDaemonConfig(fixture('daemon-config.json'), { env });
    expect(config.format).toBe('json');
    expect(config.listen?.map((l) => l.text)).toEqual(['udp:127.0.0.1:5070', 'tcp:127.0.0.1:5070']);
    expect(config.status).toEqual({ host: '127.0.0.1', port: 9091 });
    expect(config.log).toEqual({ level: 'warn' });
    expect(config.manager).toEqual({ hashSize: 2, transactionTimers: { t1: 250 } });
    expect(config.accounts.map((a) => [a.aor, a.password, a.expiry])).toEqual([
      ['sip:alice@example.com', 'alice-pw-1', undefined],
      ['sip:bob@example.com', undefined, 900],
      ['sip:dave@example.com', 'dave-secret', 1800],
    ]);
    expect(config.accountLines).toEqual([8, 9, 11]);
  });

  it('reads the uac-lines sample: modparam lines (either quote) and bare lines', async () => {
    const config = await loadDaemonConfig(fixture('registrants.uac'), { env: {} });
    expect(config.format).toBe('uac');
    expect(config.listen).toBeUndefined();
    expect(config.status).toBeUndefined();
    expect(config.log).toEqual({});
    expect(config.manager).toEqual({});
    expect(config.accounts.map((a) => [a.aor, a.password, a.expiry, a.contactParams])).toEqual([
      ['sip:dave@example.com', 'dave-secret', 3600, undefined],
      ['sip:frank@example.com', "fr'ank", undefined, undefined],
      ['sip:erin@example.com', 'erin-secret', 900, ';reg-id=1'],
    ]);
    expect(config.accountLines).toEqual([3, 4, 5]);
  });
});

describe('loadDaemonConfig: files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'daemon-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a missing file is a DaemonConfigError naming it', async () => {
    const file = join(dir, 'missing.yaml');
    const error = await loadDaemonConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaemonConfigError);
    expect((error as DaemonConfigError).code).toBe('ERR_DAEMON_CONFIG');
    expect((error as DaemonConfigError).message).toBe(`${file}: cannot read the config file (no such file)`);
  });

  it('--format overrides the extension', async () => {
    const file = join(dir, 'accounts.txt');
    await writeFile(file, 'status:\n  port: 9000\n');
    expect((await loadDaemonConfig(file, { format: 'yaml' })).status).toEqual({
      host: '127.0.0.1',
      port: 9000,
    });
    await expect(loadDaemonConfig(file)).rejects.toThrow(
      /accounts\.txt:1: uac\[0\]: uac: expected 10 comma-separated fields/,
    );
  });

  it('an unreadable TLS file is an error naming the field and the resolved path', async () => {
    const file = join(dir, 'tls.yaml');
    await writeFile(
      file,
      'listen:\n  - protocol: tls\n    host: 127.0.0.1\n    port: 5061\n    cert: certs/none.pem\n    key: certs/none.key\n',
    );
    const error = (await loadDaemonConfig(file).catch((e: unknown) => e)) as DaemonConfigError;
    expect(error).toBeInstanceOf(DaemonConfigError);
    expect(error.message.split('\n')[0]).toBe(
      `${file}:5: listen[0].cert: cannot read file ${JSON.stringify(join(dir, 'certs/none.pem'))} (ENOENT)`,
    );
    expect(error.field).toBe('listen[0].cert');
    expect(error.line).toBe(5);
  });

  it('passwordEnv defaults to process.env', async () => {
    const file = join(dir, 'env.yaml');
    const name = `SIP_REGISTRANT_TEST_PW_${process.pid}`;
    await writeFile(
      file,
      `accounts:\n  - {registrar: "sip:r.example.com", aor: "sip:a@example.com", contact: "sip:a@127.0.0.1", username: a, passwordEnv: ${name}}\n`,
    );
    process.env[name] = 'from-process-env';
    try {
      expect((await loadDaemonConfig(file)).accounts[0]?.password).toBe('from-process-env');
    } finally {
      delete process.env[name];
    }
  });
});

describe('parseListenSpec: a tls --listen with --tls-cert / --tls-key', () => {
  it('reads and checks the PEM files, relative to the given directory', async () => {
    const { parseListenSpec } = await import('../../../src/cli/config-file/index.js');
    const files = { cert: 'tls/client.pem', key: 'tls/client.key', baseDir: fixture('') };
    const spec = parseListenSpec('tls:127.0.0.1:5061', '--listen', files);
    expect(spec).toMatchObject({
      protocol: 'tls',
      host: '127.0.0.1',
      port: 5061,
      text: 'tls:127.0.0.1:5061',
    });
    expect(spec.tls?.cert?.toString()).toContain('BEGIN CERTIFICATE');
    expect(spec.tls?.keyPath).toBe(fixture('tls/client.key'));
    expect(() => parseListenSpec('tls:127.0.0.1:5061', '--listen')).toThrow(
      '--listen: tls needs a certificate and its key: give --tls-cert FILE and --tls-key FILE',
    );
    expect(() =>
      parseListenSpec('tls:127.0.0.1:5061', '--listen', { ...files, key: 'tls/client.pem' }),
    ).toThrow(/--tls-key: ".*client\.pem" is not an unencrypted PEM private key/);
    expect(() =>
      parseListenSpec('tls:127.0.0.1:5061', '--listen', { ...files, cert: 'tls/none.pem' }),
    ).toThrow(/--tls-cert: cannot read file ".*none\.pem" \(ENOENT\)/);
  });
});
