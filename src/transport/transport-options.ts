/**
 * Up-front checks of the built-in transports' options. Each failure is a SipInvalidArgumentError
 * naming the factory, the option, what was expected and what was received.
 */
import { isIP } from 'node:net';
import { type Clock, realClock } from '../clock.js';
import { describeReceived, SipInvalidArgumentError } from '../errors.js';

/** Validates option values for one factory (`owner` is its name, used in messages). */
export class OptionChecker {
  readonly #owner: string;

  constructor(owner: string) {
    this.#owner = owner;
  }

  /** The options object itself: undefined means `{}`. */
  object<T extends object>(name: string, value: T | undefined): T {
    if (value === undefined) return {} as T;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw this.#invalid(name, 'an object', value);
    return value;
  }

  /** An IP address literal (IPv4 or IPv6, no brackets). */
  ip(name: string, value: unknown, fallback: string): string {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || isIP(value) === 0)
      throw this.#invalid(name, 'an IPv4 or IPv6 address literal (no brackets)', value);
    return value;
  }

  /** A host name or IP literal, without spaces or control characters. */
  host(name: string, value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (
      typeof value !== 'string' ||
      value.length === 0 ||
      value.length > 253 ||
      /[\s\x00-\x1f\x7f]/.test(value)
    )
      throw this.#invalid(name, 'a host name or IP address', value);
    return value;
  }

  /** An integer in [min, max]. */
  integer(name: string, value: unknown, min: number, max: number, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      throw this.#invalid(name, `an integer ${min}-${max}`, value);
    return value;
  }

  boolean(name: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw this.#invalid(name, 'true or false', value);
    return value;
  }

  clock(name: string, value: unknown): Clock {
    if (value === undefined) return realClock;
    const clock = value as Partial<Clock> | null;
    if (
      typeof clock !== 'object' ||
      clock === null ||
      typeof clock.now !== 'function' ||
      typeof clock.setTimeout !== 'function' ||
      typeof clock.clearTimeout !== 'function'
    )
      throw this.#invalid(name, 'a Clock { now, setTimeout, clearTimeout }', value);
    return clock as Clock;
  }

  /** Key material accepted by node:tls: a PEM string, a Buffer, or an array of them. */
  pem(name: string, value: unknown): string | Buffer | Array<string | Buffer> | undefined {
    if (value === undefined) return undefined;
    const ok = (item: unknown) => typeof item === 'string' || Buffer.isBuffer(item);
    if (ok(value)) return value as string | Buffer;
    if (Array.isArray(value) && value.length > 0 && value.every(ok)) return value as Array<string | Buffer>;
    throw this.#invalid(name, 'a PEM string, a Buffer or an array of them', value);
  }

  #invalid(name: string, expected: string, value: unknown): SipInvalidArgumentError {
    return new SipInvalidArgumentError(
      `${this.#owner}: option ${name} must be ${expected}, received ${describeReceived(value, 60)}`,
    );
  }
}
