import { findDigestAlgorithm, isHashAvailable } from '../auth/digest-algorithms.js';
import { type Clock, realClock } from '../clock.js';
import { SipInvalidArgumentError } from '../errors.js';
import { isToken } from '../sip/lexer.js';
import type { RegistrarBehaviour } from './scripted-behaviour.js';

/**
 * Where the double finds a user's password: a function (cheapest for 100,000 generated users, e.g.
 * `(u) => \`pw-${u}\``), a Map, or a plain record. `undefined` from it means "no such user".
 */
export type RegistrarUsers =
  | ((username: string) => string | undefined)
  | ReadonlyMap<string, string>
  | Readonly<Record<string, string>>;

/** Options of {@link createRegistrarDouble}. Every field is optional. */
export interface RegistrarDoubleOptions {
  /**
   * Address to bind the UDP socket to. Loopback only is the intent (tests never leave the host);
   * `::1` gives an IPv6 double.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /** UDP port; 0 picks a free one (read it back from `address`). @default 0 */
  readonly port?: number;
  /** Digest realm of the challenges. @default 'registrar.test' */
  readonly realm?: string;
  /**
   * The accounts. When given, every REGISTER must carry valid Digest credentials for `realm`
   * (RFC 3261 §10.3 step 3, §22). When omitted, the double accepts every REGISTER unauthenticated.
   * @default undefined (no authentication)
   */
  readonly users?: RegistrarUsers;
  /**
   * Algorithm(s) to challenge with; several give one WWW-Authenticate row each, in this order
   * (checklist DIG-41, PIT-06). Credentials are accepted for any algorithm offered.
   * @default 'MD5'
   */
  readonly algorithm?: string | readonly string[];
  /**
   * `qop` offered: `'auth'`, `'auth-int'`, `'auth,auth-int'`, or `null` for none (RFC 2069 style
   * credentials, no nc/cnonce).
   * @default 'auth'
   */
  readonly qop?: string | null;
  /** `opaque` sent in challenges; when set, credentials must echo it exactly. @default undefined */
  readonly opaque?: string;
  /** Smallest expiry accepted for a non-zero request; less gets 423 + Min-Expires (§10.3 step 7). @default 60 */
  readonly minExpires?: number;
  /** Largest expiry granted; more is granted as this value (§10.3 step 7). @default 3600 */
  readonly maxExpires?: number;
  /**
   * Expiry used when a Contact has no valid `expires` param and there is no valid Expires header
   * (the registrar's default of §10.3 step 7; also used for malformed values).
   * @default 3600
   */
  readonly defaultExpires?: number;
  /**
   * Age (ms of `clock`) after which a nonce is stale: correct credentials built on it get a new
   * challenge with `stale=true` (RFC 2617 §3.2.1).
   * @default 300000 (5 minutes)
   */
  readonly nonceTtlMs?: number;
  /**
   * Time source for nonce age, binding expiry and scripted delays. The socket stays real; only time
   * is injected, so a FakeClock controls every deadline.
   * @default realClock
   */
  readonly clock?: Clock;
  /**
   * A script consulted for every new REGISTER after the rules added with `script()`; return an action
   * or `undefined` for normal processing. Replace it later with `setBehaviour()`.
   * @default undefined
   */
  readonly behaviour?: RegistrarBehaviour;
  /**
   * How many recent exchanges `requests()` keeps (a ring; oldest dropped). 0 records nothing — use
   * it for load tests.
   * @default 1000
   */
  readonly recordLimit?: number;
  /** Option tags a `Require` may name; any other gets 420 Bad Extension (§10.3 step 2). @default [] */
  readonly supported?: readonly string[];
  /**
   * How many scripted transactions are remembered so that retransmissions of a dropped, delayed or
   * scripted request get the same treatment (RFC 3261 §17.2.2). Oldest forgotten first.
   * @default 10000
   */
  readonly transactionMemory?: number;
  /** Value of the `Server` header of every response; '' sends none. @default 'sip-registrant-double' */
  readonly serverHeader?: string;
  /**
   * Add a `Date` header (wall clock, RFC 1123 form) to every 200 OK, as RFC 3261 §10.3 step 8
   * suggests; clients may only use it to detect clock skew (EXP-14).
   * @default false
   */
  readonly dateHeader?: boolean;
}

/** Options after defaults and validation. */
export interface ResolvedRegistrarDoubleOptions {
  readonly host: string;
  readonly port: number;
  readonly realm: string;
  readonly lookupPassword: ((username: string) => string | undefined) | undefined;
  readonly algorithms: readonly string[];
  readonly qop: readonly string[];
  readonly opaque: string | undefined;
  readonly minExpires: number;
  readonly maxExpires: number;
  readonly defaultExpires: number;
  readonly nonceTtlMs: number;
  readonly clock: Clock;
  readonly behaviour: RegistrarBehaviour | undefined;
  readonly recordLimit: number;
  readonly supported: ReadonlySet<string>;
  readonly transactionMemory: number;
  readonly serverHeader: string;
  readonly dateHeader: boolean;
}

function invalid(option: string, expected: string, received: unknown): never {
  const shown =
    typeof received === 'string'
      ? JSON.stringify(received)
      : Array.isArray(received)
        ? 'an array'
        : String(received);
  throw new SipInvalidArgumentError(
    `createRegistrarDouble: option "${option}" must be ${expected}, received ${shown}`,
  );
}

function integer(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    invalid(option, `an integer from ${min} to ${max}`, value);
  return value;
}

/** True when `text` is safe to place inside a quoted-string or header value (no control characters). */
function isPrintable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

function resolveUsers(users: unknown): ResolvedRegistrarDoubleOptions['lookupPassword'] {
  if (users === undefined) return undefined;
  if (typeof users === 'function') {
    const lookup = users as (username: string) => unknown;
    return (username) => {
      const password = lookup(username);
      return typeof password === 'string' ? password : undefined;
    };
  }
  if (users instanceof Map) return (username) => users.get(username);
  if (typeof users === 'object' && users !== null) {
    const record = users as Record<string, unknown>;
    return (username) => {
      if (!Object.hasOwn(record, username)) return undefined;
      const password = record[username];
      return typeof password === 'string' ? password : undefined;
    };
  }
  return invalid('users', 'a function, a Map or a record of username to password', users);
}

function resolveAlgorithms(value: unknown): string[] {
  if (value === undefined) return ['MD5'];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0)
    invalid('algorithm', 'an algorithm name or a non-empty array of them', value);
  return list.map((name: unknown) => {
    const algorithm = typeof name === 'string' ? findDigestAlgorithm(name) : undefined;
    if (algorithm === undefined || !isHashAvailable(algorithm.hash))
      invalid(
        'algorithm',
        'MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256 or SHA-512-256-sess (available in this Node)',
        name,
      );
    // Keep the caller's spelling: the double sends it as given (PIT-08 tests send `md5`).
    return name as string;
  });
}

function resolveQop(value: unknown): string[] {
  if (value === undefined) return ['auth'];
  if (value === null) return [];
  if (typeof value !== 'string') return invalid('qop', "'auth', 'auth-int', 'auth,auth-int' or null", value);
  const options = value.split(',').map((part) => part.trim());
  if (options.length === 0 || options.some((option) => option !== 'auth' && option !== 'auth-int'))
    invalid('qop', "'auth', 'auth-int', 'auth,auth-int' or null", value);
  return options;
}

/**
 * Apply defaults and validate every option up front.
 * @throws SipInvalidArgumentError naming the option, what was expected and what was received
 */
export function resolveRegistrarDoubleOptions(
  options: RegistrarDoubleOptions | undefined,
): ResolvedRegistrarDoubleOptions {
  const o: RegistrarDoubleOptions = options ?? {};
  if (typeof o !== 'object') invalid('options', 'an object', o);
  const host = o.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) invalid('host', 'an IP address string', host);
  const realm = o.realm ?? 'registrar.test';
  if (typeof realm !== 'string' || realm.length === 0 || !isPrintable(realm))
    invalid('realm', 'a non-empty string without control characters', realm);
  if (o.opaque !== undefined && (typeof o.opaque !== 'string' || !isPrintable(o.opaque)))
    invalid('opaque', 'a string without control characters', o.opaque);
  const minExpires = integer('minExpires', o.minExpires, 60, 0, 2 ** 32 - 1);
  const maxExpires = integer('maxExpires', o.maxExpires, 3600, 1, 2 ** 32 - 1);
  if (maxExpires < minExpires) invalid('maxExpires', `at least minExpires (${minExpires})`, maxExpires);
  const defaultExpires = integer('defaultExpires', o.defaultExpires, 3600, 1, 2 ** 32 - 1);
  const clock = o.clock ?? realClock;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function'
  )
    invalid('clock', 'a Clock (now, setTimeout, clearTimeout)', clock);
  if (o.behaviour !== undefined && typeof o.behaviour !== 'function')
    invalid('behaviour', 'a function', o.behaviour);
  const supported = o.supported ?? [];
  if (!Array.isArray(supported) || supported.some((tag) => typeof tag !== 'string' || !isToken(tag)))
    invalid('supported', 'an array of option-tag tokens', supported);
  const serverHeader = o.serverHeader ?? 'sip-registrant-double';
  if (typeof serverHeader !== 'string' || !isPrintable(serverHeader))
    invalid('serverHeader', 'a string without control characters', serverHeader);
  if (o.dateHeader !== undefined && typeof o.dateHeader !== 'boolean')
    invalid('dateHeader', 'a boolean', o.dateHeader);
  return {
    host,
    port: integer('port', o.port, 0, 0, 65535),
    realm,
    lookupPassword: resolveUsers(o.users),
    algorithms: resolveAlgorithms(o.algorithm),
    qop: resolveQop(o.qop),
    opaque: o.opaque,
    minExpires,
    maxExpires,
    defaultExpires,
    nonceTtlMs: integer('nonceTtlMs', o.nonceTtlMs, 300_000, 1, Number.MAX_SAFE_INTEGER),
    clock,
    behaviour: o.behaviour,
    recordLimit: integer('recordLimit', o.recordLimit, 1000, 0, 10_000_000),
    supported: new Set(supported.map((tag) => tag.toLowerCase())),
    transactionMemory: integer('transactionMemory', o.transactionMemory, 10_000, 0, 10_000_000),
    serverHeader,
    dateHeader: o.dateHeader ?? false,
  };
}
