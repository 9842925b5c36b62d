/**
 * Host name resolution for registrar and proxy hosts (RFC 3263 §4.2 A/AAAA step; checklist DNS-01,
 * DNS-05, DNS-06). The lookup itself is injected (tests and hosts with their own DNS pass a
 * function); the default uses `node:dns` `lookup` with every address.
 *
 * 100,000 records usually share a handful of registrar hosts, so results are cached per host for a
 * short time and concurrent lookups of one host share a single call. Every lookup is bounded by a
 * timeout, so a resolver that never answers turns into a failure rather than a hang (DNS-06).
 * Failures are not cached: the next attempt (after the record's back-off) asks again.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Clock, TimerHandle } from '../clock.js';

/** One address of a host. */
export interface ResolvedAddress {
  /** IP address without brackets. */
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to its addresses, in preference order. */
export type HostResolver = (host: string) => Promise<ReadonlyArray<ResolvedAddress>>;

/** The default resolver: `dns.lookup(host, { all: true })` (the system resolver, hosts file included). */
export const nodeDnsResolver: HostResolver = async (host) => {
  const results = await lookup(host, { all: true, verbatim: true });
  return results.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

/** A resolution that failed: the message is safe to show (host name and cause, no secret). */
export class ResolutionFailure {
  constructor(readonly reason: string) {}
}

interface CacheEntry {
  readonly addresses: ReadonlyArray<ResolvedAddress>;
  readonly expiresAt: number;
}

/** Options of {@link DestinationResolver}. */
export interface DestinationResolverOptions {
  readonly resolver: HostResolver;
  readonly clock: Clock;
  /** How long a successful answer is reused, ms. */
  readonly cacheTtlMs: number;
  /** How long a lookup may take before it counts as failed, ms. */
  readonly timeoutMs: number;
  /** Most host names cached; the cache is emptied when it would grow beyond. @default 4096 */
  readonly maxEntries?: number;
}

/** Cached, de-duplicated, time-bounded host resolution. */
export class DestinationResolver {
  readonly #resolver: HostResolver;
  readonly #clock: Clock;
  readonly #cacheTtlMs: number;
  readonly #timeoutMs: number;
  readonly #maxEntries: number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #pending = new Map<string, Promise<ReadonlyArray<ResolvedAddress> | ResolutionFailure>>();

  constructor(options: DestinationResolverOptions) {
    this.#resolver = options.resolver;
    this.#clock = options.clock;
    this.#cacheTtlMs = options.cacheTtlMs;
    this.#timeoutMs = options.timeoutMs;
    this.#maxEntries = options.maxEntries ?? 4096;
  }

  /**
   * The addresses of `host` when known without waiting: an IP literal (brackets allowed) or a
   * cached answer still fresh at `now`. `undefined` means: call {@link resolve}.
   */
  known(host: string, now: number): ReadonlyArray<ResolvedAddress> | undefined {
    const literal = literalAddress(host);
    if (literal !== undefined) return literal;
    const entry = this.#cache.get(host.toLowerCase());
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#cache.delete(host.toLowerCase());
      return undefined;
    }
    return entry.addresses;
  }

  /**
   * Resolve `host`. Never rejects: a failure, a timeout or an unusable answer comes back as a
   * {@link ResolutionFailure} naming the host and the cause.
   */
  resolve(host: string): Promise<ReadonlyArray<ResolvedAddress> | ResolutionFailure> {
    const key = host.toLowerCase();
    const known = this.known(key, this.#clock.now());
    if (known !== undefined) return Promise.resolve(known);
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = this.#lookup(key).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return pending;
  }

  /** Forget every cached answer (pending lookups still complete). */
  clear(): void {
    this.#cache.clear();
  }

  async #lookup(host: string): Promise<ReadonlyArray<ResolvedAddress> | ResolutionFailure> {
    const clock = this.#clock;
    let timer: TimerHandle | undefined;
    const timeout = new Promise<ResolutionFailure>((resolve) => {
      timer = clock.setTimeout(
        () => resolve(new ResolutionFailure(`DNS lookup of ${host} timed out`)),
        this.#timeoutMs,
      );
    });
    let outcome: unknown;
    try {
      let answer: Promise<unknown>;
      try {
        answer = Promise.resolve(this.#resolver(host));
      } catch (error) {
        answer = Promise.reject(error);
      }
      outcome = await Promise.race([answer, timeout]);
    } catch (error) {
      return new ResolutionFailure(`DNS lookup of ${host} failed: ${describeError(error)}`);
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
    }
    if (outcome instanceof ResolutionFailure) return outcome;
    const addresses = usableAddresses(outcome);
    if (addresses.length === 0)
      return new ResolutionFailure(`DNS lookup of ${host} returned no usable address`);
    if (this.#cache.size >= this.#maxEntries) this.#cache.clear();
    this.#cache.set(host, { addresses, expiresAt: clock.now() + this.#cacheTtlMs });
    return addresses;
  }
}

/** `[::1]`, `::1` and `192.0.2.1` are their own address; anything else needs a lookup. */
export function literalAddress(host: string): ReadonlyArray<ResolvedAddress> | undefined {
  const bare = host.length > 1 && host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const family = isIP(bare);
  if (family === 0) return undefined;
  return [{ address: bare, family: family === 6 ? 6 : 4 }];
}

/** Keep only well-formed entries of whatever the injected resolver returned. */
function usableAddresses(value: unknown): ResolvedAddress[] {
  if (!Array.isArray(value)) return [];
  const out: ResolvedAddress[] = [];
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null) continue;
    const address = (entry as { address?: unknown }).address;
    if (typeof address !== 'string') continue;
    const family = isIP(address);
    if (family === 0) continue;
    out.push({ address, family: family === 6 ? 6 : 4 });
  }
  return out;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${error.message})` : error.message;
  }
  return String(error);
}
