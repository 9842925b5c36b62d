import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DaemonConfig,
  DaemonConfigError,
  type DaemonConfigFormat,
  parseDaemonConfig,
} from '../../../src/cli/config-file/index.js';

const ACCOUNT = 'registrar: sip:registrar.example.com\n    contact: sip:a@127.0.0.1';

function parse(
  text: string,
  env: Record<string, string> = {},
  format: DaemonConfigFormat = 'yaml',
): DaemonConfig {
  return parseDaemonConfig(text, { file: 'accounts.yaml', format, env });
}

function failure(
  text: string,
  env: Record<string, string> = {},
  format: DaemonConfigFormat = 'yaml',
): DaemonConfigError {
  try {
    parse(text, env, format);
  } catch (error) {
    expect(error).toBeInstanceOf(DaemonConfigError);
    return error as DaemonConfigError;
  }
  throw new Error('expected a DaemonConfigError');
}

describe('daemon config: accounts', () => {
  it('an account error reads file:line: accounts[i] (aor): field: problem, with the library message', () => {
    const text = [
      'accounts:',
      '  - aor: sip:a@example.com',
      `    ${ACCOUNT}`,
      '  - aor: sip:alice@example.com',
      `    ${ACCOUNT}`,
      '    expiry: abc',
    ].join('\n');
    const error = failure(text);
    expect(error.code).toBe('ERR_DAEMON_CONFIG');
    expect(error.message).toBe(
      'accounts.yaml:8: accounts[1] (sip:alice@example.com): expiry: expected an integer number of seconds 1..4294967295, received string abc',
    );
    expect(error.file).toBe('accounts.yaml');
    expect(error.line).toBe(8);
    expect(error.account).toEqual({ index: 1, aor: 'sip:alice@example.com', list: 'accounts' });
    expect(error.field).toBe('accounts[1].expiry');
    expect(error.problems).toHaveLength(1);
  });

  it('lists every problem of the file, in line order, one per line of the message', () => {
    const text = [
      'acounts:', // 1: misspelt section
      'accounts:',
      '  - aor: sip:a@example.com',
      '    expires: 60', // 4: unknown field (OpenSIPS spelling)
      `    ${ACCOUNT}`,
      'status:',
      '  port: 70000', // 8
    ].join('\n');
    const error = failure(text);
    expect(error.problems.map((p) => p.line)).toEqual([1, 4, 8]);
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^accounts\.yaml:1: "acounts" is not a known top-level key \(did you mean "accounts"\?\)/,
    );
    expect(lines[1]).toMatch(
      /^accounts\.yaml:4: accounts\[0\] \(sip:a@example\.com\): expires: is not a known field \(did you mean "expiry"\?\)/,
    );
    expect(lines[2]).toBe(
      'accounts.yaml:8: status.port: expected an integer 0..65535, received number 70000',
    );
  });

  it('merges defaults under each account; the account wins; a bad default names its own line', () => {
    const ok = parse(
      'defaults:\n  registrar: sip:r.example.com\n  expiry: 120\naccounts:\n  - {aor: "sip:a@x.com", contact: "sip:a@1.2.3.4"}\n  - {aor: "sip:b@x.com", contact: "sip:b@1.2.3.4", expiry: 60, registrar: "sip:other.example.com"}\n',
    );
    expect(ok.accounts.map((a) => [a.registrar, a.expiry])).toEqual([
      ['sip:r.example.com', 120],
      ['sip:other.example.com', 60],
    ]);
    const error = failure(
      'defaults:\n  registrar: sip:r.example.com\n  expiry: -5\naccounts:\n  - {aor: "sip:a@x.com", contact: "sip:a@1.2.3.4"}\n',
    );
    expect(error.message).toMatch(
      /^accounts\.yaml:3: accounts\[0\] \(sip:a@x\.com\): expiry: expected an integer .* \(from defaults\)$/,
    );
    expect(failure('defaults:\n  expirey: 5\n').message).toMatch(
      /^accounts\.yaml:2: defaults: "expirey" is not a known account field \(did you mean "expiry"\?\)/,
    );
  });

  it('an explicit null on the account removes a default', () => {
    const config = parse(
      'defaults:\n  registrar: sip:r.example.com\n  proxy: sip:p.example.com\naccounts:\n  - {aor: "sip:a@x.com", contact: "sip:a@1.2.3.4", proxy: ~}\n',
    );
    expect(config.accounts[0]).not.toHaveProperty('proxy');
  });

  it('passwordEnv reads the injected environment; a missing variable names the account and the variable', () => {
    const text = `accounts:\n  - aor: sip:a@example.com\n    ${ACCOUNT}\n    username: a\n    passwordEnv: A_PW\n`;
    expect(parse(text, { A_PW: 'from-env' }).accounts[0]?.password).toBe('from-env');
    const missing = failure(text, {});
    expect(missing.message).toBe(
      'accounts.yaml:6: accounts[0] (sip:a@example.com): passwordEnv: environment variable A_PW is not set',
    );
    expect(missing.problems).toHaveLength(1); // not also "password is required when username is set"
    expect(failure(text, { A_PW: '' }).message).toMatch(/A_PW is empty/);
    expect(failure(text.replace('A_PW', '"A-PW"')).message).toMatch(
      /passwordEnv: expected an environment variable name/,
    );
    expect(failure(`${text}    password: x\n`, { A_PW: 'y' }).message).toMatch(
      /give either password or passwordEnv, not both/,
    );
  });

  it('an account password replaces a passwordEnv default (and the reverse)', () => {
    const text =
      'defaults:\n  registrar: sip:r.example.com\n  username: u\n  passwordEnv: DEF_PW\naccounts:\n  - {aor: "sip:a@x.com", contact: "sip:a@1.2.3.4", password: own}\n  - {aor: "sip:b@x.com", contact: "sip:b@1.2.3.4"}\n';
    expect(parse(text, { DEF_PW: 'shared' }).accounts.map((a) => a.password)).toEqual(['own', 'shared']);
  });

  it('plain scalars in text fields keep the text as written (0123, 0x…, true)', () => {
    const config = parse(
      `accounts:\n  - aor: sip:a@example.com\n    ${ACCOUNT}\n    username: 0123\n    password: 0x0123456789abcdef0123456789abcdef\n`,
    );
    expect(config.accounts[0]).toMatchObject({
      username: '0123',
      password: '0x0123456789abcdef0123456789abcdef',
    });
  });

  it('a duplicate identity (aor, contact, registrar) names both lines, across accounts and uac', () => {
    const text = [
      'accounts:',
      '  - aor: sip:a@example.com',
      `    ${ACCOUNT}`,
      'uac:',
      '  - sip:registrar.example.com,,sip:a@example.com,,,,sip:a@127.0.0.1,,,',
    ].join('\n');
    const error = failure(text);
    expect(error.message).toBe(
      'accounts.yaml:6: uac[0] (sip:a@example.com): same aor, contact and registrar as accounts[0] (line 2): each account must differ in at least one of them',
    );
    expect(error.account).toEqual({ index: 0, aor: 'sip:a@example.com', list: 'uac' });
    // Same AOR with another contact is another record.
    expect(parse(text.replace('sip:a@127.0.0.1,,', 'sip:a@127.0.0.2,,')).accounts).toHaveLength(2);
  });

  it('uac entries: library messages with file:line, and not-a-string entries', () => {
    const error = failure(
      'uac:\n  - "sip:r.example.com,,sip:a@example.com,,a,pw-1234,,,,"\n  - {a: 1}\n  - 42\n',
    );
    expect(error.problems.map((p) => p.message)).toEqual([
      'accounts.yaml:2: uac[0] (sip:a@example.com): uac field 7 (binding URI): is required',
      'accounts.yaml:3: uac[1]: expected a uac string of ten comma-separated fields, received a mapping',
      'accounts.yaml:4: uac[2]: uac: expected 10 comma-separated fields (empty optional fields allowed), found 1',
    ]);
  });

  it('accounts must be a list of mappings', () => {
    expect(failure('accounts: sip:a@b\n').message).toMatch(
      /^accounts\.yaml:1: accounts: expected a list of account mappings/,
    );
    expect(failure('accounts:\n  - sip:a@b\n').message).toMatch(
      /^accounts\.yaml:2: accounts\[0\]: expected a mapping of account fields/,
    );
  });
});

describe('daemon config: listen, status, log', () => {
  it('reads the short and long forms', () => {
    const config = parse(
      'listen:\n  - UDP:127.0.0.1:5070\n  - tcp:[::1]:5061\n  - protocol: tcp\n  - protocol: udp\n    host: "[::1]"\n    port: 5062\n    advertisedHost: sip.example.com\n',
    );
    expect(config.listen).toEqual([
      { protocol: 'udp', host: '127.0.0.1', port: 5070, text: 'udp:127.0.0.1:5070' },
      { protocol: 'tcp', host: '::1', port: 5061, text: 'tcp:[::1]:5061' },
      { protocol: 'tcp', host: '0.0.0.0', port: 5060, text: 'tcp:0.0.0.0:5060' },
      { protocol: 'udp', host: '::1', port: 5062, advertisedHost: 'sip.example.com', text: 'udp:[::1]:5062' },
    ]);
    expect(parse('listen: udp:127.0.0.1:0\n').listen?.map((l) => l.port)).toEqual([0]);
    expect(parse('accounts: []\n').listen).toBeUndefined();
  });

  it('a TLS listener needs a real PEM certificate and key: the short form, missing or bad files are errors', () => {
    expect(() => parse('listen:\n  - tls:[::1]:5061\n')).toThrow(
      'accounts.yaml:2: listen[0]: tls needs a certificate and its key: give it in the config file as a mapping',
    );
    expect(() => parse('listen:\n  - protocol: tls\n    cert: c.pem\n')).toThrow(
      'accounts.yaml:2: listen[0].key: is required for protocol tls (a PEM file)',
    );
    expect(() =>
      parseDaemonConfig('listen:\n  - protocol: tls\n    cert: c.pem\n    key: k.pem\n', {
        file: 'accounts.yaml',
        format: 'yaml',
        env: {},
        readFile: () => Buffer.from('not pem at all'),
      }),
    ).toThrow(/accounts\.yaml:3: listen\[0\]\.cert: "\/.*c\.pem" is not a PEM certificate/);
  });

  it.each([
    ['listen:\n  - sctp:127.0.0.1:5060\n', 2, 'listen[0]: protocol must be udp, tcp or tls, received "sctp"'],
    [
      'listen:\n  - udp:example.com:5060\n',
      2,
      'listen[0]: host must be an IP address to bind (IPv4, or IPv6 in brackets), received "example.com"',
    ],
    ['listen:\n  - udp:::1:5060\n', 2, /write an IPv6 address in brackets/],
    ['listen:\n  - udp:127.0.0.1:70000\n', 2, 'listen[0]: port must be a number 0..65535, received "70000"'],
    ['listen:\n  - udp:127.0.0.1\n', 2, /expected proto:host:port/],
    ['listen: []\n', 1, /at least one address/],
    ['listen:\n  - udp:127.0.0.1:5060\n  - udp:127.0.0.1:5060\n', 3, /listed twice \(first at line 2\)/],
    [
      'listen:\n  - protocol: udp\n    cert: a.pem\n',
      3,
      'listen[0].cert: only applies to protocol tls (this entry is udp)',
    ],
    ['listen:\n  - host: 127.0.0.1\n', 2, 'listen[0].protocol: is required (udp, tcp or tls)'],
    [
      'listen:\n  - protocol: udp\n    prot: 5\n',
      3,
      /"prot" is not a known listen key \(did you mean "port"\?\)/,
    ],
    [
      'listen:\n  - protocol: udp\n    port: "5060"\n',
      3,
      'listen[0].port: expected an integer 0..65535, received string "5060"',
    ],
    [
      'listen:\n  - protocol: tls\n    rejectUnauthorized: no\n',
      2, // the missing cert and key come first; the message lists every problem
      /rejectUnauthorized: expected true or false/,
    ],
    ['status:\n  port: 0x10000\n', 2, 'status.port: expected an integer 0..65535, received number 65536'],
    ['status:\n  host: 127.0.0.1\n', 1, 'status.port: is required (0..65535; 0 picks a free port)'],
    ['status:\n  port: 80\n  host: "bad host"\n', 3, /status\.host: expected an IP address or host name/],
    ['status:\n  port: 80\n  hots: x\n', 3, /"hots" is not a known status key \(did you mean "host"\?\)/],
    ['status: 9090\n', 1, /status: expected a mapping \(host, port\), received number 9090/],
    ['log:\n  format: xml\n', 2, 'log.format: expected one of text, json, received string "xml"'],
    [
      'log:\n  level: verbose\n',
      2,
      'log.level: expected one of debug, info, warn, error, received string "verbose"',
    ],
  ])('%j → line %i', (text, line, message) => {
    const error = failure(text);
    expect(error.line).toBe(line);
    if (typeof message === 'string') expect(error.message).toBe(`accounts.yaml:${line}: ${message}`);
    else expect(error.message).toMatch(message);
  });

  it('status host defaults to loopback; IPv6 and names accepted', () => {
    expect(parse('status:\n  port: 9090\n').status).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(parse('status:\n  port: 9090\n  host: "[::1]"\n').status).toEqual({ host: '::1', port: 9090 });
    expect(parse('status:\n  port: 9090\n  host: localhost\n').status).toEqual({
      host: 'localhost',
      port: 9090,
    });
  });
});

describe('daemon config: manager options (validated by the manager resolver)', () => {
  it('accepts the plain-data options and returns them as written', () => {
    const config = parse(
      'manager:\n  hashSize: 3\n  userAgent: sbc/2\n  maxRegistersPerSecond: 10\n  transactionTimers: {t1: 250, t2: 2000}\n',
    );
    expect(config.manager).toEqual({
      hashSize: 3,
      userAgent: 'sbc/2',
      maxRegistersPerSecond: 10,
      transactionTimers: { t1: 250, t2: 2000 },
    });
    expect(Object.isFrozen(config.manager)).toBe(true);
  });

  it.each([
    [
      'manager:\n  hash_size: 3\n',
      2,
      /manager: "hash_size" is not a known manager option \(did you mean "hashSize"\?\)/,
    ],
    ['manager:\n  transport: x\n', 2, /"transport" is not a known manager option/],
    ['manager:\n  hashSize: "3"\n', 2, 'manager.hashSize: expected a number, received string "3"'],
    [
      'manager:\n  hashSize: 25\n',
      2,
      'manager.hashSize: expected an integer exponent 0..20 (2^hashSize buckets), received 25',
    ],
    [
      'manager:\n  timerInterval: 0\n',
      2,
      /^accounts\.yaml:2: manager\.timerInterval: expected a number of seconds > 0, received 0$/,
    ],
    [
      'manager:\n  backoffBase: 60\n  backoffMax: 30\n',
      3,
      /manager\.backoffMax: expected a number of seconds ≥ backoffBase \(60\), received 30/,
    ],
    [
      'manager:\n  registersBurst: 5\n',
      2,
      /manager\.registersBurst: expected to be given together with maxRegistersPerSecond/,
    ],
    [
      'manager:\n  transactionTimers:\n    t1: 500\n    t2: 100\n',
      4,
      /manager\.transactionTimers\.t2: expected a value >= t1 \(500 ms\), received 100/,
    ],
    ['manager:\n  transactionTimers:\n    t3: 1\n', 3, /"t3" is not a known timer/],
    ['manager:\n  userAgent: [a]\n', 2, 'manager.userAgent: expected a string, received a list'],
    ['manager: 5\n', 1, /manager: expected a mapping of manager options/],
  ])('%j → line %i', (text, line, message) => {
    const error = failure(text);
    expect(error.line).toBe(line);
    if (typeof message === 'string') expect(error.message).toBe(`accounts.yaml:${line}: ${message}`);
    else expect(error.message).toMatch(message);
  });
});

describe('daemon config: manager options', () => {
  it('every bad manager value is reported at once, each at its own line', () => {
    const error = failure(
      'manager:\n  timerInterval: 0\n  userAgent: "a\\u0000b"\n  transactionTimers:\n    t1: 0\n  stopTimeout: -1\n',
    );
    const fields = error.problems.map((problem) => `${problem.line} ${problem.field}`);
    expect(fields).toEqual(
      expect.arrayContaining(['2 manager.timerInterval', '3 manager.userAgent', '6 manager.stopTimeout']),
    );
    expect(fields.some((f) => f.includes('manager.transactionTimers'))).toBe(true);
    expect(error.problems).toHaveLength(4);
  });

  it('rules that tie options together still apply', () => {
    expect(failure('manager:\n  registersBurst: 50\n').message).toContain(
      'manager.registersBurst: expected to be given together with maxRegistersPerSecond',
    );
    expect(parse('manager:\n  maxRegistersPerSecond: 200\n  registersBurst: 50\n').manager).toEqual({
      maxRegistersPerSecond: 200,
      registersBurst: 50,
    });
  });
});

describe('daemon config: documents', () => {
  it('an empty document is an empty config', () => {
    expect(parse('# nothing yet\n')).toMatchObject({
      accounts: [],
      accountLines: [],
      listen: undefined,
      status: undefined,
      log: {},
      manager: {},
    });
  });

  it('the top level must be a mapping', () => {
    expect(failure('- a\n- b\n').message).toMatch(
      /^accounts\.yaml:1: expected a mapping with keys listen, status, log, manager, defaults, accounts, uac/,
    );
    expect(failure('[1]', {}, 'json').message).toMatch(/^accounts\.yaml:1: expected a mapping/);
  });

  it('a YAML or JSON syntax error is a DaemonConfigError with line and column', () => {
    const yaml = failure('status:\n  port: [1\n');
    expect(yaml.message).toBe(
      "accounts.yaml:2: YAML syntax error (column 9): unterminated flow collection: no ']' on this line (flow collections must be on one line)",
    );
    expect(yaml.line).toBe(2);
    const json = failure('{\n  "status": {"port": 1,}\n}', {}, 'json');
    expect(json.message).toBe(
      "accounts.yaml:2: JSON syntax error (column 24): trailing ',' before '}' is not allowed in JSON",
    );
  });

  it('JSON schema errors name their line too', () => {
    const error = failure(
      '{\n  "accounts": [\n    {"aor": "sip:a@x.com",\n     "contact": "sip:a@1.2.3.4",\n     "registrar": "sip:r.x.com",\n     "expiry": "soon"}\n  ]\n}',
      {},
      'json',
    );
    expect(error.message).toBe(
      'accounts.yaml:6: accounts[0] (sip:a@x.com): expiry: expected an integer number of seconds 1..4294967295, received string soon',
    );
  });

  it('rejects bad arguments with DaemonConfigError', () => {
    expect(() => parseDaemonConfig(42 as unknown as string, { file: 'f', format: 'yaml' })).toThrow(
      DaemonConfigError,
    );
    expect(() => parseDaemonConfig('', { file: 'f', format: 'toml' as DaemonConfigFormat })).toThrow(
      /format must be one of/,
    );
  });

  it('arbitrary text in any format: a config or a DaemonConfigError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 120 }),
        fc.constantFrom<DaemonConfigFormat>('yaml', 'json', 'uac'),
        (text, format) => {
          try {
            parseDaemonConfig(text, { file: 'f', format, env: {}, readFile: () => Buffer.from('x') });
          } catch (error) {
            if (!(error instanceof DaemonConfigError)) throw error;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('daemon config: passwords never appear in errors', () => {
  // A digit and a symbol in every password, so a random one is never a plain word of a message
  // ("rgumen" is in "argument": found as a false leak before this).
  const password = fc
    .stringMatching(/^[A-Za-z0-9!$%&*+\-.^_~]{4,22}$/)
    .map((middle) => `${middle.slice(0, 2)}7%${middle.slice(2)}`);

  /** Configs that are wrong in many ways, each holding the password somewhere. */
  const badConfigs = (
    pw: string,
  ): { text: string; format: DaemonConfigFormat; env: Record<string, string> }[] => [
    {
      format: 'yaml',
      env: {},
      text: `accounts:\n  - aor: sip:a@x.com\n    contact: sip:a@1.2.3.4\n    registrar: sip:r.x.com\n    username: u\n    password: "${pw}"\n    expiry: abc\n`,
    },
    {
      format: 'yaml',
      env: {},
      text: `accounts:\n  - aor: sip:a@x.com\n    contact: sip:a@1.2.3.4\n    registrar: sip:r.x.com\n    password: ${JSON.stringify(pw)}\n`,
    },
    {
      format: 'yaml',
      env: {},
      text: `accounts:\n  - aor: sip:a@x.com\n    contact: sip:${pw}@1.2.3.4\n    registrar: "sip:u:${pw}@r.x.com"\n    username: u\n    password: ${JSON.stringify(pw)}\n    pasword: ${JSON.stringify(pw)}\n`,
    },
    {
      format: 'yaml',
      env: { PW: `${pw}\r\n` },
      text: 'accounts:\n  - aor: sip:a@x.com\n    contact: sip:a@1.2.3.4\n    registrar: sip:r.x.com\n    username: u\n    passwordEnv: PW\n',
    },
    {
      format: 'yaml',
      env: {},
      text: `accounts:\n  - aor: sip:a@x.com\n    contact: sip:a@1.2.3.4\n    registrar: sip:r.x.com\n    username: u\n    password: [${JSON.stringify(pw)}]\n`,
    },
    { format: 'yaml', env: {}, text: `accounts:\n  - aor: sip:a@x.com\n    password: "${pw}\n` },
    { format: 'yaml', env: {}, text: `accounts:\n  - aor: sip:a@x.com\n    password: ${pw}: x\n` },
    { format: 'json', env: {}, text: `{"accounts": [{"aor": "sip:a@x.com", "password": "${pw}\\q"}]}` },
    { format: 'json', env: {}, text: `{"accounts": [{"aor": "sip:a@x.com", "password": ${pw}}]}` },
    {
      format: 'yaml',
      env: {},
      text: `uac:\n  - "sip:r.x.com,,sip:a@x.com,,a,${pw},,,abc,"\n  - "sip:r.x.com,,sip:${pw}@x.com,,a,${pw},sip:a@1.2.3.4,,,"\n  - "sip:r.x.com,,sip:${pw}@x.com,,a,${pw},sip:a@1.2.3.4,,,"\n`,
    },
    {
      format: 'uac',
      env: {},
      text: `sip:r.x.com,,sip:a@x.com,,a,${pw},,,abc,\nmodparam("uac_registrant", "uac", "sip:r.x.com,,sip:a@x.com,,a,${pw},sip:a@1.2.3.4,;bad,0,")\nmodparam("uac_registrant", "uac", "x,${pw}"\n`,
    },
  ];

  it('a password written in the AOR URI is masked in the account label', () => {
    let error: unknown;
    try {
      parseDaemonConfig(
        'accounts:\n  - aor: sip:alice:hunter2x@example.com\n    registrar: sip:example.com\n    contact: sip:alice@192.0.2.1\n',
        {
          file: 'leak.yaml',
          format: 'yaml',
          env: {},
        },
      );
    } catch (e) {
      error = e;
    }
    const e = error as DaemonConfigError;
    expect(e.message).toContain('(sip:alice:***@example.com)');
    expect(e.message + JSON.stringify(e.problems)).not.toContain('hunter2x');
  });

  it('in messages and in the problem list, for any password', () => {
    fc.assert(
      fc.property(password, (pw) => {
        for (const { text, format, env } of badConfigs(pw)) {
          let error: unknown;
          try {
            parseDaemonConfig(text, { file: 'f', format, env });
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(DaemonConfigError);
          const e = error as DaemonConfigError;
          expect(e.message).not.toContain(pw);
          expect(JSON.stringify(e.problems)).not.toContain(pw);
          expect(String(e.stack)).not.toContain(pw);
        }
      }),
      { numRuns: 200 },
    );
  });
});
