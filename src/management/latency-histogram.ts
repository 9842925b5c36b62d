/**
 * A fixed-bucket histogram (Prometheus style): O(buckets) memory whatever the number of
 * observations, O(log buckets) per observation.
 */
import { SipInvalidArgumentError } from '../errors.js';
import type { PrometheusHistogramData } from './prometheus-text.js';

/**
 * Default upper bounds of the registration latency histogram, in seconds. A REGISTER answered at
 * once takes milliseconds; one with a Digest round trip twice that; retransmissions start at T1
 * (500 ms) and Timer F gives up at 64·T1 = 32 s (RFC 3261 §17.1.2.2), so the buckets reach past it.
 */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);

/**
 * Check `bounds` (finite, strictly ascending, at least one) and return a frozen copy.
 *
 * @param what option name for the error message
 * @throws SipInvalidArgumentError naming `what`, what was expected and what was received
 */
export function validateBuckets(bounds: unknown, what: string): readonly number[] {
  if (!Array.isArray(bounds) || bounds.length === 0)
    throw new SipInvalidArgumentError(
      `${what} must be a non-empty array of finite numbers in ascending order, received ${
        Array.isArray(bounds) ? 'an empty array' : bounds === null ? 'null' : typeof bounds
      }`,
    );
  for (let i = 0; i < bounds.length; i++) {
    const bound: unknown = bounds[i];
    if (typeof bound !== 'number' || !Number.isFinite(bound))
      throw new SipInvalidArgumentError(
        `${what}[${i}] must be a finite number, received ${typeof bound === 'number' ? bound : typeof bound}`,
      );
    if (i > 0 && !(bound > (bounds[i - 1] as number)))
      throw new SipInvalidArgumentError(
        `${what} must be strictly ascending, received ${bounds[i - 1]} then ${bound} at index ${i}`,
      );
  }
  return Object.freeze([...(bounds as number[])]);
}

/** Observations counted into fixed buckets, plus their sum and count. */
export class LatencyHistogram {
  readonly #bounds: readonly number[];
  /** Observations per bucket (not cumulative): index bounds.length is the +Inf overflow. */
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  /** @param bounds upper bounds, already validated with {@link validateBuckets} */
  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
  }

  /** Count one observation (NaN is ignored: it would poison the sum). */
  observe(value: number): void {
    if (Number.isNaN(value)) return;
    const bounds = this.#bounds;
    // Binary search for the first bound >= value (the `le` semantics: value <= bound).
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (bounds[mid]! >= value) hi = mid;
      else lo = mid + 1;
    }
    this.#counts[lo]!++;
    this.#sum += value;
    this.#count++;
  }

  /** Number of observations. */
  get count(): number {
    return this.#count;
  }

  /** Snapshot in the cumulative form the exposition format wants. */
  data(): PrometheusHistogramData {
    const cumulative: number[] = [];
    let running = 0;
    for (let i = 0; i < this.#bounds.length; i++) {
      running += this.#counts[i]!;
      cumulative.push(running);
    }
    return { bounds: this.#bounds, cumulative, sum: this.#sum, count: this.#count };
  }
}
