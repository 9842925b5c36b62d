/** Options of `createRegistrantMetrics`, validated up front. */
import { type Clock, realClock } from '../clock.js';
import { SipInvalidArgumentError } from '../errors.js';
import { DEFAULT_LATENCY_BUCKETS, validateBuckets } from './latency-histogram.js';
import { isValidMetricName } from './prometheus-text.js';

/** Options of `createRegistrantMetrics`. */
export interface RegistrantMetricsOptions {
  /**
   * Prefix of every registrant metric name (not of the standard `process_*` / `nodejs_*` ones).
   * Must keep the names valid: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
   * @default 'sip_registrant_'
   */
  readonly prefix?: string | undefined;
  /**
   * Time source for the registration latency: pass the manager's own clock (a `FakeClock` in tests)
   * so latencies are measured on the same time line as the manager's timers.
   * @default realClock
   */
  readonly clock?: Clock | undefined;
  /**
   * Upper bounds (seconds, strictly ascending) of the registration latency histogram's buckets.
   * @default DEFAULT_LATENCY_BUCKETS (0.005 … 60)
   */
  readonly latencyBuckets?: readonly number[] | undefined;
  /**
   * Add the standard process metrics (`process_cpu_seconds_total`, `process_resident_memory_bytes`,
   * `process_start_time_seconds`, `nodejs_heap_size_used_bytes`, …). Turn off when the host exports
   * them already (two families of one name make a scrape invalid).
   * @default true
   */
  readonly processMetrics?: boolean | undefined;
}

/** Options with defaults applied. */
export interface ResolvedRegistrantMetricsOptions {
  readonly prefix: string;
  readonly clock: Clock;
  readonly latencyBuckets: readonly number[];
  readonly processMetrics: boolean;
}

const WHERE = 'createRegistrantMetrics: option';

function received(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'string' ? `string ${JSON.stringify(value.slice(0, 40))}` : typeof value;
}

/**
 * Apply defaults and check every option.
 *
 * @throws SipInvalidArgumentError naming the option, what was expected and what was received
 */
export function resolveRegistrantMetricsOptions(input: unknown): ResolvedRegistrantMetricsOptions {
  if (input === undefined) input = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new SipInvalidArgumentError(
      `createRegistrantMetrics: options must be an object, received ${Array.isArray(input) ? 'an array' : received(input)}`,
    );
  const o = input as Record<string, unknown>;
  const prefix = o.prefix ?? 'sip_registrant_';
  // The empty prefix is allowed: the names that follow it are valid on their own.
  if (typeof prefix !== 'string' || (prefix !== '' && !isValidMetricName(prefix)))
    throw new SipInvalidArgumentError(
      `${WHERE} prefix must be a string of [a-zA-Z0-9_:] not starting with a digit, received ${received(prefix)}`,
    );
  const clock = o.clock ?? realClock;
  const c = clock as Partial<Clock>;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof c.now !== 'function' ||
    typeof c.setTimeout !== 'function' ||
    typeof c.clearTimeout !== 'function'
  )
    throw new SipInvalidArgumentError(
      `${WHERE} clock must be a Clock (now, setTimeout, clearTimeout), received ${received(clock)}`,
    );
  const processMetrics = o.processMetrics ?? true;
  if (typeof processMetrics !== 'boolean')
    throw new SipInvalidArgumentError(
      `${WHERE} processMetrics must be a boolean, received ${received(processMetrics)}`,
    );
  const latencyBuckets =
    o.latencyBuckets === undefined
      ? DEFAULT_LATENCY_BUCKETS
      : validateBuckets(o.latencyBuckets, `${WHERE} latencyBuckets`);
  return { prefix, clock: clock as Clock, latencyBuckets, processMetrics };
}
