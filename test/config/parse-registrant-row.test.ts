import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseRegistrantRow, REGISTRANT_TABLE_COLUMNS } from '../../src/config/parse-registrant-row.js';
import { validateRegistrantConfig } from '../../src/config/validate-registrant-config.js';
import { RegistrantConfigError } from '../../src/errors.js';

const SECRET = 'pa55-w0rd-XYZ';

function fullRow(): Record<string, unknown> {
  return {
    id: 7,
    registrar: 'sip:registrar.example.com',
    proxy: 'sip:proxy.example.com',
    aor: 'sip:alice@example.com',
    third_party_registrant: 'sip:pbx@example.com',
    username: 'alice',
    password: SECRET,
    binding_URI: 'sip:alice@192.0.2.10:5060',
    binding_params: ';reg-id=1',
    expiry: 600,
    forced_socket: 'udp:192.0.2.10:5060',
    cluster_shtag: null,
    state: 0,
  };
}

function minimalRow(): Record<string, unknown> {
  return {
    registrar: 'sip:registrar.example.com',
    aor: 'sip:alice@example.com',
    binding_URI: 'sip:alice@192.0.2.10',
    expiry: 3600,
  };
}

function rejected(
  row: Record<string, unknown>,
  options?: { ignoreClusterShtag?: boolean },
): RegistrantConfigError {
  try {
    parseRegistrantRow(row, options);
  } catch (error) {
    expect(error).toBeInstanceOf(RegistrantConfigError);
    const e = error as RegistrantConfigError;
    expect(e.code).toBe('ERR_INVALID_CONFIG');
    for (const text of [e.message, JSON.stringify(e), inspect(e), e.record, JSON.stringify(e.errors)])
      expect(text).not.toContain(SECRET);
    return e;
  }
  throw new Error('expected the row to be rejected');
}

describe('parseRegistrantRow (OpenSIPS registrant table rows)', () => {
  it('reads every column of a table version 3 row', () => {
    const config = parseRegistrantRow(fullRow());
    expect(config).toEqual({
      registrar: 'sip:registrar.example.com',
      proxy: 'sip:proxy.example.com',
      aor: 'sip:alice@example.com',
      thirdPartyRegistrant: 'sip:pbx@example.com',
      username: 'alice',
      password: SECRET,
      contact: 'sip:alice@192.0.2.10:5060',
      contactParams: ';reg-id=1',
      expiry: 600,
      socket: 'udp:192.0.2.10:5060',
      enabled: true,
    });
    expect(validateRegistrantConfig(config).credentials?.username).toBe('alice');
  });

  it('treats NULL and empty optional columns as absent', () => {
    const row = {
      ...minimalRow(),
      proxy: '',
      third_party_registrant: null,
      username: '',
      password: null,
      binding_params: '',
      forced_socket: null,
      cluster_shtag: '',
    };
    expect(parseRegistrantRow(row)).toEqual({
      registrar: 'sip:registrar.example.com',
      aor: 'sip:alice@example.com',
      contact: 'sip:alice@192.0.2.10',
      expiry: 3600,
    });
  });

  it('state 0 is enabled, any other value disabled, NULL the column default (enabled)', () => {
    expect(parseRegistrantRow({ ...minimalRow(), state: 0 }).enabled).toBe(true);
    expect(parseRegistrantRow({ ...minimalRow(), state: 1 }).enabled).toBe(false);
    expect(parseRegistrantRow({ ...minimalRow(), state: 42 }).enabled).toBe(false);
    expect(parseRegistrantRow({ ...minimalRow(), state: -1 }).enabled).toBe(false);
    expect(parseRegistrantRow({ ...minimalRow(), state: '1' }).enabled).toBe(false);
    expect(parseRegistrantRow({ ...minimalRow(), state: 0n }).enabled).toBe(true);
    expect(parseRegistrantRow({ ...minimalRow(), state: null }).enabled).toBeUndefined();
  });

  it('accepts integers as numbers, bigints or decimal strings, as drivers return them', () => {
    expect(parseRegistrantRow({ ...minimalRow(), expiry: 900n }).expiry).toBe(900);
    expect(parseRegistrantRow({ ...minimalRow(), expiry: '900' }).expiry).toBe(900);
  });

  it('matches column names case-insensitively (binding_uri from MySQL drivers)', () => {
    const row = {
      REGISTRAR: 'sip:r.example.com',
      aor: 'sip:a@example.com',
      binding_uri: 'sip:a@192.0.2.1',
      Expiry: 60,
    };
    expect(parseRegistrantRow(row)).toMatchObject({
      registrar: 'sip:r.example.com',
      contact: 'sip:a@192.0.2.1',
      expiry: 60,
    });
  });

  it('names the column of each missing required value, expiry included', () => {
    const e = rejected({ registrar: null, aor: '', binding_URI: null, expiry: null });
    expect(e.errors.map((i) => i.field)).toEqual(['registrar', 'aor', 'binding_URI', 'expiry']);
    expect(e.message).toContain('binding_URI: is required');
    expect(e.message).toContain('expiry: is required (OpenSIPS reads NULL as 0');
  });

  it('maps validator problems back to column names', () => {
    const e = rejected({
      ...fullRow(),
      registrar: 'sip:user@registrar.example.com',
      binding_URI: 'not a uri',
      binding_params: 'reg-id=1',
      forced_socket: 'sctp:1.2.3.4:5060',
      expiry: 0,
      third_party_registrant: 'http://x',
    });
    expect(e.errors.map((i) => i.field)).toEqual([
      'registrar',
      'third_party_registrant',
      'binding_URI',
      'binding_params',
      'expiry',
      'forced_socket',
    ]);
    expect(e.message).toContain('registrar: must not have a user part');
    expect(e.message).toContain('forced_socket: protocol must be udp, tcp or tls');
    expect(e.message).not.toContain('contact:');
    expect(e.errors.every((i) => i.message.startsWith(`${i.field}: `))).toBe(true);
    expect(e.record).toContain('aor=sip:alice@example.com');
  });

  it('rejects username without password naming the password column, without the secret', () => {
    const e = rejected({ ...minimalRow(), username: 'alice' });
    expect(e.field).toBe('password');
    const e2 = rejected({ ...minimalRow(), password: SECRET });
    expect(e2.field).toBe('username');
  });

  it('never shows the password, even when it is typed into another column', () => {
    const e = rejected({ ...fullRow(), proxy: `sip:${SECRET}.example.com;x=${SECRET}`, binding_URI: SECRET });
    expect(e.errors.length).toBeGreaterThan(0);
  });

  it('rejects a password of the wrong type without printing it', () => {
    const e = rejected({ ...minimalRow(), username: 'alice', password: 123456789 });
    expect(e.message).toContain('password: expected a string, received number');
    expect(e.message).not.toContain('123456789');
  });

  it('rejects a row with a cluster_shtag unless ignoreClusterShtag is set', () => {
    const e = rejected({ ...minimalRow(), cluster_shtag: 'vip/1' });
    expect(e.field).toBe('cluster_shtag');
    expect(e.message).toContain('ignoreClusterShtag');
    const config = parseRegistrantRow(
      { ...minimalRow(), cluster_shtag: 'vip/1' },
      { ignoreClusterShtag: true },
    );
    expect(config).not.toHaveProperty('cluster_shtag');
    expect(config.aor).toBe('sip:alice@example.com');
  });

  it('rejects unknown columns, non-integer integers and non-object rows', () => {
    expect(rejected({ ...minimalRow(), contact: 'sip:x@y' }).message).toContain('"contact": is not a column');
    expect(rejected({ ...minimalRow(), expiry: '60s' }).message).toContain(
      'expiry: expected an integer, received string',
    );
    expect(rejected({ ...minimalRow(), state: 'on' }).field).toBe('state');
    expect(rejected({ ...minimalRow(), expiry: 1.5 }).field).toBe('expiry');
    expect(rejected(null as unknown as Record<string, unknown>).field).toBe('(row)');
    expect(rejected(['a'] as unknown as Record<string, unknown>).field).toBe('(row)');
    expect(rejected({ ...minimalRow(), binding_uri: 'sip:x@192.0.2.1' }).message).toContain('given twice');
  });

  it('rejects bad options', () => {
    expect(() =>
      parseRegistrantRow(minimalRow(), { ignoreClusterShtag: 'yes' as unknown as boolean }),
    ).toThrow(/ignoreClusterShtag: expected a boolean/);
  });

  it('lists the thirteen columns of table version 3 in schema order', () => {
    expect(REGISTRANT_TABLE_COLUMNS.map((c) => c.column)).toEqual([
      'id',
      'registrar',
      'proxy',
      'aor',
      'third_party_registrant',
      'username',
      'password',
      'binding_URI',
      'binding_params',
      'expiry',
      'forced_socket',
      'cluster_shtag',
      'state',
    ]);
  });
});
