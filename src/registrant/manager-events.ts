/**
 * The events a {@link RegistrantManager} emits (eventemitter3, typed by {@link RegistrantManagerEvents}).
 * Payloads are plain data: identity strings, states, codes, times. None ever carries a password, an
 * HA1 or a digest response (checklist SEC-07).
 */
import type { RegistrantWarning } from './registrant-events.js';
import type { RegistrantState, RegistrantStateName } from './registrant-state.js';

/** A record changed state (one event per transition). */
export interface StateChangeEvent {
  /** The record's identity key (see `registrantKey`). */
  readonly key: string;
  readonly aor: string;
  /** The binding URI (OpenSIPS event parameter `contact`). */
  readonly contact: string;
  readonly registrar: string;
  readonly from: RegistrantState;
  readonly to: RegistrantState;
  readonly fromName: RegistrantStateName;
  readonly toName: RegistrantStateName;
  /** Status of the reply that caused the change (408 for a timeout); absent when none did. */
  readonly code?: number;
  /** Its reason phrase, or the local failure's reason; absent when none. */
  readonly reason?: string;
  /** Granted expiry in seconds, when the new state is REGISTERED. */
  readonly expires?: number;
  /** Wall-clock epoch ms of the next scheduled attempt (refresh or retry); absent when none. */
  readonly nextAttemptAt?: number;
}

/** Warnings the manager adds to the state machine's {@link RegistrantWarning}s. */
export type ManagerWarningCode =
  | RegistrantWarning
  /**
   * A record's configured expiry is not above `timerInterval`: a sweep visits its bucket only once
   * per interval, so the binding could lapse between visits (OpenSIPS refuses such records; this
   * library keeps them and gives short grants their own timer).
   */
  | 'EXPIRY_NOT_ABOVE_TIMER_INTERVAL';

/** Something worth a log line. */
export interface ManagerWarning {
  readonly code: ManagerWarningCode;
  /** Human-readable detail (never a secret). */
  readonly message: string;
  /** The record concerned, when one is. */
  readonly key?: string;
  readonly aor?: string;
}

/** A record was added to, or removed from, the manager. */
export interface RegistrantMembershipEvent {
  readonly key: string;
  readonly aor: string;
  readonly contact: string;
  readonly registrar: string;
}

/** The typed event map of the manager. */
export interface RegistrantManagerEvents {
  /** Every state transition of every record. */
  stateChange: (event: StateChangeEvent) => void;
  /** Conditions worth logging (short grants, bindings not installed, failed un-REGISTERs, …). */
  warning: (warning: ManagerWarning) => void;
  /**
   * An error inside the manager that did not stop it: a listener that threw, an internal failure
   * while handling a response. If an `error` listener throws, that is swallowed.
   */
  error: (error: unknown) => void;
  /** A record was added. */
  added: (event: RegistrantMembershipEvent) => void;
  /** A record was removed (after its un-REGISTER, when one was needed). */
  removed: (event: RegistrantMembershipEvent) => void;
}
