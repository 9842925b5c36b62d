import { describe, expect, it } from 'vitest';
import { SipParseError } from '../../src/errors.js';
import { parseDeltaSeconds, parseExpires, parseExpiresStrict } from '../../src/sip/expires.js';

describe('parseExpires (Expires, Min-Expires)', () => {
  it('EXP-09 reads unsigned decimals, leading zeros and surrounding whitespace included', () => {
    expect(parseExpires('3600')).toBe(3600);
    expect(parseExpires(' 0 ')).toBe(0);
    expect(parseExpires('0000120')).toBe(120);
  });

  it('EXP-09 clamps values above 2^32-1', () => {
    expect(parseExpires('4294967295')).toBe(4294967295);
    expect(parseExpires('4294967296')).toBe(4294967295);
    expect(parseExpires('10000000000000000000000000000000')).toBe(4294967295);
  });

  it('EXP-09 returns undefined for non-numeric values so the header counts as absent', () => {
    for (const value of ['', ' ', 'Thu, 01 Dec 1994 16:00:00 GMT', '-1', '+5', '1.5', '1e3', '12 34', '٣']) {
      expect(parseExpires(value), JSON.stringify(value)).toBeUndefined();
    }
  });

  it('parseDeltaSeconds and parseExpires agree', () => {
    expect(parseDeltaSeconds('42')).toBe(parseExpires('42'));
  });
});

describe('parseExpiresStrict', () => {
  it('EXP-15 returns the value or throws BAD_HEADER_VALUE naming the header', () => {
    expect(parseExpiresStrict('1800', 'Min-Expires')).toBe(1800);
    expect(parseExpiresStrict('99999999999')).toBe(4294967295);
    try {
      parseExpiresStrict('soon', 'Min-Expires');
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(SipParseError);
      expect((error as SipParseError).reason).toBe('BAD_HEADER_VALUE');
      expect((error as SipParseError).header).toBe('Min-Expires');
      expect((error as SipParseError).message).toMatch(/^Min-Expires: /);
    }
  });
});
