import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DigestAuthError, SipParseError } from '../../src/errors.js';
import {
  isStaleChallenge,
  MAX_AUTH_PARAMS,
  parseAuthenticationInfo,
  parseChallenge,
  parseDigestChallenge,
  parseQopOptions,
} from '../../src/sip/challenge.js';
import { quote } from '../../src/sip/lexer.js';

function parseError(fn: () => unknown): SipParseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SipParseError);
    return error as SipParseError;
  }
  throw new Error('expected a SipParseError');
}

describe('parseChallenge (generic auth header grammar)', () => {
  it('ABNF-12 splits comma-separated auth-params with token and quoted-string values', () => {
    const c = parseChallenge('Digest realm="atlanta.com", nonce="84a4cc6f", algorithm=MD5, qop="auth"');
    expect(c.scheme).toBe('Digest');
    expect({ ...c.params }).toEqual({
      realm: 'atlanta.com',
      nonce: '84a4cc6f',
      algorithm: 'MD5',
      qop: 'auth',
    });
    expect(c.token68).toBeUndefined();
  });

  it('DIG-03 lower-cases parameter names but keeps values as sent', () => {
    const c = parseChallenge('DIGEST REALM="Example.COM", NoNcE="AbC", Algorithm=Sha-256');
    expect(c.scheme).toBe('DIGEST');
    expect(c.params.realm).toBe('Example.COM');
    expect(c.params.nonce).toBe('AbC');
    expect(c.params.algorithm).toBe('Sha-256');
  });

  it('MSG-06 keeps a comma inside a quoted value (one row = one challenge)', () => {
    const c = parseChallenge('Digest realm="a,b", nonce="x, y", qop="auth,auth-int"');
    expect(c.params.realm).toBe('a,b');
    expect(c.params.nonce).toBe('x, y');
    expect(c.params.qop).toBe('auth,auth-int');
  });

  it('ABNF-12 accepts odd whitespace around "=" and "," and tabs', () => {
    const c = parseChallenge('  Digest \t realm = "r" ,nonce=\t"n"\t,  opaque ="o"   ');
    expect({ ...c.params }).toEqual({ realm: 'r', nonce: 'n', opaque: 'o' });
  });

  it('ABNF-01 undoes quoted-pairs in values', () => {
    const c = parseChallenge('Digest realm="a \\"quoted\\" realm\\\\x", nonce="n"');
    expect(c.params.realm).toBe('a "quoted" realm\\x');
  });

  it('DIG-12 keeps unknown params (they are ignored by the Digest view)', () => {
    const c = parseChallenge('Digest realm="r", nonce="n", foo=bar, x-vendor="q,r"');
    expect(c.params.foo).toBe('bar');
    expect(c.params['x-vendor']).toBe('q,r');
  });

  it('a param named __proto__ is an ordinary key', () => {
    const c = parseChallenge('Digest realm="r", __proto__="x", nonce="n"');
    expect(Object.getOwnPropertyDescriptor(c.params, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(c.params)).toBeNull();
    expect(Object.keys(c.params)).toEqual(['realm', '__proto__', 'nonce']);
  });

  it('tolerates empty list elements and a trailing comma', () => {
    const c = parseChallenge('Digest realm="r",, nonce="n",');
    expect({ ...c.params }).toEqual({ realm: 'r', nonce: 'n' });
  });

  it('accepts a scheme alone and a token68 form of other schemes', () => {
    expect(parseChallenge('Negotiate').scheme).toBe('Negotiate');
    const c = parseChallenge('Negotiate YIIBhAYGKwYBBQUCoII+/x==');
    expect(c.token68).toBe('YIIBhAYGKwYBBQUCoII+/x==');
    expect(Object.keys(c.params)).toHaveLength(0);
  });

  it('DIG-57 keeps unquoted base64 values with "/", "+" and "="', () => {
    const c = parseChallenge('Digest realm=r, nonce=ab+/cd==, opaque=x');
    expect(c.params.nonce).toBe('ab+/cd==');
  });

  const malformed: Array<[string, string]> = [
    ['empty value', ''],
    ['no scheme', '   realm="r"'],
    ['unterminated quoted-string', 'Digest realm="r, nonce="n'],
    ['param without "="', 'Digest realm="r", nonce'],
    ['param with empty value', 'Digest realm=, nonce="n"'],
    ['missing comma between params', 'Digest realm="r" nonce="n"'],
    ['duplicated param (MSG-08)', 'Digest realm="r", nonce="n", REALM="s"'],
    ['character after scheme', 'Digest,realm="r"'],
    ['illegal character in token value', 'Digest realm=r;x, nonce="n"'],
    ['two challenges joined on one row (MSG-06)', 'Digest realm="a", nonce="b", Basic realm="c"'],
    ['CR inside a quoted string (ABNF-01)', 'Digest realm="a\rb", nonce="n"'],
  ];
  for (const [what, row] of malformed) {
    it(`ABNF-12 rejects ${what} with BAD_HEADER_VALUE naming the header`, () => {
      const error = parseError(() => parseChallenge(row, 'Proxy-Authenticate'));
      expect(error.reason).toBe('BAD_HEADER_VALUE');
      expect(error.code).toBe('ERR_SIP_PARSE');
      expect(error.header).toBe('Proxy-Authenticate');
      expect(error.message).toMatch(/^Proxy-Authenticate: /);
    });
  }

  it(`SEC-04 rejects more than ${MAX_AUTH_PARAMS} auth-params`, () => {
    const params = Array.from({ length: MAX_AUTH_PARAMS + 1 }, (_, i) => `p${i}=v`).join(', ');
    expect(parseError(() => parseChallenge(`Digest ${params}`)).reason).toBe('BAD_HEADER_VALUE');
    const ok = Array.from({ length: MAX_AUTH_PARAMS }, (_, i) => `p${i}=v`).join(', ');
    expect(Object.keys(parseChallenge(`Digest ${ok}`).params)).toHaveLength(MAX_AUTH_PARAMS);
  });

  it('SEC-04 parses a hostile 200 kB row in linear time without throwing anything but SipParseError', () => {
    const hostile = `Digest ${'a="'.repeat(70_000)}`;
    const start = performance.now();
    expect(parseError(() => parseChallenge(hostile)).reason).toBe('BAD_HEADER_VALUE');
    expect(parseError(() => parseChallenge(`Digest realm="${'\\'.repeat(200_000)}`)).reason).toBe(
      'BAD_HEADER_VALUE',
    );
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('rejects a non-string value with SipParseError', () => {
    expect(parseError(() => parseChallenge(42 as unknown as string)).reason).toBe('BAD_HEADER_VALUE');
  });
});

describe('parseDigestChallenge', () => {
  it('DIG-03 accepts lowercase "digest" and algorithm=md5, normalising and keeping the token', () => {
    const c = parseDigestChallenge('digest realm="biloxi.com", nonce="abc", algorithm=md5');
    expect(c.scheme).toBe('digest');
    expect(c.algorithm).toBe('MD5');
    expect(c.algorithmToken).toBe('md5');
  });

  it('DIG-03 normalises -sess spellings and keeps unknown algorithms upper-cased', () => {
    expect(parseDigestChallenge('Digest realm="r", nonce="n", algorithm=sha-256-SESS').algorithm).toBe(
      'SHA-256-sess',
    );
    expect(parseDigestChallenge('Digest realm="r", nonce="n", algorithm="SHA-512-256"').algorithm).toBe(
      'SHA-512-256',
    );
    const aka = parseDigestChallenge('Digest realm="r", nonce="n", algorithm=AKAv1-MD5');
    expect(aka.algorithm).toBe('AKAV1-MD5');
    expect(aka.algorithmToken).toBe('AKAv1-MD5');
  });

  it('DIG-04 no algorithm parameter means MD5', () => {
    const c = parseDigestChallenge('Digest realm="r", nonce="n"');
    expect(c.algorithm).toBe('MD5');
    expect(c.algorithmToken).toBeUndefined();
  });

  it('DIG-06 PIT-09 parses qop quoted with and without spaces, and as a bare token', () => {
    expect(parseDigestChallenge('Digest realm="r", nonce="n", qop="auth,auth-int"').qop).toEqual([
      'auth',
      'auth-int',
    ]);
    expect(parseDigestChallenge('Digest realm="r", nonce="n", qop="auth, auth-int"').qop).toEqual([
      'auth',
      'auth-int',
    ]);
    expect(parseDigestChallenge('Digest realm="r", nonce="n", qop=auth').qop).toEqual(['auth']);
    expect(parseDigestChallenge('Digest realm="r", nonce="n", qop="AUTH-INT"').qop).toEqual(['auth-int']);
    expect(parseDigestChallenge('Digest realm="r", nonce="n"').qop).toEqual([]);
  });

  it('DIG-06 parseQopOptions drops empties and duplicates', () => {
    expect(parseQopOptions(' auth ,, auth , auth-int ')).toEqual(['auth', 'auth-int']);
    expect(parseQopOptions(undefined)).toEqual([]);
  });

  it('DIG-07 stale=true is case-insensitive, token or quoted; anything else is not stale', () => {
    for (const value of ['true', 'TRUE', '"True"']) {
      expect(parseDigestChallenge(`Digest realm="r", nonce="n", stale=${value}`).stale).toBe(true);
    }
    for (const value of ['false', 'FALSE', '"yes"', '1']) {
      expect(parseDigestChallenge(`Digest realm="r", nonce="n", stale=${value}`).stale).toBe(false);
    }
    expect(parseDigestChallenge('Digest realm="r", nonce="n"').stale).toBe(false);
  });

  it('DIG-08 opaque is undefined when absent and byte-for-byte when present', () => {
    expect(parseDigestChallenge('Digest realm="r", nonce="n"').opaque).toBeUndefined();
    expect(parseDigestChallenge('Digest realm="r", nonce="n", opaque="Ab/+= x"').opaque).toBe('Ab/+= x');
    expect(parseDigestChallenge('Digest realm="r", nonce="n", opaque=""').opaque).toBe('');
  });

  it('DIG-09 domain is kept in params but does not change the realm', () => {
    const c = parseDigestChallenge('Digest realm="r", domain="sip:other.example", nonce="n"');
    expect(c.realm).toBe('r');
    expect(c.params.domain).toBe('sip:other.example');
  });

  it('DIG-10 DIG-11 reads userhash and charset', () => {
    const c = parseDigestChallenge('Digest realm="r", nonce="n", userhash=TRUE, charset=UTF-8');
    expect(c.userhash).toBe(true);
    expect(c.charset).toBe('UTF-8');
    const plain = parseDigestChallenge('Digest realm="r", nonce="n", userhash=false');
    expect(plain.userhash).toBe(false);
    expect(plain.charset).toBeUndefined();
  });

  it('DIG-57 PIT-12 keeps nonce, opaque and realm byte-for-byte (+ / = spaces, case)', () => {
    const c = parseDigestChallenge(
      'Digest realm=" Sip-1.PB ", nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK==", opaque="%2F+ab"',
    );
    expect(c.realm).toBe(' Sip-1.PB ');
    expect(c.nonce).toBe('5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK==');
    expect(c.opaque).toBe('%2F+ab');
  });

  it('DIG-12 unknown params do not disturb the known ones', () => {
    const c = parseDigestChallenge('Digest foo="1", realm="r", bar=2, nonce="n", baz="a,b"');
    expect(c.realm).toBe('r');
    expect(c.nonce).toBe('n');
    expect(c.params.baz).toBe('a,b');
  });

  it('DIG-05 a challenge without realm or nonce is unusable (DigestAuthError BAD_CHALLENGE)', () => {
    for (const row of ['Digest nonce="n"', 'Digest realm="r"', 'Digest qop="auth"']) {
      const error = (() => {
        try {
          parseDigestChallenge(row);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(DigestAuthError);
      expect((error as DigestAuthError).reason).toBe('BAD_CHALLENGE');
    }
  });

  it('DIG-02 a non-Digest scheme is reported as BAD_CHALLENGE, not a parse error', () => {
    expect(() => parseDigestChallenge('Basic realm="r"')).toThrow(DigestAuthError);
  });

  it('a Digest token68 is malformed', () => {
    expect(parseError(() => parseDigestChallenge('Digest abcdef==')).reason).toBe('BAD_HEADER_VALUE');
  });

  it('RFC 3261 §22.4-style folded challenge (already unfolded to spaces) parses', () => {
    const row =
      'Digest realm="atlanta.com",   domain="sip:ss1.carrier.com", qop="auth",  nonce="f84f1cec41e6cbe5aea9c8e88d359",   opaque="", stale=FALSE, algorithm=MD5';
    const c = parseDigestChallenge(row);
    expect(c.realm).toBe('atlanta.com');
    expect(c.nonce).toBe('f84f1cec41e6cbe5aea9c8e88d359');
    expect(c.opaque).toBe('');
    expect(c.stale).toBe(false);
    expect(c.qop).toEqual(['auth']);
  });
});

describe('isStaleChallenge', () => {
  it('DIG-50 finds stale=true among rows, optionally for one realm', () => {
    const rows = [
      'Basic realm="x"',
      'garbage "',
      'Digest realm="a", nonce="1"',
      'Digest realm="b", nonce="2", stale=true',
    ];
    expect(isStaleChallenge(rows)).toBe(true);
    expect(isStaleChallenge(rows, 'b')).toBe(true);
    expect(isStaleChallenge(rows, 'a')).toBe(false);
    expect(isStaleChallenge(rows, 'B')).toBe(false);
  });

  it('DIG-51 rows without stale=true are not stale', () => {
    expect(isStaleChallenge(['Digest realm="a", nonce="1", stale=false'])).toBe(false);
    expect(isStaleChallenge([])).toBe(false);
  });
});

describe('parseAuthenticationInfo', () => {
  it('DIG-56 reads nextnonce, qop, rspauth, cnonce and nc (no scheme)', () => {
    const info = parseAuthenticationInfo(
      'nextnonce="47364c23432d2e131a5fb210812c", qop=auth, rspauth="6629fae4", cnonce="0a4f113b", nc=00000001',
    );
    expect({ ...info }).toEqual({
      nextnonce: '47364c23432d2e131a5fb210812c',
      qop: 'auth',
      rspauth: '6629fae4',
      cnonce: '0a4f113b',
      nc: '00000001',
    });
  });

  it('DIG-56 malformed values are BAD_HEADER_VALUE naming Authentication-Info', () => {
    const error = parseError(() => parseAuthenticationInfo('nextnonce="abc'));
    expect(error.header).toBe('Authentication-Info');
    expect(parseError(() => parseAuthenticationInfo('Digest nextnonce="a"')).reason).toBe('BAD_HEADER_VALUE');
  });
});

describe('property: quoted values survive byte-for-byte', () => {
  // Printable ASCII plus non-ASCII, no controls: what a quoted-string can carry (RFC 3261 §25.1).
  const text = fc.string({
    unit: fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.constantFrom('é', 'ø', '中'),
    ),
  });
  it('DIG-57 realm, nonce and opaque round-trip through quoting and parsing', () => {
    fc.assert(
      fc.property(text, text, text, (realm, nonce, opaque) => {
        const c = parseDigestChallenge(
          `Digest realm=${quote(realm)}, nonce=${quote(nonce)}, opaque=${quote(opaque)}`,
        );
        expect([c.realm, c.nonce, c.opaque]).toEqual([realm, nonce, opaque]);
      }),
    );
  });

  it('ABNF-14 arbitrary input never throws anything but SipParseError or DigestAuthError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (row) => {
        try {
          parseDigestChallenge(`Digest ${row}`);
        } catch (error) {
          expect(error instanceof SipParseError || error instanceof DigestAuthError).toBe(true);
        }
      }),
    );
  });
});
