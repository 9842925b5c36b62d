/**
 * The Digest algorithms the library knows (RFC 2617 §3.2.1, RFC 7616 §3.2 and §6.1, RFC 8760
 * §2.1), which node:crypto hash implements each, and how strong each is.
 */
import { createHash } from 'node:crypto';

/** Algorithm names with their RFC spelling. */
export type DigestAlgorithmName =
  | 'MD5'
  | 'MD5-sess'
  | 'SHA-256'
  | 'SHA-256-sess'
  | 'SHA-512-256'
  | 'SHA-512-256-sess';

/** The hash families, named like the non-session algorithm. */
export type DigestAlgorithmFamily = 'MD5' | 'SHA-256' | 'SHA-512-256';

/** node:crypto hash names. `sha512-256` is FIPS 180-4 SHA-512/256, not SHA-512 cut short (DIG-20). */
export type DigestHashName = 'md5' | 'sha256' | 'sha512-256';

/** One Digest algorithm. */
export interface DigestAlgorithm {
  readonly name: DigestAlgorithmName;
  /** The non-session algorithm with the same hash; HA1 values are per family. */
  readonly family: DigestAlgorithmFamily;
  readonly hash: DigestHashName;
  /** `-sess` variant: A1 = H(username:realm:password) ":" nonce ":" cnonce (RFC 2617 §3.2.2.2). */
  readonly session: boolean;
  /** Higher is stronger: SHA-512-256 (3) > SHA-256 (2) > MD5 (1). A -sess variant ties with its family. */
  readonly strength: number;
  /** Length of H(x) in lowercase hex: 32 for MD5, 64 for the SHA-2 ones (DIG-21). */
  readonly hexLength: number;
}

function entry(
  name: DigestAlgorithmName,
  family: DigestAlgorithmFamily,
  hash: DigestHashName,
  strength: number,
  hexLength: number,
): DigestAlgorithm {
  return Object.freeze({ name, family, hash, session: name.endsWith('-sess'), strength, hexLength });
}

/** Every algorithm the library implements, weakest first. */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = Object.freeze([
  entry('MD5', 'MD5', 'md5', 1, 32),
  entry('MD5-sess', 'MD5', 'md5', 1, 32),
  entry('SHA-256', 'SHA-256', 'sha256', 2, 64),
  entry('SHA-256-sess', 'SHA-256', 'sha256', 2, 64),
  entry('SHA-512-256', 'SHA-512-256', 'sha512-256', 3, 64),
  entry('SHA-512-256-sess', 'SHA-512-256', 'sha512-256', 3, 64),
]);

const BY_UPPER_NAME: ReadonlyMap<string, DigestAlgorithm> = new Map(
  DIGEST_ALGORITHMS.map((algorithm) => [algorithm.name.toUpperCase(), algorithm]),
);

/**
 * The algorithm named by `token`, compared case-insensitively (`md5` = `MD5`, DIG-03), or
 * `undefined` for an algorithm the library does not implement (e.g. `AKAv1-MD5`, DIG-02).
 * `undefined` input means the challenge had no `algorithm`: MD5 (DIG-04).
 */
export function findDigestAlgorithm(token: string | undefined): DigestAlgorithm | undefined {
  if (token === undefined) return BY_UPPER_NAME.get('MD5');
  if (typeof token !== 'string') return undefined;
  return BY_UPPER_NAME.get(token.toUpperCase());
}

/** Known-answer values of H("abc"), so a hash that exists under the name but computes something else is refused. */
const KNOWN_ANSWERS: Readonly<Record<DigestHashName, string>> = {
  md5: '900150983cd24fb0d6963f7d28e17f72',
  sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  'sha512-256': '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23',
};

/**
 * Whether `hash` works with the given hash factory: it must not throw (FIPS builds refuse MD5; old
 * OpenSSL lacks `sha512-256`) and must give the FIPS 180-4 / RFC 1321 answer for "abc" (DIG-20, DIG-43).
 */
export function probeHash(
  hash: DigestHashName,
  factory: (name: string) => { update(data: string): { digest(encoding: 'hex'): string } } = createHash,
): boolean {
  try {
    return factory(hash).update('abc').digest('hex') === KNOWN_ANSWERS[hash];
  } catch {
    return false;
  }
}

const availability = new Map<DigestHashName, boolean>();

/** Whether node:crypto in this process implements `hash` (probed once, then cached). DIG-43. */
export function isHashAvailable(hash: DigestHashName): boolean {
  let available = availability.get(hash);
  if (available === undefined) {
    available = probeHash(hash);
    availability.set(hash, available);
  }
  return available;
}

/** Whether the library knows `token` and this process can compute it (DIG-02, DIG-43). */
export function isDigestAlgorithmSupported(token: string | undefined): boolean {
  const algorithm = findDigestAlgorithm(token);
  return algorithm !== undefined && isHashAvailable(algorithm.hash);
}

/** Names of the algorithms usable in this process, weakest first. */
export function supportedDigestAlgorithms(): DigestAlgorithmName[] {
  return DIGEST_ALGORITHMS.filter((algorithm) => isHashAvailable(algorithm.hash)).map((a) => a.name);
}

/** Order by strength: negative when `a` is weaker than `b`, 0 for equal strength. */
export function compareDigestStrength(a: DigestAlgorithm, b: DigestAlgorithm): number {
  return a.strength - b.strength;
}
