/**
 * The sweep under a late timer: when the host is busy and a tick fires late, the manager visits
 * every bucket whose turn has come, so a full sweep still takes `timerInterval` (the refresh margin
 * of EXP-07 assumes a record is looked at within one sweep of its deadline).
 */
import { describe, expect, it } from 'vitest';
import { type Clock, FakeClock, type TimerHandle } from '../../src/clock.js';
import { RegistrantManager } from '../../src/registrant/registrant-manager.js';
import { aorHash } from '../../src/registrant/registrant-table.js';
import { ScriptedTransport } from './scripted-transport.js';

/** A clock whose every timer fires `lagMs` later than asked, like a saturated event loop. */
class LateClock implements Clock {
  constructor(
    readonly inner: FakeClock,
    readonly lagMs: number,
  ) {}
  now(): number {
    return this.inner.now();
  }
  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.inner.setTimeout(callback, delayMs + this.lagMs);
  }
  clearTimeout(handle: TimerHandle): void {
    this.inner.clearTimeout(handle);
  }
}

function firstSendTimes(transport: ScriptedTransport, sentAt: Map<string, number>, now: number): void {
  for (const { request } of transport.sent) {
    const to = request.headers.get('To')!;
    if (!sentAt.has(to)) sentAt.set(to, now);
  }
  transport.sent.length = 0;
}

describe('the sweep with late timers', () => {
  it('EXP-07 SEC-13 late ticks catch up: every bucket is visited within one sweep plus the lag', () => {
    const fake = new FakeClock(0);
    const clock = new LateClock(fake, 20_000);
    const transport = new ScriptedTransport({ localAddress: { host: '192.0.2.10', port: 5060 } });
    const manager = new RegistrantManager({
      transport,
      clock,
      hashSize: 4,
      timerInterval: 100,
      random: () => 0.5,
    });
    const users: string[] = [];
    for (let i = 0; i < 64; i++) {
      const aor = `sip:late${i}@example.com`;
      users.push(aor);
      manager.add({ registrar: 'sip:198.51.100.1', aor, contact: `sip:late${i}@192.0.2.10:5060` });
    }
    // Every one of the 16 buckets holds at least one record.
    expect(new Set(users.map((aor) => aorHash(aor) & 15)).size).toBe(16);
    manager.start();
    const sentAt = new Map<string, number>();
    // Walk time in 1 s steps (the registrar never answers; only first sends matter).
    for (let t = 0; t <= 125_000; t += 1_000) {
      fake.advanceTo(t);
      firstSendTimes(transport, sentAt, t);
    }
    // Without catching up, one bucket per (6.25 s + 20 s) would have reached only 5 buckets by now.
    expect(sentAt.size).toBe(64);
    expect(Math.max(...sentAt.values())).toBeLessThanOrEqual(100_000 + 20_000 + 6_250);
    void manager.stop();
  });
});
