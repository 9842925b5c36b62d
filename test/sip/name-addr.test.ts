import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError, SipParseError } from '../../src/errors.js';
import { formatNameAddr, parseFromTo, parseNameAddr } from '../../src/sip/name-addr.js';
import { GenericParams } from '../../src/sip/params.js';
import { formatUri, parseUri } from '../../src/sip/uri.js';

function parseError(fn: () => unknown): SipParseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SipParseError);
    return error as SipParseError;
  }
  throw new Error('expected a SipParseError');
}

describe('parseNameAddr', () => {
  it('ABNF-02 reads a quoted display name, the URI in <> and header parameters', () => {
    const address = parseNameAddr(
      '"Alice Smith" <sip:alice@atlanta.com;transport=tcp>;tag=1928301774',
      'From',
    );
    expect(address.displayName).toBe('Alice Smith');
    expect(formatUri(address.uri)).toBe('sip:alice@atlanta.com;transport=tcp');
    expect(address.uri.kind === 'sip' && address.uri.params.get('transport')).toBe('tcp');
    expect([...address.params]).toEqual([{ name: 'tag', value: '1928301774', quoted: false }]);
  });

  it('ABNF-02 accepts token display names, joined by single spaces (RFC 4475 intmeth)', () => {
    const address = parseNameAddr(
      "token1~` token2'+_   token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"работающий\";tag=_token~1'+`*%!-.",
      'From',
    );
    expect(address.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(address.params.get('tag')).toBe("_token~1'+`*%!-.");
  });

  it('accepts unquoted non-ASCII display names as seen from real UAs', () => {
    expect(parseNameAddr('Jörg Müller <sip:joerg@example.com>').displayName).toBe('Jörg Müller');
  });

  it('ABNF-02 accepts no whitespace before "<" (RFC 4475 lwsdisp)', () => {
    expect(parseNameAddr('caller<sip:caller@example.com>;tag=323').displayName).toBe('caller');
    expect(parseNameAddr('"caller"<sip:caller@example.com>').displayName).toBe('caller');
    expect(parseNameAddr('<sip:caller@example.com>').displayName).toBeUndefined();
  });

  it('ABNF-01 undoes quoted-pairs in the display name (RFC 4475 wsinv, intmeth)', () => {
    expect(
      parseNameAddr('"J Rosenberg \\\\\\""       <sip:jdrosen@example.com>   ;   tag = 98asjd8').displayName,
    ).toBe('J Rosenberg \\"');
    expect(parseNameAddr('"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F" <sip:a@example.com>').displayName).toBe(
      'BEL:\x07 NUL:\x00 DEL:\x7F',
    );
    expect(parseNameAddr('"%Z%45" <sip:resource@example.com>').displayName).toBe('%Z%45');
  });

  it('ABNF-01 rejects an unterminated quoted display name (RFC 4475 quotbal)', () => {
    const error = parseError(() => parseNameAddr('"Mr. J. User <sip:j.user@example.com>', 'To'));
    expect(error.reason).toBe('BAD_HEADER_VALUE');
    expect(error.header).toBe('To');
  });

  it('rejects non-token display names (RFC 4475 baddn) and spaces inside <> (badaspec)', () => {
    expect(
      parseError(() => parseNameAddr('Bell, Alexander <sip:a.g.bell@bell-tel.com>;tag=43')).reason,
    ).toMatch(/BAD_/);
    expect(
      parseError(() => parseNameAddr('"Bell, Alexander" <sip:a.g.bell@ bell-tel.com>;tag=43')).reason,
    ).toBe('BAD_URI');
  });

  it('MSG-11 treats every ;param after an addr-spec as a header parameter (RFC 4475 cparam01)', () => {
    const address = parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam;tag=x', 'Contact');
    expect(address.uri.kind === 'sip' && address.uri.params.size).toBe(0);
    expect(address.params.has('unknownparam')).toBe(true);
    expect(address.params.get('tag')).toBe('x');
    const bracketed = parseNameAddr('<sip:+19725552222@gw1.example.net;unknownparam>', 'Contact');
    expect(bracketed.uri.kind === 'sip' && bracketed.uri.params.has('unknownparam')).toBe(true);
    expect(bracketed.params.size).toBe(0);
  });

  it('MSG-11 keeps tel: parameters of an addr-spec as header parameters', () => {
    const address = parseNameAddr('tel:+1234;tag=abc', 'To');
    expect(address.uri).toMatchObject({ kind: 'tel', number: '+1234' });
    expect(address.params.get('tag')).toBe('abc');
  });

  it('rejects an addr-spec holding "?" or "," (RFC 4475 regbadct)', () => {
    expect(
      parseError(() => parseNameAddr('sip:user@example.com?Route=%3Csip:sip.example.com%3E')).message,
    ).toMatch(/enclosed in '<>'/);
    expect(() => parseNameAddr('sip:a,b@example.com')).toThrow(SipParseError);
    expect(parseNameAddr('<sip:user@example.com?Route=%3Csip:sip.example.com%3E>').uri.kind).toBe('sip');
  });

  it('accepts other URI schemes (RFC 4475 unksm2)', () => {
    expect(parseNameAddr('isbn:2983792873').uri).toEqual({
      kind: 'absolute',
      scheme: 'isbn',
      value: '2983792873',
    });
    expect(parseNameAddr('<http://www.example.com>;tag=3234233').uri.scheme).toBe('http');
    expect(parseNameAddr('<name:John_Smith>').uri.scheme).toBe('name');
  });

  it('ABNF-04 accepts IPv6 hosts in the URI', () => {
    const address = parseNameAddr('"Caller" <sip:caller@[2001:db8::1]:5060>');
    expect(address.uri.kind === 'sip' && address.uri.host).toBe('[2001:db8::1]');
  });

  it('rejects empty values, a missing ">", stray text and bad parameters', () => {
    for (const bad of [
      '',
      '   ',
      '<sip:a@b',
      '"x"',
      '"x" sip:a@b',
      '<sip:a@b> x',
      '<sip:a@b>;',
      'sip:a@b;;tag=1',
      'x y',
    ]) {
      expect(() => parseNameAddr(bad), JSON.stringify(bad)).toThrow(SipParseError);
    }
  });
});

describe('parseFromTo', () => {
  it('gives the tag of a From or To value', () => {
    expect(parseFromTo('Bob <sip:bob@biloxi.com>;tag=a6c85cf', 'To').tag).toBe('a6c85cf');
    expect(parseFromTo('sip:bob@biloxi.com', 'To').tag).toBeUndefined();
    expect(parseFromTo('sip:%75se%72@example.com;tag=1', 'To')).toMatchObject({
      tag: '1',
      displayName: undefined,
    });
  });

  it('rejects a tag without a token value', () => {
    expect(parseError(() => parseFromTo('<sip:a@b>;tag', 'From')).message).toMatch(/From: tag/);
    expect(() => parseFromTo('<sip:a@b>;tag="x"', 'From')).toThrow(SipParseError);
  });
});

describe('formatNameAddr', () => {
  it('always writes name-addr form with a quoted display name', () => {
    expect(
      formatNameAddr({
        displayName: 'Alice "A" \\',
        uri: parseUri('sip:alice@atlanta.com;transport=tcp'),
        params: new GenericParams().set('tag', '88sja8x'),
      }),
    ).toBe('"Alice \\"A\\" \\\\" <sip:alice@atlanta.com;transport=tcp>;tag=88sja8x');
    expect(formatNameAddr({ uri: 'sip:Alice@Example.com:05060' })).toBe('<sip:Alice@Example.com:05060>');
  });

  it('round-trips through parseNameAddr', () => {
    const text =
      '"Bob, the \\"builder\\"" <sip:bob@biloxi.com?Subject=x>;expires=60;+sip.instance="<urn:uuid:1>"';
    const parsed = parseNameAddr(text);
    const again = parseNameAddr(formatNameAddr(parsed));
    expect(again.displayName).toBe('Bob, the "builder"');
    expect(formatUri(again.uri)).toBe(formatUri(parsed.uri));
    expect([...again.params]).toEqual([...parsed.params]);
  });

  it('SEC-06 refuses display names with CR/LF and invalid URI strings', () => {
    expect(() => formatNameAddr({ displayName: 'x\r\nVia: evil', uri: 'sip:a@b' })).toThrow(
      SipInvalidArgumentError,
    );
    expect(() => formatNameAddr({ uri: 'sip:a@b>\r\nX: y' })).toThrow(SipInvalidArgumentError);
  });
});
