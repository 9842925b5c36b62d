/**
 * The mutable state of one registrant record. Plain data with a fixed shape (every field set in the
 * constructor, no closures, no per-record Map), so 100,000 records stay well under 1 KiB of heap each:
 * the config object and its strings are shared with whoever validated them, and dialog identifiers are
 * the only per-record strings the engine creates.
 *
 * The state machine (state-machine.ts) reads a record and returns the fields to change; the manager
 * applies them with `Object.assign(record, result.next)`. Times are monotonic milliseconds
 * (`Clock.now()`), never wall-clock (RFC 3261 §10.2.5, checklist EXP-14).
 */
import type { NormalizedRegistrantConfig } from '../config/registrant-config.js';
import { registrantKey } from '../config/registrant-config.js';
import { RegistrantState } from './registrant-state.js';

/**
 * Bits of {@link RegistrantRecord.flags}. Attempt-scoped bits are cleared whenever a new registration
 * attempt starts; the others persist as documented.
 */
export const RecordFlag = {
  /** The next REGISTER starts a new dialog (new Call-ID and From-tag, CSeq 1): set after a failure. */
  NEW_DIALOG: 1,
  /** Attempt-scoped: a 423 was already answered with Min-Expires (EXP-15: a second 423 is an error). */
  RETRIED_423: 2,
  /** Attempt-scoped: a 3xx was already followed (RSP-06: at most once). */
  REDIRECTED: 4,
  /** Attempt-scoped: the one DIG-52 re-answer of a non-stale challenge with a new nonce was used. */
  SILENT_REAUTH_USED: 8,
  /** These credentials were accepted on this binding before (enables the DIG-52 re-answer). */
  AUTH_SUCCEEDED: 16,
  /** `delete` arrived: un-REGISTER if needed, then report `remove`. */
  PENDING_REMOVE: 32,
  /** `stop` arrived: un-REGISTER if needed, then report `stopped`. */
  PENDING_STOP: 64,
  /** The record was stopped; ticks do nothing until a `start` event. */
  STOPPED: 128,
} as const;

/** Flags cleared when a new registration attempt starts. */
export const ATTEMPT_FLAGS = RecordFlag.RETRIED_423 | RecordFlag.REDIRECTED | RecordFlag.SILENT_REAUTH_USED;

/** Deadline meaning "nothing scheduled": the sweep never finds the record due. */
export const NO_DEADLINE = Number.POSITIVE_INFINITY;

/** The fields the state machine reads and changes (everything of a record except identity). */
export interface RegistrantRecordData {
  /** Current state (OpenSIPS numbering). */
  state: RegistrantState;
  /** Whether the record should be registered (config `enabled`, `enable`/`disable` verbs). */
  enabled: boolean;
  /** Bits of {@link RecordFlag}. */
  flags: number;
  /** Call-ID of the current dialog; `''` before the first request. The manager fills it (CSPRNG). */
  callId: string;
  /** From-tag of the current dialog; `''` before the first request. The manager fills it (CSPRNG). */
  fromTag: string;
  /** CSeq number of the last request sent (REG-08: +1 on every request; 1 on a new dialog). */
  cseq: number;
  /** Expiry requested on our Contact: the configured one, or a Min-Expires learned from a 423. */
  wantedExpires: number;
  /** Expiry granted by the last successful REGISTER, seconds; 0 when none. */
  grantedExpires: number;
  /**
   * Monotonic ms until which the registrar may still hold our binding (send time of the answered
   * REGISTER + grant); 0 when no binding is believed installed. Decides whether disable/delete/stop
   * need an un-REGISTER.
   */
  bindingExpiresAt: number;
  /**
   * Monotonic ms at which the record next needs attention: refresh (REGISTERED), retry (failure
   * states, NOT_REGISTERED after a 2xx that did not install us), or the watchdog (in flight).
   * {@link NO_DEADLINE} when nothing is scheduled. OpenSIPS shows it as `registration_timeout`.
   */
  deadline: number;
  /** Monotonic ms of the last request sent (REGISTER or un-REGISTER); -1 before the first. */
  lastRegisterSentAt: number;
  /** Status code of the last final response (synthetic 408 for timeouts); 0 before any. */
  lastCode: number;
  /** Reason phrase of the last final response, or a short local reason; `''` before any. */
  lastReason: string;
  /** Consecutive failed attempts; 0 after a success (SEC-12: n resets on success). */
  failureCount: number;
  /** Challenges answered in the current attempt (DIG-53 caps it). */
  authRounds: number;
  /** Token of the outstanding request; 0 when nothing is in flight (REG-10). */
  inFlight: number;
  /**
   * Counter that makes request tokens: each request sent gets `generation + 1`. A response, timeout
   * or failure carrying another token is stale and ignored (SEC-15). The manager bumps it when it
   * reconfigures a record in place so that replies to the old configuration are dropped.
   */
  generation: number;
  /** Request-URI learned from a 3xx (RSP-06), used until the next failure; `undefined` = registrar. */
  redirectTarget: string | undefined;
  /**
   * Destination pinned after the first real reply (e.g. `udp:192.0.2.1:5060`), kept for later
   * requests (RFC 3261 §10.2.4, EXP-13). The state machine clears it on timeouts and local failures;
   * the manager sets it.
   */
  pinned: string | undefined;
  /** Monotonic ms at which {@link pinned} was set (the manager drops old pins). */
  pinnedAt: number;
}

/** One registrant record: identity and config (immutable) plus {@link RegistrantRecordData}. */
export class RegistrantRecord implements RegistrantRecordData {
  /** Stable record id chosen by the manager; transactions carry it to find the record (DESIGN.md). */
  readonly id: number;
  /** {@link registrantKey} of the config. */
  readonly key: string;
  readonly config: NormalizedRegistrantConfig;
  /** Bucket index in the table (set by the table). */
  bucket = 0;
  /** Position inside the bucket array (set by the table; -1 when not in a table). */
  slot = -1;

  state: RegistrantState = RegistrantState.NOT_REGISTERED;
  enabled: boolean;
  flags = 0;
  callId = '';
  fromTag = '';
  cseq = 0;
  wantedExpires: number;
  grantedExpires = 0;
  bindingExpiresAt = 0;
  deadline: number;
  lastRegisterSentAt = -1;
  lastCode = 0;
  lastReason = '';
  failureCount = 0;
  authRounds = 0;
  inFlight = 0;
  generation = 0;
  redirectTarget: string | undefined = undefined;
  pinned: string | undefined = undefined;
  pinnedAt = 0;

  /**
   * @param id stable record id (unique within the manager)
   * @param config a validated config
   * @param key its identity; pass a precomputed one to share the string, else it is computed
   */
  constructor(id: number, config: NormalizedRegistrantConfig, key: string = registrantKey(config)) {
    this.id = id;
    this.config = config;
    this.key = key;
    this.enabled = config.enabled;
    this.wantedExpires = config.expiry;
    // Enabled records are due at once: the sweep visits their bucket within one timerInterval, which
    // spreads the initial REGISTERs of the whole table over that interval (SEC-13).
    this.deadline = config.enabled ? 0 : NO_DEADLINE;
  }

  /** The AOR, which decides the bucket. */
  get aor(): string {
    return this.config.aor;
  }
}
