/**
 * Per-nonce client state for Digest: the nonce count and, for -sess algorithms, the cnonce that
 * built the session key (RFC 2617 §3.2.2, §3.2.2.2; DIG-28, DIG-29).
 *
 * One authenticator may serve 100,000 accounts, so the state is a bounded LRU: a Map whose
 * insertion order is the recency order (a hit is re-inserted at the end, the first key is the least
 * recently used). Forgetting a nonce only costs a restart of its count at 00000001, which a server
 * that tracks counts answers with a fresh challenge (stale=true); it never breaks authentication.
 */
import { createHash } from 'node:crypto';

/** Mutable state kept for one (realm, nonce, username). */
export interface NonceState {
  /** Requests sent with this nonce so far. */
  count: number;
  /** cnonce fixed for the life of the nonce with a -sess algorithm. */
  sessionCnonce: string | undefined;
}

export class NonceStateCache {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, NonceState>();

  /** @param maxEntries - most nonces remembered; the least recently used is dropped beyond it */
  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /**
   * The state for this nonce, created at count 0 when unknown, marked most recently used.
   * The key is a SHA-256 of the parts: fixed size whatever the nonce length, and no username or
   * nonce text kept in memory.
   */
  touch(realm: string, nonce: string, username: string): NonceState {
    const key = createHash('sha256').update(`${realm}\0${nonce}\0${username}`, 'utf8').digest('base64');
    let state = this.#entries.get(key);
    if (state !== undefined) {
      this.#entries.delete(key);
    } else {
      state = { count: 0, sessionCnonce: undefined };
      if (this.#entries.size >= this.#maxEntries) {
        const oldest = this.#entries.keys().next();
        if (!oldest.done) this.#entries.delete(oldest.value);
      }
    }
    this.#entries.set(key, state);
    return state;
  }

  /** Number of nonces remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** Forget every nonce. */
  clear(): void {
    this.#entries.clear();
  }
}
