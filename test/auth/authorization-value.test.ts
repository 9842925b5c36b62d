import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCheckedCredentials } from '../../src/auth/authorization-value.js';
import { formatDigestCredentials } from '../../src/sip/credentials.js';

const base = {
  username: 'alice',
  realm: 'example.com',
  nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
  uri: 'sip:example.com',
  response: '6629fae49393a05397450978507c4ef1',
};

describe('formatCheckedCredentials (the authenticator one-pass writer)', () => {
  it('DIG-30 writes exactly what formatDigestCredentials writes, with and without qop, opaque, algorithm, userhash', () => {
    const cases = [
      base,
      { ...base, algorithm: 'MD5' },
      { ...base, algorithm: 'sha-256-sess', qop: 'auth' as const, cnonce: '0a4f113b', nc: '00000001' },
      {
        ...base,
        qop: 'auth-int' as const,
        cnonce: 'ff',
        nc: '0000000a',
        opaque: '5ccc069c403ebaf9f0171e9517f40e41',
      },
      { ...base, opaque: '', userhash: true },
      {
        ...base,
        algorithm: 'MD5',
        qop: 'auth' as const,
        cnonce: 'c',
        nc: 'ffffffff',
        opaque: 'o',
        userhash: true,
      },
    ];
    for (const fields of cases)
      expect(formatCheckedCredentials(fields)).toBe(formatDigestCredentials(fields));
  });

  it('DIG-30 values needing a quoted-pair (" and \\) are escaped exactly as formatDigestCredentials does', () => {
    const fields = {
      ...base,
      username: 'a"b',
      realm: 'r\\s',
      nonce: 'n"',
      uri: 'sip:x',
      opaque: '\\"',
      qop: 'auth' as const,
      cnonce: 'c',
      nc: '00000002',
    };
    const text = formatCheckedCredentials(fields);
    expect(text).toBe(formatDigestCredentials(fields));
    expect(text).toContain('username="a\\"b"');
    expect(text).toContain('opaque="\\\\\\""');
  });

  it('DIG-31 an algorithm that is not a token is refused with the same error as formatDigestCredentials', () => {
    const fields = { ...base, algorithm: 'MD5-ſess' };
    expect(() => formatDigestCredentials(fields)).toThrow(/"algorithm" must be a token/);
    expect(() => formatCheckedCredentials(fields)).toThrow(/"algorithm" must be a token/);
  });

  it('DIG-30 agrees with formatDigestCredentials on arbitrary printable fields (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', '"', '\\', ' ', ',', '=', 'é', '9') });
    fc.assert(
      fc.property(
        text,
        text,
        text,
        fc.option(text, { nil: undefined }),
        fc.boolean(),
        fc.boolean(),
        (username, realm, nonce, opaque, withQop, userhash) => {
          const fields = {
            ...base,
            username,
            realm,
            nonce,
            opaque,
            userhash,
            ...(withQop ? { qop: 'auth' as const, cnonce: 'abc', nc: '00000003' } : {}),
          };
          expect(formatCheckedCredentials(fields)).toBe(formatDigestCredentials(fields));
        },
      ),
      { numRuns: 300 },
    );
  });
});
