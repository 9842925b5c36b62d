import { describeReceived, SipInvalidArgumentError } from '../errors.js';

/**
 * RFC 3261 timer base values for non-INVITE client transactions, in milliseconds (§17.1.1.1,
 * §17.1.2.2, Appendix A; checklist TXN-01).
 */
export interface TransactionTimerOptions {
  /**
   * T1, the round-trip time estimate. Timer E starts here and Timer F is 64·T1. RFC 3261 §17.1.1.1
   * recommends a larger T1 on links known to have a larger RTT.
   * @default 500
   */
  t1?: number;
  /**
   * T2, the cap of the Timer E retransmission interval (RFC 3261 §17.1.2.2). Must be ≥ T1.
   * @default 4000 (or `t1` when a larger `t1` is given alone)
   */
  t2?: number;
  /**
   * T4, how long a message may stay in the network: Timer K on unreliable transports
   * (RFC 3261 §17.1.2.2). May be 0 to free completed transactions at once.
   * @default 5000
   */
  t4?: number;
  /**
   * Timer F, the transaction timeout. RFC 3261 §17.1.2.2 sets it to 64·T1; override it only to
   * mimic a stack with another `fr_timeout` (OpenSIPS tm). Must be ≥ T1.
   * @default 64 * t1
   */
  timerF?: number;
}

/** Resolved, validated timer values in milliseconds. */
export interface TransactionTimers {
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
  /** Timer F: 64·T1 unless overridden. */
  readonly timerF: number;
}

/** RFC 3261 defaults: T1 = 500 ms, T2 = 4 s, T4 = 5 s, Timer F = 64·T1 = 32 s (TXN-01, TXN-02). */
export const DEFAULT_TRANSACTION_TIMERS: TransactionTimers = Object.freeze({
  t1: 500,
  t2: 4000,
  t4: 5000,
  timerF: 64 * 500,
});

function readMs(options: TransactionTimerOptions, name: keyof TransactionTimerOptions, fallback: number) {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new SipInvalidArgumentError(
      `timers.${name}: expected a finite number of milliseconds, received ${describeReceived(value, 60)}`,
    );
  return value;
}

/**
 * Fill in defaults and validate: T1 > 0, T2 ≥ T1, T4 ≥ 0, Timer F ≥ T1. Throws
 * {@link SipInvalidArgumentError} naming the option, what was expected and what was received.
 */
export function resolveTransactionTimers(options: TransactionTimerOptions = {}): TransactionTimers {
  if (typeof options !== 'object' || options === null)
    throw new SipInvalidArgumentError(
      `timers: expected an object, received ${describeReceived(options, 60)}`,
    );
  const t1 = readMs(options, 't1', DEFAULT_TRANSACTION_TIMERS.t1);
  if (!(t1 > 0)) throw new SipInvalidArgumentError(`timers.t1: expected a value > 0 ms, received ${t1}`);
  const t2 = readMs(options, 't2', Math.max(DEFAULT_TRANSACTION_TIMERS.t2, t1));
  if (!(t2 >= t1))
    throw new SipInvalidArgumentError(`timers.t2: expected a value >= t1 (${t1} ms), received ${t2}`);
  const t4 = readMs(options, 't4', DEFAULT_TRANSACTION_TIMERS.t4);
  if (!(t4 >= 0)) throw new SipInvalidArgumentError(`timers.t4: expected a value >= 0 ms, received ${t4}`);
  const timerF = readMs(options, 'timerF', 64 * t1);
  if (!(timerF >= t1))
    throw new SipInvalidArgumentError(`timers.timerF: expected a value >= t1 (${t1} ms), received ${timerF}`);
  return Object.freeze({ t1, t2, t4, timerF });
}
