/**
 * The registrar side of Digest authentication (RFC 3261 §22, RFC 2617 §3.2.2, RFC 7616 §3.4): does a
 * REGISTER carry valid credentials for the double's realm?
 *
 * Strict on purpose — the double exists to catch client mistakes: the digest `uri` must equal the
 * Request-URI byte for byte (DIG-26), the realm must be ours byte for byte (DIG-32), the algorithm must
 * be one the double offered, `qop`/`nc`/`cnonce` must match what was offered (DIG-27, DIG-28) and
 * `opaque` must be echoed (DIG-08). A right digest on a nonce that is too old or not ours is `stale`
 * (RFC 2617 §3.2.1), so the client gets `stale=true` rather than "wrong password".
 */
import { computeDigestResponse } from '../auth/compute-digest-response.js';
import { normalizeAlgorithmName } from '../sip/challenge.js';
import { type ParsedDigestCredentials, parseDigestCredentials } from '../sip/credentials.js';
import type { SipRequest } from '../sip/message.js';
import type { NonceIssuer } from './nonce-issuer.js';
import type { CredentialsVerdict } from './scripted-behaviour.js';

/** What the verifier needs to know about the double. */
export interface DigestVerifierPolicy {
  readonly realm: string;
  readonly lookupPassword: (username: string) => string | undefined;
  /** Algorithms accepted, normalised (`normalizeAlgorithmName`: `MD5`, `SHA-256`, `MD5-sess`…). */
  readonly algorithms: readonly string[];
  /** qop options offered (empty: none). */
  readonly qop: readonly string[];
  readonly opaque: string | undefined;
  readonly nonceTtlMs: number;
}

/** Result of {@link verifyDigestCredentials}. */
export interface DigestVerification {
  readonly verdict: Exclude<CredentialsVerdict, 'not-required'>;
  /** Username of the credentials for our realm, when there were some. */
  readonly username: string | undefined;
  /** For `invalid`: what was wrong, in a few words (never a secret). */
  readonly problem: string | undefined;
}

const MISSING: DigestVerification = { verdict: 'missing', username: undefined, problem: undefined };

function isNonceCount(nc: string | undefined): boolean {
  if (nc === undefined || nc.length !== 8) return false;
  for (let i = 0; i < 8; i++) {
    const code = nc.charCodeAt(i);
    if (!((code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66))) return false;
  }
  return nc !== '00000000';
}

/** Find the credentials for our realm among Authorization and Proxy-Authorization rows. */
function findCredentials(
  request: SipRequest,
  realm: string,
): ParsedDigestCredentials | { readonly malformed: string } | undefined {
  let malformed: string | undefined;
  for (const header of ['Authorization', 'Proxy-Authorization']) {
    for (const row of request.headers.getAll(header)) {
      try {
        const credentials = parseDigestCredentials(row, header);
        if (credentials.realm === realm) return credentials;
      } catch {
        malformed = `malformed ${header}`;
      }
    }
  }
  return malformed === undefined ? undefined : { malformed };
}

function invalid(username: string | undefined, problem: string): DigestVerification {
  return { verdict: 'invalid', username, problem };
}

/**
 * Check the credentials of `request` against the policy. Never throws: anything unusable is
 * `invalid` with a short `problem`.
 */
export function verifyDigestCredentials(
  request: SipRequest,
  policy: DigestVerifierPolicy,
  nonces: NonceIssuer,
  now: number,
): DigestVerification {
  const found = findCredentials(request, policy.realm);
  if (found === undefined) return MISSING;
  if ('malformed' in found) return invalid(undefined, found.malformed);
  const credentials = found;
  const username = credentials.username;
  if (credentials.userhash === true) return invalid(username, 'userhash is not supported by the double');
  const algorithm = normalizeAlgorithmName(credentials.algorithm);
  if (!policy.algorithms.includes(algorithm))
    return invalid(username, `algorithm ${algorithm} was not offered`);
  if (credentials.uri !== request.uri) return invalid(username, 'uri differs from the Request-URI');
  if (policy.opaque !== undefined && credentials.opaque !== policy.opaque)
    return invalid(username, 'opaque not echoed');
  if (policy.qop.length === 0) {
    if (credentials.qop !== undefined) return invalid(username, 'qop sent but none was offered');
  } else {
    if (credentials.qop === undefined) return invalid(username, 'qop missing');
    if (!policy.qop.includes(credentials.qop))
      return invalid(username, `qop ${credentials.qop} was not offered`);
    if (!isNonceCount(credentials.nc)) return invalid(username, 'nc is not 8 lowercase hex digits');
    if (credentials.cnonce === undefined || credentials.cnonce.length === 0)
      return invalid(username, 'cnonce missing');
  }
  const password = policy.lookupPassword(username);
  if (password === undefined) return invalid(username, 'unknown user');

  let expected: string;
  try {
    expected = computeDigestResponse({
      algorithm,
      qop: credentials.qop,
      username,
      realm: policy.realm,
      password,
      method: request.method,
      uri: request.uri,
      nonce: credentials.nonce,
      cnonce: credentials.cnonce,
      nc: credentials.nc,
      body: request.body,
    });
  } catch {
    // e.g. a -sess algorithm without cnonce: the client could not have computed a valid digest.
    return invalid(username, 'credentials cannot be verified');
  }
  // Hex case is not significant to the value, but DIG-21 requires lowercase: be strict.
  if (credentials.response !== expected) return invalid(username, 'wrong response');
  const nonce = nonces.check(credentials.nonce, now, policy.nonceTtlMs);
  if (nonce !== 'fresh') return { verdict: 'stale', username, problem: `nonce ${nonce}` };
  return { verdict: 'valid', username, problem: undefined };
}
