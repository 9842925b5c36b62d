/**
 * examples/cli-config: both files load with the daemon's config loader and say what their comments
 * say. Read from examples/ itself, so an edit that breaks the example fails here.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDaemonConfig } from '../../src/cli/config-file/index.js';

const yamlFile = fileURLToPath(new URL('../../examples/cli-config/registrants.yaml', import.meta.url));
const uacFile = fileURLToPath(new URL('../../examples/cli-config/registrants.uac', import.meta.url));

const env = { ALICE_PASSWORD: 'alice-pw', BOB_PASSWORD: 'bob-pw', TRUNK_PASSWORD: 'trunk-pw' };

describe('examples/cli-config', () => {
  it('registrants.yaml: listen, status, log, manager options', async () => {
    const config = await loadDaemonConfig(yamlFile, { env });
    expect(config.format).toBe('yaml');
    expect(config.listen?.map((spec) => [spec.protocol, spec.host, spec.port])).toEqual([
      ['udp', '127.0.0.1', 5070],
      ['tcp', '127.0.0.1', 5070],
    ]);
    expect(config.listen?.[0]?.text).toBe('udp:127.0.0.1:5070');
    expect(config.listen?.[1]?.advertisedHost).toBe('127.0.0.1');
    expect(config.status).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(config.log).toEqual({ format: 'text', level: 'info' });
    expect(config.manager).toMatchObject({
      hashSize: 2,
      timerInterval: 60,
      maxRegistersPerSecond: 50,
      userAgent: 'example-sbc/1.0',
    });
  });

  it('registrants.yaml: accounts with defaults merged, passwords from the environment, and the uac line', async () => {
    const config = await loadDaemonConfig(yamlFile, { env });
    const accounts = config.accounts.map((account) => ({
      aor: account.aor,
      registrar: account.registrar,
      username: account.username,
      password: account.password,
      expiry: account.expiry,
    }));
    expect(accounts).toEqual([
      {
        aor: 'sip:alice@example.com',
        registrar: 'sip:registrar.example.com',
        username: 'alice',
        password: 'alice-pw',
        expiry: 3600,
      },
      {
        aor: 'sip:bob@example.com',
        registrar: 'sip:registrar.example.com',
        username: 'bob',
        password: 'bob-pw',
        expiry: 600,
      },
      {
        aor: 'sip:trunk@carrier.example.net',
        registrar: 'sip:carrier.example.net',
        username: 'trunk-42',
        password: 'trunk-pw',
        expiry: 3600,
      },
      {
        aor: 'sip:carol@example.com',
        registrar: 'sip:registrar.example.com',
        username: 'carol',
        password: 'carol-secret',
        expiry: 1800,
      },
    ]);
    const trunk = config.accounts[2]!;
    expect(trunk.proxy).toBe('sip:sbc.carrier.example.net:5080');
    expect(trunk.contactParams).toBe(';q=0.5');
    expect(trunk.socket).toBe('udp:127.0.0.1:5070');
    // Each account knows the line it was written on (for error messages and reload reports).
    expect(config.accountLines.slice(0, 3).every((line) => typeof line === 'number' && line > 1)).toBe(true);
  });

  it('registrants.yaml: a missing password variable is an error naming it, not an empty password', async () => {
    const { TRUNK_PASSWORD: _omitted, ...partial } = env;
    await expect(loadDaemonConfig(yamlFile, { env: partial })).rejects.toThrow(/TRUNK_PASSWORD/);
  });

  it('registrants.uac: a modparam line and a bare line, no listen or status', async () => {
    const config = await loadDaemonConfig(uacFile, { env: {} });
    expect(config.format).toBe('uac');
    expect(config.listen).toBeUndefined();
    expect(config.status).toBeUndefined();
    expect(
      config.accounts.map((account) => [account.aor, account.registrar, account.username, account.expiry]),
    ).toEqual([
      ['sip:dave@example.com', 'sip:registrar.example.com', 'dave', 3600],
      ['sip:erin@example.com', 'sip:registrar.example.com', 'erin', 900],
    ]);
    const erin = config.accounts[1]!;
    expect(erin.proxy).toBe('sip:proxy.example.com');
    expect(erin.thirdPartyRegistrant).toBe('sip:pbx@example.com');
    expect(erin.socket).toBe('udp:127.0.0.1:5070');
    // Line numbers of the two entries in the file (after the comment header and a blank line).
    expect(config.accountLines).toEqual([7, 9]);
  });
});
