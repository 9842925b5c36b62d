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

/**
 * Config fields whose change `upsert` / `reload` report (identity fields never change: another
 * identity is another record). `password` is named, its value never shown.
 */
export type RegistrantConfigField =
  | 'proxy'
  | 'thirdPartyRegistrant'
  | 'username'
  | 'password'
  | 'contactParams'
  | 'expiry'
  | 'socket'
  | 'enabled';

/** A record's config was replaced in place (`upsert`, `reload`). */
export interface RegistrantUpdatedEvent extends RegistrantMembershipEvent {
  /** The fields that differ from the previous config, in {@link RegistrantConfigField} order. */
  readonly changes: readonly RegistrantConfigField[];
}

/**
 * Payload of the per-state events (`E_REGISTRANT_REGISTERED`, …): the OpenSIPS 4.0 parameters
 * `aor`, `contact`, `registrar`, plus what OpenSIPS leaves out.
 */
export interface RegistrantStateEvent {
  readonly key: string;
  readonly aor: string;
  /** The binding URI. */
  readonly contact: string;
  readonly registrar: string;
  /** Status of the reply that caused the entry (408 for a timeout); absent when none did. */
  readonly code?: number;
  /** Its reason phrase, or the local failure's reason; absent when none. */
  readonly reason?: string;
  /** Granted expiry in seconds, on entry into REGISTERED. */
  readonly expires?: number;
  /** Wall-clock epoch ms of the next scheduled attempt (refresh or retry); absent when none. */
  readonly nextAttemptAt?: number;
}

/**
 * The per-state event names: `E_REGISTRANT_<STATE>`, raised on every entry into that state (so each
 * refresh raises REGISTERING then REGISTERED, each challenge round AUTHENTICATING), as OpenSIPS 4.0
 * does; `E_REGISTRANT_NOT_REGISTERED` is ours (OpenSIPS has none): an un-REGISTER confirmed or
 * given up, a disabled record settling, a 2xx that did not install the binding.
 */
export type RegistrantStateEventName =
  | 'E_REGISTRANT_NOT_REGISTERED'
  | 'E_REGISTRANT_REGISTERING'
  | 'E_REGISTRANT_AUTHENTICATING'
  | 'E_REGISTRANT_REGISTERED'
  | 'E_REGISTRANT_REGISTER_TIMEOUT'
  | 'E_REGISTRANT_INTERNAL_ERROR'
  | 'E_REGISTRANT_WRONG_CREDENTIALS'
  | 'E_REGISTRANT_REGISTRAR_ERROR'
  | 'E_REGISTRANT_UNREGISTERING'
  | 'E_REGISTRANT_AUTHENTICATING_UNREGISTER';

/** Event name of each state number (index = state). */
export const STATE_EVENT_NAMES: readonly RegistrantStateEventName[] = Object.freeze([
  'E_REGISTRANT_NOT_REGISTERED',
  'E_REGISTRANT_REGISTERING',
  'E_REGISTRANT_AUTHENTICATING',
  'E_REGISTRANT_REGISTERED',
  'E_REGISTRANT_REGISTER_TIMEOUT',
  'E_REGISTRANT_INTERNAL_ERROR',
  'E_REGISTRANT_WRONG_CREDENTIALS',
  'E_REGISTRANT_REGISTRAR_ERROR',
  'E_REGISTRANT_UNREGISTERING',
  'E_REGISTRANT_AUTHENTICATING_UNREGISTER',
]);

/** The per-state events, each with a {@link RegistrantStateEvent}. */
export type RegistrantStateEvents = {
  [K in RegistrantStateEventName]: (event: RegistrantStateEvent) => void;
};

/**
 * The typed event map of the manager. Every listener is called even when an earlier one throws;
 * what a listener throws goes to the `error` listeners.
 */
export interface RegistrantManagerEvents extends RegistrantStateEvents {
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
  /** A record's config was replaced in place (`upsert`, `reload`), with the fields that changed. */
  updated: (event: RegistrantUpdatedEvent) => void;
  /** A record was removed (after its un-REGISTER, when one was needed). */
  removed: (event: RegistrantMembershipEvent) => void;
}
