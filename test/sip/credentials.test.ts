import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError, SipParseError } from '../../src/errors.js';
import { formatDigestCredentials, parseDigestCredentials } from '../../src/sip/credentials.js';

const base = {
  username: 'alice',
  realm: 'example.com',
  nonce: 'b7c9/+=',
  uri: 'sip:example.com',
  response: 'ec81f6b7da39171fd4247de626bcc4ec',
};

describe('formatDigestCredentials', () => {
  it('DIG-30 quotes username, realm, nonce, uri, response, cnonce, opaque; not algorithm, qop, nc', () => {
    const value = formatDigestCredentials({
      ...base,
      algorithm: 'MD5',
      qop: 'auth',
      cnonce: '0a4f113b',
      nc: '00000001',
      opaque: 'op',
    });
    expect(value).toBe(
      'Digest username="alice", realm="example.com", nonce="b7c9/+=", uri="sip:example.com", ' +
        'response="ec81f6b7da39171fd4247de626bcc4ec", algorithm=MD5, cnonce="0a4f113b", opaque="op", ' +
        'qop=auth, nc=00000001',
    );
  });

  it('DIG-30 escapes " and \\ in quoted fields', () => {
    const value = formatDigestCredentials({ ...base, username: 'a"b\\c', realm: 'r"' });
    expect(value).toContain('username="a\\"b\\\\c"');
    expect(value).toContain('realm="r\\""');
    expect(parseDigestCredentials(value).username).toBe('a"b\\c');
  });

  it('DIG-31 sends the algorithm token as given (lowercase md5 stays md5)', () => {
    expect(formatDigestCredentials({ ...base, algorithm: 'md5' })).toContain(', algorithm=md5');
  });

  it('DIG-08 omits opaque when absent and echoes an empty one when present', () => {
    expect(formatDigestCredentials(base)).not.toContain('opaque');
    expect(formatDigestCredentials({ ...base, opaque: '' })).toContain('opaque=""');
  });

  it('DIG-27 without qop sends none of qop, nc, cnonce', () => {
    const value = formatDigestCredentials(base);
    expect(value).not.toMatch(/qop|nc=|cnonce/);
  });

  it('DIG-27 qop, nc and cnonce must come together', () => {
    expect(() => formatDigestCredentials({ ...base, qop: 'auth' })).toThrow(SipInvalidArgumentError);
    expect(() => formatDigestCredentials({ ...base, cnonce: 'x' })).toThrow(SipInvalidArgumentError);
    expect(() => formatDigestCredentials({ ...base, qop: 'auth', cnonce: 'x', nc: '1' })).toThrow(
      /8 lowercase hex/,
    );
  });

  it('DIG-10 adds userhash=true', () => {
    expect(formatDigestCredentials({ ...base, userhash: true })).toMatch(/, userhash=true$/);
    expect(formatDigestCredentials({ ...base, userhash: false })).not.toContain('userhash');
  });

  it('SEC-06 refuses CR/LF and other controls without echoing the value', () => {
    for (const username of ['a\r\nVia: evil', 'a\0b', 'a\x7f']) {
      expect(() => formatDigestCredentials({ ...base, username })).toThrow(SipInvalidArgumentError);
    }
    try {
      formatDigestCredentials({ ...base, response: 'secret\n' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('refuses a non-token algorithm', () => {
    expect(() => formatDigestCredentials({ ...base, algorithm: 'MD5, x=y' })).toThrow(
      SipInvalidArgumentError,
    );
  });
});

describe('parseDigestCredentials', () => {
  it('DIG-30 round-trips every field', () => {
    const fields = {
      ...base,
      algorithm: 'SHA-256',
      qop: 'auth-int',
      cnonce: 'c/n+',
      nc: '0000000a',
      opaque: 'o p',
      userhash: true,
    };
    const parsed = parseDigestCredentials(formatDigestCredentials(fields));
    expect(parsed).toMatchObject(fields);
    expect(parsed.scheme).toBe('Digest');
  });

  it('ABNF-12 accepts quoted qop/nc/algorithm from lenient peers', () => {
    const parsed = parseDigestCredentials(
      'digest USERNAME="bob", realm="r", nonce="n", uri="sip:r", response="00", qop="auth", nc="00000001", cnonce="c", algorithm="MD5"',
    );
    expect(parsed.qop).toBe('auth');
    expect(parsed.nc).toBe('00000001');
    expect(parsed.algorithm).toBe('MD5');
    expect(parsed.username).toBe('bob');
  });

  it('rejects non-Digest or incomplete credentials with BAD_HEADER_VALUE', () => {
    for (const row of [
      'Basic dXNlcjpwYXNz',
      'Digest realm="r", nonce="n", uri="u", response="x"',
      'Digest "',
    ]) {
      try {
        parseDigestCredentials(row, 'Proxy-Authorization');
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(SipParseError);
        expect((error as SipParseError).reason).toBe('BAD_HEADER_VALUE');
        expect((error as SipParseError).header).toBe('Proxy-Authorization');
      }
    }
  });
});
