/**
 * The destination of a record's request as one short string, `index|address|port|servername`
 * (transport index, IP address, port, TLS server name or empty), so the record can keep it as its
 * pin (RFC 3261 §10.2.4, EXP-13) in the `pinned` field the state machine clears on timeouts. The
 * strings are interned: the 100,000 records of one registrar share one string, not 100,000.
 */
import type { TransportTarget } from '../transport/transport.js';

/** A decoded destination. */
export interface Destination {
  /** Index of the transport in the manager's list. */
  readonly index: number;
  readonly target: TransportTarget;
}

/** Most distinct destination strings interned; the pool restarts beyond (pins stay valid). */
const MAX_INTERNED = 4096;

/**
 * Interns destination strings, and keeps each one's decoded form: a request to a pinned destination
 * (every refresh, every answer to a challenge) reuses one frozen target instead of parsing the
 * string and allocating a target object each time.
 */
export class DestinationPool {
  readonly #pool = new Map<string, string>();
  readonly #decoded = new Map<string, Destination>();

  /** The shared string for this destination. */
  text(index: number, address: string, port: number, servername: string | undefined): string {
    const text = `${index}|${address}|${port}|${servername ?? ''}`;
    const shared = this.#pool.get(text);
    if (shared !== undefined) return shared;
    if (this.#pool.size >= MAX_INTERNED) this.#pool.clear();
    this.#pool.set(text, text);
    return text;
  }

  /** The decoded destination, shared and frozen; `undefined` when `text` is not one. */
  decode(text: string): Destination | undefined {
    const known = this.#decoded.get(text);
    if (known !== undefined) return known;
    const parsed = parseDestination(text);
    if (parsed === undefined) return undefined;
    const shared: Destination = Object.freeze({ index: parsed.index, target: Object.freeze(parsed.target) });
    // Pins outlive a restarted pool (they hold their own string): those are decoded again, once.
    if (this.#decoded.size >= MAX_INTERNED) this.#decoded.clear();
    this.#decoded.set(text, shared);
    return shared;
  }
}

/** Decode a destination string; `undefined` when it is not one (then the pin is ignored). */
export function parseDestination(text: string): Destination | undefined {
  const first = text.indexOf('|');
  const last = text.lastIndexOf('|');
  const middle = text.lastIndexOf('|', last - 1);
  if (first <= 0 || middle <= first || last <= middle) return undefined;
  const index = Number(text.slice(0, first));
  const port = Number(text.slice(middle + 1, last));
  if (!Number.isInteger(index) || index < 0 || !Number.isInteger(port) || port < 1 || port > 65535)
    return undefined;
  const host = text.slice(first + 1, middle);
  const servername = text.slice(last + 1);
  return { index, target: servername === '' ? { host, port } : { host, port, servername } };
}
