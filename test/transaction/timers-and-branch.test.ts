import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError } from '../../src/errors.js';
import { BRANCH_MAGIC_COOKIE, createBranch } from '../../src/transaction/branch.js';
import { DEFAULT_TRANSACTION_TIMERS, resolveTransactionTimers } from '../../src/transaction/timers.js';

describe('transaction timers', () => {
  it('TXN-01 defaults are T1 = 500 ms, T2 = 4 s, T4 = 5 s', () => {
    const timers = resolveTransactionTimers();
    expect(timers).toEqual({ t1: 500, t2: 4000, t4: 5000, timerF: 32_000 });
    expect(DEFAULT_TRANSACTION_TIMERS).toEqual(timers);
  });

  it('TXN-02 Timer F is 64·T1 and follows a raised T1', () => {
    expect(resolveTransactionTimers({ t1: 1000 }).timerF).toBe(64_000);
    expect(resolveTransactionTimers({ t1: 1000, t2: 8000 }).t2).toBe(8000);
    // A T1 above the default T2 drags T2 up with it rather than failing.
    expect(resolveTransactionTimers({ t1: 5000 }).t2).toBe(5000);
    expect(resolveTransactionTimers({ t1: 100, timerF: 5000 }).timerF).toBe(5000);
  });

  it.each([
    [{ t1: 0 }, 'timers.t1'],
    [{ t1: -5 }, 'timers.t1'],
    [{ t1: Number.NaN }, 'timers.t1'],
    [{ t1: '500' as unknown as number }, 'timers.t1'],
    [{ t1: 500, t2: 400 }, 'timers.t2'],
    [{ t4: -1 }, 'timers.t4'],
    [{ t4: Number.POSITIVE_INFINITY }, 'timers.t4'],
    [{ t1: 500, timerF: 100 }, 'timers.timerF'],
  ])('TXN-01 rejects %o naming %s', (options, name) => {
    let caught: unknown;
    try {
      resolveTransactionTimers(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SipInvalidArgumentError);
    expect((caught as SipInvalidArgumentError).code).toBe('ERR_INVALID_ARGUMENT');
    expect((caught as Error).message.startsWith(`${name}:`)).toBe(true);
  });
});

describe('createBranch', () => {
  it('HDR-03 SEC-02 starts with the magic cookie and carries at least 64 random bits', () => {
    const branch = createBranch();
    expect(branch.startsWith(BRANCH_MAGIC_COOKIE)).toBe(true);
    const random = branch.slice(BRANCH_MAGIC_COOKIE.length);
    expect(random).toMatch(/^[0-9a-f]+$/);
    expect(random.length * 4).toBeGreaterThanOrEqual(64);
  });

  it('HDR-04 SEC-02 is unique across 200,000 branches (several pool refills)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(createBranch());
    expect(seen.size).toBe(200_000);
  });

  it('SEC-02 spreads bits evenly (no constant hex digit position)', () => {
    const positions = 24;
    const distinct = Array.from({ length: positions }, () => new Set<string>());
    for (let i = 0; i < 2000; i++) {
      const random = createBranch().slice(BRANCH_MAGIC_COOKIE.length);
      for (let p = 0; p < positions; p++) distinct[p]!.add(random[p]!);
    }
    // 2,000 draws hit all 16 digits at every position unless the source is broken.
    for (const set of distinct) expect(set.size).toBe(16);
  });

  it('HDR-03 is a valid Via parameter token', () => {
    for (let i = 0; i < 100; i++) expect(createBranch()).toMatch(/^z9hG4bK[0-9a-f]{24}$/);
  });
});
