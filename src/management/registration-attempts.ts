/**
 * Registration latency, measured from the manager's `stateChange` events: the time from the start of
 * a registration attempt to the record's entry into REGISTERED.
 *
 * Which transitions mark what (from the state machine, src/registrant/state-machine.ts):
 * - An attempt starts when a record enters REGISTERING from any state but AUTHENTICATING: the
 *   initial REGISTER (from NOT_REGISTERED), a refresh (from REGISTERED), a retry after back-off (from
 *   a failure state), a forced register, an enable after an un-REGISTER (from UNREGISTERING).
 * - Within an attempt, 401/407 answers (REGISTERING → AUTHENTICATING) and the 423 / 3xx resends
 *   (→ REGISTERING, from AUTHENTICATING or without a state change) keep the attempt's start: the
 *   Digest round trips count in the latency.
 * - REGISTERED closes the attempt and records its duration; any other state (a failure, NOT_REGISTERED
 *   for a binding not installed, an un-REGISTER) closes it unrecorded: the retry is a new attempt.
 * - A record's removal forgets its open attempt.
 *
 * Memory: one Map entry (the record's own key string → start time) per record with an attempt open,
 * none for idle records. An attempt that was already open when the tracker was attached is not
 * measured (its start is unknown).
 */
import type { Clock } from '../clock.js';
import type { StateChangeEvent } from '../registrant/manager-events.js';
import { RegistrantState } from '../registrant/registrant-state.js';
import type { LatencyHistogram } from './latency-histogram.js';

/** Follows attempts by record key and feeds their durations (seconds) to a histogram. */
export class RegistrationAttempts {
  readonly #clock: Clock;
  readonly #histogram: LatencyHistogram;
  /** Record key → `clock.now()` at the start of its open attempt. */
  readonly #open = new Map<string, number>();
  /** Transitions counted by target state (index = state number). */
  readonly #transitions: number[] = new Array<number>(10).fill(0);
  #unsuccessful = 0;

  constructor(clock: Clock, histogram: LatencyHistogram) {
    this.#clock = clock;
    this.#histogram = histogram;
  }

  /** Feed one `stateChange` event. */
  onStateChange(event: StateChangeEvent): void {
    const to = event.to;
    if (to >= 0 && to <= 9) this.#transitions[to]!++;
    if (to === RegistrantState.REGISTERING) {
      // From AUTHENTICATING it is a resend within the attempt (423 / 3xx after a challenge).
      if (event.from !== RegistrantState.AUTHENTICATING) this.#open.set(event.key, this.#clock.now());
      return;
    }
    if (to === RegistrantState.AUTHENTICATING) return;
    const start = this.#open.get(event.key);
    if (start === undefined) return;
    this.#open.delete(event.key);
    if (to === RegistrantState.REGISTERED)
      this.#histogram.observe(Math.max(0, this.#clock.now() - start) / 1000);
    else this.#unsuccessful++;
  }

  /** Feed one `removed` event: the record's open attempt, if any, is forgotten. */
  onRemoved(key: string): void {
    this.#open.delete(key);
  }

  /** Attempts currently open (records between the start of an attempt and its outcome). */
  get openAttempts(): number {
    return this.#open.size;
  }

  /** Attempts that ended in any state but REGISTERED (failed, or given up for disable / delete / stop). */
  get unsuccessfulAttempts(): number {
    return this.#unsuccessful;
  }

  /** Transitions into each state, by state number (a copy). */
  transitionsByState(): readonly number[] {
    return this.#transitions.slice();
  }

  /** Forget every open attempt. */
  clear(): void {
    this.#open.clear();
  }
}
