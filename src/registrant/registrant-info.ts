/**
 * The `reg_list` view of one record (OpenSIPS `uac_registrant` MI `reg_list` fields, plus ours).
 * A snapshot of plain data, built on demand: it never holds the record, its credentials or any
 * secret, so it can be logged, serialised and sent over a management API as is (SEC-07).
 */
import type { RegistrantState, RegistrantStateName } from './registrant-state.js';

/** One record as `list()` and `get()` show it. Times are wall-clock epoch milliseconds. */
export interface RegistrantInfo {
  /** Identity key: (aor, contact, registrar). */
  readonly key: string;
  readonly aor: string;
  /** Granted expiry in seconds of the current registration; 0 when not registered. */
  readonly expires: number;
  /** Expiry requested on our Contact: the configured one, or a Min-Expires learned from a 423. */
  readonly requestedExpires: number;
  /** State number (OpenSIPS numbering, 0…9). */
  readonly state: RegistrantState;
  /** State name, e.g. `REGISTERED` (OpenSIPS shows `REGISTERED_STATE`). */
  readonly stateName: RegistrantStateName;
  readonly enabled: boolean;
  /** When the last REGISTER or un-REGISTER was sent; `undefined` before the first. */
  readonly lastRegisterSent: number | undefined;
  /**
   * When the record next needs attention (OpenSIPS `registration_timeout`): the refresh or retry
   * time, or the in-flight watchdog; `undefined` when nothing is scheduled.
   */
  readonly registrationTimeout: number | undefined;
  /** Next scheduled REGISTER (refresh or retry); `undefined` while in flight or idle. */
  readonly nextAttemptAt: number | undefined;
  readonly registrar: string;
  /** The binding (Contact) URI. */
  readonly binding: string;
  /** Binding (Contact) params, `''` when none. */
  readonly bindingParams: string;
  readonly thirdPartyRegistrant: string | undefined;
  /** The forced socket, or the transport of the pinned destination, as `proto:host:port`. */
  readonly socket: string | undefined;
  readonly proxy: string | undefined;
  /** Address pinned after the first real reply (EXP-13), until a timeout or its TTL drops it. */
  readonly pinnedDestination: { readonly host: string; readonly port: number } | undefined;
  /** Status of the last final response (408 for timeouts); 0 before any or after a local failure. */
  readonly lastCode: number;
  /** Its reason phrase, or the local failure reason; `''` before any. */
  readonly lastReason: string;
  /** Consecutive failed attempts. */
  readonly failureCount: number;
  /** Call-ID of the current dialog; `''` before the first request. */
  readonly callId: string;
  /** Username of the credentials, when configured (never the password). */
  readonly username: string | undefined;
}
