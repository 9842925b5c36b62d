/**
 * Answering 401/407 challenges with Digest credentials (RFC 3261 §22.2–§22.4, RFC 2617, RFC 7616,
 * RFC 8760): the `DigestAuthenticator` contract and its default node:crypto implementation.
 */
import { DigestAuthError, SipInvalidArgumentError, SipParseError } from '../errors.js';
import type { DigestChallenge } from '../sip/challenge.js';
import { hasControlCharacter } from '../sip/credentials.js';
import { isToken } from '../sip/lexer.js';
import type { SipResponse } from '../sip/message.js';
import { formatCheckedCredentials } from './authorization-value.js';
import { parseDigestChallengeOnce } from './challenge-memo.js';
import { CNONCE_BYTES, createPooledCnonce } from './cnonce-pool.js';
import {
  computeUserhash,
  formatNonceCount,
  hashHex,
  normalizeHa1,
  requestDigest,
} from './compute-digest-response.js';
import {
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  type DigestAlgorithmFamily,
  type DigestAlgorithmName,
  findDigestAlgorithm,
  isHashAvailable,
} from './digest-algorithms.js';
import { type NonceState, NonceStateCache } from './nonce-state-cache.js';

/** The request being answered. A `SipRequest` fits as is. */
export interface DigestRequestInfo {
  /** SIP method, e.g. `REGISTER` (DIG-25). */
  readonly method: string;
  /** Request-URI exactly as on the request line; becomes the digest `uri` (DIG-26). */
  readonly uri: string;
  /** Body, hashed only for qop=auth-int. @default '' */
  readonly body?: string | Uint8Array | undefined;
}

/** The challenges of one 401 or 407 response. */
export interface DigestChallengeSet {
  /** 401 (answered in `Authorization`) or 407 (answered in `Proxy-Authorization`), DIG-01. */
  readonly status: number;
  /** Every WWW-Authenticate (401) or Proxy-Authenticate (407) row, in message order (DIG-02). */
  readonly rows: readonly string[];
}

/**
 * Precomputed HA1 values (hex H(username ":" realm ":" password)) per hash family. A string is the
 * MD5 HA1 (the usual stored form). Only challenges whose family has an HA1 can be answered.
 */
export type DigestHa1 = string | Readonly<Partial<Record<DigestAlgorithmFamily, string>>>;

/** What the account authenticates with: a password, or precomputed HA1 values. */
export type DigestCredentials =
  | { readonly username: string; readonly password: string; readonly ha1?: undefined }
  | { readonly username: string; readonly ha1: DigestHa1; readonly password?: undefined };

/**
 * Credentials for every realm, or a lookup per realm (PIT-17 per-realm overrides); a lookup
 * returning `undefined` means "no credentials for that realm" and the realm is not answered (SEC-16).
 */
export type DigestCredentialsSource = DigestCredentials | ((realm: string) => DigestCredentials | undefined);

/** One credentials header to add to the re-sent request. Holds no password or HA1. */
export interface DigestAuthorization {
  /** `Authorization` for a 401, `Proxy-Authorization` for a 407 (DIG-01). */
  readonly headerName: 'Authorization' | 'Proxy-Authorization';
  /** The header value, `Digest username="…", …`. */
  readonly value: string;
  /** Realm answered, byte-for-byte as challenged (DIG-32). */
  readonly realm: string;
  /** Algorithm chosen. */
  readonly algorithm: DigestAlgorithmName;
  /** Nonce answered. */
  readonly nonce: string;
  /** qop sent, or `undefined` when the challenge offered none. */
  readonly qop: 'auth' | 'auth-int' | undefined;
  /** nc sent (8 hex digits), or `undefined` without qop. */
  readonly nc: string | undefined;
  /** The challenge answered said `stale=true`: the previous credentials were right, the nonce was old (DIG-50). */
  readonly stale: boolean;
}

/** Builds Digest credentials for challenged requests. Implementations keep per-nonce state (nc, -sess cnonce). */
export interface DigestAuthenticator {
  /**
   * Answer a 401/407: one credentials header per challenged realm that has credentials (DIG-40),
   * in the order the realms first appear.
   *
   * @throws DigestAuthError `NO_SUPPORTED_CHALLENGE` when no challenge can be answered; the message
   *   lists what was offered and why each was skipped, never a password
   * @throws SipInvalidArgumentError for an ill-formed request, status or credentials
   */
  authorize(
    request: DigestRequestInfo,
    challenge: DigestChallengeSet,
    credentials: DigestCredentialsSource,
  ): DigestAuthorization[];
}

/** Options of {@link createDigestAuthenticator}. */
export interface DigestAuthenticatorOptions {
  /**
   * How to choose among several usable challenges for one realm. `strongest`: the strongest
   * algorithm (SHA-512-256 > SHA-256 > MD5), ties by server order — a local policy RFC 8760 §2.4
   * allows, chosen because an on-path attacker can reorder rows to force a downgrade (DIG-41).
   * `topmost`: the first usable row, as RFC 8760 §2.4 suggests by default.
   * @default 'strongest'
   */
  readonly preference?: 'strongest' | 'topmost';
  /**
   * Weakest algorithm family accepted; weaker challenges are skipped (DIG-42). Any algorithm name
   * is accepted and stands for its family (`SHA-256-sess` = `SHA-256`).
   * @default 'MD5'
   */
  readonly minimumAlgorithm?: string;
  /**
   * Algorithms allowed, case-insensitive names from the six the library implements. Algorithms
   * node:crypto lacks at run time are skipped anyway (DIG-43).
   * @default all six
   */
  readonly algorithms?: readonly string[];
  /**
   * Most nonces whose state (nc, -sess cnonce) is remembered; the least recently used beyond this
   * is forgotten (its count would restart at 1). About 150 bytes each: the default holds one live
   * nonce for each of 10,000 accounts in ~1.5 MB; raise it when more accounts reuse nonces
   * (pre-emptive credentials, DIG-54).
   * @default 10000
   */
  readonly maxTrackedNonces?: number;
  /**
   * Random source for cnonces (16 bytes each, sent as 32 hex digits; DIG-29). Inject a
   * deterministic one in tests only.
   * @default node:crypto's CSPRNG (`randomFillSync`, fetched 4 KiB at a time)
   */
  readonly randomBytes?: (size: number) => Uint8Array;
}

const MAX_NONCE_COUNT = 0xffffffff;
const DEFAULT_MAX_TRACKED_NONCES = 10_000;

/** Why a challenge row was not used; goes into the NO_SUPPORTED_CHALLENGE message. */
interface Skipped {
  readonly index: number;
  readonly label: string;
  readonly reason: string;
}

interface Candidate {
  readonly index: number;
  readonly challenge: DigestChallenge;
  readonly algorithm: DigestAlgorithm;
  readonly qop: 'auth' | 'auth-int' | undefined;
}

interface ResolvedCredentials {
  readonly username: string;
  readonly password: string | undefined;
  readonly ha1: Readonly<Partial<Record<DigestAlgorithmFamily, string>>> | undefined;
}

/** Echo server text into a message safely: quoted, control characters escaped, bounded length. */
function shown(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function invalidOption(name: string, expected: string, received: unknown): never {
  const shownValue = typeof received === 'string' ? JSON.stringify(received) : String(received);
  throw new SipInvalidArgumentError(
    `createDigestAuthenticator: option "${name}" must be ${expected}, received ${shownValue}`,
  );
}

function chooseQop(offered: readonly string[]): 'auth' | 'auth-int' | undefined | null {
  if (offered.length === 0) return undefined;
  // RFC 3261 §22.4 item 8 / DIG-27: prefer auth; auth-int only when auth is not offered.
  if (offered.includes('auth')) return 'auth';
  if (offered.includes('auth-int')) return 'auth-int';
  return null;
}

function resolveCredentials(credentials: DigestCredentials, realm: string): ResolvedCredentials {
  // Built only for an error: JSON-quoting the realm on every call is measurable at 100,000 accounts.
  const where = () => `credentials for realm ${shown(realm)}`;
  if (typeof credentials !== 'object' || credentials === null) {
    throw new SipInvalidArgumentError(`${where()} must be an object with username and password or ha1`);
  }
  const { username, password, ha1 } = credentials as {
    username?: unknown;
    password?: unknown;
    ha1?: unknown;
  };
  if (typeof username !== 'string' || username.length === 0 || hasControlCharacter(username)) {
    throw new SipInvalidArgumentError(
      `${where()}: "username" must be a non-empty string without control characters`,
    );
  }
  if (ha1 !== undefined && ha1 !== null) {
    if (typeof ha1 === 'string') return { username, password: undefined, ha1: { MD5: ha1 } };
    if (typeof ha1 !== 'object') {
      throw new SipInvalidArgumentError(
        `${where()}: "ha1" must be a string or an object keyed by algorithm family`,
      );
    }
    const byFamily: Partial<Record<DigestAlgorithmFamily, string>> = {};
    for (const family of ['MD5', 'SHA-256', 'SHA-512-256'] as const) {
      const value = (ha1 as Record<string, unknown>)[family];
      if (value === undefined) continue;
      if (typeof value !== 'string')
        throw new SipInvalidArgumentError(`${where()}: "ha1.${family}" must be a string`);
      byFamily[family] = value;
    }
    return { username, password: undefined, ha1: byFamily };
  }
  if (typeof password !== 'string') {
    throw new SipInvalidArgumentError(`${where()}: "password" must be a string (or give "ha1")`);
  }
  return { username, password, ha1: undefined };
}

/** The default authenticator: node:crypto hashes, in-memory bounded nonce state. */
class NodeDigestAuthenticator implements DigestAuthenticator {
  readonly #preference: 'strongest' | 'topmost';
  readonly #minimumStrength: number;
  readonly #minimumName: string;
  readonly #allowed: ReadonlySet<DigestAlgorithmName>;
  readonly #nonces: NonceStateCache;
  /** The injected random source; `undefined` for the default pooled CSPRNG. */
  readonly #randomBytes: ((size: number) => Uint8Array) | undefined;

  constructor(options: DigestAuthenticatorOptions) {
    const preference = options.preference ?? 'strongest';
    if (preference !== 'strongest' && preference !== 'topmost') {
      invalidOption('preference', '"strongest" or "topmost"', preference);
    }
    this.#preference = preference;

    const minimum = options.minimumAlgorithm ?? 'MD5';
    const minimumAlgorithm = typeof minimum === 'string' ? findDigestAlgorithm(minimum) : undefined;
    if (minimumAlgorithm === undefined) {
      invalidOption('minimumAlgorithm', 'one of MD5, SHA-256, SHA-512-256', minimum);
    }
    this.#minimumStrength = minimumAlgorithm.strength;
    this.#minimumName = minimumAlgorithm.family;

    const allowed = new Set<DigestAlgorithmName>();
    if (options.algorithms === undefined) {
      for (const algorithm of DIGEST_ALGORITHMS) allowed.add(algorithm.name);
    } else {
      if (!Array.isArray(options.algorithms) || options.algorithms.length === 0) {
        invalidOption('algorithms', 'a non-empty array of algorithm names', options.algorithms);
      }
      for (const name of options.algorithms) {
        const algorithm = typeof name === 'string' ? findDigestAlgorithm(name) : undefined;
        if (algorithm === undefined) {
          invalidOption('algorithms', `names from ${DIGEST_ALGORITHMS.map((a) => a.name).join(', ')}`, name);
        }
        allowed.add(algorithm.name);
      }
    }
    this.#allowed = allowed;

    const maxTracked = options.maxTrackedNonces ?? DEFAULT_MAX_TRACKED_NONCES;
    if (!Number.isInteger(maxTracked) || maxTracked < 1) {
      invalidOption('maxTrackedNonces', 'an integer ≥ 1', maxTracked);
    }
    this.#nonces = new NonceStateCache(maxTracked);

    const random = options.randomBytes ?? undefined;
    if (random !== undefined && typeof random !== 'function')
      invalidOption('randomBytes', 'a function (size) => Uint8Array', typeof random);
    this.#randomBytes = random;
  }

  authorize(
    request: DigestRequestInfo,
    challenge: DigestChallengeSet,
    credentials: DigestCredentialsSource,
  ): DigestAuthorization[] {
    if (typeof request !== 'object' || request === null) {
      throw new SipInvalidArgumentError('authorize: "request" must be an object with method and uri');
    }
    if (typeof request.method !== 'string' || !isToken(request.method)) {
      throw new SipInvalidArgumentError('authorize: "request.method" must be a SIP method token');
    }
    if (typeof request.uri !== 'string' || request.uri.length === 0 || hasControlCharacter(request.uri)) {
      throw new SipInvalidArgumentError('authorize: "request.uri" must be the non-empty Request-URI');
    }
    if (typeof challenge !== 'object' || challenge === null || !Array.isArray(challenge.rows)) {
      throw new SipInvalidArgumentError('authorize: "challenge" must be { status, rows: string[] }');
    }
    if (challenge.status !== 401 && challenge.status !== 407) {
      throw new SipInvalidArgumentError(
        `authorize: "challenge.status" must be 401 or 407, received ${challenge.status}`,
      );
    }
    if (typeof credentials !== 'function' && (typeof credentials !== 'object' || credentials === null)) {
      throw new SipInvalidArgumentError(
        'authorize: "credentials" must be an object or a function of the realm',
      );
    }
    const proxy = challenge.status === 407;
    const challengeHeader = proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const headerName = proxy ? 'Proxy-Authorization' : 'Authorization';

    const skipped: Skipped[] = [];
    const byRealm = new Map<string, Candidate[]>();
    const rows = challenge.rows;
    for (let index = 0; index < rows.length; index++) {
      const candidate = this.#classify(rows[index], index, challengeHeader, skipped);
      if (candidate === undefined) continue;
      const list = byRealm.get(candidate.challenge.realm);
      if (list === undefined) byRealm.set(candidate.challenge.realm, [candidate]);
      else list.push(candidate);
    }

    const results: DigestAuthorization[] = [];
    for (const [realm, candidates] of byRealm) {
      const source = typeof credentials === 'function' ? credentials(realm) : credentials;
      if (source === undefined || source === null) {
        for (const c of candidates)
          skipped.push({
            index: c.index,
            label: this.#label(c.challenge),
            reason: 'no credentials for this realm',
          });
        continue;
      }
      const resolved = resolveCredentials(source, realm);
      const answerable = candidates.filter((c) => {
        if (resolved.password !== undefined || resolved.ha1?.[c.algorithm.family] !== undefined) return true;
        skipped.push({
          index: c.index,
          label: this.#label(c.challenge),
          reason: `no HA1 for ${c.algorithm.family}`,
        });
        return false;
      });
      const chosen = this.#choose(answerable);
      if (chosen === undefined) continue;
      results.push(this.#answer(request, chosen, resolved, headerName));
    }

    if (results.length === 0) {
      skipped.sort((a, b) => a.index - b.index);
      const offered =
        skipped.length === 0
          ? 'no challenge rows'
          : skipped.map((s) => `row ${s.index + 1} ${s.label}: ${s.reason}`).join('; ');
      throw new DigestAuthError(
        'NO_SUPPORTED_CHALLENGE',
        `no usable Digest challenge in the ${challenge.status} ${challengeHeader} (offered: ${offered})`,
      );
    }
    return results;
  }

  #label(challenge: DigestChallenge): string {
    return `Digest realm=${shown(challenge.realm)} algorithm=${shown(challenge.algorithmToken ?? 'MD5 (default)')}`;
  }

  /** Parse one row and decide whether it can be answered; record why not otherwise (DIG-02, DIG-05). */
  #classify(row: unknown, index: number, header: string, skipped: Skipped[]): Candidate | undefined {
    if (typeof row !== 'string') {
      skipped.push({ index, label: '(not a string)', reason: 'malformed' });
      return undefined;
    }
    let challenge: DigestChallenge;
    try {
      challenge = parseDigestChallengeOnce(row, header);
    } catch (error) {
      if (error instanceof DigestAuthError) {
        const scheme = row.trimStart().split(/[ \t]/, 1)[0] ?? '';
        const notDigest = scheme.toLowerCase() !== 'digest';
        skipped.push({
          index,
          label: shown(scheme),
          reason: notDigest ? 'not Digest' : 'no realm or nonce',
        });
      } else if (error instanceof SipParseError) {
        skipped.push({ index, label: '(unparsable)', reason: 'malformed' });
      } else throw error;
      return undefined;
    }
    // The label (JSON-quoted realm and algorithm) is only built for a row that is skipped.
    const skip = (reason: string): undefined => {
      skipped.push({ index, label: this.#label(challenge), reason });
      return undefined;
    };
    const algorithm = findDigestAlgorithm(challenge.algorithmToken);
    if (algorithm === undefined) return skip('algorithm not supported');
    if (!this.#allowed.has(algorithm.name)) return skip('algorithm not allowed by options.algorithms');
    if (algorithm.strength < this.#minimumStrength)
      return skip(`weaker than minimumAlgorithm ${this.#minimumName}`);
    if (!isHashAvailable(algorithm.hash)) return skip('algorithm not available in this Node.js crypto build');
    const qop = chooseQop(challenge.qop);
    if (qop === null) return skip(`qop ${shown(challenge.qop.join(','))} not supported`);
    // RFC 2617 forbids cnonce without qop but -sess needs one in A1: the combination is unanswerable.
    if (qop === undefined && algorithm.session) return skip(`${algorithm.name} without qop`);
    if (
      hasControlCharacter(challenge.realm) ||
      hasControlCharacter(challenge.nonce) ||
      (challenge.opaque !== undefined && hasControlCharacter(challenge.opaque))
    ) {
      return skip('control characters in realm, nonce or opaque');
    }
    return { index, challenge, algorithm, qop };
  }

  #choose(candidates: readonly Candidate[]): Candidate | undefined {
    let best: Candidate | undefined;
    for (const candidate of candidates) {
      if (best === undefined) best = candidate;
      else if (this.#preference === 'strongest' && candidate.algorithm.strength > best.algorithm.strength) {
        best = candidate;
      }
    }
    return best;
  }

  #newCnonce(): string {
    const random = this.#randomBytes;
    if (random === undefined) return createPooledCnonce();
    const bytes = random(CNONCE_BYTES);
    if (!(bytes instanceof Uint8Array) || bytes.length < 8) {
      throw new SipInvalidArgumentError(
        'createDigestAuthenticator: option "randomBytes" returned fewer than 8 bytes',
      );
    }
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  }

  #answer(
    request: DigestRequestInfo,
    candidate: Candidate,
    credentials: ResolvedCredentials,
    headerName: 'Authorization' | 'Proxy-Authorization',
  ): DigestAuthorization {
    const { challenge, algorithm, qop } = candidate;
    let nc: string | undefined;
    let cnonce: string | undefined;
    let state: NonceState | undefined;
    if (qop !== undefined) {
      state = this.#nonces.touch(challenge.realm, challenge.nonce, credentials.username);
      if (state.count >= MAX_NONCE_COUNT) {
        throw new DigestAuthError(
          'BAD_CHALLENGE',
          'nonce count exhausted for this nonce; a new challenge is needed',
        );
      }
      nc = formatNonceCount(state.count + 1);
      // DIG-29: a -sess session key is built from one cnonce for the nonce's whole life; other
      // algorithms take a fresh cnonce per request.
      cnonce = algorithm.session ? (state.sessionCnonce ?? this.#newCnonce()) : this.#newCnonce();
    }
    // Every input was checked above (classify, resolveCredentials, authorize), so the digest is
    // computed from the parts directly rather than re-validated by computeDigestResponse.
    const ha1 =
      credentials.password !== undefined
        ? hashHex(algorithm, `${credentials.username}:${challenge.realm}:${credentials.password}`)
        : normalizeHa1(credentials.ha1![algorithm.family]!, algorithm);
    const response = requestDigest(algorithm, ha1, {
      method: request.method,
      uri: request.uri,
      nonce: challenge.nonce,
      cnonce,
      nc,
      qop,
      body: request.body,
    });
    const value = formatCheckedCredentials({
      username: challenge.userhash
        ? computeUserhash(credentials.username, challenge.realm, algorithm.name)
        : credentials.username,
      realm: challenge.realm,
      nonce: challenge.nonce,
      uri: request.uri,
      response,
      // DIG-31: echo the server's spelling; no algorithm in the challenge → none in the answer.
      algorithm: challenge.algorithmToken,
      qop,
      cnonce,
      nc,
      opaque: challenge.opaque,
      userhash: challenge.userhash || undefined,
    });
    // Commit the nonce state only once the credentials are built, so a failure does not skip a count.
    if (state !== undefined) {
      state.count++;
      if (algorithm.session) state.sessionCnonce = cnonce;
    }
    return Object.freeze({
      headerName,
      value,
      realm: challenge.realm,
      algorithm: algorithm.name,
      nonce: challenge.nonce,
      qop,
      nc,
      stale: challenge.stale,
    });
  }
}

/**
 * Create the default Digest authenticator on node:crypto.
 *
 * It keeps no credentials: they are passed to each `authorize` call and not retained, so the object
 * has nothing to leak through `JSON.stringify` or `util.inspect` (SEC-07).
 *
 * @throws SipInvalidArgumentError when an option is invalid (the message names it)
 */
export function createDigestAuthenticator(options: DigestAuthenticatorOptions = {}): DigestAuthenticator {
  if (typeof options !== 'object' || options === null) {
    throw new SipInvalidArgumentError(
      `createDigestAuthenticator: options must be an object, received ${options}`,
    );
  }
  return new NodeDigestAuthenticator(options);
}

/**
 * The challenge set of a 401 or 407 response: its WWW-Authenticate or Proxy-Authenticate rows.
 *
 * @throws SipInvalidArgumentError when the status is not 401 or 407
 */
export function challengeSetOf(response: SipResponse): DigestChallengeSet {
  if (response.status !== 401 && response.status !== 407) {
    throw new SipInvalidArgumentError(
      `challengeSetOf: status must be 401 or 407, received ${response.status}`,
    );
  }
  const header = response.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  return { status: response.status, rows: response.headers.getAll(header) };
}
