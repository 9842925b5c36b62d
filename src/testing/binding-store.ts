import type { Uri } from '../sip/uri.js';

/**
 * The double's location service: bindings of each address-of-record (RFC 3261 §10.3), in memory.
 *
 * One `Map` entry per AOR holding a short array of bindings (one per registered device, normally one),
 * so every operation is O(bindings of that AOR). Expiry is lazy: a binding past its deadline is dropped
 * when its AOR is next touched or when the store is listed or counted — no timer per binding, so
 * 100,000 registered accounts cost 100,000 small objects and nothing else.
 */

/** One binding as the double keeps it. */
export interface StoredBinding {
  /** Canonical AOR key (see `canonicalAor`). */
  readonly aor: string;
  /**
   * Contact URI as the double echoes it in a 200 OK (the parsed form is not kept: it would double the
   * memory of a binding, and a refresh normally sends the same text, which compares without parsing).
   */
  readonly uriText: string;
  /** Contact header parameters other than `expires`, as sent (`;+sip.instance="…";reg-id=1`), or ''. */
  params: string;
  /** Call-ID of the REGISTER that last created or refreshed the binding (§10.3 step 7). */
  callId: string;
  /** CSeq number of that REGISTER. */
  cseq: number;
  /** Top Via branch of that REGISTER, so its retransmission is recognised (§17.2.3). */
  branch: string;
  /** Clock reading (ms) at which the binding lapses. */
  expiresAt: number;
  /** Clock reading (ms) of the last refresh. */
  updatedAt: number;
  /** Where that REGISTER came from. */
  source: { readonly host: string; readonly port: number };
}

/** URI equality the store uses to tell whether a Contact is one it already holds (RFC 3261 §19.1.4). */
export type ContactUriEquals = (stored: string, candidate: Uri) => boolean;

export class BindingStore {
  readonly #byAor = new Map<string, StoredBinding[]>();
  readonly #equals: ContactUriEquals;

  constructor(equals: ContactUriEquals) {
    this.#equals = equals;
  }

  /** Live bindings of `aor` in registration order (expired ones are dropped on the way). */
  list(aor: string, now: number): readonly StoredBinding[] {
    const bindings = this.#byAor.get(aor);
    if (bindings === undefined) return EMPTY;
    return this.#purge(aor, bindings, now);
  }

  /** The live binding of `aor` whose URI equals `uri` (given parsed and as text), if any. */
  find(aor: string, uri: Uri, uriText: string, now: number): StoredBinding | undefined {
    const bindings = this.#byAor.get(aor);
    if (bindings === undefined) return undefined;
    const live = this.#purge(aor, bindings, now);
    // Same text is the same URI; only a different spelling needs the §19.1.4 comparison.
    for (const binding of live) if (binding.uriText === uriText) return binding;
    for (const binding of live) if (this.#equals(binding.uriText, uri)) return binding;
    return undefined;
  }

  /** Add a new binding (the caller checked with {@link find} that none equals it). */
  add(binding: StoredBinding): void {
    const bindings = this.#byAor.get(binding.aor);
    if (bindings === undefined) this.#byAor.set(binding.aor, [binding]);
    else bindings.push(binding);
  }

  /** Remove one binding object; returns whether it was there. */
  remove(binding: StoredBinding): boolean {
    const bindings = this.#byAor.get(binding.aor);
    if (bindings === undefined) return false;
    const index = bindings.indexOf(binding);
    if (index === -1) return false;
    bindings.splice(index, 1);
    if (bindings.length === 0) this.#byAor.delete(binding.aor);
    return true;
  }

  /** Remove every binding of `aor` (`Contact: *`, RFC 3261 §10.3 step 6); returns how many went. */
  removeAll(aor: string): number {
    const bindings = this.#byAor.get(aor);
    if (bindings === undefined) return 0;
    this.#byAor.delete(aor);
    return bindings.length;
  }

  /** Every live binding, AOR by AOR. O(total bindings). */
  *all(now: number): IterableIterator<StoredBinding> {
    for (const [aor, bindings] of this.#byAor) yield* this.#purge(aor, bindings, now);
  }

  /** Number of live bindings. O(AORs): it purges expired ones on the way. */
  count(now: number): number {
    let total = 0;
    for (const [aor, bindings] of this.#byAor) total += this.#purge(aor, bindings, now).length;
    return total;
  }

  /** Forget everything. */
  clear(): void {
    this.#byAor.clear();
  }

  #purge(aor: string, bindings: StoredBinding[], now: number): StoredBinding[] {
    // Fast path: nothing expired, which is the common case, allocates nothing.
    let expired = false;
    for (const binding of bindings)
      if (binding.expiresAt <= now) {
        expired = true;
        break;
      }
    if (!expired) return bindings;
    const live = bindings.filter((binding) => binding.expiresAt > now);
    if (live.length === 0) this.#byAor.delete(aor);
    else this.#byAor.set(aor, live);
    return live;
  }
}

const EMPTY: readonly StoredBinding[] = Object.freeze([]);
