import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError } from '../../src/errors.js';
import { TokenBucket } from '../../src/registrant/token-bucket.js';

describe('TokenBucket (SEC-13)', () => {
  it('starts full, then admits `rate` per second', () => {
    const bucket = new TokenBucket({ rate: 10, burst: 5 }, 0);
    let taken = 0;
    while (bucket.tryTake(0)) taken++;
    expect(taken).toBe(5);
    expect(bucket.nextAvailableAt(0)).toBe(100);
    expect(bucket.canTake(99)).toBe(false);
    expect(bucket.canTake(100)).toBe(true);
    expect(bucket.tryTake(100)).toBe(true);
    expect(bucket.tryTake(100)).toBe(false);
  });

  it('never holds more than burst, and defaults burst to max(1, rate)', () => {
    const bucket = new TokenBucket({ rate: 50 }, 0);
    expect(bucket.burst).toBe(50);
    expect(bucket.available(1_000_000)).toBe(50);
    expect(new TokenBucket({ rate: 0.5 }, 0).burst).toBe(1);
  });

  it('ignores a clock going backwards', () => {
    const bucket = new TokenBucket({ rate: 1, burst: 1 }, 1000);
    expect(bucket.tryTake(1000)).toBe(true);
    expect(bucket.available(500)).toBe(0);
  });

  it('rejects bad options naming the option and the value', () => {
    expect(() => new TokenBucket({ rate: 0 }, 0)).toThrow(SipInvalidArgumentError);
    expect(() => new TokenBucket({ rate: 0 }, 0)).toThrow(/"rate".*received 0/);
    expect(() => new TokenBucket({ rate: 5, burst: 0.5 }, 0)).toThrow(/"burst".*received 0.5/);
    expect(() => new TokenBucket({ rate: Number.POSITIVE_INFINITY }, 0)).toThrow(/"rate"/);
  });

  it('SEC-13 over any window, admissions never exceed burst + rate · duration (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 300 }),
        (rate, burst, gaps) => {
          const bucket = new TokenBucket({ rate, burst }, 0);
          let now = 0;
          let admitted = 0;
          for (const gap of gaps) {
            now += gap;
            while (bucket.tryTake(now)) admitted++;
          }
          expect(admitted).toBeLessThanOrEqual(burst + (rate * now) / 1000 + 1e-9);
          // and a waiting caller is told the right time
          const at = bucket.nextAvailableAt(now);
          expect(bucket.canTake(at + 1e-6)).toBe(true);
        },
      ),
    );
  });
});
