import { describe, expect, it } from 'vitest';
import { DaemonConfigError, parseDaemonConfig } from '../../../src/cli/config-file/index.js';
import { parseModparamLine } from '../../../src/cli/config-file/uac-lines.js';

const LINE = 'sip:registrar.example.com,,sip:a@example.com,,a,pw-a-1234,sip:a@127.0.0.1,,600,';

function parse(text: string) {
  return parseDaemonConfig(text, { file: 'lines.uac', format: 'uac', env: {} });
}

function failure(text: string): DaemonConfigError {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(DaemonConfigError);
    return error as DaemonConfigError;
  }
  throw new Error('expected a DaemonConfigError');
}

describe('uac-lines format', () => {
  it('reads bare lines and modparam lines; skips blanks and # comments; keeps line numbers', () => {
    const text = [
      '# header',
      '',
      LINE,
      '   # indented comment',
      `modparam("uac_registrant", "uac", "${LINE.replace('sip:a@', 'sip:b@').replace('sip:a@', 'sip:b@')}");`,
      `\tmodparam ( "uac_registrant" , "uac" , "${LINE.replace(/sip:a@/g, 'sip:c@')}" )  # trailing`,
    ].join('\r\n');
    const config = parse(text);
    expect(config.accounts.map((a) => a.aor)).toEqual([
      'sip:a@example.com',
      'sip:b@example.com',
      'sip:c@example.com',
    ]);
    expect(config.accountLines).toEqual([3, 5, 6]);
    expect(config.accounts[0]).toMatchObject({ username: 'a', password: 'pw-a-1234', expiry: 600 });
  });

  it('a bad line is named by file:line with the library message; every bad line is listed', () => {
    const error = failure(
      [
        LINE,
        'sip:registrar.example.com,,sip:x@example.com,,x,pw-x-1234,sip:x@127.0.0.1,,soon,',
        'garbage',
      ].join('\n'),
    );
    expect(error.problems.map((p) => p.message)).toEqual([
      'lines.uac:2: uac[1] (sip:x@example.com): uac field 9 (expiry): expected digits only (seconds), or empty for 3600',
      'lines.uac:3: uac[2]: uac: expected 10 comma-separated fields (empty optional fields allowed), found 1',
    ]);
    expect(error.line).toBe(2);
    expect(error.account).toEqual({ index: 1, aor: 'sip:x@example.com', list: 'uac' });
  });

  it('reads uac_registrant module settings as manager options, quoted or bare integers', () => {
    const config = parseDaemonConfig(
      [
        'modparam("uac_registrant", "hash_size", 4)',
        "modparam('uac_registrant', 'timer_interval', \"30\");  # sweep",
        'modparam("uac_registrant", "reregister_expiry_percentage", 80)',
        'modparam("uac_registrant", "failure_retry_interval", 0)',
        'sip:registrar.example.com,,sip:x@example.com,,x,pw-x-1234,sip:x@127.0.0.1,,3600,',
      ].join('\n'),
      { file: 'lines.uac', format: 'uac' },
    );
    // failure_retry_interval 0 is OpenSIPS' "unset": the default policy applies.
    expect(config.manager).toEqual({ hashSize: 4, timerInterval: 30, reregisterExpiryPercentage: 80 });
    expect(config.accounts).toHaveLength(1);
    expect(config.accountLines).toEqual([5]);
  });

  it('refuses module settings it cannot honour, and values the manager would refuse, naming the line', () => {
    expect(failure('modparam("uac_registrant", "db_url", "mysql://x")').message).toBe(
      'lines.uac:1: modparam("uac_registrant", "db_url"): not used by sip-registrant in a uac-lines file (supported: hash_size, timer_interval, failure_retry_interval, reregister_expiry_percentage, uac)',
    );
    expect(failure('modparam("uac_registrant", "hash_size", "four")').message).toBe(
      'lines.uac:1: modparam("uac_registrant", "hash_size"): expected a non-negative integer, received "four"',
    );
    expect(failure('\nmodparam("uac_registrant", "hash_size", 99)').message).toMatch(
      /^lines\.uac:2: manager\.hashSize: /,
    );
    expect(
      failure(
        'modparam("uac_registrant", "timer_interval", 9)\nmodparam("uac_registrant", "timer_interval", 9)',
      ).message,
    ).toBe('lines.uac:2: modparam("uac_registrant", "timer_interval"): set twice');
    expect(failure('modparam("tm", "uac", "x")').message).toMatch(/found modparam\("tm", …\)$/);
    expect(failure('modparam("uac_registrant", "uac")').message).toBe(
      'lines.uac:1: modparam takes 3 arguments, found 2',
    );
  });

  it.each([
    ['modparam "a", "b", "c")', /missing '\('/],
    ['modparam("uac_registrant", "uac", "unterminated)', /argument 3 is not a complete quoted string/],
    ['modparam("uac_registrant", "uac", "x" "y")', /expected ',' or '\)' after argument 3/],
    ['modparam("uac_registrant", "uac", "x") extra', /unexpected text after '\)'/],
  ])('malformed modparam %j', (line, message) => {
    expect(failure(line).message).toMatch(message);
  });

  it('parseModparamLine unescapes cfg strings', () => {
    expect(parseModparamLine(`modparam('a\\'b', "c\\"d", "e\\\\f")`)).toEqual({
      args: ["a'b", 'c"d', 'e\\f'],
    });
  });

  it('a duplicate identity names both lines', () => {
    expect(failure(`${LINE}\n\n${LINE}\n`).message).toBe(
      'lines.uac:3: uac[1] (sip:a@example.com): same aor, contact and registrar as uac[0] (line 1): each account must differ in at least one of them',
    );
  });

  it('never shows the password of a bad line', () => {
    const error = failure(
      [
        'sip:registrar.example.com,,sip:a@example.com,,a,hunter2-secret,,,,',
        'modparam("uac_registrant", "uac", "sip:r.example.com,,sip:a@x.com,,a,hunter2-secret,sip:a@1.2.3.4,;x=\\"y,600,")',
        'modparam("uac_registrant", "uac", "hunter2-secret',
        'sip:hunter2-secret@r.example.com,,sip:a@x.com,,a,hunter2-secret,sip:a@1.2.3.4,,600,',
      ].join('\n'),
    );
    expect(error.problems.length).toBeGreaterThanOrEqual(4);
    expect(error.message).not.toContain('hunter2');
    expect(JSON.stringify(error.problems)).not.toContain('hunter2');
  });

  it('an empty file has no accounts', () => {
    expect(parse('# nothing\n\n').accounts).toEqual([]);
    expect(parse('').accountLines).toEqual([]);
  });
});
