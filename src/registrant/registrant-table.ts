/**
 * The bucketed record table (OpenSIPS `uac_registrant` §4): 2^hashSize buckets, a record's bucket is
 * a hash of its AOR, and the timer visits exactly one bucket per tick, so one full sweep takes
 * `timerInterval` and the work of a sweep is spread evenly over it. The cost of a tick is
 * proportional to its bucket, never to the table.
 *
 * Besides the buckets, a Map from identity key to record gives O(1) lookup for management verbs, and
 * each record remembers its slot in its bucket so removal is O(1) too.
 */
import { DuplicateRegistrantError, SipInvalidArgumentError } from '../errors.js';

export { DuplicateRegistrantError };

/** Smallest and largest accepted `hashSize` exponent (1 … 2^20 buckets). */
export const MIN_HASH_SIZE = 0;
export const MAX_HASH_SIZE = 20;

/** What the table needs from a record. */
export interface TableEntry {
  /** Identity key (see `registrantKey`); unique in the table. */
  readonly key: string;
  /** The AOR string; its hash picks the bucket. */
  readonly aor: string;
  /** Written by the table. */
  bucket: number;
  /** Written by the table: index inside the bucket array, -1 when not in a table. */
  slot: number;
}

/** Options of {@link RegistrantTable}. */
export interface RegistrantTableOptions {
  /**
   * Exponent of the bucket count: the table has 2^hashSize buckets (OpenSIPS `hash_size`, also an
   * exponent). Integer 0…20.
   * @default 1
   */
  hashSize?: number;
}

/**
 * 32-bit FNV-1a over the UTF-16 code units of `text`: fast, no allocation, and spreads similar AORs
 * (`sip:1000@x`, `sip:1001@x`, …) evenly over the low bits the table masks. Like OpenSIPS, the raw
 * AOR string is hashed, without URI normalisation.
 */
export function aorHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Validate a `hashSize` option. Throws {@link SipInvalidArgumentError} naming the option, the
 * expected range and the received value.
 */
export function validateHashSize(hashSize: unknown): number {
  if (
    typeof hashSize !== 'number' ||
    !Number.isInteger(hashSize) ||
    hashSize < MIN_HASH_SIZE ||
    hashSize > MAX_HASH_SIZE
  ) {
    const received =
      typeof hashSize === 'number' || typeof hashSize === 'string'
        ? JSON.stringify(hashSize)
        : typeof hashSize;
    throw new SipInvalidArgumentError(
      `option "hashSize": expected an integer exponent ${MIN_HASH_SIZE}..${MAX_HASH_SIZE} ` +
        `(2^hashSize buckets), received ${received}`,
    );
  }
  return hashSize;
}

/** The bucketed table. Generic so tests and tools can store light entries. */
export class RegistrantTable<R extends TableEntry> {
  /** Number of buckets, 2^hashSize. */
  readonly bucketCount: number;
  readonly #mask: number;
  readonly #buckets: R[][];
  readonly #byKey = new Map<string, R>();
  #cursor = 0;

  constructor(options: RegistrantTableOptions = {}) {
    const hashSize = validateHashSize(options.hashSize === undefined ? 1 : options.hashSize);
    this.bucketCount = 2 ** hashSize;
    this.#mask = this.bucketCount - 1;
    this.#buckets = Array.from({ length: this.bucketCount }, () => []);
  }

  /** Number of records. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Bucket index for an AOR. */
  bucketOf(aor: string): number {
    return aorHash(aor) & this.#mask;
  }

  /** Add a record. Throws {@link DuplicateRegistrantError} when its key is already present. */
  add(record: R): void {
    if (this.#byKey.has(record.key)) throw new DuplicateRegistrantError(record.key);
    const bucket = this.bucketOf(record.aor);
    const list = this.#buckets[bucket]!;
    record.bucket = bucket;
    record.slot = list.length;
    list.push(record);
    this.#byKey.set(record.key, record);
  }

  /** The record with this identity key, or `undefined`. */
  get(key: string): R | undefined {
    return this.#byKey.get(key);
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  /**
   * Remove the record with this key; returns it, or `undefined` when absent. O(1): the last record
   * of the bucket takes the removed one's slot.
   */
  remove(key: string): R | undefined {
    const record = this.#byKey.get(key);
    if (record === undefined) return undefined;
    this.#byKey.delete(key);
    const list = this.#buckets[record.bucket]!;
    const last = list.pop()!;
    if (last !== record) {
      list[record.slot] = last;
      last.slot = record.slot;
    }
    record.slot = -1;
    return record;
  }

  /**
   * The live array of bucket `index` (do not modify it). To remove records while walking it, walk
   * from the end, or use {@link visitBucket}.
   */
  bucket(index: number): readonly R[] {
    const list = this.#buckets[index];
    if (list === undefined)
      throw new SipInvalidArgumentError(
        `bucket index: expected an integer 0..${this.bucketCount - 1}, received ${String(index)}`,
      );
    return list;
  }

  /**
   * Call `visit` for every record of bucket `index`, walking from the end so that `visit` may remove
   * the record it is given. Records added during the walk are not visited.
   */
  visitBucket(index: number, visit: (record: R) => void): void {
    const list = this.bucket(index);
    for (let i = list.length - 1; i >= 0; i--) {
      const record = list[i];
      if (record !== undefined) visit(record);
    }
  }

  /** All records (insertion order of the key map). */
  values(): IterableIterator<R> {
    return this.#byKey.values();
  }

  /**
   * The sweep cursor: the bucket to visit on this tick; advances so successive calls visit buckets
   * 0, 1, …, n−1, 0, … (every bucket exactly once per sweep).
   */
  nextBucket(): number {
    const index = this.#cursor;
    this.#cursor = (index + 1) & this.#mask;
    return index;
  }

  /**
   * Milliseconds between two ticks so that one sweep of all buckets takes `timerInterval` seconds:
   * `timerInterval · 1000 / bucketCount` (not rounded: OpenSIPS' integer division made a sweep
   * slightly shorter than asked).
   */
  tickIntervalMs(timerInterval: number): number {
    if (typeof timerInterval !== 'number' || !Number.isFinite(timerInterval) || !(timerInterval > 0))
      throw new SipInvalidArgumentError(
        `option "timerInterval": expected a number of seconds > 0, received ${String(timerInterval)}`,
      );
    return (timerInterval * 1000) / this.bucketCount;
  }
}
