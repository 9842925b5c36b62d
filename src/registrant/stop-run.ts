/**
 * Bookkeeping of one `RegistrantManager.stop()`: which records still have to report `stopped`, how
 * their un-REGISTERs ended, and the pacing of new un-REGISTERs. Exists only while stopping.
 */
import type { TimerHandle } from '../clock.js';
import type { ManagedRecord } from './managed-record.js';
import type { RegistrantAction } from './registrant-events.js';
import { RegistrantState } from './registrant-state.js';
import { TokenBucket } from './token-bucket.js';

/** What `stop()` resolves with. */
export interface RegistrantStopResult {
  /** Records whose un-REGISTER was answered with a 2xx (EXP-10). */
  readonly unregistered: number;
  /** Records whose un-REGISTER failed (error reply, timeout, transport failure). */
  readonly failed: number;
  /** Records still holding a binding when `stopTimeout` ran out (their un-REGISTER was given up). */
  readonly timedOut: number;
}

export class StopRun {
  readonly records: ManagedRecord[];
  /** Next index of {@link records} to stop. */
  next = 0;
  /** Records told to stop that have not reported `stopped` yet. */
  readonly pending = new Set<ManagedRecord>();
  readonly pace: TokenBucket;
  paceTimer: TimerHandle | undefined = undefined;
  deadlineTimer: TimerHandle | undefined = undefined;
  deadlinePassed = false;
  #unregistered = 0;
  #failed = 0;
  #timedOut = 0;
  readonly resolve: (result: RegistrantStopResult) => void;

  constructor(
    records: ManagedRecord[],
    rate: number,
    now: number,
    resolve: (r: RegistrantStopResult) => void,
  ) {
    this.records = records;
    this.pace = new TokenBucket({ rate, burst: Math.max(1, rate) }, now);
    this.resolve = resolve;
  }

  /** All records were told to stop and all reported back. */
  get done(): boolean {
    return this.next >= this.records.length && this.pending.size === 0;
  }

  /**
   * A record reported `stopped`; `actions` are those of the same transition, which tell how its
   * un-REGISTER ended (a 2xx: state change out of UNREGISTERING without a failure warning).
   */
  recordStopped(record: ManagedRecord, actions: readonly RegistrantAction[]): void {
    if (!this.pending.delete(record)) return;
    let failed = false;
    let unregistered = false;
    for (const action of actions) {
      if (action.type === 'warning' && action.warning === 'UNREGISTER_FAILED') failed = true;
      else if (
        action.type === 'stateChange' &&
        (action.from === RegistrantState.UNREGISTERING ||
          action.from === RegistrantState.AUTHENTICATING_UNREGISTER) &&
        action.code >= 200 &&
        action.code < 300
      )
        unregistered = true;
    }
    if (failed) {
      if (this.deadlinePassed) this.#timedOut++;
      else this.#failed++;
    } else if (unregistered) this.#unregistered++;
  }

  /** A record that was never asked to stop in time but still held a binding. */
  countTimedOut(): void {
    this.#timedOut++;
  }

  result(): RegistrantStopResult {
    return { unregistered: this.#unregistered, failed: this.#failed, timedOut: this.#timedOut };
  }
}
