import { createHmac, randomBytes } from 'node:crypto';

/** What {@link NonceIssuer.check} found out about a nonce a client sent back. */
export type NonceVerdict = 'fresh' | 'stale' | 'foreign';

/**
 * Stateless digest nonces: `<issued-at base36>.<serial base36>.<MAC>` where the MAC is an HMAC of the
 * first two fields under a secret drawn when the issuer is created.
 *
 * Why stateless: a double serving 100,000 accounts would otherwise hold one entry per outstanding
 * challenge. The MAC proves the nonce is ours, the embedded time says how old it is (RFC 2617 §3.2.1
 * leaves the nonce format to the server and suggests exactly this: a time stamp plus a private key).
 * The serial makes every challenge carry a new nonce even within one millisecond, so a client can tell
 * a re-challenge from a replay (checklist DIG-52). The price: `nc` replay is not detected.
 *
 * The characters used (`0-9a-z`, `.`, base64url) are all safe inside a quoted-string (DIG-57).
 */
export class NonceIssuer {
  readonly #secret = randomBytes(32);
  #serial = 0;

  /** A new nonce stamped with `now` (milliseconds of the double's clock). */
  issue(now: number): string {
    const stamp = `${Math.max(0, Math.floor(now)).toString(36)}.${(this.#serial++).toString(36)}`;
    return `${stamp}.${this.#mac(stamp)}`;
  }

  /**
   * `fresh` when the nonce is ours and at most `ttlMs` old, `stale` when ours but older, `foreign` when
   * the MAC does not match (another double, a restarted one, or a nonce the client altered).
   */
  check(nonce: string, now: number, ttlMs: number): NonceVerdict {
    const lastDot = nonce.lastIndexOf('.');
    if (lastDot <= 0) return 'foreign';
    const stamp = nonce.slice(0, lastDot);
    if (this.#mac(stamp) !== nonce.slice(lastDot + 1)) return 'foreign';
    const issuedAt = Number.parseInt(stamp.slice(0, stamp.indexOf('.')), 36);
    if (!Number.isFinite(issuedAt)) return 'foreign';
    return now - issuedAt > ttlMs ? 'stale' : 'fresh';
  }

  #mac(stamp: string): string {
    // 128 bits of HMAC-SHA-256 is plenty for a test double and keeps the header short.
    return createHmac('sha256', this.#secret).update(stamp).digest('base64url').slice(0, 22);
  }
}
