/**
 * Prometheus metrics for a registrant manager: `render()` returns the text exposition format 0.0.4
 * (serve it as `text/plain; version=0.0.4; charset=utf-8`).
 *
 * Where the numbers come from:
 * - `stats()` (O(1) in the records: the manager keeps its counts up to date on every transition):
 *   records by state, REGISTERs and un-REGISTERs sent, replies by code, timeouts, local failures,
 *   late responses, sweep ticks, records deferred by the rate cap, transaction-layer counters;
 * - the `stateChange` and `removed` events: transitions by target state and the registration
 *   latency histogram (see registration-attempts.ts for what an attempt is).
 *
 * Cost: `render()` is `stats()` plus a fixed amount of text (about 70 series, plus one per distinct
 * reply code); per record, only a Map entry while its attempt is open. Nothing here ever names an
 * account: no AOR, user name or password reaches the output.
 */
import { SipInvalidArgumentError } from '../errors.js';
import type { RegistrantMembershipEvent, StateChangeEvent } from '../registrant/manager-events.js';
import type { RegistrantManagerStats } from '../registrant/registrant-manager.js';
import { type RegistrantState, stateName } from '../registrant/registrant-state.js';
import type { TransactionDropCounters } from '../transaction/transaction-layer.js';
import { LatencyHistogram } from './latency-histogram.js';
import { writeProcessMetrics } from './process-metrics.js';
import { type PrometheusSample, PrometheusTextWriter } from './prometheus-text.js';
import {
  type RegistrantMetricsOptions,
  resolveRegistrantMetricsOptions,
} from './registrant-metrics-options.js';
import { RegistrationAttempts } from './registration-attempts.js';

export type { RegistrantMetricsOptions } from './registrant-metrics-options.js';

/**
 * What the metrics need from a manager, by structure (`RegistrantManager` satisfies it; tests and
 * hosts may wrap or fake it): the counters, and the two events followed.
 */
export interface MetricsRegistrantManager {
  /** The manager's counters, read on every `render()`. */
  stats(): RegistrantManagerStats;
  /** Follow transitions (state counters and registration latency). */
  on(event: 'stateChange', listener: (event: StateChangeEvent) => void): unknown;
  /** Forget the open attempt of a removed record. */
  on(event: 'removed', listener: (event: RegistrantMembershipEvent) => void): unknown;
  /** Stop following transitions (`dispose()`). */
  off(event: 'stateChange', listener: (event: StateChangeEvent) => void): unknown;
  /** Stop following removals (`dispose()`). */
  off(event: 'removed', listener: (event: RegistrantMembershipEvent) => void): unknown;
}

/** The metrics of one manager. */
export interface RegistrantMetrics {
  /** The exposition text, format 0.0.4, every line ended by `\n`. */
  render(): string;
  /** Stop following the manager's events (the counters from `stats()` still render). Idempotent. */
  dispose(): void;
}

/** Drop reasons as label values (snake_case, as Prometheus label values usually are). */
const DROP_REASONS: readonly (readonly [keyof TransactionDropCounters, string])[] = [
  ['parseError', 'parse_error'],
  ['requestReceived', 'request_received'],
  ['badVia', 'bad_via'],
  ['stray', 'stray'],
  ['mismatch', 'mismatch'],
  ['wrongSource', 'wrong_source'],
];

const STATE_NAMES: readonly string[] = Array.from({ length: 10 }, (_, i) => stateName(i as RegistrantState));

/**
 * Follow `manager` and expose its metrics. Create it before `manager.start()` (or before records are
 * added) so every attempt's start is seen; an attempt already open when it is created is not timed.
 *
 * @throws SipInvalidArgumentError when an option is invalid or `manager` lacks `stats`/`on`/`off`
 * @example
 * const metrics = createRegistrantMetrics(manager, { clock });
 * http.createServer((req, res) => res.end(metrics.render())).listen(9090, '127.0.0.1');
 */
export function createRegistrantMetrics(
  manager: MetricsRegistrantManager,
  options?: RegistrantMetricsOptions,
): RegistrantMetrics {
  const m = manager as Partial<MetricsRegistrantManager> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.stats !== 'function' ||
    typeof m.on !== 'function' ||
    typeof m.off !== 'function'
  )
    throw new SipInvalidArgumentError(
      'createRegistrantMetrics: manager must have stats(), on() and off() (a RegistrantManager), received ' +
        (m === null ? 'null' : typeof m),
    );
  const o = resolveRegistrantMetricsOptions(options);
  const histogram = new LatencyHistogram(o.latencyBuckets);
  const attempts = new RegistrationAttempts(o.clock, histogram);
  const onStateChange = (event: StateChangeEvent): void => attempts.onStateChange(event);
  const onRemoved = (event: RegistrantMembershipEvent): void => attempts.onRemoved(event.key);
  manager.on('stateChange', onStateChange);
  manager.on('removed', onRemoved);
  let disposed = false;
  return {
    render: () => renderMetrics(o.prefix, manager.stats(), attempts, histogram, o.processMetrics),
    dispose() {
      if (disposed) return;
      disposed = true;
      manager.off('stateChange', onStateChange);
      manager.off('removed', onRemoved);
      attempts.clear();
    },
  };
}

function renderMetrics(
  p: string,
  stats: RegistrantManagerStats,
  attempts: RegistrationAttempts,
  histogram: LatencyHistogram,
  processMetrics: boolean,
): string {
  const w = new PrometheusTextWriter();
  const byState: PrometheusSample[] = STATE_NAMES.map((state) => ({
    labels: { state },
    value: (stats.recordsByState as Readonly<Record<string, number>>)[state] ?? 0,
  }));
  const transitions = attempts.transitionsByState();
  const codes = Object.keys(stats.repliesByCode)
    .map(Number)
    .filter((code) => Number.isInteger(code))
    .sort((a, b) => a - b);
  const t = stats.transactions;
  w.single(`${p}records`, 'gauge', 'Records in the manager.', stats.records)
    .family(
      `${p}records_by_state`,
      'gauge',
      'Records per state (OpenSIPS uac_registrant state names).',
      byState,
    )
    .single(
      `${p}registers_sent_total`,
      'counter',
      'REGISTER requests sent (challenge answers and retries included).',
      stats.registersSent,
    )
    .single(
      `${p}unregisters_sent_total`,
      'counter',
      'un-REGISTER requests (expires 0) sent.',
      stats.unregistersSent,
    )
    .family(
      `${p}replies_total`,
      'counter',
      'Final responses received from registrars, by status code.',
      codes.map((code) => ({ labels: { code: String(code) }, value: stats.repliesByCode[code] ?? 0 })),
    )
    .single(
      `${p}transaction_timeouts_total`,
      'counter',
      'Requests that got no final response before Timer F (synthetic 408).',
      stats.timeouts,
    )
    .single(
      `${p}local_failures_total`,
      'counter',
      'Requests that could not be built, resolved or sent, or whose transport failed (synthetic 503).',
      stats.localFailures,
    )
    .single(
      `${p}late_responses_total`,
      'counter',
      'Final responses for requests no longer awaited (ignored).',
      stats.lateResponses,
    )
    .single(`${p}timer_ticks_total`, 'counter', 'Bucket visits of the sweep timer.', stats.ticks)
    .single(
      `${p}deferred_records`,
      'gauge',
      'Records waiting for a token of the maxRegistersPerSecond cap.',
      stats.deferred,
    )
    .single(`${p}transactions_active`, 'gauge', 'Client transactions not yet terminated.', t.active)
    .single(
      `${p}transaction_requests_sent_total`,
      'counter',
      'Requests handed to the transport the first time.',
      t.sent,
    )
    .single(
      `${p}transaction_retransmissions_total`,
      'counter',
      'Timer E retransmissions (RFC 3261 17.1.2.2).',
      t.retransmissions,
    )
    .single(
      `${p}transaction_messages_received_total`,
      'counter',
      'Inbound SIP messages the transports passed up.',
      t.received,
    )
    .single(
      `${p}transaction_responses_absorbed_total`,
      'counter',
      'Responses matched to a completed transaction and absorbed (retransmitted finals, late 1xx).',
      t.absorbed,
    )
    .single(
      `${p}transaction_provisional_responses_total`,
      'counter',
      '1xx responses delivered to transactions.',
      t.provisionalDelivered,
    )
    .single(
      `${p}transaction_send_failures_total`,
      'counter',
      'Send and flow failures (synthetic 503).',
      t.sendFailures,
    )
    .single(
      `${p}transaction_handler_errors_total`,
      'counter',
      'Exceptions caught from transaction users (internal errors).',
      t.handlerErrors,
    )
    .family(
      `${p}transaction_messages_dropped_total`,
      'counter',
      'Inbound messages dropped before reaching a transaction, by reason.',
      DROP_REASONS.map(([field, reason]) => ({ labels: { reason }, value: t.dropped[field] })),
    )
    .family(
      `${p}state_transitions_total`,
      'counter',
      'State transitions, by the state entered.',
      STATE_NAMES.map((state, i) => ({ labels: { state }, value: transitions[i] ?? 0 })),
    )
    .histogram(
      `${p}registration_duration_seconds`,
      'Time from the start of a registration attempt (initial, refresh or retry) to REGISTERED, Digest round trips included.',
      histogram.data(),
    )
    .single(
      `${p}registration_attempts_unsuccessful_total`,
      'counter',
      'Registration attempts that ended in another state than REGISTERED.',
      attempts.unsuccessfulAttempts,
    )
    .single(
      `${p}registration_attempts_open`,
      'gauge',
      'Registration attempts under way (timed).',
      attempts.openAttempts,
    );
  if (processMetrics) writeProcessMetrics(w);
  return w.text();
}
