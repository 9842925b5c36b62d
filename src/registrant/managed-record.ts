/**
 * A registrant record as the manager keeps it: the domain record plus ONE reference to the state of
 * its in-flight request, `undefined` between requests. Fixed shape, no closures, no per-record Map
 * (memory target: ≤ 1 KiB per registered record at 100,000 records).
 */
import type { ClientTransactionHandle } from '../transaction/client-transaction.js';
import { RegistrantRecord } from './registrant-record.js';

/** What the manager remembers about a record's request while it is in flight. Transient. */
export interface Flight {
  /** The live transaction. */
  readonly transaction: ClientTransactionHandle;
  /** The nonce our credentials answered in this request, if any (for DIG-52). */
  readonly answeredNonce: string | undefined;
  /**
   * Where it went (an interned string shared by every record sending to the same place); it
   * becomes the record's pin on the first real reply (EXP-13).
   */
  readonly destination: string;
}

export class ManagedRecord extends RegistrantRecord {
  /** The request in flight, once handed to a transaction; `undefined` otherwise (and during DNS). */
  flight: Flight | undefined = undefined;
}
