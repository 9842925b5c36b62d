import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  computeDigestResponse,
  computeHa1,
  computeUserhash,
  formatNonceCount,
} from '../../src/auth/compute-digest-response.js';
import { DigestAuthError, SipInvalidArgumentError } from '../../src/errors.js';

interface Vector {
  source: string;
  algorithm: string;
  qop: string | null;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  cnonce: string | null;
  nc: string | null;
  expected_response: string;
  expected_ha1?: string;
  userhash?: boolean;
  expected_username_hash?: string;
}

const vectors: Vector[] = JSON.parse(
  readFileSync(new URL('../fixtures/digest-vectors.json', import.meta.url), 'utf8'),
) as Vector[];

/**
 * Independent, straightforward reimplementation of RFC 2617 §3.2.2 / RFC 7616 §3.4.1 straight on
 * node:crypto, to cross-check the library on inputs that have no published vector.
 */
function reference(p: {
  algorithm: string;
  qop?: string;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  cnonce: string;
  nc: string;
  body?: string;
}): string {
  const base = p.algorithm.replace(/-sess$/, '');
  const nodeName = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' }[base]!;
  const H = (s: string) => createHash(nodeName).update(Buffer.from(s, 'utf8')).digest('hex');
  let ha1 = H([p.username, p.realm, p.password].join(':'));
  if (p.algorithm.endsWith('-sess')) ha1 = H([ha1, p.nonce, p.cnonce].join(':'));
  const a2 =
    p.qop === 'auth-int' ? [p.method, p.uri, H(p.body ?? '')].join(':') : [p.method, p.uri].join(':');
  if (p.qop === undefined) return H([ha1, p.nonce, H(a2)].join(':'));
  return H([ha1, p.nonce, p.nc, p.cnonce, p.qop, H(a2)].join(':'));
}

describe('computeDigestResponse — published and fixture vectors', () => {
  for (const v of vectors as Vector[]) {
    it(`DIG-20 DIG-21 DIG-22 DIG-24 vector: ${v.source} (${v.algorithm}, qop=${v.qop})`, () => {
      const response = computeDigestResponse({
        algorithm: v.algorithm,
        qop: v.qop,
        username: v.username,
        realm: v.realm,
        password: v.password,
        method: v.method,
        uri: v.uri,
        nonce: v.nonce,
        cnonce: v.cnonce,
        nc: v.nc,
      });
      expect(response).toBe(v.expected_response);
      expect(response).toMatch(v.algorithm.startsWith('MD5') ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{64}$/);
    });

    if (v.userhash) {
      it(`DIG-10 userhash vector: ${v.source}`, () => {
        expect(computeUserhash(v.username, v.realm, v.algorithm)).toBe(v.expected_username_hash);
      });
    }

    if (v.expected_ha1) {
      it(`HA1 vector and HA1 input: ${v.source}`, () => {
        expect(computeHa1(v.username, v.realm, v.password, v.algorithm)).toBe(v.expected_ha1);
        const { password: _omit, ...rest } = v;
        const response = computeDigestResponse({ ...rest, ha1: v.expected_ha1! });
        expect(response).toBe(v.expected_response);
      });
    }
  }

  it('DIG-20 SHA-512-256 is FIPS SHA-512/256, not SHA-512 truncated (RFC 7616 Erratum 4897)', () => {
    const v = vectors.find((x) => x.algorithm === 'SHA-512-256')!;
    const response = computeDigestResponse(v);
    // The value printed in RFC 7616 §3.9.2 came from a truncated SHA-512.
    expect(response).not.toBe('ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd');
    expect(computeUserhash(v.username, v.realm, 'SHA-512-256')).not.toBe(
      '488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec',
    );
  });
});

describe('computeDigestResponse — every algorithm × qop against an independent implementation', () => {
  const algorithms = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'];
  const cases: Array<{ qop?: string; body?: string; label: string }> = [
    { qop: 'auth', label: 'qop=auth' },
    { qop: 'auth-int', body: '', label: 'qop=auth-int, empty body' },
    { qop: 'auth-int', body: 'v=0\r\no=- 1 1 IN IP4 198.51.100.1\r\nsé\r\n', label: 'qop=auth-int, body' },
    { label: 'no qop' },
  ];
  const common = {
    username: 'Jäsøn "j" Doe',
    realm: 'sip-1.pb',
    password: 'pä ss:w"rd\\',
    method: 'REGISTER',
    uri: 'sip:voice.example.com:5061;transport=tls',
    nonce: 'Wk9u+Y2U/zQ=',
    cnonce: '6f3c2a1b9e8d7c01',
    nc: '0000000a',
  };
  for (const algorithm of algorithms) {
    for (const c of cases) {
      if (c.qop === undefined && algorithm.endsWith('-sess')) continue;
      it(`DIG-22 DIG-23 DIG-24 DIG-11 ${algorithm}, ${c.label}`, () => {
        const input = { ...common, algorithm, qop: c.qop, body: c.body };
        expect(computeDigestResponse(input)).toBe(reference(input));
      });
    }
    it(`DIG-22 ${algorithm} -sess/non-sess with qop: HA1 input equals password input`, () => {
      const input = { ...common, algorithm, qop: 'auth' };
      const ha1 = computeHa1(common.username, common.realm, common.password, algorithm);
      const { password: _omit, ...withoutPassword } = input;
      expect(computeDigestResponse({ ...withoutPassword, ha1 })).toBe(computeDigestResponse(input));
      expect(computeDigestResponse({ ...withoutPassword, ha1: ha1.toUpperCase() })).toBe(
        computeDigestResponse(input),
      );
    });
  }

  it('DIG-23 an absent body hashes like the empty string (MD5("") = d41d8cd9…)', () => {
    const input = { ...common, algorithm: 'MD5', qop: 'auth-int' };
    const withEmpty = computeDigestResponse({ ...input, body: '' });
    expect(computeDigestResponse(input)).toBe(withEmpty);
    const ha1 = createHash('md5')
      .update(`${common.username}:${common.realm}:${common.password}`)
      .digest('hex');
    const ha2 = createHash('md5')
      .update(`REGISTER:${common.uri}:d41d8cd98f00b204e9800998ecf8427e`)
      .digest('hex');
    const expected = createHash('md5')
      .update(`${ha1}:${common.nonce}:${common.nc}:${common.cnonce}:auth-int:${ha2}`)
      .digest('hex');
    expect(withEmpty).toBe(expected);
  });

  it('DIG-23 a Uint8Array body hashes its bytes', () => {
    const body = 'héllo';
    const input = { ...common, algorithm: 'SHA-256', qop: 'auth-int' };
    expect(computeDigestResponse({ ...input, body: new TextEncoder().encode(body) })).toBe(
      computeDigestResponse({ ...input, body }),
    );
  });

  it('DIG-03 algorithm and qop are case-insensitive; default algorithm is MD5 (DIG-04)', () => {
    const input = { ...common, qop: 'auth' };
    const expected = reference({ ...input, algorithm: 'MD5' });
    expect(computeDigestResponse({ ...input, algorithm: 'md5' })).toBe(expected);
    expect(computeDigestResponse(input)).toBe(expected);
    expect(computeDigestResponse({ ...input, algorithm: 'MD5', qop: 'AUTH' })).toBe(expected);
    expect(computeDigestResponse({ ...input, algorithm: 'sha-512-256-SESS' })).toBe(
      reference({ ...input, algorithm: 'SHA-512-256-sess' }),
    );
  });

  it('DIG-28 nc may be given as a number', () => {
    const input = { ...common, algorithm: 'MD5', qop: 'auth' };
    expect(computeDigestResponse({ ...input, nc: 10 })).toBe(computeDigestResponse(input));
    expect(formatNonceCount(1)).toBe('00000001');
    expect(formatNonceCount(255)).toBe('000000ff');
    expect(() => formatNonceCount(0)).toThrow(SipInvalidArgumentError);
    expect(() => formatNonceCount('0000000A')).toThrow(SipInvalidArgumentError);
  });

  it('DIG-24 without qop, nc and cnonce do not enter the response', () => {
    const input = { ...common, algorithm: 'SHA-256' };
    expect(computeDigestResponse({ ...input, nc: null, cnonce: null })).toBe(computeDigestResponse(input));
  });
});

describe('computeDigestResponse — errors', () => {
  const input = {
    username: 'u',
    realm: 'r',
    password: 'hunter2-secret',
    method: 'REGISTER',
    uri: 'sip:r',
    nonce: 'n',
    cnonce: 'c',
    nc: '00000001',
    qop: 'auth',
  };

  function thrown(fn: () => unknown): Error {
    try {
      fn();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected an error');
  }

  it('DIG-02 unsupported algorithm → DigestAuthError UNSUPPORTED_ALGORITHM', () => {
    const error = thrown(() => computeDigestResponse({ ...input, algorithm: 'AKAv1-MD5' }));
    expect(error).toBeInstanceOf(DigestAuthError);
    expect((error as DigestAuthError).reason).toBe('UNSUPPORTED_ALGORITHM');
    expect(error.message).toContain('AKAv1-MD5');
    expect(() => computeUserhash('u', 'r', 'SHA-1')).toThrow(DigestAuthError);
  });

  it('unsupported qop → DigestAuthError UNSUPPORTED_QOP', () => {
    const error = thrown(() => computeDigestResponse({ ...input, qop: 'auth-conf' }));
    expect((error as DigestAuthError).reason).toBe('UNSUPPORTED_QOP');
  });

  it('missing cnonce/nc with qop, missing cnonce with -sess, missing secret → SipInvalidArgumentError', () => {
    expect(() => computeDigestResponse({ ...input, cnonce: undefined })).toThrow(SipInvalidArgumentError);
    expect(() => computeDigestResponse({ ...input, nc: undefined })).toThrow(SipInvalidArgumentError);
    expect(() =>
      computeDigestResponse({ ...input, qop: undefined, cnonce: undefined, algorithm: 'MD5-sess' }),
    ).toThrow(SipInvalidArgumentError);
    const { password: _omit, ...noSecret } = input;
    expect(() => computeDigestResponse(noSecret as never)).toThrow(SipInvalidArgumentError);
    expect(() => computeDigestResponse(null as never)).toThrow(SipInvalidArgumentError);
    expect(() => computeDigestResponse({ ...input, body: 42 as never, qop: 'auth-int' })).toThrow(
      SipInvalidArgumentError,
    );
  });

  it('SEC-07 an HA1 of the wrong shape is refused without echoing it; the password never appears', () => {
    const { password: _omit, ...rest } = input;
    const error = thrown(() => computeDigestResponse({ ...rest, ha1: 'zz-secret-ha1' }));
    expect(error).toBeInstanceOf(SipInvalidArgumentError);
    expect(error.message).not.toContain('zz-secret-ha1');
    const md5Ha1 = computeHa1('u', 'r', 'p');
    expect(() => computeDigestResponse({ ...rest, ha1: md5Ha1, algorithm: 'SHA-256' })).toThrow(/64 hex/);
    for (const bad of [
      () => computeDigestResponse({ ...input, algorithm: 'nope' }),
      () => computeDigestResponse({ ...input, qop: 'nope' }),
      () => computeDigestResponse({ ...input, nc: 'x' }),
      () => computeDigestResponse({ ...input, uri: 5 as never }),
    ]) {
      const e = thrown(bad);
      expect(`${e.message}\n${e.stack}\n${inspect(e)}\n${JSON.stringify(e)}`).not.toContain('hunter2');
    }
  });
});

describe('computeDigestResponse across consecutive answers', () => {
  it('DIG-25 DIG-26 each answer hashes its own method and Request-URI, whatever the previous answer was', () => {
    const sequence = [
      { algorithm: 'MD5', method: 'REGISTER', uri: 'sip:registrar.example.com' },
      { algorithm: 'MD5', method: 'REGISTER', uri: 'sip:registrar.example.com' },
      { algorithm: 'MD5', method: 'REGISTER', uri: 'sip:other.example.com' },
      { algorithm: 'SHA-256', method: 'REGISTER', uri: 'sip:other.example.com' },
      { algorithm: 'MD5', method: 'OPTIONS', uri: 'sip:other.example.com' },
      { algorithm: 'MD5', method: 'REGISTER', uri: 'sip:registrar.example.com' },
      { algorithm: 'MD5-sess', method: 'REGISTER', uri: 'sip:registrar.example.com' },
    ];
    for (const [i, step] of sequence.entries()) {
      for (const qop of ['auth', undefined, 'auth-int'] as const) {
        if (qop === undefined && step.algorithm.endsWith('-sess')) continue;
        const input = {
          ...step,
          qop,
          username: 'alice',
          realm: 'example.com',
          password: 'secret',
          nonce: `nonce${i}`,
          cnonce: 'c0ffee',
          nc: '00000001',
          body: 'v=0',
        };
        expect(computeDigestResponse(input), `${i} ${qop}`).toBe(reference(input));
      }
    }
  });
});
