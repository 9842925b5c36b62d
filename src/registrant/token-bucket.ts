/**
 * A token bucket capping how many new REGISTER transactions start per second across all records, so
 * 100,000 records starting together or recovering from an outage never storm the registrar (RFC 6357
 * overload, checklist SEC-13). Pure: time is passed in, nothing here reads a clock or arms a timer.
 */
import { SipInvalidArgumentError } from '../errors.js';

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second (sustained REGISTERs per second). Must be > 0. */
  rate: number;
  /**
   * Most tokens the bucket holds (the largest burst). At least 1.
   * @default max(1, rate)
   */
  burst?: number;
}

/** A token bucket; starts full. */
export class TokenBucket {
  readonly rate: number;
  readonly burst: number;
  #tokens: number;
  #updatedAt: number;

  /**
   * @param options rate and burst
   * @param now monotonic ms at creation (the bucket starts full)
   */
  constructor(options: TokenBucketOptions, now: number) {
    const rate = options?.rate;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || !(rate > 0))
      throw new SipInvalidArgumentError(
        `option "rate": expected a number of tokens per second > 0, received ${String(rate)}`,
      );
    const burst = options.burst ?? Math.max(1, rate);
    if (typeof burst !== 'number' || !Number.isFinite(burst) || !(burst >= 1))
      throw new SipInvalidArgumentError(`option "burst": expected a number ≥ 1, received ${String(burst)}`);
    this.rate = rate;
    this.burst = burst;
    this.#tokens = burst;
    this.#updatedAt = now;
  }

  #refill(now: number): void {
    // A clock that goes backwards (it should not: monotonic) adds nothing rather than removing tokens.
    if (now > this.#updatedAt) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#updatedAt) * this.rate) / 1000);
      this.#updatedAt = now;
    }
  }

  /** Tokens available at `now` (fractional). */
  available(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** True when `count` tokens are available at `now` (does not take them). */
  canTake(now: number, count = 1): boolean {
    return this.available(now) >= count;
  }

  /** Take `count` tokens if available; returns whether they were taken. */
  tryTake(now: number, count = 1): boolean {
    this.#refill(now);
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }

  /** Monotonic ms at which `count` tokens will be available (≤ `now` when they already are). */
  nextAvailableAt(now: number, count = 1): number {
    this.#refill(now);
    if (this.#tokens >= count) return now;
    return now + ((count - this.#tokens) * 1000) / this.rate;
  }
}
