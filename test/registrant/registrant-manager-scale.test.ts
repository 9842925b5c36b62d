/**
 * The sweep, the rate cap and stop() with many records on the registrar double (real loopback UDP,
 * fake time).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { aorHash } from '../../src/registrant/registrant-table.js';
import { account, advance, makeRig, quiet, type Rig, START, turn, until } from './manager-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Largest number of `times` inside any window of `windowMs` (times sorted ascending). */
function maxInWindow(times: readonly number[], windowMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! > windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** Await `promise` while moving the fake clock in `stepMs` steps (bounded). */
async function settle<T>(r: Rig, promise: Promise<T>, stepMs: number, maxSteps = 10_000): Promise<T> {
  let done = false;
  let value: T | undefined;
  void promise.then((v) => {
    done = true;
    value = v;
  });
  for (let i = 0; i < maxSteps && !done; i++) {
    // Let the requests of the last step be answered (bounded: a mute registrar never answers).
    await until('replies', () => done || r.inFlight.size === 0, 20).catch(() => undefined);
    await turn(0);
    if (!done) r.clock.advance(stepMs);
  }
  if (!done) throw new Error('promise did not settle');
  return value as T;
}

describe('the sweep', () => {
  it('REG-10 SEC-13 200 records with hashSize 4: every bucket visited once per sweep, in order, all REGISTERED', async () => {
    rig = await makeRig({ hashSize: 4, timerInterval: 100 }, {});
    const keys: string[] = [];
    for (let i = 0; i < 200; i++) keys.push(rig.manager.add(account(rig, `user${1000 + i}`)));
    expect(rig.manager.bucketCount).toBe(16);
    expect(rig.manager.tickIntervalMs).toBe(6_250);
    rig.manager.start();
    await advance(rig, 100_000);
    const states = rig.manager.list().map((info) => info.stateName);
    expect(states.filter((s) => s === 'REGISTERED')).toHaveLength(200);
    expect(rig.registrar.bindingCount()).toBe(200);
    // Each record's first REGISTER went out exactly when its bucket came round: START + bucket · tick.
    const buckets = new Set<number>();
    for (const exchange of rig.registrar.requests()) {
      const bucket = aorHash(`sip:${exchange.request.user}@example.com`) & 15;
      buckets.add(bucket);
      expect(exchange.at - START, exchange.request.user).toBe(bucket * 6_250);
    }
    expect(buckets.size).toBe(16);
    // One sweep = 16 ticks (the first at start), plus the tick at exactly 100 s that opens the next.
    expect(rig.manager.stats().ticks).toBe(17);
    expect(rig.registrar.requests()).toHaveLength(200);
  });
});

describe('the global rate cap (SEC-13)', () => {
  it('SEC-13 1,000 records at maxRegistersPerSecond 100 never exceed burst + rate·t new REGISTERs', async () => {
    rig = await makeRig({ hashSize: 1, maxRegistersPerSecond: 100 }, { recordLimit: 5_000 });
    for (let i = 0; i < 1000; i++) rig.manager.add(account(rig, `load${i}`));
    rig.manager.start();
    // Step through the drain timer's ticks, letting each batch be answered.
    for (let i = 0; i < 5_000 && rig.registrar.bindingCount() < 1000; i++) {
      const next = rig.clock.nextDue();
      if (next === undefined) break;
      rig.clock.advanceTo(next);
      await quiet(rig);
    }
    expect(rig.registrar.bindingCount()).toBe(1000);
    const times = rig.registrar
      .requests()
      .map((e) => e.at)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(1000);
    for (const windowMs of [0, 10, 100, 1_000, 5_000])
      expect(maxInWindow(times, windowMs), `window ${windowMs} ms`).toBeLessThanOrEqual(
        100 + (100 * windowMs) / 1000,
      );
    // The cap is not a throttle to zero: 1,000 went out in about (1000 − 100) / 100 s.
    expect(times.at(-1)! - times[0]!).toBeLessThan(60_000);
    expect(rig.manager.stats().deferred).toBe(0);
  });
});

describe('stop()', () => {
  it('EXP-10 stop() un-REGISTERs every binding, paced at stopRate, and closes its layers but not the transport', async () => {
    rig = await makeRig({ stopRate: 10, stopTimeout: 30 }, { recordLimit: 5_000 });
    for (let i = 0; i < 40; i++) rig.manager.add(account(rig, `s${i}`));
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.registrar.bindingCount()).toBe(40);
    rig.registrar.resetRecords();
    const result = await settle(rig, rig.manager.stop(), 50);
    expect(result).toEqual({ unregistered: 40, failed: 0, timedOut: 0 });
    expect(rig.registrar.bindingCount()).toBe(0);
    const times = rig.registrar
      .requests()
      .map((e) => e.at)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(40);
    for (const windowMs of [0, 100, 1_000])
      expect(maxInWindow(times, windowMs)).toBeLessThanOrEqual(10 + windowMs / 100);
    expect(rig.manager.list().every((info) => info.stateName === 'NOT_REGISTERED')).toBe(true);
    expect(rig.manager.running).toBe(false);
    // No timer of the manager or its transactions is left armed.
    expect(rig.clock.pendingTimers).toBe(0);
    // The transport still works: it belongs to the caller.
    await rig.transport.send(rig.registrar.address, new TextEncoder().encode('\r\n\r\n'));
  });

  it('EXP-10 by default stop() waits as long as pacing needs: 3,000 bindings at stopRate 1,000 all removed', async () => {
    // The deadline is derived from the records holding a binding (3 s of pacing + 2 × Timer F + 5 s);
    // a fixed short default would give up on most of them.
    rig = await makeRig({}, { recordLimit: 10_000 });
    for (let i = 0; i < 3_000; i++) rig.manager.add(account(rig, `big${i}`));
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.registrar.bindingCount()).toBe(3_000);
    const result = await settle(rig, rig.manager.stop(), 100);
    expect(result).toEqual({ unregistered: 3_000, failed: 0, timedOut: 0 });
    expect(rig.registrar.bindingCount()).toBe(0);
  });

  it('stop() gives up at stopTimeout: the rest is counted as timedOut', async () => {
    rig = await makeRig({ stopRate: 10, stopTimeout: 2 }, { recordLimit: 5_000 });
    for (let i = 0; i < 50; i++) rig.manager.add(account(rig, `t${i}`));
    rig.manager.start();
    await advance(rig, 1_000);
    const result = await settle(rig, rig.manager.stop(), 50);
    expect(result.failed).toBe(0);
    expect(result.unregistered).toBeGreaterThanOrEqual(25);
    expect(result.unregistered).toBeLessThanOrEqual(35);
    expect(result.unregistered + result.timedOut).toBe(50);
    expect(rig.registrar.bindingCount()).toBe(result.timedOut);
    expect(rig.clock.pendingTimers).toBe(0);
  });

  it('stop() with a registrar that never answers: un-REGISTERs fail within the deadline, nothing hangs', async () => {
    rig = await makeRig({ stopTimeout: 5 }, {});
    for (let i = 0; i < 5; i++) rig.manager.add(account(rig, `mute${i}`));
    rig.manager.start();
    await advance(rig, 1_000);
    rig.registrar.script({ type: 'drop' });
    const result = await settle(rig, rig.manager.stop(), 250);
    expect(result).toEqual({ unregistered: 0, failed: 0, timedOut: 5 });
    expect(rig.clock.now() - START).toBeLessThanOrEqual(1_000 + 5_000 + 250);
    expect(rig.clock.pendingTimers).toBe(0);
  });

  it('start() after stop() registers again', async () => {
    rig = await makeRig({}, {});
    const key = rig.manager.add(account(rig, 'again'));
    rig.manager.start();
    await advance(rig, 1_000);
    await settle(rig, rig.manager.stop(), 50);
    expect(rig.registrar.bindingCount()).toBe(0);
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.manager.get(key)!.stateName).toBe('REGISTERED');
    expect(rig.registrar.bindingCount()).toBe(1);
  });
});

describe('after stop()', () => {
  it('records added or verbs used after stop() wait for the next start(): nothing goes on the wire', async () => {
    rig = await makeRig({}, {});
    const first = rig.manager.add(account(rig, 'early'));
    rig.manager.start();
    await advance(rig, 1_000);
    await settle(rig, rig.manager.stop(), 50);
    const before = rig.registrar.stats().registers;
    const late = rig.manager.add(account(rig, 'late'));
    // Stopped: the forced registration waits for the next start().
    expect(rig.manager.forceRegister(late)).toEqual({ result: 'scheduled' });
    rig.manager.enable(first);
    await advance(rig, 200_000);
    expect(rig.registrar.stats().registers).toBe(before);
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.manager.get(first)!.stateName).toBe('REGISTERED');
    expect(rig.manager.get(late)!.stateName).toBe('REGISTERED');
  });
});
