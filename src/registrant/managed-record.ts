/**
 * A registrant record as the manager keeps it: the domain record plus the few references the
 * engine needs while a request is in flight. Fixed shape, no closures, no per-record Map (memory
 * target: ≤ 1 KiB per registered record at 100,000 records); every extra field is `undefined`
 * between requests except the pinned-destination string, which is shared between records.
 */
import type { DigestChallengeSet } from '../auth/digest-authenticator.js';
import type { TimerHandle } from '../clock.js';
import type { ClientTransactionHandle } from '../transaction/client-transaction.js';
import { RegistrantRecord } from './registrant-record.js';

export class ManagedRecord extends RegistrantRecord {
  /** The live transaction of the in-flight request; `undefined` otherwise, and while resolving DNS. */
  transaction: ClientTransactionHandle | undefined = undefined;
  /**
   * The challenge rows of the 401/407 just received, kept only until the answering request is
   * built (the response itself is released at once).
   */
  challenge: DigestChallengeSet | undefined = undefined;
  /** The nonce our credentials answered in the in-flight request (for DIG-52). */
  answeredNonce: string | undefined = undefined;
  /**
   * Destination of the in-flight request (an interned string shared by every record sending to the
   * same place); becomes the pin on its first real reply (EXP-13).
   */
  destination: string | undefined = undefined;
  /** One-off refresh timer, only for grants too short for the sweep (GRANT_TOO_SHORT). */
  shortTimer: TimerHandle | undefined = undefined;
}
