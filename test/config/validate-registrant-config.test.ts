import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { registrantKey } from '../../src/config/registrant-config.js';
import {
  Ha1Credentials,
  isHa1Password,
  PasswordCredentials,
} from '../../src/config/registrant-credentials.js';
import {
  checkRegistrantConfig,
  describeRecord,
  parseForcedSocket,
  validateRegistrantConfig,
} from '../../src/config/validate-registrant-config.js';
import { RegistrantConfigError } from '../../src/errors.js';

const SECRET = 'Sup3r-Secret!';

const base = {
  registrar: 'sip:registrar.example.com',
  aor: 'sip:alice@example.com',
  contact: 'sip:alice@192.0.2.10:5060',
  username: 'alice',
  password: SECRET,
};

function rejected(input: unknown): RegistrantConfigError {
  try {
    validateRegistrantConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(RegistrantConfigError);
    const e = error as RegistrantConfigError;
    expect(e.code).toBe('ERR_INVALID_CONFIG');
    // Passwords never leak, in any form the error can be shown in.
    for (const text of [
      e.message,
      JSON.stringify(e),
      JSON.stringify(e.errors),
      inspect(e),
      e.record,
      e.stack ?? '',
    ]) {
      expect(text).not.toContain(SECRET);
    }
    return e;
  }
  throw new Error('expected the config to be rejected');
}

function problemOf(overrides: Record<string, unknown>, field: string): string {
  const error = rejected({ ...base, ...overrides });
  const found = error.errors.find((e) => e.field === field);
  expect(found, `expected a problem on ${field}, got ${error.message}`).toBeDefined();
  return found!.problem;
}

describe('validateRegistrantConfig: accepted configs', () => {
  it('normalises a minimal config with documented defaults', () => {
    const config = validateRegistrantConfig({
      registrar: 'sip:registrar.example.com',
      aor: 'sip:alice@example.com',
      contact: 'sip:alice@192.0.2.10',
    });
    expect(config).toEqual({
      registrar: 'sip:registrar.example.com',
      proxy: undefined,
      aor: 'sip:alice@example.com',
      thirdPartyRegistrant: undefined,
      credentials: undefined,
      contact: 'sip:alice@192.0.2.10',
      contactParams: '',
      expiry: 3600,
      socket: undefined,
      enabled: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('keeps every field of a full config; empty optional strings and nulls mean absent', () => {
    const config = validateRegistrantConfig({
      ...base,
      proxy: 'sip:proxy.example.com;lr',
      thirdPartyRegistrant: 'sip:pbx@example.com',
      contactParams: ';+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1',
      expiry: 600,
      socket: 'UDP:127.0.0.1:5060',
      enabled: false,
    });
    expect(config.proxy).toBe('sip:proxy.example.com;lr');
    expect(config.thirdPartyRegistrant).toBe('sip:pbx@example.com');
    expect(config.contactParams).toContain('reg-id=1');
    expect(config.expiry).toBe(600);
    expect(config.socket).toEqual({
      protocol: 'udp',
      host: '127.0.0.1',
      port: 5060,
      text: 'udp:127.0.0.1:5060',
    });
    expect(config.enabled).toBe(false);
    expect(config.credentials).toBeInstanceOf(PasswordCredentials);
    expect(config.credentials?.username).toBe('alice');
    expect((config.credentials as PasswordCredentials).password).toBe(SECRET);

    const empty = validateRegistrantConfig({
      ...base,
      proxy: '',
      thirdPartyRegistrant: null,
      socket: '',
      contactParams: '',
    });
    expect(empty.proxy).toBeUndefined();
    expect(empty.thirdPartyRegistrant).toBeUndefined();
    expect(empty.socket).toBeUndefined();
  });

  it('SEC-07 credentials never show the secret in JSON, inspect or spreading', () => {
    const config = validateRegistrantConfig(base);
    for (const text of [
      JSON.stringify(config),
      inspect(config, { depth: 5 }),
      JSON.stringify({ ...config.credentials }),
    ])
      expect(text).not.toContain(SECRET);
    expect(JSON.stringify(config.credentials)).toBe('{"kind":"password","username":"alice"}');
  });

  it('reads a 0x-prefixed 32 or 64 hex digit password as an HA1 (OpenSIPS), lower-cased without 0x', () => {
    const md5 = '0x' + 'AB'.repeat(16);
    const config = validateRegistrantConfig({ ...base, password: md5 });
    expect(config.credentials).toBeInstanceOf(Ha1Credentials);
    expect((config.credentials as Ha1Credentials).ha1).toBe('ab'.repeat(16));
    expect(isHa1Password('0x' + 'f'.repeat(64))).toBe(true);
    // anything else starting with 0x is a plain password
    for (const plain of ['0x1234', '0x' + 'g'.repeat(32), '0x' + 'a'.repeat(33), 'ab'.repeat(17)]) {
      expect(isHa1Password(plain)).toBe(false);
      expect(validateRegistrantConfig({ ...base, password: plain }).credentials).toBeInstanceOf(
        PasswordCredentials,
      );
    }
  });

  it('accepts sips everywhere, IPv6 hosts and sockets', () => {
    const config = validateRegistrantConfig({
      registrar: 'sips:[2001:db8::1]:5061',
      aor: 'sips:bob@example.com',
      contact: 'sips:bob@[2001:db8::2]:5061;transport=tls',
      socket: 'tls:[2001:db8::2]:5061',
    });
    expect(config.socket).toEqual({
      protocol: 'tls',
      host: '2001:db8::2',
      port: 5061,
      text: 'tls:[2001:db8::2]:5061',
    });
  });
});

describe('validateRegistrantConfig: rejected fields', () => {
  it('REG-01 registrar and proxy must not have a user part', () => {
    expect(problemOf({ registrar: 'sip:bob@registrar.example.com' }, 'registrar')).toMatch(/user part/);
    expect(problemOf({ proxy: 'sip:bob@proxy.example.com' }, 'proxy')).toMatch(/user part/);
  });

  it.each(['registrar', 'aor', 'contact'])('%s is required', (field) => {
    expect(problemOf({ [field]: undefined }, field)).toBe('is required');
    expect(problemOf({ [field]: '' }, field)).toBe('is required');
  });

  it.each(['registrar', 'proxy', 'aor', 'thirdPartyRegistrant', 'contact'])(
    '%s must be a valid sip:/sips: URI',
    (field) => {
      expect(problemOf({ [field]: 'tel:+15551234567' }, field)).toMatch(/sip: or sips:/);
      expect(problemOf({ [field]: 'sip:exa mple.com' }, field)).toMatch(/not a valid SIP URI/);
      expect(problemOf({ [field]: '<sip:example.com>' }, field)).toMatch(/not a valid SIP URI/);
      expect(problemOf({ [field]: 42 }, field)).toMatch(/expected a string, received number 42/);
    },
  );

  it('no URI may carry a password, and the message masks it', () => {
    const error = rejected({ ...base, aor: `sip:alice:${SECRET}@example.com` });
    expect(error.errors[0]!.field).toBe('aor');
    expect(error.errors[0]!.problem).toMatch(/password/);
    expect(error.record).toContain('sip:alice:***@example.com');
  });

  it('registrar, proxy, aor and third party registrant must not carry ?headers; the contact may', () => {
    expect(problemOf({ registrar: 'sip:r.example.com?Subject=x' }, 'registrar')).toMatch(/headers/);
    expect(problemOf({ aor: 'sip:a@example.com?Subject=x' }, 'aor')).toMatch(/headers/);
    expect(validateRegistrantConfig({ ...base, contact: 'sip:a@192.0.2.1?X-Y=z' }).contact).toContain(
      '?X-Y=z',
    );
  });

  it('REG-12 a sips registrar or proxy needs a sips contact', () => {
    expect(problemOf({ registrar: 'sips:registrar.example.com' }, 'contact')).toMatch(/sips/);
    expect(problemOf({ proxy: 'sips:proxy.example.com' }, 'contact')).toMatch(/sips/);
  });

  it.each([
    ['registrar', 'sip:registrar.example.com\r\nVia: evil'],
    ['aor', 'sip:alice@example.com\n'],
    ['contact', 'sip:alice@192.0.2.10\u0000'],
    ['thirdPartyRegistrant', 'sip:x@example.com\u007f'],
    ['proxy', '\tsip:proxy.example.com'],
    ['contactParams', ';reg-id=1\r\nX: y'],
    ['username', 'user\r\nVia: evil'],
    ['socket', 'udp:127.0.0.1:5060\n'],
  ])('SEC-06 rejects control characters in %s (header injection)', (field, value) => {
    const problem = problemOf({ [field]: value }, field);
    expect(problem).toMatch(/control character 0x[0-9A-F]{2} at offset \d+/);
  });

  it('SEC-06 rejects control characters in the password without locating or echoing them', () => {
    const error = rejected({ ...base, password: `${SECRET}\r\n` });
    expect(error.field).toBe('password');
    expect(error.problem).toBe('contains a control character (0x00-0x1F or 0x7F)');
  });

  it('SEC-06 the record identity in messages escapes control characters so logs cannot be forged', () => {
    const error = rejected({ ...base, aor: 'sip:a@example.com\r\nINJECTED' });
    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.record).toContain('\\r\\n');
  });

  it('contactParams must start with ";", parse as generic-params and leave expires to the engine', () => {
    expect(problemOf({ contactParams: 'reg-id=1' }, 'contactParams')).toMatch(/start with ";"/);
    expect(problemOf({ contactParams: ';reg-id=1;reg-id=2' }, 'contactParams')).toMatch(/more than once/);
    expect(problemOf({ contactParams: ';a="unterminated' }, 'contactParams')).toMatch(/unterminated/);
    expect(problemOf({ contactParams: ';=x' }, 'contactParams')).toMatch(/not a list of header parameters/);
    expect(problemOf({ contactParams: ';Expires=60' }, 'contactParams')).toMatch(/expires/);
  });

  it.each([0, -1, 1.5, 2 ** 32, Number.NaN, '3600', true])('expiry %s is rejected', (expiry) => {
    expect(problemOf({ expiry }, 'expiry')).toMatch(/integer number of seconds 1\.\.4294967295/);
  });

  it('expiry 1 and 2^32 − 1 are the accepted bounds', () => {
    expect(validateRegistrantConfig({ ...base, expiry: 1 }).expiry).toBe(1);
    expect(validateRegistrantConfig({ ...base, expiry: 2 ** 32 - 1 }).expiry).toBe(2 ** 32 - 1);
  });

  it.each([
    ['sctp:127.0.0.1:5060', /protocol must be udp, tcp or tls/],
    ['udp:127.0.0.1', /expected proto:host:port/],
    ['udp:127.0.0.1:0', /port must be a number 1\.\.65535/],
    ['udp:127.0.0.1:65536', /port/],
    ['udp:127.0.0.1:50a', /port/],
    ['udp:256.1.1.1:5060', /host must be/],
    ['udp:::1:5060', /host must be/],
    ['tcp:[::1:5060', /host must be/],
    ['udp:-bad-.example.com:5060', /host must be/],
    ['5060', /expected proto:host:port/],
  ])('socket %s is rejected', (socket, pattern) => {
    expect(problemOf({ socket }, 'socket')).toMatch(pattern);
  });

  it('parseForcedSocket reads names and IPv6', () => {
    expect(parseForcedSocket('tcp:sbc.example.com:5070')).toEqual({
      protocol: 'tcp',
      host: 'sbc.example.com',
      port: 5070,
      text: 'tcp:sbc.example.com:5070',
    });
    expect(parseForcedSocket('udp:[::1]:5060')).toMatchObject({ host: '::1', text: 'udp:[::1]:5060' });
  });

  it('enabled must be a boolean', () => {
    expect(problemOf({ enabled: 1 }, 'enabled')).toMatch(/boolean/);
    expect(problemOf({ enabled: 'yes' }, 'enabled')).toMatch(/boolean/);
  });

  it('username and password come together', () => {
    expect(problemOf({ password: undefined }, 'password')).toMatch(/required when username/);
    expect(problemOf({ username: '' }, 'username')).toMatch(/required when password/);
    expect(problemOf({ password: 12345678 }, 'password')).toBe('expected a string, received number');
  });

  it('rejects unknown fields and suggests the right name (typos and OpenSIPS columns)', () => {
    expect(problemOf({ expires: 60 }, 'expires')).toMatch(/not a known field \(did you mean "expiry"\?\)/);
    expect(problemOf({ registar: 'x' }, 'registar')).toMatch(/did you mean "registrar"/);
    expect(problemOf({ binding_URI: 'x' }, 'binding_URI')).toMatch(/did you mean "contact"/);
    expect(problemOf({ forced_socket: 'x' }, 'forced_socket')).toMatch(/did you mean "socket"/);
    expect(problemOf({ zzzzzzzz: 'x' }, 'zzzzzzzz')).not.toMatch(/did you mean/);
  });

  it('rejects overlong values', () => {
    expect(problemOf({ username: 'u'.repeat(5000) }, 'username')).toMatch(/longer than 4096/);
  });

  it('rejects non-objects', () => {
    expect(rejected(null).problem).toMatch(/expected an object, received null/);
    expect(rejected([base]).problem).toMatch(/an array/);
    expect(rejected('sip:r,,sip:a@b,,,,sip:c@d,,,').problem).toMatch(/parseUacParam/);
  });
});

describe('validateRegistrantConfig: error reporting', () => {
  it('names field, problem and record, and lists every problem at once', () => {
    const error = rejected({
      ...base,
      registrar: 'sip:bob@registrar.example.com',
      expiry: 0,
      socket: 'bad',
      username: 'a\nb',
    });
    expect(error.field).toBe('registrar');
    expect(error.problem).toMatch(/user part/);
    expect(error.record).toBe(
      'aor=sip:alice@example.com contact=sip:alice@192.0.2.10:5060 registrar=sip:bob@registrar.example.com',
    );
    expect(error.errors.map((e) => e.field)).toEqual(['registrar', 'username', 'expiry', 'socket']);
    expect(error.message).toContain('4 problems');
    expect(error.message).toContain('aor=sip:alice@example.com');
    for (const issue of error.errors) expect(issue.message).toBe(`${issue.field}: ${issue.problem}`);
  });

  it('never shows a password typed into another field', () => {
    const error = rejected({ ...base, aor: `sip:${SECRET}@example.com bad` });
    expect(error.record).toContain('***');
  });

  it('checkRegistrantConfig does not throw and returns all errors', () => {
    const result = checkRegistrantConfig({ registrar: 'sip:r.example.com' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field)).toEqual(['aor', 'contact']);
    const good = checkRegistrantConfig(base);
    expect(good.ok && good.config.aor).toBe('sip:alice@example.com');
  });

  it('describeRecord marks missing identity fields', () => {
    expect(describeRecord({ aor: 'sip:a@b' })).toBe('aor=sip:a@b contact=(missing) registrar=(missing)');
    expect(describeRecord({ aor: 5 })).toContain('aor=(number 5)');
  });
});

describe('registrantKey', () => {
  it('is the (aor, contact, registrar) identity, unambiguous and stable', () => {
    const key = registrantKey(base);
    expect(key).toBe(registrantKey({ ...base, expiry: 5 } as typeof base));
    expect(JSON.parse(key)).toEqual([base.aor, base.contact, base.registrar]);
    expect(registrantKey({ aor: 'a', contact: 'b,c', registrar: 'd' })).not.toBe(
      registrantKey({ aor: 'a', contact: 'b', registrar: 'c,d' }),
    );
    expect(key).not.toContain(SECRET);
  });
});
