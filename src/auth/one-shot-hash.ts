/**
 * Hashing a short input in one call. `crypto.hash()` (Node ≥ 20.12) skips the Hash object, its
 * stream machinery and three JS→C++ crossings; a Digest answer makes four hashes, so this is most of
 * the hashing cost. Older Node 20 releases fall back to `createHash()`, with the same output.
 */
import * as nodeCrypto from 'node:crypto';

type OneShot = (algorithm: string, data: string | Uint8Array, outputEncoding: 'hex' | 'base64') => string;

const oneShot: OneShot | undefined =
  typeof (nodeCrypto as { hash?: unknown }).hash === 'function'
    ? ((nodeCrypto as { hash: OneShot }).hash as OneShot)
    : undefined;

/**
 * H(data) in lowercase hex (or base64) with the node:crypto hash `algorithm`. Strings are hashed as
 * UTF-8 (RFC 7616 §3.4, DIG-11). Throws whatever node:crypto throws for an unavailable hash.
 */
export function hashText(
  algorithm: string,
  data: string | Uint8Array,
  outputEncoding: 'hex' | 'base64' = 'hex',
): string {
  if (oneShot !== undefined) return oneShot(algorithm, data, outputEncoding);
  const hash = nodeCrypto.createHash(algorithm);
  if (typeof data === 'string') hash.update(data, 'utf8');
  else hash.update(data);
  return hash.digest(outputEncoding);
}

/** A fixed-size map key for `text`: SHA-256, base64 (44 characters whatever the input length). */
export function digestKey(text: string): string {
  return hashText('sha256', text, 'base64');
}
