import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError, SipParseError } from '../../src/errors.js';
import { formatParams, GenericParams, parseParams } from '../../src/sip/params.js';

function parseError(fn: () => unknown): SipParseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SipParseError);
    return error as SipParseError;
  }
  throw new Error('expected a SipParseError');
}

describe('parseParams', () => {
  it('ABNF-05 reads token values, valueless flags and quoted-strings in order', () => {
    const params = parseParams(';transport=TCP;lr;methods="INVITE,BYE";+sip.ice', 'Contact');
    expect([...params]).toEqual([
      { name: 'transport', value: 'TCP', quoted: false },
      { name: 'lr', value: undefined, quoted: false },
      { name: 'methods', value: 'INVITE,BYE', quoted: true },
      { name: '+sip.ice', value: undefined, quoted: false },
    ]);
    expect(params.has('lr')).toBe(true);
    expect(params.get('lr')).toBeUndefined();
    expect(params.has('ob')).toBe(false);
  });

  it('ABNF-05 accepts a bracketed IPv6 host as a value', () => {
    expect(parseParams(';maddr=[2001:db8::1]', 'Via').get('maddr')).toBe('[2001:db8::1]');
    expect(parseError(() => parseParams(';maddr=[2001:db8::zz]', 'Via')).reason).toBe('BAD_HEADER_VALUE');
    expect(parseError(() => parseParams(';maddr=[2001:db8::1', 'Via')).reason).toBe('BAD_HEADER_VALUE');
  });

  it('TRN-07 accepts a bare IPv6 address as an unquoted value', () => {
    expect(parseParams(';received=2001:db8::9:255', 'Via').get('received')).toBe('2001:db8::9:255');
  });

  it('MSG-07 stores names in lower case and looks them up case-insensitively, values keep their case', () => {
    const params = parseParams(';Transport=TCP;TAG=AbC', 'To');
    expect(params.get('transport')).toBe('TCP');
    expect(params.get('TRANSPORT')).toBe('TCP');
    expect(params.entry('Tag')).toEqual({ name: 'tag', value: 'AbC', quoted: false });
  });

  it('ABNF-01 undoes quoted-pairs in quoted values and rejects an unterminated one', () => {
    expect(parseParams(';x="a\\"b\\\\c"', 'Contact').get('x')).toBe('a"b\\c');
    expect(parseError(() => parseParams(';x="abc', 'Contact')).message).toMatch(/unterminated/);
  });

  it('accepts whitespace around ";" and "=" (SEMI and EQUAL are SWS-delimited, RFC 4475 wsinv)', () => {
    const params = parseParams('  ;\ttag = 98asjd8 ;  lr  ', 'From');
    expect(params.get('tag')).toBe('98asjd8');
    expect(params.has('lr')).toBe(true);
  });

  it('accepts the unusual token characters and UTF-8 quoted value of RFC 4475 intmeth', () => {
    const params = parseParams(";fromParam''~+*_!.-%=\"работающий\";tag=_token~1'+`*%!-.", 'From');
    expect(params.get("fromparam''~+*_!.-%")).toBe('работающий');
    expect(params.get('tag')).toBe("_token~1'+`*%!-.");
  });

  it('MSG-08 rejects a parameter name that appears twice, whatever its case', () => {
    const error = parseError(() => parseParams(';tag=a;TAG=b', 'From'));
    expect(error.reason).toBe('BAD_HEADER_VALUE');
    expect(error.header).toBe('From');
    expect(error.message).toMatch(/From: .*'tag'.*more than once/);
  });

  it('MSG-08 finds a duplicate among many parameters in linear time', () => {
    const many = Array.from({ length: 50_000 }, (_, i) => `;p${i}`).join('');
    expect(parseParams(many, 'Contact').size).toBe(50_000);
    expect(() => parseParams(many + ';p17', 'Contact')).toThrow(/'p17' appears more than once/);
  });

  it('rejects empty parameters, "=" without a value and text that is not a parameter (RFC 4475 §3.1.2.1)', () => {
    for (const bad of [';;', ';a;;b', ';a=', ';a= ;b', ';=x', 'x', ';a b', ';a=b c', ';a=<x>', ';a="x"y']) {
      expect(parseError(() => parseParams(bad, 'Contact')).reason, bad).toBe('BAD_HEADER_VALUE');
    }
  });

  it('parses from an offset and treats an all-whitespace tail as no parameters', () => {
    expect(parseParams('<sip:a@b>;x=1', 'To', 9).get('x')).toBe('1');
    expect(parseParams('   ', 'To').size).toBe(0);
  });
});

describe('GenericParams and formatParams', () => {
  it('set replaces in place, delete removes, size counts', () => {
    const params = new GenericParams().set('a', '1').set('b').set('A', '2');
    expect([...params].map((p) => p.name)).toEqual(['a', 'b']);
    expect(params.get('a')).toBe('2');
    expect(params.delete('B')).toBe(true);
    expect(params.delete('b')).toBe(false);
    expect(params.size).toBe(1);
  });

  it('rejects names that are not tokens', () => {
    expect(() => new GenericParams().set('a b', '1')).toThrow(SipInvalidArgumentError);
    expect(() => formatParams([{ name: 'a;b', value: undefined, quoted: false }])).toThrow(
      SipInvalidArgumentError,
    );
  });

  it('formats flags, bare values and quoted values, quoting values that cannot stand bare', () => {
    const params = new GenericParams()
      .set('lr')
      .set('expires', '3600')
      .set('methods', 'INVITE,BYE', { quoted: true })
      .set('received', '2001:db8::1')
      .set('x', 'a b"c');
    expect(params.toString()).toBe(';lr;expires=3600;methods="INVITE,BYE";received=2001:db8::1;x="a b\\"c"');
  });

  it('SEC-06 refuses to format a value with CR or LF, which would inject a header line', () => {
    expect(() => formatParams(new GenericParams().set('x', 'a\r\nVia: evil'))).toThrow(
      SipInvalidArgumentError,
    );
  });

  it('round-trips: formatted parameters parse back to the same list', () => {
    const text = ';lr;expires=60;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";q=0.5';
    const params = parseParams(text, 'Contact');
    expect(formatParams(params)).toBe(text);
    expect([...parseParams(formatParams(params), 'Contact')]).toEqual([...params]);
  });
});
