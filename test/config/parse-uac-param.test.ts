import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseUacParam, UAC_PARAM_FIELDS } from '../../src/config/parse-uac-param.js';
import { validateRegistrantConfig } from '../../src/config/validate-registrant-config.js';
import { RegistrantConfigError } from '../../src/errors.js';

const SECRET = 'pa55-w0rd-XYZ';

function rejected(csv: string): RegistrantConfigError {
  try {
    parseUacParam(csv);
  } catch (error) {
    expect(error).toBeInstanceOf(RegistrantConfigError);
    const e = error as RegistrantConfigError;
    for (const text of [e.message, JSON.stringify(e), inspect(e), e.record])
      expect(text).not.toContain(SECRET);
    return e;
  }
  throw new Error(`expected ${csv} to be rejected`);
}

describe('parseUacParam (OpenSIPS 1.7 uac strings)', () => {
  it('reads the manual example: registrar, empty proxy, AOR, empty third party, user, password, contact, three empty fields', () => {
    const config = parseUacParam(
      'sip:registrar.com,,sip:user@domain.com,,user,password,sip:user@localhost,,,',
    );
    expect(config).toEqual({
      registrar: 'sip:registrar.com',
      aor: 'sip:user@domain.com',
      username: 'user',
      password: 'password',
      contact: 'sip:user@localhost',
    });
    // an empty expiry means 3600 once validated, as OpenSIPS default_expires
    expect(validateRegistrantConfig(config).expiry).toBe(3600);
  });

  it('reads all ten fields', () => {
    const config = parseUacParam(
      'sip:registrar.example.com,sip:proxy.example.com,sip:alice@example.com,sip:pbx@example.com,alice,' +
        `${SECRET},sip:alice@192.0.2.10:5060,;reg-id=1;+sip.instance="<urn:uuid:1-2-3>",600,udp:192.0.2.10:5060`,
    );
    expect(config).toEqual({
      registrar: 'sip:registrar.example.com',
      proxy: 'sip:proxy.example.com',
      aor: 'sip:alice@example.com',
      thirdPartyRegistrant: 'sip:pbx@example.com',
      username: 'alice',
      password: SECRET,
      contact: 'sip:alice@192.0.2.10:5060',
      contactParams: ';reg-id=1;+sip.instance="<urn:uuid:1-2-3>"',
      expiry: 600,
      socket: 'udp:192.0.2.10:5060',
    });
  });

  it('allows a comma inside a quoted binding parameter', () => {
    const config = parseUacParam('sip:r.example.com,,sip:a@example.com,,,,sip:a@192.0.2.1,;x="a,b",,');
    expect(config.contactParams).toBe(';x="a,b"');
  });

  it('trims spaces around fields', () => {
    expect(parseUacParam(' sip:r.example.com , , sip:a@example.com ,,,, sip:a@192.0.2.1 ,,60,').expiry).toBe(
      60,
    );
  });

  it('names the field count problem without echoing the string (it holds the password)', () => {
    const error = rejected(`sip:r.example.com,,sip:a@example.com,,user,${SECRET},sip:a@192.0.2.1,,`);
    expect(error.message).toMatch(/expected 10 comma-separated fields .* found 9/);
    expect(rejected(`sip:r,,sip:a@b,,u,${SECRET},sip:c@d,,,,`).message).toMatch(/found 11/);
    expect(rejected('sip:r,,sip:a@b,,u,"open,sip:c@d,,,').message).toMatch(/unterminated/);
  });

  it.each([
    [0, 'sip:r.example.com'],
    [2, 'sip:a@example.com'],
    [6, 'sip:a@192.0.2.1'],
  ])('a missing mandatory field %i is named by number and name', (index, _value) => {
    const fields = ['sip:r.example.com', '', 'sip:a@example.com', '', '', '', 'sip:a@192.0.2.1', '', '', ''];
    fields[index] = '';
    const error = rejected(fields.join(','));
    expect(error.message).toContain(`uac field ${index + 1} (${UAC_PARAM_FIELDS[index]!.name}): is required`);
    expect(error.field).toBe(UAC_PARAM_FIELDS[index]!.field);
    // Reported once, not once more by the validator behind it.
    expect(error.errors.filter((found) => found.field === UAC_PARAM_FIELDS[index]!.field)).toHaveLength(1);
  });

  it('a field shifted by a missing one never quotes its value (it may be the password)', () => {
    // username given, password missing: "LeakPw22" lands in the binding-params field.
    const error = rejected('sip:r.example.com,,sip:a@example.com,,alice,sip:a@192.0.2.1,LeakPw22,,3600,');
    expect(error.message).not.toContain('LeakPw22');
    expect(JSON.stringify(error.errors)).not.toContain('LeakPw22');
  });

  it('expiry must be digits only', () => {
    for (const bad of ['60s', '-1', '1e3', '0x10', '99999999999999999']) {
      const error = rejected(`sip:r.example.com,,sip:a@example.com,,,,sip:a@192.0.2.1,,${bad},`);
      expect(error.message).toContain('uac field 9 (expiry): expected digits only');
    }
    expect(rejected('sip:r.example.com,,sip:a@example.com,,,,sip:a@192.0.2.1,,0,').message).toContain(
      'uac field 9 (expiry): expected an integer number of seconds',
    );
  });

  it('validation problems are reported with the uac field number, in field order, password never shown', () => {
    const error = rejected(
      `sip:bob@r.example.com,sip:x@proxy.example.com,sip:a@example.com,,user,${SECRET},sip:a@192.0.2.1,noparams,,sctp:1.2.3.4:5`,
    );
    expect(error.errors.map((e) => e.message.split(':')[0])).toEqual([
      'uac field 1 (registrar)',
      'uac field 2 (proxy)',
      'uac field 8 (binding params)',
      'uac field 10 (forced socket)',
    ]);
    expect(error.record).toContain('aor=sip:a@example.com');
  });

  it('username without password is an error naming field 6', () => {
    const error = rejected('sip:r.example.com,,sip:a@example.com,,user,,sip:a@192.0.2.1,,,');
    expect(error.message).toContain('uac field 6 (password): is required when username is set');
  });

  it('rejects a non-string', () => {
    expect(() => parseUacParam(42 as unknown as string)).toThrow(RegistrantConfigError);
  });
});
