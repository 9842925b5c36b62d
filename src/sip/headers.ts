import { headerKey } from './header-names.js';

/** One header row as it appeared on the wire: original name spelling, value with folding undone. */
export interface SipHeaderRow {
  readonly name: string;
  readonly value: string;
}

/** A row with its lookup key ({@link headerKey} of the name). */
export interface KeyedHeaderRow extends SipHeaderRow {
  readonly key: string;
}
type KeyedRow = KeyedHeaderRow;

/**
 * The header block of a SIP message: rows kept in order with their original names, looked up
 * case-insensitively with compact forms mapped to their long names (RFC 3261 §7.3.1, §7.3.3).
 *
 * Rows are stored as received: a row holding `a, b` is one row. Splitting comma-joined values is
 * the job of each header's own parser (RFC 3261 §7.3 allows both forms for list headers only).
 */

export class SipHeaders implements Iterable<SipHeaderRow> {
  // Each row keeps its lookup key so a lookup never lower-cases names again (parser hot path).
  #rows: KeyedRow[] = [];

  constructor(rows?: Iterable<SipHeaderRow | readonly [string, string]>) {
    if (rows)
      for (const row of rows)
        Array.isArray(row)
          ? this.append(row[0], row[1])
          : this.append((row as SipHeaderRow).name, (row as SipHeaderRow).value);
  }

  /** Value of the first row with this name (any case, long or compact form), or `undefined`. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const row of this.#rows) if (row.key === key) return row.value;
    return undefined;
  }

  /** Values of every row with this name, in message order (rows, not comma-split values). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const values: string[] = [];
    for (const row of this.#rows) if (row.key === key) values.push(row.value);
    return values;
  }

  /** Whether at least one row has this name (case-insensitive, compact forms included). */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Add a row at the end. */
  append(name: string, value: string): this {
    this.#rows.push({ name, value, key: headerKey(name) });
    return this;
  }

  /** Add a row at the front (a new top Via, for instance). */
  prepend(name: string, value: string): this {
    this.#rows.unshift({ name, value, key: headerKey(name) });
    return this;
  }

  /** Replace every row with this name by one row, in the position of the first (or at the end). */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const index = this.#rows.findIndex((row) => row.key === key);
    if (index === -1) return this.append(name, value);
    this.#rows[index] = { name, value, key };
    this.#rows = this.#rows.filter((row, i) => i === index || row.key !== key);
    return this;
  }

  /** Remove every row with this name; returns how many were removed. */
  delete(name: string): number {
    const key = headerKey(name);
    const before = this.#rows.length;
    this.#rows = this.#rows.filter((row) => row.key !== key);
    return before - this.#rows.length;
  }

  /** Number of rows. */
  get size(): number {
    return this.#rows.length;
  }

  /**
   * The rows themselves, in order, with their keys: no copy, for the serializer's hot path. Callers
   * must not modify the array; it changes with the headers.
   * @internal
   */
  keyedRows(): readonly KeyedHeaderRow[] {
    return this.#rows;
  }

  /** A copy of the rows, in order. */
  rows(): SipHeaderRow[] {
    return this.#rows.map(({ name, value }) => ({ name, value }));
  }

  /** An independent copy (rows are immutable, so the copy shares them). */
  clone(): SipHeaders {
    return new SipHeaders(this.#rows);
  }

  /** The rows in order, as {@link rows} returns them. */
  [Symbol.iterator](): Iterator<SipHeaderRow> {
    return this.rows()[Symbol.iterator]();
  }
}
