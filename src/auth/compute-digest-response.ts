/**
 * The Digest request-digest as a pure function (RFC 2617 §3.2.2.1–§3.2.2.3, RFC 7616 §3.4.1–§3.4.4,
 * RFC 3261 §22.4). No state, no randomness: the caller supplies nonce, cnonce and nc.
 */
import { DigestAuthError, SipInvalidArgumentError } from '../errors.js';
import { type DigestAlgorithm, findDigestAlgorithm, isHashAvailable } from './digest-algorithms.js';
import { hashText } from './one-shot-hash.js';

/** Everything the request-digest depends on except the secret. */
export interface DigestResponseParams {
  /**
   * Algorithm token, case-insensitive (DIG-03).
   * @default 'MD5' (DIG-04)
   */
  readonly algorithm?: string | null | undefined;
  /** `auth`, `auth-int` (case-insensitive) or absent for the RFC 2069 form (DIG-24). */
  readonly qop?: string | null | undefined;
  /** The plain username (also with userhash: A1 uses the plain name, DIG-10). */
  readonly username: string;
  /** Realm as received (DIG-32). */
  readonly realm: string;
  /** SIP method of the request being authorised, e.g. `REGISTER` (DIG-25). */
  readonly method: string;
  /** The Request-URI exactly as on the request line (DIG-26). */
  readonly uri: string;
  readonly nonce: string;
  /** Required with qop, and with a -sess algorithm (A1 uses it). */
  readonly cnonce?: string | null | undefined;
  /** Nonce count: 8 lowercase hex digits or a number 1–0xffffffff; required with qop (DIG-28). */
  readonly nc?: string | number | null | undefined;
  /**
   * Message body; only used for qop=auth-int, where an absent body hashes the empty string (DIG-23).
   * @default ''
   */
  readonly body?: string | Uint8Array | null | undefined;
}

/**
 * The secret: the password, or the precomputed HA1 = hex H(username ":" realm ":" password) for the
 * algorithm's hash family (never the -sess session key). HA1 is tied to one realm and one family.
 * If both are present at run time, `ha1` is used.
 */
export type DigestSecret =
  | { readonly password: string; readonly ha1?: undefined }
  | { readonly ha1: string; readonly password?: undefined };

/** Input of {@link computeDigestResponse}. */
export type DigestResponseInput = DigestResponseParams & DigestSecret;

const MAX_NC = 0xffffffff;

/**
 * H(data) in lowercase hex with the algorithm's hash; strings as UTF-8 (RFC 7616 §3.4, DIG-11).
 * @internal shared with the authenticator
 * @throws DigestAuthError `UNSUPPORTED_ALGORITHM` when node:crypto cannot compute it
 */
export function hashHex(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  try {
    return hashText(algorithm.hash, data);
  } catch (cause) {
    // A hash can vanish at run time (FIPS mode, DIG-43): report it as an unsupported algorithm.
    throw new DigestAuthError(
      'UNSUPPORTED_ALGORITHM',
      `Digest algorithm ${algorithm.name} is not available in this Node.js crypto build (${(cause as Error)?.message ?? cause})`,
    );
  }
}

/** Resolve and check an algorithm token; throws DigestAuthError `UNSUPPORTED_ALGORITHM`. */
export function resolveDigestAlgorithm(token: string | null | undefined): DigestAlgorithm {
  if (token !== undefined && token !== null && typeof token !== 'string') {
    throw new SipInvalidArgumentError(`Digest "algorithm" must be a string, received ${typeof token}`);
  }
  const algorithm = findDigestAlgorithm(token ?? undefined);
  if (algorithm === undefined) {
    throw new DigestAuthError(
      'UNSUPPORTED_ALGORITHM',
      `Digest algorithm ${JSON.stringify(token)} is not supported`,
    );
  }
  if (!isHashAvailable(algorithm.hash)) {
    throw new DigestAuthError(
      'UNSUPPORTED_ALGORITHM',
      `Digest algorithm ${algorithm.name} is not available in this Node.js crypto build`,
    );
  }
  return algorithm;
}

function requireString(name: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new SipInvalidArgumentError(
      `Digest "${name}" must be a string, received ${value === null ? 'null' : typeof value}`,
    );
  }
  return value;
}

/** nc as the 8 lowercase hex digits that go into the hash and on the wire (DIG-28). */
export function formatNonceCount(nc: string | number): string {
  if (typeof nc === 'number') {
    if (!Number.isInteger(nc) || nc < 1 || nc > MAX_NC) {
      throw new SipInvalidArgumentError(`Digest "nc" must be an integer from 1 to ${MAX_NC}, received ${nc}`);
    }
    return nc.toString(16).padStart(8, '0');
  }
  if (typeof nc !== 'string' || nc.length !== 8 || !/^[0-9a-f]{8}$/.test(nc)) {
    throw new SipInvalidArgumentError('Digest "nc" must be 8 lowercase hex digits (e.g. "00000001")');
  }
  return nc;
}

function normalizeQop(qop: string | null | undefined): 'auth' | 'auth-int' | undefined {
  if (qop === undefined || qop === null) return undefined;
  if (typeof qop !== 'string')
    throw new SipInvalidArgumentError(`Digest "qop" must be a string, received ${typeof qop}`);
  const lower = qop.toLowerCase();
  if (lower === 'auth' || lower === 'auth-int') return lower;
  throw new DigestAuthError(
    'UNSUPPORTED_QOP',
    `Digest qop ${JSON.stringify(qop)} is not supported (auth, auth-int)`,
  );
}

/**
 * Lower-case a caller's HA1 and check it is hex of the family's length; the value is never echoed.
 * @internal shared with the authenticator
 */
export function normalizeHa1(ha1: string, algorithm: DigestAlgorithm): string {
  const lower = ha1.toLowerCase();
  if (lower.length !== algorithm.hexLength || !/^[0-9a-f]+$/.test(lower)) {
    throw new SipInvalidArgumentError(
      `Digest "ha1" must be ${algorithm.hexLength} hex digits for ${algorithm.family} (the value is not shown)`,
    );
  }
  return lower;
}

/**
 * HA1 = hex H(username ":" realm ":" password) for the algorithm's family (RFC 7616 §3.4.2); what a
 * provisioning system can store instead of the password.
 *
 * @default algorithm 'MD5'
 * @throws DigestAuthError `UNSUPPORTED_ALGORITHM`
 */
export function computeHa1(username: string, realm: string, password: string, algorithm = 'MD5'): string {
  const resolved = resolveDigestAlgorithm(algorithm);
  requireString('username', username);
  requireString('realm', realm);
  requireString('password', password);
  return hashHex(resolved, `${username}:${realm}:${password}`);
}

/**
 * The userhash sent as `username` when the challenge says `userhash=true`:
 * hex H(username ":" realm) with the algorithm's hash (RFC 7616 §3.4.4, DIG-10).
 *
 * @default algorithm 'MD5'
 * @throws DigestAuthError `UNSUPPORTED_ALGORITHM`
 */
export function computeUserhash(username: string, realm: string, algorithm = 'MD5'): string {
  const resolved = resolveDigestAlgorithm(algorithm);
  requireString('username', username);
  requireString('realm', realm);
  return hashHex(resolved, `${username}:${realm}`);
}

/**
 * The Digest request-digest, lowercase hex (32 digits for MD5, 64 for SHA-256 and SHA-512-256; DIG-21).
 *
 * - A1 = username ":" realm ":" password; for -sess, A1 = hex H(that) ":" nonce ":" cnonce — the
 *   hex text, not the binary digest (RFC 2617 Erratum 1649; DIG-22).
 * - A2 = method ":" uri; for auth-int, A2 = method ":" uri ":" H(body) (DIG-23).
 * - with qop: H(H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2)); without: H(H(A1) ":" nonce ":" H(A2)) (DIG-24).
 *
 * @throws DigestAuthError `UNSUPPORTED_ALGORITHM` or `UNSUPPORTED_QOP`
 * @throws SipInvalidArgumentError for missing or ill-typed fields (the password is never echoed)
 */
export function computeDigestResponse(input: DigestResponseInput): string {
  if (typeof input !== 'object' || input === null) {
    throw new SipInvalidArgumentError('computeDigestResponse expects an object');
  }
  const algorithm = resolveDigestAlgorithm(input.algorithm);
  const qop = normalizeQop(input.qop);
  const username = requireString('username', input.username);
  const realm = requireString('realm', input.realm);
  const method = requireString('method', input.method);
  const uri = requireString('uri', input.uri);
  const nonce = requireString('nonce', input.nonce);
  const cnonce = input.cnonce ?? undefined;
  if ((qop !== undefined || algorithm.session) && cnonce === undefined) {
    throw new SipInvalidArgumentError(
      `Digest "cnonce" is required ${qop !== undefined ? 'with qop' : `for ${algorithm.name}`}`,
    );
  }
  if (cnonce !== undefined) requireString('cnonce', cnonce);

  let ha1: string;
  const secret = input as { password?: unknown; ha1?: unknown };
  if (secret.ha1 !== undefined && secret.ha1 !== null) {
    ha1 = normalizeHa1(requireString('ha1', secret.ha1), algorithm);
  } else if (typeof secret.password === 'string') {
    ha1 = hashHex(algorithm, `${username}:${realm}:${secret.password}`);
  } else {
    throw new SipInvalidArgumentError('Digest "password" (a string) or "ha1" is required');
  }
  // Same order of refusals as the fields are used: the auth-int body, then nc.
  if (qop === 'auth-int') checkBody(input.body);
  if (qop !== undefined && (input.nc === undefined || input.nc === null)) {
    throw new SipInvalidArgumentError('Digest "nc" is required with qop');
  }
  const nc = qop === undefined ? undefined : formatNonceCount(input.nc!);
  return requestDigest(algorithm, ha1, { method, uri, nonce, cnonce, nc, qop, body: input.body });
}

function checkBody(body: unknown): string | Uint8Array {
  const value = body ?? '';
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
    throw new SipInvalidArgumentError(
      `Digest "body" must be a string or Uint8Array, received ${typeof value}`,
    );
  }
  return value;
}

/** The checked inputs of {@link requestDigest}. @internal */
export interface RequestDigestParts {
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  /** Required with qop and with -sess. */
  readonly cnonce: string | undefined;
  /** 8 lowercase hex digits; required with qop. */
  readonly nc: string | undefined;
  readonly qop: 'auth' | 'auth-int' | undefined;
  readonly body: string | Uint8Array | null | undefined;
}

/**
 * The request-digest from checked parts and the plain HA1 (the -sess session key is derived here).
 * @internal shared with the authenticator, which has validated everything already
 * @throws DigestAuthError `UNSUPPORTED_ALGORITHM`; SipInvalidArgumentError for an ill-typed auth-int body
 */
export function requestDigest(
  algorithm: DigestAlgorithm,
  plainHa1: string,
  parts: RequestDigestParts,
): string {
  const { nonce, cnonce, qop } = parts;
  const ha1 = algorithm.session ? hashHex(algorithm, `${plainHa1}:${nonce}:${cnonce}`) : plainHa1;
  let ha2: string;
  if (qop === 'auth-int')
    ha2 = hashHex(algorithm, `${parts.method}:${parts.uri}:${hashHex(algorithm, checkBody(parts.body))}`);
  else ha2 = plainHa2(algorithm, parts.method, parts.uri);
  if (qop === undefined) return hashHex(algorithm, `${ha1}:${nonce}:${ha2}`);
  return hashHex(algorithm, `${ha1}:${nonce}:${parts.nc}:${cnonce}:${qop}:${ha2}`);
}

// H(A2) without auth-int depends on the method and Request-URI only: every account of a registrar
// sends the same `REGISTER:<registrar>`, so the last one is remembered (one hash per answer saved).
let lastHa2Hash: string | undefined;
let lastHa2Method = '';
let lastHa2Uri = '';
let lastHa2 = '';

/** hex H(method ":" uri), remembered for the last (hash, method, uri). */
function plainHa2(algorithm: DigestAlgorithm, method: string, uri: string): string {
  if (algorithm.hash === lastHa2Hash && method === lastHa2Method && uri === lastHa2Uri) return lastHa2;
  const ha2 = hashHex(algorithm, `${method}:${uri}`);
  lastHa2Hash = algorithm.hash;
  lastHa2Method = method;
  lastHa2Uri = uri;
  lastHa2 = ha2;
  return ha2;
}
