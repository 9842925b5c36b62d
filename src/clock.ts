/**
 * Time source for every timer in the library. Production code uses {@link realClock}; tests inject
 * a fake clock and advance it, so no test ever sleeps.
 *
 * `now()` is monotonic milliseconds (RFC 3261 §10.2.5: expiry is relative to receipt, so wall-clock
 * jumps must not move deadlines).
 */
export interface Clock {
  /** Monotonic milliseconds. Only differences between two readings are meaningful. */
  now(): number;
  /** Run `callback` after `delayMs` milliseconds. Delays above 2^31−1 ms must still work. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancel a timer; cancelling a fired or cancelled timer does nothing. */
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Node's `setTimeout` overflows above this many milliseconds (about 24.8 days) and fires at once. */
const MAX_NODE_DELAY_MS = 2 ** 31 - 1;

interface RealTimer {
  node: NodeJS.Timeout | undefined;
}

/**
 * The production clock: `performance.now()` for a monotonic reading, Node timers for callbacks.
 * Long delays are scheduled in steps so they never overflow (checklist SEC-14). Timers are unref'd
 * so a library timer never keeps the host process alive on its own.
 */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback, delayMs) {
    const timer: RealTimer = { node: undefined };
    const due = performance.now() + Math.max(0, delayMs);
    const arm = () => {
      const remaining = due - performance.now();
      if (remaining <= 0) {
        timer.node = undefined;
        callback();
        return;
      }
      timer.node = setTimeout(arm, Math.min(remaining, MAX_NODE_DELAY_MS));
      timer.node.unref?.();
    };
    timer.node = setTimeout(arm, Math.min(Math.max(0, delayMs), MAX_NODE_DELAY_MS));
    timer.node.unref?.();
    return timer as unknown as TimerHandle;
  },
  clearTimeout(handle) {
    const timer = handle as unknown as RealTimer;
    if (timer.node !== undefined) clearTimeout(timer.node);
    timer.node = undefined;
  },
};

interface FakeTimer {
  id: number;
  due: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. Timers fire in due order (ties in creation order) while
 * {@link FakeClock.advance} or {@link FakeClock.runUntilIdle} walks time forward; a timer created by a
 * callback fires in the same walk when it falls due before its end.
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers = new Map<number, FakeTimer>();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer: FakeTimer = {
      id: this.#nextId++,
      due: this.#now + Math.max(0, delayMs),
      callback,
      cancelled: false,
    };
    this.#timers.set(timer.id, timer);
    return timer as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as unknown as FakeTimer;
    timer.cancelled = true;
    this.#timers.delete(timer.id);
  }

  /** Number of timers armed and not yet fired or cancelled (tests use it to find leaks). */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Due time of the earliest armed timer, or `undefined` when none is armed. */
  nextDue(): number | undefined {
    let earliest: number | undefined;
    for (const timer of this.#timers.values())
      if (earliest === undefined || timer.due < earliest) earliest = timer.due;
    return earliest;
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: ms must be >= 0, received ${ms}`);
    this.advanceTo(this.#now + ms);
  }

  /** Move time forward to `target` (absolute), firing due timers in order. */
  advanceTo(target: number): void {
    for (;;) {
      const next = this.#earliestDue(target);
      if (next === undefined) break;
      this.#now = Math.max(this.#now, next.due);
      this.#timers.delete(next.id);
      next.callback();
    }
    this.#now = Math.max(this.#now, target);
  }

  /**
   * Fire timers until none is left, up to `limit` firings (guards against a timer that always
   * re-arms itself). Returns the number of timers fired.
   */
  runUntilIdle(limit = 100_000): number {
    let fired = 0;
    for (; fired < limit; fired++) {
      const next = this.#earliestDue(Number.POSITIVE_INFINITY);
      if (next === undefined) return fired;
      this.#now = Math.max(this.#now, next.due);
      this.#timers.delete(next.id);
      next.callback();
    }
    throw new Error(`FakeClock.runUntilIdle: still busy after ${limit} timers`);
  }

  #earliestDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.due > limit) continue;
      if (best === undefined || timer.due < best.due || (timer.due === best.due && timer.id < best.id))
        best = timer;
    }
    return best;
  }
}
