/**
 * Notices the moment every enabled account is REGISTERED, for the "all registered in X s" line.
 * Polled (the daemon's status ticker calls it), because the answer needs a walk over the records
 * to tell disabled ones from ones still waiting for their bucket; the walk only happens when the
 * O(1) counters say nothing is in flight or failing.
 */
import type { RegistrantManager } from '../registrant/registrant-manager.js';

/** Shortest time between two walks over the records. */
const WALK_INTERVAL_MS = 5_000;

export class AllRegisteredWatch {
  readonly #manager: RegistrantManager;
  readonly #now: () => number;
  #done = false;
  #lastWalk = Number.NEGATIVE_INFINITY;

  /** @param now clock for the walk's throttle (ms). @default Date.now */
  constructor(manager: RegistrantManager, now: () => number = Date.now) {
    this.#manager = manager;
    this.#now = now;
  }

  /** Whether it already reported (reset with {@link rearm} after a reload). */
  get done(): boolean {
    return this.#done;
  }

  /** Look again after the set of accounts changed. */
  rearm(): void {
    this.#done = false;
  }

  /** The number of enabled accounts the first time all of them are registered; else undefined. */
  check(): number | undefined {
    if (this.#done) return undefined;
    const stats = this.#manager.stats();
    const byState = stats.recordsByState;
    if (byState.REGISTERED === 0 || byState.REGISTERED + byState.NOT_REGISTERED !== stats.records)
      return undefined;
    let waiting = 0;
    if (byState.NOT_REGISTERED > 0) {
      // The walk is O(records) (about 0.1 s at 100,000): at most once every 5 s, and only when
      // nothing is in flight or failing.
      const now = this.#now();
      if (now - this.#lastWalk < WALK_INTERVAL_MS) return undefined;
      this.#lastWalk = now;
      waiting = this.#manager.list({ state: 'NOT_REGISTERED', enabled: true }).length;
    }
    if (waiting > 0) return undefined;
    this.#done = true;
    return byState.REGISTERED;
  }
}
