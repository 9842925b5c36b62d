import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError } from '../../src/errors.js';
import {
  createRegistrantPolicy,
  DEFAULT_REGISTRANT_POLICY_OPTIONS,
  failureDelayBounds,
  failureDelayMs,
  isSlowFailureStatus,
  refreshDelayBounds,
  refreshPlan,
} from '../../src/registrant/policy.js';

const zero = () => 0;
const one = () => 1;

describe('createRegistrantPolicy', () => {
  it('resolves the documented defaults to milliseconds', () => {
    const policy = createRegistrantPolicy();
    expect(policy).toEqual({
      sweepMs: 100_000,
      reregisterFraction: 0.9,
      jitterFraction: 0.1,
      refreshMarginMs: 40_000,
      failureRetryIntervalMs: 0,
      backoffBaseMs: 30_000,
      backoffMaxMs: 1_800_000,
      slowBackoffBaseMs: 300_000,
      slowBackoffMaxMs: 3_600_000,
      maxRetryAfterMs: 86_400_000,
      maxChallengeRounds: 3,
      maxMinExpires: 86_400,
      watchdogMs: 90_000,
    });
    expect(DEFAULT_REGISTRANT_POLICY_OPTIONS.backoffBase).toBe(30);
  });

  it.each([
    ['timerInterval', 0, 'a number of seconds > 0'],
    ['timerInterval', Number.NaN, 'a number of seconds > 0'],
    ['reregisterExpiryPercentage', 0, '(0, 100]'],
    ['reregisterExpiryPercentage', 101, '(0, 100]'],
    ['refreshJitterPercentage', 90, 'below reregisterExpiryPercentage'],
    ['refreshJitterPercentage', -1, 'below reregisterExpiryPercentage'],
    ['backoffMax', 10, '≥ backoffBase (30)'],
    ['slowBackoffMax', 10, '≥ slowBackoffBase (300)'],
    ['maxChallengeRounds', 0, 'an integer 1..10'],
    ['maxChallengeRounds', 2.5, 'an integer 1..10'],
    ['failureRetryInterval', -5, '≥ 0'],
    ['inFlightWatchdog', 0, '> 0'],
  ] as const)('rejects %s = %s naming the option, expectation and value', (name, value, expected) => {
    let error: unknown;
    try {
      createRegistrantPolicy({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SipInvalidArgumentError);
    const message = (error as Error).message;
    expect(message).toContain(`"${name}"`);
    expect(message).toContain(expected);
    expect(message).toContain(`received ${String(value)}`);
  });

  it('rejects a non-number option value by type', () => {
    expect(() => createRegistrantPolicy({ backoffBase: '30' as unknown as number })).toThrow(
      /"backoffBase".*received "30"/,
    );
  });
});

describe('refreshPlan (EXP-07, SEC-10)', () => {
  it('EXP-07 refreshes in the 80–90 % window of a long grant by default', () => {
    const policy = createRegistrantPolicy();
    expect(refreshPlan(policy, 3600, zero)).toEqual({ delayMs: 3_240_000, tooShort: false });
    expect(refreshPlan(policy, 3600, () => 0.999999).delayMs).toBeCloseTo(2_880_000, -1);
    expect(refreshDelayBounds(policy, 3600)).toEqual({ minMs: 2_880_000, maxMs: 3_240_000 });
  });

  it('EXP-07 brings the refresh forward by one sweep plus the answer margin when the window is too late', () => {
    // g = 300 s, sweep 100 s, margin 40 s: latest safe due time 160 s, although 90 % would be 270 s.
    const policy = createRegistrantPolicy();
    expect(refreshPlan(policy, 300, zero)).toEqual({ delayMs: 160_000, tooShort: false });
    expect(refreshPlan(policy, 300, one)).toEqual({ delayMs: 160_000, tooShort: false });
  });

  it('reregisterExpiryPercentage 100 with no jitter refreshes at the safe edge (OpenSIPS 4.0 style, one sweep early)', () => {
    const policy = createRegistrantPolicy({ reregisterExpiryPercentage: 100, refreshJitterPercentage: 0 });
    expect(refreshPlan(policy, 3600, () => 0.3).delayMs).toBe(3_460_000);
  });

  it('SEC-10 honours a grant too short for the sweep: due at once, flagged', () => {
    const policy = createRegistrantPolicy({ timerInterval: 100 });
    expect(refreshPlan(policy, 60, zero)).toEqual({ delayMs: 0, tooShort: true });
    expect(refreshPlan(policy, 140, zero)).toEqual({ delayMs: 0, tooShort: false });
  });

  it('EXP-07 never lands later than grant − sweep − margin nor earlier than (p − j) · grant when room allows (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 1, max: 200_000 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (timerInterval, p, j0, granted, r) => {
          const j = Math.min(j0, p - 1);
          const policy = createRegistrantPolicy({
            timerInterval,
            reregisterExpiryPercentage: p,
            refreshJitterPercentage: Math.max(0, j),
          });
          const { delayMs, tooShort } = refreshPlan(policy, granted, () => r);
          const safe = granted * 1000 - timerInterval * 1000 - 40_000;
          expect(delayMs).toBeGreaterThanOrEqual(0);
          expect(tooShort).toBe(safe < 0);
          if (!tooShort) expect(delayMs).toBeLessThanOrEqual(safe + 1e-6);
          expect(delayMs).toBeLessThanOrEqual((p / 100) * granted * 1000 + 1e-6);
          const bounds = refreshDelayBounds(policy, granted);
          expect(delayMs).toBeGreaterThanOrEqual(bounds.minMs - 1e-6);
          expect(delayMs).toBeLessThanOrEqual(bounds.maxMs + 1e-6);
        },
      ),
    );
  });
});

describe('failureDelayMs (SEC-12, RSP-10, RSP-11, RSP-12)', () => {
  const policy = createRegistrantPolicy();

  it('SEC-12 waits uniformly 50–100 % of min(max, base · 2^n): random 0 gives half, random 1 the whole', () => {
    expect(failureDelayMs(policy, { failureCount: 1, severity: 'transient' }, zero)).toBe(30_000);
    expect(failureDelayMs(policy, { failureCount: 1, severity: 'transient' }, one)).toBe(60_000);
    expect(failureDelayMs(policy, { failureCount: 3, severity: 'transient' }, zero)).toBe(120_000);
    expect(failureDelayMs(policy, { failureCount: 3, severity: 'transient' }, one)).toBe(240_000);
    expect(failureDelayMs(policy, { failureCount: 6, severity: 'transient' }, one)).toBe(1_800_000);
    expect(failureDelayMs(policy, { failureCount: 500, severity: 'transient' }, one)).toBe(1_800_000);
    expect(failureDelayMs(policy, { failureCount: 500, severity: 'transient' }, zero)).toBe(900_000);
  });

  it('SEC-12 bounds hold for any failure count and random draw (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, r) => {
        const delay = failureDelayMs(policy, { failureCount: n, severity: 'transient' }, () => r);
        const w = Math.min(1_800_000, 30_000 * 2 ** n);
        expect(delay).toBeGreaterThanOrEqual(w / 2);
        expect(delay).toBeLessThanOrEqual(w);
      }),
    );
  });

  it('SEC-12 wrong credentials use the slow schedule: never faster than 5 minutes, capped at an hour', () => {
    expect(failureDelayMs(policy, { failureCount: 1, severity: 'slow' }, zero)).toBe(300_000);
    expect(failureDelayMs(policy, { failureCount: 1, severity: 'slow' }, one)).toBe(600_000);
    expect(failureDelayMs(policy, { failureCount: 9, severity: 'slow' }, one)).toBe(3_600_000);
  });

  it('failureRetryInterval fixes the transient delay (OpenSIPS) but never speeds up the slow schedule', () => {
    const fixed = createRegistrantPolicy({ failureRetryInterval: 10 });
    expect(failureDelayMs(fixed, { failureCount: 1, severity: 'transient' }, zero)).toBe(10_000);
    expect(failureDelayMs(fixed, { failureCount: 7, severity: 'transient' }, one)).toBe(10_000);
    expect(failureDelayMs(fixed, { failureCount: 1, severity: 'slow' }, zero)).toBe(300_000);
    const long = createRegistrantPolicy({ failureRetryInterval: 5000 });
    expect(failureDelayMs(long, { failureCount: 1, severity: 'slow' }, zero)).toBe(5_000_000);
  });

  it('RSP-10 RSP-11 Retry-After is a floor, clamped to maxRetryAfter', () => {
    expect(failureDelayMs(policy, { failureCount: 1, severity: 'transient', retryAfter: 120 }, one)).toBe(
      120_000,
    );
    expect(failureDelayMs(policy, { failureCount: 1, severity: 'transient', retryAfter: 5 }, one)).toBe(
      60_000,
    );
    expect(
      failureDelayMs(policy, { failureCount: 1, severity: 'transient', retryAfter: 2 ** 32 - 1 }, zero),
    ).toBe(86_400_000);
    const fixed = createRegistrantPolicy({ failureRetryInterval: 10 });
    expect(failureDelayMs(fixed, { failureCount: 1, severity: 'transient', retryAfter: 300 }, zero)).toBe(
      300_000,
    );
  });

  it('a broken random source cannot produce NaN or out-of-window delays', () => {
    for (const bad of [Number.NaN, -3, 7])
      expect(failureDelayMs(policy, { failureCount: 1, severity: 'transient' }, () => bad)).toBe(30_000);
    expect(refreshPlan(policy, 3600, () => Number.NaN).delayMs).toBe(3_240_000);
  });

  it('failureDelayBounds reports the min and max of the window', () => {
    expect(failureDelayBounds(policy, { failureCount: 2, severity: 'transient' })).toEqual({
      minMs: 60_000,
      maxMs: 120_000,
    });
  });

  it('RSP-12 403, 404, 603 and 604 are slow failures; 500 and 503 are not', () => {
    expect([403, 404, 603, 604].every(isSlowFailureStatus)).toBe(true);
    expect([400, 408, 480, 500, 503, 600].some(isSlowFailureStatus)).toBe(false);
  });
});
