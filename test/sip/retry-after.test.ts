import { describe, expect, it } from 'vitest';
import { SipParseError } from '../../src/errors.js';
import { parseRetryAfter } from '../../src/sip/retry-after.js';

describe('parseRetryAfter', () => {
  it('ABNF-11 reads delta-seconds alone', () => {
    expect(parseRetryAfter('120')).toMatchObject({ seconds: 120, comment: undefined, duration: undefined });
    expect(parseRetryAfter(' 0030 ').seconds).toBe(30);
  });

  it('ABNF-11 reads a comment and a duration (RFC 3261 §20.33 examples)', () => {
    const value = parseRetryAfter('18000;duration=3600');
    expect(value).toMatchObject({ seconds: 18000, duration: 3600 });
    expect(parseRetryAfter("120 (I'm in a meeting)")).toMatchObject({
      seconds: 120,
      comment: "I'm in a meeting",
    });
  });

  it('ABNF-11 accepts nested comments, quoted-pairs, comments without a space, and other params', () => {
    const value = parseRetryAfter('5(busy (really) \\) here);duration=60 ; reason = "x;y" ;flag');
    expect(value.comment).toBe('busy (really) \\) here');
    expect(value.duration).toBe(60);
    expect(value.params.get('reason')).toBe('x;y');
    expect(value.params.has('flag')).toBe(true);
  });

  it('ABNF-07 rejects the absurd value of RFC 4475 §3.1.2.5 and a huge duration', () => {
    for (const text of ['949302838503028349304023988', '4294967296', '10;duration=99999999999']) {
      try {
        parseRetryAfter(text);
        throw new Error('accepted');
      } catch (error) {
        expect(error).toBeInstanceOf(SipParseError);
        expect((error as SipParseError).header).toBe('Retry-After');
        expect((error as SipParseError).message).toMatch(/larger than 2\^32-1/);
      }
    }
    expect(parseRetryAfter('4294967295').seconds).toBe(4294967295);
  });

  it('rejects malformed values', () => {
    for (const text of [
      '',
      'soon',
      '-5',
      '1.5',
      '10 (open',
      '10 (a))',
      '10;duration',
      '10;duration=x',
      '10;duration="5"',
      '10 x',
      '10;;a',
      '10 (a\r\nb)',
    ]) {
      expect(() => parseRetryAfter(text), JSON.stringify(text)).toThrow(SipParseError);
    }
  });
});
