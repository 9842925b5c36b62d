import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  challengeSetOf,
  createDigestAuthenticator,
  type DigestAuthenticatorOptions,
  type DigestAuthorization,
} from '../../src/auth/digest-authenticator.js';
import { DigestAuthError, SipInvalidArgumentError } from '../../src/errors.js';
import { SipHeaders } from '../../src/sip/headers.js';
import type { SipResponse } from '../../src/sip/message.js';

const PASSWORD = 'Pa55-very-SECRET-word';
const creds = { username: 'alice', password: PASSWORD };
const register = { method: 'REGISTER', uri: 'sip:example.com' };

/** Deterministic random source: bytes 1,2,3… then 17,18,… so every cnonce is distinct and known. */
function counterBytes(): (size: number) => Uint8Array {
  let next = 0;
  return (size) => Uint8Array.from({ length: size }, () => ++next & 0xff);
}

function auth(options: DigestAuthenticatorOptions = {}) {
  return createDigestAuthenticator({ randomBytes: counterBytes(), ...options });
}

/** Parse our own output back, independently of the library's parser. */
function fields(value: string): Record<string, string> {
  expect(value.startsWith('Digest ')).toBe(true);
  const out: Record<string, string> = {};
  const re = /([a-z]+)=("((?:[^"\\]|\\.)*)"|[^,\s]+)/g;
  for (const m of value.slice(7).matchAll(re)) out[m[1]!] = m[3] !== undefined ? `"${m[3]}"` : m[2]!;
  return out;
}

function unq(text: string | undefined): string | undefined {
  return text?.startsWith('"') ? text.slice(1, -1).replace(/\\(.)/g, '$1') : text;
}

/** Independent expected response computed with node:crypto directly. */
function expectedResponse(
  hash: string,
  a: { username: string; realm: string; password: string; method: string; uri: string; nonce: string },
  qop?: { qop: string; nc: string; cnonce: string; body?: string; sess?: boolean },
): string {
  const H = (s: string) => createHash(hash).update(s, 'utf8').digest('hex');
  let ha1 = H(`${a.username}:${a.realm}:${a.password}`);
  if (qop?.sess) ha1 = H(`${ha1}:${a.nonce}:${qop.cnonce}`);
  const ha2 = H(
    qop?.qop === 'auth-int' ? `${a.method}:${a.uri}:${H(qop.body ?? '')}` : `${a.method}:${a.uri}`,
  );
  if (!qop) return H(`${ha1}:${a.nonce}:${ha2}`);
  return H(`${ha1}:${a.nonce}:${qop.nc}:${qop.cnonce}:${qop.qop}:${ha2}`);
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('DigestAuthenticator — building credentials', () => {
  it('DIG-01 answers a 401 in Authorization and a 407 in Proxy-Authorization', () => {
    const a = auth();
    const row = 'Digest realm="example.com", nonce="abc", qop="auth"';
    expect(a.authorize(register, { status: 401, rows: [row] }, creds)[0]!.headerName).toBe('Authorization');
    expect(a.authorize(register, { status: 407, rows: [row] }, creds)[0]!.headerName).toBe(
      'Proxy-Authorization',
    );
    expect(() => a.authorize(register, { status: 403, rows: [row] }, creds)).toThrow(SipInvalidArgumentError);
  });

  it('DIG-24 DIG-25 DIG-26 DIG-29 DIG-30 produces a correct qop=auth answer for REGISTER', () => {
    const a = auth();
    const [result] = a.authorize(
      { method: 'REGISTER', uri: 'sip:registrar.example.com:5070;transport=tcp' },
      { status: 401, rows: ['Digest realm="example.com", nonce="n+/=1", qop="auth", algorithm=MD5'] },
      creds,
    );
    const f = fields(result!.value);
    expect(f.username).toBe('"alice"');
    expect(f.realm).toBe('"example.com"');
    expect(f.nonce).toBe('"n+/=1"');
    expect(f.uri).toBe('"sip:registrar.example.com:5070;transport=tcp"');
    expect(f.qop).toBe('auth');
    expect(f.nc).toBe('00000001');
    expect(f.algorithm).toBe('MD5');
    const cnonce = unq(f.cnonce)!;
    expect(cnonce).toBe('0102030405060708090a0b0c0d0e0f10'); // 16 bytes from the injected source, hex
    expect(unq(f.response)).toBe(
      expectedResponse(
        'md5',
        {
          ...creds,
          realm: 'example.com',
          method: 'REGISTER',
          uri: 'sip:registrar.example.com:5070;transport=tcp',
          nonce: 'n+/=1',
        },
        { qop: 'auth', nc: '00000001', cnonce },
      ),
    );
    expect(result).toMatchObject({
      realm: 'example.com',
      algorithm: 'MD5',
      qop: 'auth',
      nc: '00000001',
      stale: false,
    });
  });

  it('DIG-29 default cnonce comes from crypto: 32 hex digits, different each time', () => {
    const a = createDigestAuthenticator();
    const row = 'Digest realm="r", nonce="n", qop="auth"';
    const c1 = unq(fields(a.authorize(register, { status: 401, rows: [row] }, creds)[0]!.value).cnonce)!;
    const c2 = unq(fields(a.authorize(register, { status: 401, rows: [row] }, creds)[0]!.value).cnonce)!;
    expect(c1).toMatch(/^[0-9a-f]{32}$/);
    expect(c2).not.toBe(c1);
  });

  it('DIG-27 no qop in the challenge → none of qop, nc, cnonce; RFC 2069 response', () => {
    const a = auth();
    const [result] = a.authorize(
      { method: 'INVITE', uri: 'sip:bob@biloxi.com' },
      {
        status: 401,
        rows: [
          'Digest realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
        ],
      },
      { username: 'bob', password: 'zanzibar' },
    );
    const f = fields(result!.value);
    expect(f.qop).toBeUndefined();
    expect(f.nc).toBeUndefined();
    expect(f.cnonce).toBeUndefined();
    expect(f.algorithm).toBeUndefined(); // DIG-31: the server sent none
    expect(unq(f.response)).toBe('bf57e4e0d0bffc0fbaedce64d59add5e'); // draft-smith-sipping-auth-examples §3.1
    expect(result!.nc).toBeUndefined();
    expect(result!.qop).toBeUndefined();
  });

  it('DIG-27 chooses auth when both are offered, auth-int only when auth is not', () => {
    const a = auth();
    const both = a.authorize(
      register,
      { status: 401, rows: ['Digest realm="r", nonce="n", qop="auth-int, auth"'] },
      creds,
    );
    expect(both[0]!.qop).toBe('auth');
    const body = 'some body';
    const [onlyInt] = a.authorize(
      { ...register, body },
      { status: 401, rows: ['Digest realm="r", nonce="m", qop="auth-int"'] },
      creds,
    );
    const f = fields(onlyInt!.value);
    expect(f.qop).toBe('auth-int');
    expect(unq(f.response)).toBe(
      expectedResponse(
        'md5',
        { ...creds, realm: 'r', ...register, nonce: 'm' },
        { qop: 'auth-int', nc: '00000001', cnonce: unq(f.cnonce)!, body },
      ),
    );
  });

  it('DIG-28 counts nc per nonce: 00000001, 00000002 … 0000000a, restarting for a new nonce', () => {
    const a = auth();
    const rowA = 'Digest realm="r", nonce="A", qop="auth"';
    const ncs: string[] = [];
    for (let i = 0; i < 10; i++)
      ncs.push(a.authorize(register, { status: 401, rows: [rowA] }, creds)[0]!.nc!);
    expect(ncs).toEqual([
      '00000001',
      '00000002',
      '00000003',
      '00000004',
      '00000005',
      '00000006',
      '00000007',
      '00000008',
      '00000009',
      '0000000a',
    ]);
    const rowB = 'Digest realm="r", nonce="B", qop="auth"';
    const b = a.authorize(register, { status: 401, rows: [rowB] }, creds)[0]!;
    expect(b.nc).toBe('00000001');
    expect(fields(b.value).nc).toBe('00000001');
    expect(a.authorize(register, { status: 401, rows: [rowA] }, creds)[0]!.nc).toBe('0000000b');
  });

  it('DIG-28 nonce state is per account: another username starts at 00000001', () => {
    const a = auth();
    const row = { status: 401, rows: ['Digest realm="r", nonce="same", qop="auth"'] };
    a.authorize(register, row, creds);
    expect(a.authorize(register, row, creds)[0]!.nc).toBe('00000002');
    expect(a.authorize(register, row, { username: 'bob', password: 'x' })[0]!.nc).toBe('00000001');
  });

  it('DIG-28 nonce state is bounded: the least recently used nonce is forgotten beyond maxTrackedNonces', () => {
    const a = auth({ maxTrackedNonces: 2 });
    const nc = (nonce: string) =>
      a.authorize(
        register,
        { status: 401, rows: [`Digest realm="r", nonce="${nonce}", qop="auth"`] },
        creds,
      )[0]!.nc;
    expect(nc('A')).toBe('00000001');
    expect(nc('B')).toBe('00000001');
    expect(nc('A')).toBe('00000002'); // A is now the most recent, B the least
    expect(nc('C')).toBe('00000001'); // evicts B
    expect(nc('A')).toBe('00000003');
    expect(nc('B')).toBe('00000001'); // forgotten, restarts
  });

  it('DIG-29 -sess keeps one cnonce for the life of the nonce; non-sess takes a new one', () => {
    const a = auth();
    const sess = { status: 401, rows: ['Digest realm="r", nonce="S", qop="auth", algorithm=SHA-256-sess'] };
    const first = fields(a.authorize(register, sess, creds)[0]!.value);
    const second = fields(a.authorize(register, sess, creds)[0]!.value);
    expect(second.cnonce).toBe(first.cnonce);
    expect(second.nc).toBe('00000002');
    expect(unq(second.response)).toBe(
      expectedResponse(
        'sha256',
        { ...creds, realm: 'r', ...register, nonce: 'S' },
        { qop: 'auth', nc: '00000002', cnonce: unq(first.cnonce)!, sess: true },
      ),
    );
    const newNonce = {
      status: 401,
      rows: ['Digest realm="r", nonce="T", qop="auth", algorithm=SHA-256-sess'],
    };
    expect(fields(a.authorize(register, newNonce, creds)[0]!.value).cnonce).not.toBe(first.cnonce);

    const plain = { status: 401, rows: ['Digest realm="r", nonce="P", qop="auth", algorithm=SHA-256'] };
    const p1 = fields(a.authorize(register, plain, creds)[0]!.value);
    const p2 = fields(a.authorize(register, plain, creds)[0]!.value);
    expect(p2.cnonce).not.toBe(p1.cnonce);
  });

  it('DIG-08 echoes opaque byte-for-byte when present and omits it when absent', () => {
    const a = auth();
    const withOpaque = a.authorize(
      register,
      { status: 401, rows: ['Digest realm="r", nonce="n", opaque="Ab+/= \\"x\\""'] },
      creds,
    )[0]!;
    expect(withOpaque.value).toContain('opaque="Ab+/= \\"x\\""');
    const without = a.authorize(register, { status: 401, rows: ['Digest realm="r", nonce="n"'] }, creds)[0]!;
    expect(without.value).not.toContain('opaque');
  });

  it('DIG-31 PIT-08 echoes the algorithm token as the server spelled it', () => {
    const a = auth();
    const [r] = a.authorize(
      register,
      { status: 401, rows: ['digest realm="r", nonce="n", algorithm=md5, qop=auth'] },
      creds,
    );
    expect(fields(r!.value).algorithm).toBe('md5');
    expect(r!.algorithm).toBe('MD5');
    const [s] = a.authorize(
      register,
      { status: 401, rows: ['Digest realm="r", nonce="n", algorithm="sha-256"'] },
      creds,
    );
    expect(fields(s!.value).algorithm).toBe('sha-256');
  });

  it('DIG-32 DIG-57 PIT-17 sends the challenge realm and nonce byte-for-byte, not the SIP domain', () => {
    const a = auth();
    const [r] = a.authorize(
      { method: 'REGISTER', uri: 'sip:voice.bconnect.com' },
      { status: 401, rows: ['Digest realm="sip-1.pb", nonce="Zm9v+/ba=="'] },
      creds,
    );
    const f = fields(r!.value);
    expect(unq(f.realm)).toBe('sip-1.pb');
    expect(unq(f.nonce)).toBe('Zm9v+/ba==');
    expect(unq(f.uri)).toBe('sip:voice.bconnect.com');
  });

  it('DIG-10 userhash=true sends H(username:realm) and userhash=true; A1 keeps the plain name', () => {
    const a = auth();
    const [r] = a.authorize(
      register,
      {
        status: 401,
        rows: ['Digest realm="api@example.org", nonce="n", qop=auth, algorithm=SHA-512-256, userhash=true'],
      },
      { username: 'Jäsøn Doe', password: PASSWORD },
    );
    const f = fields(r!.value);
    expect(unq(f.username)).toBe(
      createHash('sha512-256').update('Jäsøn Doe:api@example.org', 'utf8').digest('hex'),
    );
    expect(f.userhash).toBe('true');
    expect(unq(f.response)).toBe(
      expectedResponse(
        'sha512-256',
        { username: 'Jäsøn Doe', password: PASSWORD, realm: 'api@example.org', ...register, nonce: 'n' },
        { qop: 'auth', nc: '00000001', cnonce: unq(f.cnonce)! },
      ),
    );
  });

  it('DIG-11 UTF-8 username goes out as a quoted-string, hashed as UTF-8', () => {
    const a = auth();
    const [r] = a.authorize(
      register,
      { status: 401, rows: ['Digest realm="r", nonce="n"'] },
      { username: 'Jäsøn', password: 'pä' },
    );
    expect(unq(fields(r!.value).username)).toBe('Jäsøn');
    expect(unq(fields(r!.value).response)).toBe(
      expectedResponse('md5', { username: 'Jäsøn', password: 'pä', realm: 'r', ...register, nonce: 'n' }),
    );
  });

  it('HA1 input: a string is the MD5 HA1 and gives the same answer as the password', () => {
    const row = { status: 401, rows: ['Digest realm="r", nonce="n", qop="auth"'] };
    const ha1 = createHash('md5').update(`alice:r:${PASSWORD}`).digest('hex');
    const withPassword = auth().authorize(register, row, creds)[0]!;
    const withHa1 = auth().authorize(register, row, { username: 'alice', ha1 })[0]!;
    expect(withHa1.value).toBe(withPassword.value);
  });

  it('HA1 input per family: only challenges with an HA1 are answerable', () => {
    const sha = createHash('sha256').update(`alice:r:${PASSWORD}`).digest('hex');
    const rows = [
      'Digest realm="r", nonce="n", algorithm=SHA-512-256',
      'Digest realm="r", nonce="n", algorithm=SHA-256',
    ];
    const [r] = auth().authorize(
      register,
      { status: 401, rows },
      { username: 'alice', ha1: { 'SHA-256': sha } },
    );
    expect(r!.algorithm).toBe('SHA-256');
    expect(unq(fields(r!.value).response)).toBe(
      expectedResponse('sha256', { ...creds, realm: 'r', ...register, nonce: 'n' }),
    );
    const error = thrown(() =>
      auth().authorize(
        register,
        { status: 401, rows: [rows[0]!] },
        { username: 'alice', ha1: { 'SHA-256': sha } },
      ),
    );
    expect(error).toBeInstanceOf(DigestAuthError);
    expect(error.message).toContain('no HA1 for SHA-512-256');
    expect(error.message).not.toContain(sha);
  });
});

describe('DigestAuthenticator — choosing a challenge', () => {
  it('DIG-02 PIT-06 PIT-26 skips non-Digest, unknown algorithms and malformed rows, uses the next one', () => {
    const rows = [
      'Basic realm="r"',
      'Digest realm="r", nonce="n1", algorithm=AKAv1-MD5, qop="auth"',
      'Digest realm="r", nonce="n2", algorithm=SHA-1',
      'Digest realm="r", nonce="unterminated',
      'Digest nonce="missing-realm"',
      'Digest realm="r", nonce="n3", algorithm=MD5, qop="auth"',
    ];
    const result = auth().authorize(register, { status: 401, rows }, creds);
    expect(result).toHaveLength(1);
    expect(result[0]!.nonce).toBe('n3');
    expect(result[0]!.algorithm).toBe('MD5');
  });

  it('DIG-41 default picks the strongest supported algorithm whatever the order', () => {
    const rows = [
      'Digest realm="r", nonce="m", algorithm=MD5, qop="auth"',
      'Digest realm="r", nonce="s", algorithm=SHA-256, qop="auth"',
      'Digest realm="r", nonce="t", algorithm=SHA-512-256, qop="auth"',
    ];
    expect(auth().authorize(register, { status: 401, rows }, creds)[0]!.algorithm).toBe('SHA-512-256');
    expect(auth().authorize(register, { status: 401, rows: rows.slice(0, 2) }, creds)[0]!.algorithm).toBe(
      'SHA-256',
    );
    expect(auth().authorize(register, { status: 401, rows: [...rows].reverse() }, creds)[0]!.algorithm).toBe(
      'SHA-512-256',
    );
  });

  it('DIG-41 ties in strength keep server order (SHA-256-sess before SHA-256)', () => {
    const rows = [
      'Digest realm="r", nonce="a", algorithm=SHA-256-sess, qop="auth"',
      'Digest realm="r", nonce="b", algorithm=SHA-256, qop="auth"',
    ];
    expect(auth().authorize(register, { status: 401, rows }, creds)[0]!.algorithm).toBe('SHA-256-sess');
  });

  it('DIG-41 preference "topmost" takes the first usable row', () => {
    const rows = [
      'Digest realm="r", nonce="x", algorithm=AKAv1-MD5',
      'Digest realm="r", nonce="m", algorithm=MD5, qop="auth"',
      'Digest realm="r", nonce="s", algorithm=SHA-256, qop="auth"',
    ];
    expect(
      auth({ preference: 'topmost' }).authorize(register, { status: 401, rows }, creds)[0]!.algorithm,
    ).toBe('MD5');
  });

  it('DIG-42 minimumAlgorithm refuses weaker challenges with a clear error', () => {
    const a = auth({ minimumAlgorithm: 'SHA-256' });
    const rows = ['Digest realm="r", nonce="m", algorithm=MD5, qop="auth"', 'Digest realm="r", nonce="m2"'];
    const error = thrown(() => a.authorize(register, { status: 401, rows }, creds)) as DigestAuthError;
    expect(error).toBeInstanceOf(DigestAuthError);
    expect(error.reason).toBe('NO_SUPPORTED_CHALLENGE');
    expect(error.message).toContain('weaker than minimumAlgorithm SHA-256');
    const ok = a.authorize(
      register,
      { status: 401, rows: [...rows, 'Digest realm="r", nonce="s", algorithm=SHA-512-256-sess, qop=auth'] },
      creds,
    );
    expect(ok[0]!.algorithm).toBe('SHA-512-256-sess');
  });

  it('option algorithms restricts the set', () => {
    const a = auth({ algorithms: ['md5'] });
    const rows = [
      'Digest realm="r", nonce="s", algorithm=SHA-256',
      'Digest realm="r", nonce="m", algorithm=MD5',
    ];
    expect(a.authorize(register, { status: 401, rows }, creds)[0]!.algorithm).toBe('MD5');
  });

  it('DIG-02 PIT-26 only unsupported challenges → NO_SUPPORTED_CHALLENGE listing what was offered', () => {
    const rows = [
      'Digest realm="ims.example", nonce="n", algorithm=AKAv1-MD5, qop="auth"',
      'Basic realm="ims.example"',
      'Digest realm="ims.example", nonce="n", qop="auth-conf"',
    ];
    const error = thrown(() => auth().authorize(register, { status: 407, rows }, creds)) as DigestAuthError;
    expect(error).toBeInstanceOf(DigestAuthError);
    expect(error.reason).toBe('NO_SUPPORTED_CHALLENGE');
    expect(error.code).toBe('ERR_DIGEST_AUTH');
    expect(error.message).toContain('407 Proxy-Authenticate');
    expect(error.message).toContain('AKAv1-MD5');
    expect(error.message).toContain('algorithm not supported');
    expect(error.message).toContain('not Digest');
    expect(error.message).toContain('qop "auth-conf" not supported');
    expect(thrown(() => auth().authorize(register, { status: 401, rows: [] }, creds)).message).toContain(
      'no challenge rows',
    );
  });

  it('-sess without qop is unanswerable and skipped', () => {
    const rows = [
      'Digest realm="r", nonce="a", algorithm=MD5-sess',
      'Digest realm="r", nonce="b", algorithm=MD5',
    ];
    expect(auth().authorize(register, { status: 401, rows }, creds)[0]!.nonce).toBe('b');
  });

  it('DIG-40 one credential per realm, in order of appearance, each with its own best challenge', () => {
    const rows = [
      'Digest realm="proxy-a", nonce="a1", algorithm=MD5, qop="auth"',
      'Digest realm="proxy-b", nonce="b1", algorithm=SHA-256',
      'Digest realm="proxy-a", nonce="a2", algorithm=SHA-256, qop="auth"',
      'Digest realm="proxy-b", nonce="b2", algorithm=AKAv1-MD5',
    ];
    const results = auth().authorize(register, { status: 407, rows }, creds);
    expect(results.map((r) => [r.realm, r.nonce, r.algorithm, r.headerName])).toEqual([
      ['proxy-a', 'a2', 'SHA-256', 'Proxy-Authorization'],
      ['proxy-b', 'b1', 'SHA-256', 'Proxy-Authorization'],
    ]);
  });

  it('DIG-40 SEC-16 PIT-17 per-realm credentials lookup; realms without credentials are not answered', () => {
    const rows = [
      'Digest realm="a", nonce="1"',
      'Digest realm="b", nonce="2"',
      'Digest realm="c", nonce="3"',
    ];
    const lookup = (realm: string) =>
      realm === 'a'
        ? { username: 'ua', password: 'pa' }
        : realm === 'c'
          ? { username: 'uc', password: 'pc' }
          : undefined;
    const results = auth().authorize(register, { status: 401, rows }, lookup);
    expect(results.map((r) => [r.realm, unq(fields(r.value).username)])).toEqual([
      ['a', 'ua'],
      ['c', 'uc'],
    ]);
    const none = thrown(() => auth().authorize(register, { status: 401, rows }, () => undefined));
    expect(none.message).toContain('no credentials for this realm');
  });

  it('DIG-50 reports stale=true of the challenge answered', () => {
    const rows = ['Digest realm="r", nonce="new", stale=TRUE, qop="auth"'];
    const [r] = auth().authorize(register, { status: 401, rows }, creds);
    expect(r!.stale).toBe(true);
    expect(r!.nc).toBe('00000001');
  });

  it('challengeSetOf reads WWW-Authenticate for 401 and Proxy-Authenticate for 407', () => {
    const headers = new SipHeaders([
      ['WWW-Authenticate', 'Digest realm="w", nonce="1"'],
      ['Proxy-Authenticate', 'Digest realm="p", nonce="2"'],
      ['www-authenticate', 'Digest realm="w2", nonce="3"'],
    ]);
    const response = (status: number): SipResponse => ({
      kind: 'response',
      status,
      reason: '',
      version: 'SIP/2.0',
      headers,
      body: '',
    });
    expect(challengeSetOf(response(401))).toEqual({
      status: 401,
      rows: ['Digest realm="w", nonce="1"', 'Digest realm="w2", nonce="3"'],
    });
    expect(challengeSetOf(response(407)).rows).toEqual(['Digest realm="p", nonce="2"']);
    expect(() => challengeSetOf(response(200))).toThrow(SipInvalidArgumentError);
  });
});

describe('DigestAuthenticator — secrets and input validation', () => {
  it('SEC-07 the password never appears in results, the authenticator, or errors', () => {
    const a = auth();
    const results: DigestAuthorization[] = a.authorize(
      register,
      { status: 401, rows: ['Digest realm="r", nonce="n", qop="auth"', 'Digest realm="s", nonce="m"'] },
      creds,
    );
    const dumps = [
      JSON.stringify(results),
      inspect(results, { depth: 10, showHidden: true }),
      JSON.stringify(a),
      inspect(a, { depth: 10, showHidden: true }),
    ];
    const errors = [
      thrown(() =>
        a.authorize(register, { status: 401, rows: ['Digest realm="r", nonce="n", algorithm=X'] }, creds),
      ),
      thrown(() => a.authorize(register, { status: 401, rows: ['garbage "'] }, creds)),
      thrown(() =>
        a.authorize(
          register,
          { status: 401, rows: ['Digest realm="r", nonce="n"'] },
          { username: '', password: PASSWORD },
        ),
      ),
      thrown(() => a.authorize({ method: 'REG ISTER', uri: 'x' }, { status: 401, rows: [] }, creds)),
    ];
    for (const e of errors)
      dumps.push(e.message, String(e.stack), inspect(e, { showHidden: true }), JSON.stringify(e));
    const ha1 = createHash('md5').update(`alice:r:${PASSWORD}`).digest('hex');
    for (const dump of dumps) {
      expect(dump).not.toContain(PASSWORD);
      expect(dump).not.toContain(ha1);
    }
    expect(JSON.stringify(a)).toBe('{}');
  });

  it('SEC-06 refuses a username with CR/LF', () => {
    const error = thrown(() =>
      auth().authorize(
        register,
        { status: 401, rows: ['Digest realm="r", nonce="n"'] },
        { username: 'a\r\nVia: evil', password: 'p' },
      ),
    );
    expect(error).toBeInstanceOf(SipInvalidArgumentError);
    expect(error.message).toContain('username');
  });

  it('validates the request, challenge and credentials arguments', () => {
    const a = auth();
    const ok = { status: 401, rows: ['Digest realm="r", nonce="n"'] };
    expect(() => a.authorize({ method: '', uri: 'sip:x' }, ok, creds)).toThrow(SipInvalidArgumentError);
    expect(() => a.authorize({ method: 'REGISTER', uri: '' }, ok, creds)).toThrow(SipInvalidArgumentError);
    expect(() => a.authorize(register, { status: 401, rows: 'x' as never }, creds)).toThrow(
      SipInvalidArgumentError,
    );
    expect(() => a.authorize(register, ok, null as never)).toThrow(SipInvalidArgumentError);
    expect(() => a.authorize(register, ok, { username: 'u' } as never)).toThrow(/password/);
  });

  it('validates options up front, naming the option and the value received', () => {
    expect(() => createDigestAuthenticator({ preference: 'best' as never })).toThrow(/"preference".*"best"/);
    expect(() => createDigestAuthenticator({ minimumAlgorithm: 'SHA-1' })).toThrow(
      /"minimumAlgorithm".*SHA-1/,
    );
    expect(() => createDigestAuthenticator({ algorithms: ['MD5', 'AKAv1-MD5'] })).toThrow(
      /"algorithms".*AKAv1-MD5/,
    );
    expect(() => createDigestAuthenticator({ algorithms: [] })).toThrow(/"algorithms"/);
    expect(() => createDigestAuthenticator({ maxTrackedNonces: 0 })).toThrow(/"maxTrackedNonces".*0/);
    expect(() => createDigestAuthenticator({ randomBytes: 5 as never })).toThrow(/"randomBytes"/);
  });

  it('DIG-29 a random source returning too few bytes is refused', () => {
    const a = createDigestAuthenticator({ randomBytes: () => new Uint8Array(4) });
    expect(() =>
      a.authorize(register, { status: 401, rows: ['Digest realm="r", nonce="n", qop=auth'] }, creds),
    ).toThrow(/randomBytes/);
  });
});
