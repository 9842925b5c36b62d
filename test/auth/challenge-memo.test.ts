import { describe, expect, it } from 'vitest';
import { parseDigestChallengeOnce } from '../../src/auth/challenge-memo.js';
import { parseDigestChallenge } from '../../src/sip/challenge.js';

describe('parseDigestChallengeOnce', () => {
  it('DIG-50 answers the same row from memory and parses a new row afresh, with the same result', () => {
    const row = 'Digest realm="r", nonce="n1", qop="auth", stale=true';
    const first = parseDigestChallengeOnce(row);
    expect(first).toEqual(parseDigestChallenge(row));
    expect(parseDigestChallengeOnce(`${row}`, 'Proxy-Authenticate')).toBe(first);
    const other = parseDigestChallengeOnce('Digest realm="r", nonce="n2"');
    expect(other.nonce).toBe('n2');
    expect(other.stale).toBe(false);
    expect(parseDigestChallengeOnce(row)).toEqual(first);
  });

  it('DIG-02 never remembers a failure: each caller gets the error worded with its own header', () => {
    const bad = 'Digest realm="r", nonce="n", qop="auth';
    expect(() => parseDigestChallengeOnce(bad, 'WWW-Authenticate')).toThrow(/WWW-Authenticate/);
    expect(() => parseDigestChallengeOnce(bad, 'Proxy-Authenticate')).toThrow(/Proxy-Authenticate/);
    expect(() => parseDigestChallengeOnce('Basic realm="r"', 'Proxy-Authenticate')).toThrow(
      /Proxy-Authenticate/,
    );
  });
});
