/**
 * Per-nonce client state for Digest: the nonce count and, for -sess algorithms, the cnonce that
 * built the session key (RFC 2617 §3.2.2, §3.2.2.2; DIG-28, DIG-29).
 *
 * One authenticator may serve 100,000 accounts, so the state is a bounded LRU. Recency is an
 * intrusive doubly linked list through the entries (head = least recently used), so a hit and an
 * eviction are O(1). Evicting through `Map.keys().next()` is not: V8 leaves deleted Map slots as
 * holes until the next rehash and the iterator walks them all, which made every insertion into a
 * full cache cost microseconds. Forgetting a nonce only costs a restart of its count at 00000001,
 * which a server that tracks counts answers with a fresh challenge (stale=true); it never breaks
 * authentication.
 */
import { digestKey } from './one-shot-hash.js';

/** Keys up to this length are stored as they are; longer ones as their SHA-256 (44 characters). */
const MAX_PLAIN_KEY_LENGTH = 64;

/**
 * `text` made to hold its own characters. A concatenation is a rope whose leaves may be slices of
 * the challenge's response text (the nonce is one): kept as a key, it would keep every such response
 * alive. Reading a character flattens the rope in place into one fresh string (V8 replaces the
 * rope's parts with the flat copy), so the key then references nothing else.
 */
function detached(text: string): string {
  text.charCodeAt(0);
  return text;
}

/** Mutable state kept for one (realm, nonce, username). */
export interface NonceState {
  /** Requests sent with this nonce so far. */
  count: number;
  /** cnonce fixed for the life of the nonce with a -sess algorithm. */
  sessionCnonce: string | undefined;
}

/** A state plus its place in the recency list. */
class Entry implements NonceState {
  count = 0;
  sessionCnonce: string | undefined = undefined;
  prev: Entry | undefined = undefined;
  next: Entry | undefined = undefined;
  constructor(readonly key: string) {}
}

export class NonceStateCache {
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  /** Least recently used. */
  #head: Entry | undefined = undefined;
  /** Most recently used. */
  #tail: Entry | undefined = undefined;

  /** @param maxEntries - most nonces remembered; the least recently used is dropped beyond it */
  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /**
   * The state for this nonce, created at count 0 when unknown, marked most recently used.
   * The key is the parts themselves when short (64 characters at most), else their SHA-256: bounded
   * size whatever the nonce length a server sends.
   */
  touch(realm: string, nonce: string, username: string): NonceState {
    const text = `${realm}\0${nonce}\0${username}`;
    // A short key is kept as it is (no bigger than its hash, and no hash to compute); a NUL never
    // occurs in a base64 hash, so the two kinds of keys cannot collide.
    const key = text.length <= MAX_PLAIN_KEY_LENGTH ? detached(text) : digestKey(text);
    let entry = this.#entries.get(key);
    if (entry !== undefined) {
      if (entry !== this.#tail) {
        this.#unlink(entry);
        this.#append(entry);
      }
      return entry;
    }
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#head;
      if (oldest !== undefined) {
        this.#unlink(oldest);
        this.#entries.delete(oldest.key);
      }
    }
    entry = new Entry(key);
    this.#entries.set(key, entry);
    this.#append(entry);
    return entry;
  }

  /** Number of nonces remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** Forget every nonce. */
  clear(): void {
    this.#entries.clear();
    this.#head = undefined;
    this.#tail = undefined;
  }

  #unlink(entry: Entry): void {
    const { prev, next } = entry;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    entry.prev = undefined;
    entry.next = undefined;
  }

  #append(entry: Entry): void {
    const tail = this.#tail;
    entry.prev = tail;
    entry.next = undefined;
    if (tail === undefined) this.#head = entry;
    else tail.next = entry;
    this.#tail = entry;
  }
}
