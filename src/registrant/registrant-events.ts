/**
 * The vocabulary of the pure state machine: the events the manager feeds it and the actions it
 * returns. Plain data only, so the machine can be driven and checked without sockets or timers.
 */
import type { RegistrantState } from './registrant-state.js';

/**
 * The record's bucket came round (or the manager retries a deferred record). The machine acts only
 * when the record's deadline is due: refresh, retry after back-off, first registration, or the
 * in-flight watchdog.
 */
export interface TickEvent {
  readonly type: 'tick';
  /**
   * False when the global rate cap (token bucket) has no token: a due record that would start a new
   * registration attempt keeps its place and gets a `deferred` action instead. Follow-ups inside an
   * attempt (auth, 423, 3xx) and un-REGISTERs are never held back.
   * @default true
   */
  readonly sendAllowed?: boolean;
}

/**
 * The final response (status ≥ 200; 1xx are ignored) to the request whose action carried `token`.
 * Facts are extracted by the manager from the SIP message; the machine never parses.
 */
export interface ResponseEvent {
  readonly type: 'response';
  /** The `token` of the send action this response answers; another token is stale (SEC-15). */
  readonly token: number;
  readonly status: number;
  readonly reason: string;
  /**
   * 2xx: whether our binding is among the Contacts, by RFC 3261 §19.1.4 URI comparison (EXP-04).
   * @default false
   */
  readonly bindingFound?: boolean;
  /** 2xx: the `expires` parameter of our Contact, when it has one (EXP-05). */
  readonly bindingExpires?: number | undefined;
  /** 2xx: the `Expires` header, used when our Contact has no `expires` (EXP-05). */
  readonly expiresHeader?: number | undefined;
  /** 423: the `Min-Expires` header value, if present and numeric (EXP-15). */
  readonly minExpires?: number | undefined;
  /** `Retry-After` in seconds, if present (RSP-10/11). */
  readonly retryAfter?: number | undefined;
  /** 401/407: the chosen challenge says `stale=true` (DIG-50). @default false */
  readonly stale?: boolean;
  /**
   * 401/407: the challenge's nonce differs from the one we just answered (DIG-52; the authenticator
   * knows it). @default false
   */
  readonly nonceChanged?: boolean;
  /** 3xx: the URI of the first (highest-q) Contact of the redirect, if any (RSP-06). */
  readonly redirectUri?: string | undefined;
  /** See {@link TickEvent.sendAllowed}; matters when a re-enabled record re-registers. @default true */
  readonly sendAllowed?: boolean;
}

/** The transaction for `token` timed out (Timer F): a synthetic 408 (RSP-01). Clears the pin. */
export interface TimeoutEvent {
  readonly type: 'timeout';
  readonly token: number;
}

/**
 * The request for `token` could not be built or sent, or its reply could not be used (cannot resolve,
 * no matching forced socket, transport refused, the authenticator could not answer, unparsable reply):
 * INTERNAL_ERROR. `reason` is a short text for views and events (never a secret).
 */
export interface LocalFailureEvent {
  readonly type: 'localFailure';
  readonly token: number;
  readonly reason: string;
}

/** Management verbs (OpenSIPS MI `reg_enable`, `reg_disable`, `reg_force_register`, `reg_delete`). */
export interface EnableEvent {
  readonly type: 'enable';
  /** @default true */
  readonly sendAllowed?: boolean;
}
export interface DisableEvent {
  readonly type: 'disable';
}
export interface ForceRegisterEvent {
  readonly type: 'forceRegister';
  /** @default true */
  readonly sendAllowed?: boolean;
}
export interface DeleteEvent {
  readonly type: 'delete';
}
/** The manager is stopping: un-REGISTER what may be registered, then report `stopped`. */
export interface StopEvent {
  readonly type: 'stop';
}
/** The manager starts again after a stop: the record becomes due (if enabled). */
export interface StartEvent {
  readonly type: 'start';
}

export type RegistrantEvent =
  | TickEvent
  | ResponseEvent
  | TimeoutEvent
  | LocalFailureEvent
  | EnableEvent
  | DisableEvent
  | ForceRegisterEvent
  | DeleteEvent
  | StopEvent
  | StartEvent;

/** Why a request goes out (for logs, metrics and tests). */
export type SendPurpose =
  | 'initial'
  | 'refresh'
  | 'retry'
  | 'force'
  | 'challenge'
  | 'stale'
  | 'interval'
  | 'redirect'
  | 'unregister';

interface SendFields {
  /**
   * Carry this with the transaction and hand it back in the response / timeout / localFailure event.
   * The record's `inFlight` already equals it.
   */
  readonly token: number;
  /** CSeq number of this request (REG-08); already stored in the record's `cseq`. */
  readonly cseq: number;
  /**
   * Start a new dialog: generate a fresh Call-ID and From-tag from a CSPRNG (REG-05/07, SEC-02) and
   * store them in the record before building the request. `cseq` is then 1.
   */
  readonly newDialog: boolean;
  /**
   * Answer the challenge of the response just received (401 → Authorization, 407 →
   * Proxy-Authorization) with the record's credentials. If that fails, feed `localFailure`.
   */
  readonly credentials: boolean;
  /** Request-URI: the registrar, or the target learned from a 3xx (RSP-06). */
  readonly requestUri: string;
  readonly purpose: SendPurpose;
  /**
   * True for the first request of a registration attempt (initial, refresh, retry, force): the one a
   * global rate cap counts. Follow-ups (auth, 423, 3xx) and un-REGISTERs are false.
   */
  readonly startsAttempt: boolean;
}

/**
 * Send a REGISTER: one Contact = binding URI + binding params + `;expires=<expires>` (the configured
 * or 423-learned value, never the shrunk grant — EXP-08).
 */
export interface SendRegisterAction extends SendFields {
  readonly type: 'sendRegister';
  readonly expires: number;
}

/**
 * Send an un-REGISTER: our Contact with `;expires=0` plus `Expires: 0` (EXP-10), same Call-ID when the
 * dialog exists, CSeq +1.
 */
export interface SendUnregisterAction extends SendFields {
  readonly type: 'sendUnregister';
}

/** The state changed: emit `stateChange` (and the matching per-state event). */
export interface StateChangeAction {
  readonly type: 'stateChange';
  readonly from: RegistrantState;
  readonly to: RegistrantState;
  /** Status of the reply that caused the change (408 for a timeout); 0 when no reply caused it. */
  readonly code: number;
  /** Its reason phrase, or the local failure reason; `''` when none. */
  readonly reason: string;
  /** Granted expiry in seconds when the new state is REGISTERED, else 0. */
  readonly expires: number;
  /** Monotonic ms of the next scheduled attempt (refresh or retry); undefined when none/in flight. */
  readonly nextAttemptAt: number | undefined;
}

/** Things worth a log line or a metric; never carry secrets. */
export type RegistrantWarning =
  /** Grant shorter than one sweep + the answer margin: the binding may lapse (SEC-10). */
  | 'GRANT_TOO_SHORT'
  /** 2xx with our binding but no expires anywhere: the requested value is assumed (EXP-05). */
  | 'GRANT_MISSING'
  /** 2xx without our binding, or with expires 0 (EXP-06, SEC-11). */
  | 'BINDING_NOT_INSTALLED'
  /** A request was still in flight after the watchdog delay; it was abandoned. */
  | 'WATCHDOG'
  /** An un-REGISTER failed; the registrar may keep the binding until it expires. */
  | 'UNREGISTER_FAILED'
  /** A 3xx was not followed (second redirect, no Contact, or SIPS → SIP). */
  | 'REDIRECT_REFUSED';

export interface WarningAction {
  readonly type: 'warning';
  readonly warning: RegistrantWarning;
  readonly detail: string;
}

/** Forget the transaction for `token` (the watchdog gave it up); a late reply will be ignored anyway. */
export interface AbandonTransactionAction {
  readonly type: 'abandonTransaction';
  readonly token: number;
}

/**
 * A new attempt was due but `sendAllowed` was false: the record stays due; retry it with another
 * `tick` soon (next tick or a short timer).
 */
export interface DeferredAction {
  readonly type: 'deferred';
}

/** `delete` finished (un-REGISTERed or nothing to un-REGISTER): remove the record from the table. */
export interface RemoveAction {
  readonly type: 'remove';
}

/** `stop` finished for this record. */
export interface StoppedAction {
  readonly type: 'stopped';
}

export type RegistrantAction =
  | SendRegisterAction
  | SendUnregisterAction
  | StateChangeAction
  | WarningAction
  | AbandonTransactionAction
  | DeferredAction
  | RemoveAction
  | StoppedAction;
