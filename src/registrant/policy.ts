/**
 * Refresh and retry timing: when a registered record refreshes, when a failed one retries, when a
 * stuck one is given up. Pure functions of (time, facts, policy, random) so tests inject randomness
 * and time; nothing here reads a clock or arms a timer.
 *
 * Units: options are in seconds (as OpenSIPS' module parameters are); the resolved
 * {@link RegistrantPolicy} and every function return milliseconds on the monotonic clock.
 */
import { describeReceived, SipInvalidArgumentError } from '../errors.js';

/** Options of the refresh / retry policy. Every field is optional; defaults are documented. */
export interface RegistrantPolicyOptions {
  /**
   * Seconds for one full sweep of all buckets (the manager's `timerInterval`, OpenSIPS
   * `timer_interval`). A record is only looked at when its bucket comes round, i.e. up to one sweep
   * after its deadline, so refresh deadlines are brought forward by this much.
   * @default 100
   */
  timerInterval?: number;
  /**
   * Refresh at most at this percentage of the granted expiry (OpenSIPS 4.0
   * `reregister_expiry_percentage`), in (0, 100]. Combined with {@link refreshJitterPercentage}:
   * the refresh point is drawn uniformly in `[p − j, p]` % of the grant (default 80–90 %, checklist
   * EXP-07), then brought forward so that even a tick one sweep late plus an answer taking
   * {@link refreshMargin} lands before the binding expires.
   * @default 90
   */
  reregisterExpiryPercentage?: number;
  /**
   * Width, in percentage points of the grant, of the random window below
   * {@link reregisterExpiryPercentage}, so records registered together do not refresh together
   * (SEC-13). 0 disables jitter. Must be below `reregisterExpiryPercentage`.
   * @default 10
   */
  refreshJitterPercentage?: number;
  /**
   * Seconds reserved for the refresh to be answered: Timer F (32 s, the longest a UDP REGISTER can
   * take with every retransmission) plus 8 s slack (checklist EXP-07).
   * @default 40
   */
  refreshMargin?: number;
  /**
   * Fixed delay in seconds before retrying after a failure, as OpenSIPS 3.5+
   * `failure_retry_interval`. 0 = unset: use the capped exponential back-off below. Wrong
   * credentials and permanent-looking errors (403/404/603/604) never retry faster than the slow
   * back-off, even when this is set.
   * @default 0
   */
  failureRetryInterval?: number;
  /**
   * Base of the failure back-off in seconds (RFC 5626 §4.5 base-time): after n consecutive failures
   * the wait is uniform in 50–100 % of `min(backoffMax, backoffBase · 2^n)` (SEC-12).
   * @default 30
   */
  backoffBase?: number;
  /** Cap of the failure back-off in seconds (RFC 5626 §4.5 max-time). @default 1800 */
  backoffMax?: number;
  /**
   * Base in seconds of the slow back-off used for WRONG_CREDENTIALS and for errors that should not
   * be repeated soon (403, 404, 603, 604; RFC 3261 §21.4.4, checklist RSP-12): never hammer.
   * @default 300
   */
  slowBackoffBase?: number;
  /** Cap in seconds of the slow back-off. @default 3600 */
  slowBackoffMax?: number;
  /**
   * Largest `Retry-After` (seconds) honoured as a floor (RFC 3261 §20.33, RSP-10/11); larger values
   * are clamped so a hostile or broken registrar cannot park a record for years.
   * @default 86400
   */
  maxRetryAfter?: number;
  /**
   * Most challenges answered in one registration attempt, stale re-challenges included
   * (checklist DIG-53). Integer 1…10.
   * @default 3
   */
  maxChallengeRounds?: number;
  /**
   * Largest `Min-Expires` (seconds) accepted from a 423 (RFC 3261 §10.2.8, EXP-15); a 423 asking for
   * more is a REGISTRAR_ERROR.
   * @default 86400
   */
  maxMinExpires?: number;
  /**
   * Seconds after which a record still waiting for the final response of its request is given up as
   * timed out (the transaction layer reports a timeout after Timer F = 32 s; this only catches a
   * callback that never came). Checked when the record's bucket comes round.
   * @default 90
   */
  inFlightWatchdog?: number;
}

/** A validated policy with every value resolved to milliseconds (counts stay counts). */
export interface RegistrantPolicy {
  readonly sweepMs: number;
  readonly reregisterFraction: number;
  readonly jitterFraction: number;
  readonly refreshMarginMs: number;
  readonly failureRetryIntervalMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly slowBackoffBaseMs: number;
  readonly slowBackoffMaxMs: number;
  readonly maxRetryAfterMs: number;
  readonly maxChallengeRounds: number;
  readonly maxMinExpires: number;
  readonly watchdogMs: number;
}

/** The defaults, in the options' units (seconds and percentages). */
export const DEFAULT_REGISTRANT_POLICY_OPTIONS: Readonly<Required<RegistrantPolicyOptions>> = Object.freeze({
  timerInterval: 100,
  reregisterExpiryPercentage: 90,
  refreshJitterPercentage: 10,
  refreshMargin: 40,
  failureRetryInterval: 0,
  backoffBase: 30,
  backoffMax: 1800,
  slowBackoffBase: 300,
  slowBackoffMax: 3600,
  maxRetryAfter: 86400,
  maxChallengeRounds: 3,
  maxMinExpires: 86400,
  inFlightWatchdog: 90,
});

function option(
  options: RegistrantPolicyOptions,
  name: keyof RegistrantPolicyOptions,
  expected: string,
  ok: (n: number) => boolean,
): number {
  const raw = options[name];
  const value = raw === undefined ? DEFAULT_REGISTRANT_POLICY_OPTIONS[name] : raw;
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value))
    throw new SipInvalidArgumentError(
      `registrant policy option "${name}": expected ${expected}, received ${describeReceived(raw)}`,
    );
  return value;
}

/**
 * Validate policy options and resolve them to milliseconds. Throws {@link SipInvalidArgumentError}
 * naming the option, what was expected and what was received. Unknown keys are ignored (the manager
 * hands its whole options object through).
 */
export function createRegistrantPolicy(options: RegistrantPolicyOptions = {}): RegistrantPolicy {
  if (typeof options !== 'object' || options === null)
    throw new SipInvalidArgumentError(
      `registrant policy options: expected an object, received ${describeReceived(options)}`,
    );
  const timerInterval = option(options, 'timerInterval', 'a number of seconds > 0', (n) => n > 0);
  const percentage = option(
    options,
    'reregisterExpiryPercentage',
    'a percentage in (0, 100]',
    (n) => n > 0 && n <= 100,
  );
  const jitter = option(
    options,
    'refreshJitterPercentage',
    `a percentage ≥ 0 and below reregisterExpiryPercentage (${percentage})`,
    (n) => n >= 0 && n < percentage,
  );
  const margin = option(options, 'refreshMargin', 'a number of seconds ≥ 0', (n) => n >= 0);
  const fixed = option(options, 'failureRetryInterval', 'a number of seconds ≥ 0 (0 = unset)', (n) => n >= 0);
  const base = option(options, 'backoffBase', 'a number of seconds > 0', (n) => n > 0);
  const max = option(options, 'backoffMax', `a number of seconds ≥ backoffBase (${base})`, (n) => n >= base);
  const slowBase = option(options, 'slowBackoffBase', 'a number of seconds > 0', (n) => n > 0);
  const slowMax = option(
    options,
    'slowBackoffMax',
    `a number of seconds ≥ slowBackoffBase (${slowBase})`,
    (n) => n >= slowBase,
  );
  const maxRetryAfter = option(options, 'maxRetryAfter', 'a number of seconds ≥ 0', (n) => n >= 0);
  const rounds = option(
    options,
    'maxChallengeRounds',
    'an integer 1..10',
    (n) => Number.isInteger(n) && n >= 1 && n <= 10,
  );
  const maxMinExpires = option(
    options,
    'maxMinExpires',
    'an integer number of seconds ≥ 1',
    (n) => Number.isInteger(n) && n >= 1,
  );
  const watchdog = option(options, 'inFlightWatchdog', 'a number of seconds > 0', (n) => n > 0);
  return Object.freeze({
    sweepMs: timerInterval * 1000,
    reregisterFraction: percentage / 100,
    jitterFraction: jitter / 100,
    refreshMarginMs: margin * 1000,
    failureRetryIntervalMs: fixed * 1000,
    backoffBaseMs: base * 1000,
    backoffMaxMs: max * 1000,
    slowBackoffBaseMs: slowBase * 1000,
    slowBackoffMaxMs: slowMax * 1000,
    maxRetryAfterMs: maxRetryAfter * 1000,
    maxChallengeRounds: rounds,
    maxMinExpires,
    watchdogMs: watchdog * 1000,
  });
}

/** Where a refresh lands, relative to the moment the answered REGISTER was sent. */
export interface RefreshPlan {
  /** Milliseconds after the send time at which the record becomes due for its refresh. */
  readonly delayMs: number;
  /**
   * True when the grant is shorter than one sweep plus the answer margin: the refresh is then made
   * due at once (it goes out at the next visit of the bucket), yet the binding can still lapse
   * before it is answered. Report it (SEC-10; OpenSIPS logs "decrease timer_interval").
   */
  readonly tooShort: boolean;
}

/**
 * When to refresh a binding granted for `grantedSeconds`, as a delay from the send time of the
 * REGISTER that was answered (the registrar started counting no earlier than that, RFC 3261
 * §10.2.1.1, so measuring from the send time is the safe side).
 *
 * delay = max(0, min(u · g, g − sweep − margin)), u uniform in [p − j, p]: the jittered fraction of
 * the grant (EXP-07) unless that would not leave room for a tick coming one sweep late plus an answer
 * taking `refreshMargin` (Timer F + slack). The registrar's value is honoured however short (SEC-10).
 */
export function refreshPlan(
  policy: RegistrantPolicy,
  grantedSeconds: number,
  random: () => number,
): RefreshPlan {
  const grantMs = grantedSeconds * 1000;
  const fraction = policy.reregisterFraction - policy.jitterFraction * unit(random);
  const safeMs = grantMs - policy.sweepMs - policy.refreshMarginMs;
  return { delayMs: Math.max(0, Math.min(fraction * grantMs, safeMs)), tooShort: safeMs < 0 };
}

/** Smallest and largest delay {@link refreshPlan} can return for this grant (for tests and views). */
export function refreshDelayBounds(
  policy: RegistrantPolicy,
  grantedSeconds: number,
): { readonly minMs: number; readonly maxMs: number } {
  const grantMs = grantedSeconds * 1000;
  const safeMs = grantMs - policy.sweepMs - policy.refreshMarginMs;
  const low = (policy.reregisterFraction - policy.jitterFraction) * grantMs;
  const high = policy.reregisterFraction * grantMs;
  return { minMs: Math.max(0, Math.min(low, safeMs)), maxMs: Math.max(0, Math.min(high, safeMs)) };
}

/** Which back-off schedule a failure uses. */
export type FailureSeverity = 'transient' | 'slow';

/** The facts about a failure that decide when to retry. */
export interface FailureFacts {
  /** Consecutive failures including this one (≥ 1); reset to 0 by a successful registration. */
  readonly failureCount: number;
  /** `slow` for WRONG_CREDENTIALS and 403/404/603/604, `transient` otherwise. */
  readonly severity: FailureSeverity;
  /** `Retry-After` of the reply in seconds, if any: a floor for the delay (RSP-10/11). */
  readonly retryAfter?: number | undefined;
}

function unit(random: () => number): number {
  const r = random();
  // A broken random source must not produce NaN deadlines (a NaN deadline would never fall due).
  return r >= 0 && r <= 1 ? r : 0;
}

/**
 * Delay before retrying after a failure (RFC 5626 §4.5, checklist SEC-12): with n consecutive
 * failures, W = min(max, base · 2^n) and the wait is uniform in [W/2, W]. `failureRetryInterval`,
 * when set, replaces this with a fixed delay (OpenSIPS), except that slow failures never retry faster
 * than the slow back-off. A `Retry-After` (clamped to `maxRetryAfter`) is a floor.
 */
export function failureDelayMs(policy: RegistrantPolicy, facts: FailureFacts, random: () => number): number {
  const n = Math.max(1, Math.floor(facts.failureCount));
  const slow = facts.severity === 'slow';
  const ceiling = Math.min(
    slow ? policy.slowBackoffMaxMs : policy.backoffMaxMs,
    (slow ? policy.slowBackoffBaseMs : policy.backoffBaseMs) * 2 ** Math.min(n, 60),
  );
  const backoff = ceiling * (0.5 + 0.5 * unit(random));
  let delay = backoff;
  if (policy.failureRetryIntervalMs > 0)
    delay = slow ? Math.max(policy.failureRetryIntervalMs, backoff) : policy.failureRetryIntervalMs;
  return Math.max(delay, retryAfterFloorMs(policy, facts.retryAfter));
}

/** Smallest and largest delay {@link failureDelayMs} can return for these facts. */
export function failureDelayBounds(
  policy: RegistrantPolicy,
  facts: FailureFacts,
): { readonly minMs: number; readonly maxMs: number } {
  return {
    minMs: failureDelayMs(policy, facts, () => 0),
    maxMs: failureDelayMs(policy, facts, () => 1),
  };
}

function retryAfterFloorMs(policy: RegistrantPolicy, retryAfter: number | undefined): number {
  if (retryAfter === undefined || !(retryAfter > 0)) return 0;
  return Math.min(retryAfter * 1000, policy.maxRetryAfterMs);
}

/**
 * Final status codes after which the same request should not be repeated soon: 403 (RFC 3261
 * §21.4.4 "SHOULD NOT be repeated", RSP-12), 404 (the registrar does not serve the AOR), 603 and 604
 * (global refusals). They use the slow back-off.
 */
export function isSlowFailureStatus(status: number): boolean {
  return status === 403 || status === 404 || status === 603 || status === 604;
}
