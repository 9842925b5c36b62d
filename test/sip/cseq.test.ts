import { describe, expect, it } from 'vitest';
import { SipParseError } from '../../src/errors.js';
import { isCallId, parseCallId } from '../../src/sip/call-id.js';
import { formatCSeq, parseCSeq } from '../../src/sip/cseq.js';

describe('parseCSeq', () => {
  it('reads the number and the method', () => {
    expect(parseCSeq('4711 REGISTER')).toEqual({ seq: 4711, method: 'REGISTER' });
  });

  it('ABNF-07 accepts leading zeros and extra whitespace (RFC 4475 wsinv "0009   INVITE")', () => {
    expect(parseCSeq('  0009 \t INVITE  ')).toEqual({ seq: 9, method: 'INVITE' });
  });

  it('ABNF-07 accepts 0 and 2^32-1, rejects 2^32 and the 36893488147419103232 of RFC 4475 scalar02', () => {
    expect(parseCSeq('0 REGISTER').seq).toBe(0);
    expect(parseCSeq('4294967295 REGISTER').seq).toBe(4294967295);
    for (const value of ['4294967296 REGISTER', '36893488147419103232 REGISTER']) {
      try {
        parseCSeq(value);
        throw new Error('accepted');
      } catch (error) {
        expect(error).toBeInstanceOf(SipParseError);
        expect((error as SipParseError).reason).toBe('BAD_HEADER_VALUE');
        expect((error as SipParseError).header).toBe('CSeq');
        expect((error as SipParseError).message).toMatch(/less than 2\^32/);
      }
    }
  });

  it('keeps the method case-sensitive and accepts extension methods', () => {
    expect(parseCSeq('1 NEWMETHOD').method).toBe('NEWMETHOD');
    expect(parseCSeq('1 register').method).toBe('register');
  });

  it('rejects missing parts, signs, decimals and trailing text', () => {
    for (const value of [
      '',
      'REGISTER',
      '1',
      '1REGISTER',
      '-1 REGISTER',
      '+1 REGISTER',
      '1.0 REGISTER',
      '1 REG ISTER',
      '1 <x>',
      'x1 INVITE',
    ]) {
      expect(() => parseCSeq(value), value).toThrow(SipParseError);
    }
  });

  it('formats as "<seq> <method>"', () => {
    expect(formatCSeq({ seq: 2, method: 'REGISTER' })).toBe('2 REGISTER');
  });
});

describe('Call-ID', () => {
  it('MSG-07 accepts word [ "@" word ] with the unusual characters of RFC 4475 intmeth', () => {
    const callId = 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{';
    expect(isCallId(callId)).toBe(true);
    expect(parseCallId(`  ${callId} `)).toBe(callId);
    expect(parseCallId('f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com')).toBe(
      'f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com',
    );
  });

  it('rejects empty words, two "@", whitespace and other characters', () => {
    for (const value of ['', '@x', 'x@', 'a@b@c', 'a b', 'a;b', 'a,b', 'é']) {
      expect(isCallId(value), value).toBe(false);
    }
    expect(() => parseCallId('a b')).toThrow(SipParseError);
  });
});
