/**
 * Options of the {@link RegistrantManager}, their defaults, and their validation. Everything is
 * checked once, at construction, with messages naming the option, what was expected and what was
 * received; the manager then works only with the resolved values.
 *
 * Durations are in seconds (as OpenSIPS module parameters are), except the transaction timers,
 * which keep RFC 3261's milliseconds (T1 = 500 ms).
 */
import { createRequire } from 'node:module';
import { createDigestAuthenticator, type DigestAuthenticator } from '../auth/digest-authenticator.js';
import { type Clock, realClock } from '../clock.js';
import { describeReceived, SipInvalidArgumentError } from '../errors.js';
import {
  resolveTransactionTimers,
  type TransactionTimerOptions,
  type TransactionTimers,
} from '../transaction/timers.js';
import type { Transport } from '../transport/transport.js';
import { type HostResolver, nodeDnsResolver } from './destination-resolver.js';
import {
  createRegistrantPolicy,
  DEFAULT_REGISTRANT_POLICY_OPTIONS,
  type RegistrantPolicy,
  type RegistrantPolicyOptions,
} from './policy.js';
import { validateHashSize } from './registrant-table.js';

/** Options of `new RegistrantManager(options)`. Only `transport` is required. */
export interface RegistrantManagerOptions extends RegistrantPolicyOptions {
  /**
   * Where requests go out and responses come in: one transport, or several (a forced socket
   * chooses among them by protocol and local address; otherwise the next hop's protocol does).
   * The manager never closes them: they belong to the caller.
   */
  transport: Transport | readonly Transport[];
  /**
   * Answers 401/407 challenges.
   * @default createDigestAuthenticator()
   */
  authenticator?: DigestAuthenticator;
  /**
   * Exponent of the bucket count (OpenSIPS `hash_size`): 2^hashSize buckets, integer 0…20.
   * @default 1
   */
  hashSize?: number;
  /**
   * Time source (monotonic ms and timers). Tests pass a `FakeClock`.
   * @default realClock
   */
  clock?: Clock;
  /**
   * Wall clock, epoch ms, read once at construction to turn monotonic times into the epoch times of
   * `list()` and events (wall0 + (clock.now() − mono0)), so wall-clock jumps never move deadlines.
   * @default Date.now
   */
  wallClock?: () => number;
  /**
   * Uniform random numbers in [0, 1) for refresh and back-off jitter (not for identifiers, which
   * come from the CSPRNG). Tests inject a fixed source.
   * @default Math.random
   */
  random?: () => number;
  /**
   * Resolves registrar and proxy host names to addresses (A/AAAA, RFC 3263 §4.2).
   * @default node:dns lookup with `all: true`
   */
  resolver?: HostResolver;
  /**
   * Seconds a host lookup may take before the attempt fails as INTERNAL_ERROR (DNS-06: never hang).
   * @default 5
   */
  resolveTimeout?: number;
  /**
   * Seconds a successful lookup is reused for other records and later attempts (records usually
   * share a few registrar hosts; node:dns gives no TTL).
   * @default 60
   */
  resolveCacheTtl?: number;
  /**
   * Seconds a record keeps sending to the address that answered it (RFC 3261 §10.2.4, EXP-13,
   * DNS-05) before resolving again. A timeout or local failure drops the pin at once.
   * @default 3600
   */
  destinationPinTtl?: number;
  /**
   * `User-Agent` header value; `''` sends none.
   * @default 'sip-registrant/<package version>'
   */
  userAgent?: string;
  /**
   * Global cap on new REGISTER transactions (first request of each attempt: initial, refresh,
   * retry) per second, as a token bucket, so a mass start or the recovery after an outage never
   * storms the registrar (RFC 6357, SEC-13). Follow-ups inside an attempt (challenge answer, 423,
   * 3xx) and un-REGISTERs are not capped. `undefined` = no cap.
   * @default undefined
   */
  maxRegistersPerSecond?: number;
  /**
   * Largest burst of the cap (token bucket size).
   * @default max(1, maxRegistersPerSecond)
   */
  registersBurst?: number;
  /**
   * RFC 3261 transaction timers in milliseconds: T1, T2, T4 and Timer F (checklist TXN-01).
   * @default { t1: 500, t2: 4000, t4: 5000, timerF: 64 * t1 }
   */
  transactionTimers?: TransactionTimerOptions;
  /**
   * Seconds `stop()` waits for un-REGISTERs to be answered before giving up on the rest.
   * @default enough for all: (records holding a binding ÷ stopRate) + 2 × Timer F + 5 s
   */
  stopTimeout?: number;
  /**
   * un-REGISTERs started per second during `stop()`, so stopping 100,000 records does not flood
   * the registrar (at the default, 100,000 bindings are removed in under two minutes).
   * @default 1000
   */
  stopRate?: number;
}

/** The options after defaults and validation. */
export interface ResolvedManagerOptions {
  readonly transports: readonly Transport[];
  readonly authenticator: DigestAuthenticator;
  readonly hashSize: number;
  readonly timerInterval: number;
  readonly clock: Clock;
  readonly wallClock: () => number;
  readonly random: () => number;
  readonly resolver: HostResolver;
  readonly resolveTimeoutMs: number;
  readonly resolveCacheTtlMs: number;
  readonly pinTtlMs: number;
  readonly userAgent: string;
  readonly rateCap: { readonly rate: number; readonly burst: number } | undefined;
  readonly transactionTimers: TransactionTimers;
  /** `undefined`: derived at stop() time from the records holding a binding. */
  readonly stopTimeoutMs: number | undefined;
  readonly stopRate: number;
  readonly policy: RegistrantPolicy;
}

const OWN_OPTIONS = [
  'transport',
  'authenticator',
  'hashSize',
  'clock',
  'wallClock',
  'random',
  'resolver',
  'resolveTimeout',
  'resolveCacheTtl',
  'destinationPinTtl',
  'userAgent',
  'maxRegistersPerSecond',
  'registersBurst',
  'transactionTimers',
  'stopTimeout',
  'stopRate',
] as const;

const KNOWN_OPTIONS: ReadonlySet<string> = new Set<string>([
  ...OWN_OPTIONS,
  ...Object.keys(DEFAULT_REGISTRANT_POLICY_OPTIONS),
]);

/** The package version, for the default User-Agent; `undefined` when package.json is unreachable. */
function packageVersion(): string | undefined {
  try {
    // src/registrant/ and dist/registrant/ both sit two levels below the package root.
    const pkg = createRequire(import.meta.url)('../../package.json') as { name?: unknown; version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/** Default `User-Agent`: `sip-registrant/<version>`. */
export const DEFAULT_USER_AGENT = `sip-registrant/${packageVersion() ?? '0'}`;

/** Longest accepted User-Agent (a header value, not a document). */
const MAX_USER_AGENT_LENGTH = 256;

function invalid(option: string, expected: string, received: unknown): never {
  throw new SipInvalidArgumentError(
    `RegistrantManager option "${option}": expected ${expected}, received ${describeReceived(received)}`,
  );
}

function seconds(
  options: Record<string, unknown>,
  name: string,
  fallback: number,
  ok: (n: number) => boolean,
  expected: string,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) invalid(name, expected, value);
  return value;
}

function isTransport(value: unknown): value is Transport {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<Transport>;
  return (
    typeof t.send === 'function' &&
    typeof t.onMessage === 'function' &&
    typeof t.onFlowFailure === 'function' &&
    typeof t.protocol === 'string' &&
    typeof t.reliable === 'boolean' &&
    typeof t.localAddress === 'object' &&
    t.localAddress !== null
  );
}

function resolveTransports(value: unknown): readonly Transport[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) invalid('transport', 'a Transport or a non-empty array of them', value);
  list.forEach((entry, index) => {
    if (!isTransport(entry))
      invalid(
        Array.isArray(value) ? `transport[${index}]` : 'transport',
        'a Transport (protocol, reliable, localAddress, send, onMessage, onFlowFailure, close)',
        entry,
      );
  });
  if (new Set(list).size !== list.length)
    invalid('transport', 'distinct transports (the same one appears twice)', 'a repeated transport');
  return Object.freeze([...list]) as readonly Transport[];
}

function isPrintable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return false;
  }
  return true;
}

/**
 * Apply defaults and validate. Throws {@link SipInvalidArgumentError} naming the first bad option.
 */
export function resolveManagerOptions(options: RegistrantManagerOptions): ResolvedManagerOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    invalid('options', 'an object with at least "transport"', options);
  const o = options as unknown as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!KNOWN_OPTIONS.has(key))
      throw new SipInvalidArgumentError(
        `RegistrantManager: unknown option "${key}" (known: ${[...KNOWN_OPTIONS].join(', ')})`,
      );
  if (o.transport === undefined) invalid('transport', 'a Transport or an array of them', undefined);
  const transports = resolveTransports(o.transport);

  const authenticator = o.authenticator ?? createDigestAuthenticator();
  if (
    typeof authenticator !== 'object' ||
    authenticator === null ||
    typeof (authenticator as DigestAuthenticator).authorize !== 'function'
  )
    invalid('authenticator', 'a DigestAuthenticator (an object with authorize())', authenticator);

  let hashSize: number;
  try {
    hashSize = validateHashSize(o.hashSize ?? 1);
  } catch {
    invalid('hashSize', 'an integer exponent 0..20 (2^hashSize buckets)', o.hashSize);
  }

  const clock = o.clock ?? realClock;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof (clock as Clock).now !== 'function' ||
    typeof (clock as Clock).setTimeout !== 'function' ||
    typeof (clock as Clock).clearTimeout !== 'function'
  )
    invalid('clock', 'a Clock (now, setTimeout, clearTimeout)', clock);
  const wallClock = o.wallClock ?? Date.now;
  if (typeof wallClock !== 'function') invalid('wallClock', 'a function returning epoch ms', wallClock);
  const random = o.random ?? Math.random;
  if (typeof random !== 'function') invalid('random', 'a function returning a number in [0, 1)', random);
  const resolver = o.resolver ?? nodeDnsResolver;
  if (typeof resolver !== 'function')
    invalid('resolver', 'a function (host) => Promise<{ address, family }[]>', resolver);

  const resolveTimeout = seconds(o, 'resolveTimeout', 5, (n) => n > 0, 'a number of seconds > 0');
  const resolveCacheTtl = seconds(o, 'resolveCacheTtl', 60, (n) => n >= 0, 'a number of seconds ≥ 0');
  const pinTtl = seconds(o, 'destinationPinTtl', 3600, (n) => n >= 0, 'a number of seconds ≥ 0');

  const userAgent = o.userAgent ?? DEFAULT_USER_AGENT;
  if (typeof userAgent !== 'string' || !isPrintable(userAgent) || userAgent.length > MAX_USER_AGENT_LENGTH)
    invalid(
      'userAgent',
      `a string of at most ${MAX_USER_AGENT_LENGTH} characters without control characters ('' for none)`,
      userAgent,
    );

  let rateCap: ResolvedManagerOptions['rateCap'];
  if (o.maxRegistersPerSecond !== undefined) {
    const rate = seconds(o, 'maxRegistersPerSecond', 0, (n) => n > 0, 'a number of REGISTERs per second > 0');
    const burst = seconds(o, 'registersBurst', Math.max(1, rate), (n) => n >= 1, 'a number ≥ 1');
    rateCap = Object.freeze({ rate, burst });
  } else if (o.registersBurst !== undefined) {
    invalid('registersBurst', 'to be given together with maxRegistersPerSecond', o.registersBurst);
  }

  let transactionTimers: TransactionTimers;
  try {
    transactionTimers = resolveTransactionTimers((o.transactionTimers ?? {}) as TransactionTimerOptions);
  } catch (error) {
    throw new SipInvalidArgumentError(
      `RegistrantManager option "transactionTimers": ${(error as Error).message}`,
    );
  }

  const stopTimeout =
    o.stopTimeout === undefined
      ? undefined
      : seconds(o, 'stopTimeout', 0, (n) => n >= 0, 'a number of seconds ≥ 0');
  const stopRate = seconds(o, 'stopRate', 1000, (n) => n > 0, 'a number of un-REGISTERs per second > 0');

  // The watchdog only catches a transaction whose outcome never came; it must not fire before
  // Timer F plus a DNS lookup could have produced one, or it would abandon live transactions.
  const floorSeconds = (transactionTimers.timerF + resolveTimeout * 1000) / 1000;
  const policyOptions: RegistrantPolicyOptions = { ...(o as RegistrantPolicyOptions) };
  if (policyOptions.inFlightWatchdog === undefined)
    policyOptions.inFlightWatchdog = Math.max(
      DEFAULT_REGISTRANT_POLICY_OPTIONS.inFlightWatchdog,
      Math.ceil(floorSeconds) + 10,
    );
  else if (
    typeof policyOptions.inFlightWatchdog === 'number' &&
    !(policyOptions.inFlightWatchdog > floorSeconds)
  )
    invalid(
      'inFlightWatchdog',
      `a number of seconds above Timer F plus resolveTimeout (${floorSeconds})`,
      policyOptions.inFlightWatchdog,
    );
  let policy: RegistrantPolicy;
  try {
    policy = createRegistrantPolicy(policyOptions);
  } catch (error) {
    throw new SipInvalidArgumentError(
      `RegistrantManager: ${(error as Error).message.replace(/^registrant policy /, '')}`,
    );
  }

  return Object.freeze({
    transports,
    authenticator: authenticator as DigestAuthenticator,
    hashSize,
    timerInterval: policy.sweepMs / 1000,
    clock: clock as Clock,
    wallClock: wallClock as () => number,
    random: random as () => number,
    resolver: resolver as HostResolver,
    resolveTimeoutMs: resolveTimeout * 1000,
    resolveCacheTtlMs: resolveCacheTtl * 1000,
    pinTtlMs: pinTtl * 1000,
    userAgent,
    rateCap,
    transactionTimers,
    stopTimeoutMs: stopTimeout === undefined ? undefined : stopTimeout * 1000,
    stopRate,
    policy,
  });
}
