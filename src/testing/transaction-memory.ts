/**
 * A bounded memory of scripted server transactions, so a retransmitted REGISTER gets the treatment its
 * original got (RFC 3261 §17.2.2: a server transaction absorbs retransmissions while proceeding and
 * repeats its last response once completed).
 *
 * Only scripted requests are remembered; the normal path is stateless, which keeps a 100,000-account
 * load test free of per-request state. Entries are forgotten oldest first once `capacity` is reached
 * (a `Map` keeps insertion order, so that is O(1)).
 */

/** What the double did with one scripted transaction so far. */
export interface RememberedTransaction {
  /** `drop`: never answer. `pending`: the answer is scheduled. `answered`: `lastResponse` was sent. */
  state: 'drop' | 'pending' | 'answered';
  /** Bytes to repeat for a retransmission: the final answer once sent, else a `100 Trying` if any. */
  lastResponse: Uint8Array | undefined;
}

export class TransactionMemory {
  readonly #entries = new Map<string, RememberedTransaction>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** The key of a transaction: top Via branch, Call-ID and CSeq (branch alone suffices for RFC 3261 clients). */
  static key(branch: string, callId: string, cseq: number): string {
    return `${branch}\n${callId}\n${cseq}`;
  }

  get(key: string): RememberedTransaction | undefined {
    return this.#entries.get(key);
  }

  /** Remember a transaction (no-op when the capacity is 0). */
  remember(key: string, entry: RememberedTransaction): void {
    if (this.#capacity === 0) return;
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, entry);
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
