/**
 * The registrant state machine: a pure function of (record, event, now, policy, random) returning the
 * record fields to change and the actions to perform. No sockets, timers, emitters or clocks here
 * (DESIGN.md): the manager applies `next` to the record, then performs the actions in order.
 *
 * Rules implemented (ids from the project's RFC checklist):
 * - Never two requests in flight for one record (REG-10): verbs arriving while a request is
 *   outstanding are remembered (`enabled`, pending flags) and acted on at its final outcome.
 * - Call-ID / From-tag kept across refreshes, challenge answers, 423 and 3xx retries and the
 *   un-REGISTER (REG-06); new after a failure, as OpenSIPS does. CSeq +1 on every request (REG-08).
 * - 2xx → REGISTERED only when our binding is listed with expires > 0 (EXP-04..06, SEC-11).
 * - 401/407 answered once; again only for `stale=true` (DIG-50) or the DIG-52 new-nonce allowance;
 *   otherwise, or without credentials, WRONG_CREDENTIALS (DIG-51); at most `maxChallengeRounds`
 *   challenges per attempt (DIG-53).
 * - 423 → once at once with Min-Expires (EXP-15); 3xx → once towards the first Contact (RSP-06);
 *   408 / timeout → REGISTER_TIMEOUT (RSP-01); other errors → REGISTRAR_ERROR with Retry-After as a
 *   floor (RSP-10/11), 403/404/603/604 with the slow back-off (RSP-12); local failures →
 *   INTERNAL_ERROR.
 * - Replies carrying a stale token are ignored (SEC-15).
 */
import type { NormalizedRegistrantConfig } from '../config/registrant-config.js';
import { MAX_EXPIRY } from '../config/registrant-config.js';
import type { FailureSeverity, RegistrantPolicy } from './policy.js';
import { failureDelayMs, isSlowFailureStatus, refreshPlan } from './policy.js';
import type {
  RegistrantAction,
  RegistrantEvent,
  RegistrantWarning,
  ResponseEvent,
  SendPurpose,
} from './registrant-events.js';
import type { RegistrantRecordData } from './registrant-record.js';
import { ATTEMPT_FLAGS, NO_DEADLINE, RecordFlag } from './registrant-record.js';
import { isFailureState, isInFlightState, isUnregisterState, RegistrantState } from './registrant-state.js';

/** What the machine reads: the record's data plus the config facts it needs. */
export interface RegistrantSnapshot extends Readonly<RegistrantRecordData> {
  readonly config: Pick<NormalizedRegistrantConfig, 'registrar' | 'credentials'>;
}

/** The outcome of one event. */
export interface TransitionResult {
  /** Record fields to change (only those that differ). Apply with `Object.assign(record, next)`. */
  readonly next: Partial<RegistrantRecordData>;
  /** Actions to perform, in order (a `stateChange`, if any, comes first). */
  readonly actions: readonly RegistrantAction[];
  /**
   * True when the event changed nothing because it was stale (token of a request no longer
   * outstanding, SEC-15) or provisional (1xx).
   */
  readonly ignored: boolean;
}

/** CSeq must stay below 2^31 (RFC 3261 §8.1.1.5, REG-09); a dialog that gets there starts anew. */
const CSEQ_LIMIT = 2 ** 31 - 1;

const IGNORED: TransitionResult = Object.freeze({
  next: Object.freeze({}),
  actions: Object.freeze([]),
  ignored: true,
});

interface Context {
  readonly r: RegistrantSnapshot;
  readonly w: RegistrantRecordData;
  readonly actions: RegistrantAction[];
  readonly now: number;
  readonly policy: RegistrantPolicy;
  readonly random: () => number;
  readonly sendAllowed: boolean;
  /** Status and reason of the reply (or synthetic outcome) that drives this event. */
  code: number;
  reason: string;
}

/**
 * Decide what `event` does to the record.
 *
 * @param record the record as it is now (not modified)
 * @param event what happened
 * @param now monotonic ms (`Clock.now()`)
 * @param policy timing policy from `createRegistrantPolicy`
 * @param random uniform [0, 1) source for jitter (`Math.random` in production; tests inject)
 */
export function transition(
  record: RegistrantSnapshot,
  event: RegistrantEvent,
  now: number,
  policy: RegistrantPolicy,
  random: () => number,
): TransitionResult {
  if (event.type === 'response' || event.type === 'timeout' || event.type === 'localFailure') {
    if (record.inFlight === 0 || event.token !== record.inFlight) return IGNORED;
    if (event.type === 'response' && event.status < 200 && event.status >= 100) return IGNORED;
  }
  const ctx: Context = {
    r: record,
    w: copy(record),
    actions: [],
    now,
    policy,
    random,
    sendAllowed: !('sendAllowed' in event) || event.sendAllowed !== false,
    code: 0,
    reason: '',
  };
  switch (event.type) {
    case 'tick':
      onTick(ctx);
      break;
    case 'response':
      onResponse(ctx, event);
      break;
    case 'timeout':
      ctx.code = 408;
      ctx.reason = 'Request Timeout';
      onTimeout(ctx);
      break;
    case 'localFailure':
      ctx.reason = event.reason;
      onLocalFailure(ctx);
      break;
    case 'enable':
      onEnable(ctx);
      break;
    case 'disable':
      onDisable(ctx);
      break;
    case 'forceRegister':
      onForceRegister(ctx);
      break;
    case 'delete':
      onDelete(ctx);
      break;
    case 'stop':
      onStop(ctx);
      break;
    case 'start':
      onStart(ctx);
      break;
  }
  return finish(ctx);
}

function copy(r: RegistrantSnapshot): RegistrantRecordData {
  return {
    state: r.state,
    enabled: r.enabled,
    flags: r.flags,
    callId: r.callId,
    fromTag: r.fromTag,
    cseq: r.cseq,
    wantedExpires: r.wantedExpires,
    grantedExpires: r.grantedExpires,
    bindingExpiresAt: r.bindingExpiresAt,
    deadline: r.deadline,
    lastRegisterSentAt: r.lastRegisterSentAt,
    lastCode: r.lastCode,
    lastReason: r.lastReason,
    failureCount: r.failureCount,
    authRounds: r.authRounds,
    inFlight: r.inFlight,
    generation: r.generation,
    redirectTarget: r.redirectTarget,
    pinned: r.pinned,
    pinnedAt: r.pinnedAt,
  };
}

/**
 * `next` holds exactly the fields whose value changed (`Object.is`), in declaration order. Written
 * out field by field rather than by walking `Object.keys`: this runs on every event of every record.
 */
function finish(ctx: Context): TransitionResult {
  const { r, w } = ctx;
  const next: Partial<RegistrantRecordData> = {};
  if (!Object.is(w.state, r.state)) next.state = w.state;
  if (!Object.is(w.enabled, r.enabled)) next.enabled = w.enabled;
  if (!Object.is(w.flags, r.flags)) next.flags = w.flags;
  if (!Object.is(w.callId, r.callId)) next.callId = w.callId;
  if (!Object.is(w.fromTag, r.fromTag)) next.fromTag = w.fromTag;
  if (!Object.is(w.cseq, r.cseq)) next.cseq = w.cseq;
  if (!Object.is(w.wantedExpires, r.wantedExpires)) next.wantedExpires = w.wantedExpires;
  if (!Object.is(w.grantedExpires, r.grantedExpires)) next.grantedExpires = w.grantedExpires;
  if (!Object.is(w.bindingExpiresAt, r.bindingExpiresAt)) next.bindingExpiresAt = w.bindingExpiresAt;
  if (!Object.is(w.deadline, r.deadline)) next.deadline = w.deadline;
  if (!Object.is(w.lastRegisterSentAt, r.lastRegisterSentAt)) next.lastRegisterSentAt = w.lastRegisterSentAt;
  if (!Object.is(w.lastCode, r.lastCode)) next.lastCode = w.lastCode;
  if (!Object.is(w.lastReason, r.lastReason)) next.lastReason = w.lastReason;
  if (!Object.is(w.failureCount, r.failureCount)) next.failureCount = w.failureCount;
  if (!Object.is(w.authRounds, r.authRounds)) next.authRounds = w.authRounds;
  if (!Object.is(w.inFlight, r.inFlight)) next.inFlight = w.inFlight;
  if (!Object.is(w.generation, r.generation)) next.generation = w.generation;
  if (!Object.is(w.redirectTarget, r.redirectTarget)) next.redirectTarget = w.redirectTarget;
  if (!Object.is(w.pinned, r.pinned)) next.pinned = w.pinned;
  if (!Object.is(w.pinnedAt, r.pinnedAt)) next.pinnedAt = w.pinnedAt;
  if (w.state !== r.state) {
    ctx.actions.unshift({
      type: 'stateChange',
      from: r.state,
      to: w.state,
      code: ctx.code,
      reason: ctx.reason,
      expires: w.state === RegistrantState.REGISTERED ? w.grantedExpires : 0,
      nextAttemptAt: isInFlightState(w.state) || w.deadline === NO_DEADLINE ? undefined : w.deadline,
    });
  }
  return { next, actions: ctx.actions, ignored: false };
}

/** Actions without fields: one shared frozen object each. */
const DEFERRED: RegistrantAction = Object.freeze({ type: 'deferred' });
const REMOVE: RegistrantAction = Object.freeze({ type: 'remove' });
const STOPPED: RegistrantAction = Object.freeze({ type: 'stopped' });

// ---------------------------------------------------------------------------------------------------
// Building blocks

function has(w: RegistrantRecordData, flag: number): boolean {
  return (w.flags & flag) !== 0;
}

/** disable, delete or stop is pending: the record must end up not registered. */
function wantsInactive(w: RegistrantRecordData): boolean {
  return !w.enabled || has(w, RecordFlag.PENDING_REMOVE | RecordFlag.PENDING_STOP);
}

/** The registrar may still hold our binding (an un-REGISTER is worth sending). */
function mayHoldBinding(ctx: Context): boolean {
  return ctx.w.bindingExpiresAt > ctx.now;
}

function warn(ctx: Context, warning: RegistrantWarning, detail: string): void {
  ctx.actions.push({ type: 'warning', warning, detail });
}

/** Put one request on the wire (as an action) and mark it in flight. */
function send(
  ctx: Context,
  kind: 'register' | 'unregister',
  credentials: boolean,
  purpose: SendPurpose,
): void {
  const { w, now, policy } = ctx;
  const newDialog =
    w.callId === '' || w.cseq >= CSEQ_LIMIT || (kind === 'register' && has(w, RecordFlag.NEW_DIALOG));
  if (newDialog) {
    // The manager fills Call-ID and From-tag from a CSPRNG (REG-07); the machine only says "new".
    w.callId = '';
    w.fromTag = '';
    w.cseq = 1;
  } else {
    w.cseq += 1;
  }
  if (kind === 'register') w.flags &= ~RecordFlag.NEW_DIALOG;
  w.generation += 1;
  w.inFlight = w.generation;
  w.lastRegisterSentAt = now;
  // While in flight the deadline is the watchdog (OpenSIPS §10.16: a lost callback must not wedge
  // the record forever).
  w.deadline = now + policy.watchdogMs;
  const token = w.inFlight;
  const cseq = w.cseq;
  const requestUri = w.redirectTarget ?? ctx.r.config.registrar;
  const startsAttempt =
    purpose === 'initial' || purpose === 'refresh' || purpose === 'retry' || purpose === 'force';
  ctx.actions.push(
    kind === 'register'
      ? {
          type: 'sendRegister',
          token,
          cseq,
          newDialog,
          credentials,
          requestUri,
          purpose,
          startsAttempt,
          expires: w.wantedExpires,
        }
      : { type: 'sendUnregister', token, cseq, newDialog, credentials, requestUri, purpose, startsAttempt },
  );
}

/**
 * Start a registration attempt (initial, refresh, retry after back-off, forced), or defer it when the
 * rate cap has no token: the record then stays due and the manager retries it soon.
 */
function startAttempt(ctx: Context, purpose: 'initial' | 'refresh' | 'retry' | 'force'): void {
  const { w } = ctx;
  if (!ctx.sendAllowed) {
    if (!(w.deadline <= ctx.now)) w.deadline = ctx.now;
    ctx.actions.push(DEFERRED);
    return;
  }
  w.state = RegistrantState.REGISTERING;
  w.authRounds = 0;
  w.flags &= ~ATTEMPT_FLAGS;
  send(ctx, 'register', false, purpose);
}

/** The kind of attempt a due, enabled, idle record starts. */
function attemptPurpose(w: RegistrantRecordData): 'initial' | 'refresh' | 'retry' {
  if (w.state === RegistrantState.REGISTERED) return 'refresh';
  return w.failureCount > 0 ? 'retry' : 'initial';
}

/**
 * Leave the registered world because of disable / delete / stop: un-REGISTER when the registrar may
 * still hold our binding, otherwise settle in NOT_REGISTERED and report the pending verbs as done.
 */
function goInactive(ctx: Context): void {
  const { w } = ctx;
  if (mayHoldBinding(ctx)) {
    w.state = RegistrantState.UNREGISTERING;
    w.authRounds = 0;
    w.flags &= ~ATTEMPT_FLAGS;
    send(ctx, 'unregister', false, 'unregister');
    return;
  }
  settleInactive(ctx);
}

function settleInactive(ctx: Context): void {
  const { w } = ctx;
  w.state = RegistrantState.NOT_REGISTERED;
  w.inFlight = 0;
  w.deadline = NO_DEADLINE;
  w.authRounds = 0;
  w.flags &= ~ATTEMPT_FLAGS;
  if (has(w, RecordFlag.PENDING_REMOVE)) ctx.actions.push(REMOVE);
  if (has(w, RecordFlag.PENDING_STOP)) {
    ctx.actions.push(STOPPED);
    w.flags |= RecordFlag.STOPPED | RecordFlag.NEW_DIALOG;
  }
  w.flags &= ~(RecordFlag.PENDING_REMOVE | RecordFlag.PENDING_STOP);
}

interface FailureOptions {
  readonly severity: FailureSeverity;
  readonly retryAfter?: number | undefined;
  /** Local timeout / local failure: drop the pinned destination so the next attempt re-resolves. */
  readonly clearPin?: boolean;
}

/** A registration attempt failed: failure state, back-off deadline, new dialog on the retry. */
function fail(ctx: Context, state: RegistrantState, options: FailureOptions): void {
  const { w } = ctx;
  w.state = state;
  w.inFlight = 0;
  w.failureCount += 1;
  w.authRounds = 0;
  w.flags = (w.flags & ~ATTEMPT_FLAGS) | RecordFlag.NEW_DIALOG;
  if (state === RegistrantState.WRONG_CREDENTIALS) w.flags &= ~RecordFlag.AUTH_SUCCEEDED;
  w.redirectTarget = undefined;
  if (options.clearPin) w.pinned = undefined;
  w.deadline =
    ctx.now +
    failureDelayMs(
      ctx.policy,
      { failureCount: w.failureCount, severity: options.severity, retryAfter: options.retryAfter },
      ctx.random,
    );
  if (wantsInactive(w)) goInactive(ctx);
}

/** A 2xx that did not install our binding (EXP-06, SEC-11): not registered, retried with back-off. */
function notInstalled(ctx: Context, detail: string): void {
  const { w } = ctx;
  warn(ctx, 'BINDING_NOT_INSTALLED', detail);
  w.bindingExpiresAt = 0;
  w.grantedExpires = 0;
  fail(ctx, RegistrantState.NOT_REGISTERED, { severity: 'transient' });
}

/** Our binding is installed for `granted` seconds. */
function registered(ctx: Context, granted: number): void {
  const { w, r } = ctx;
  if (r.state === RegistrantState.AUTHENTICATING) w.flags |= RecordFlag.AUTH_SUCCEEDED;
  w.state = RegistrantState.REGISTERED;
  w.inFlight = 0;
  w.failureCount = 0;
  w.authRounds = 0;
  w.flags &= ~(ATTEMPT_FLAGS | RecordFlag.NEW_DIALOG);
  w.grantedExpires = granted;
  // The registrar started counting when it received the request, which is no earlier than our send:
  // measuring from the send time keeps every deadline on the safe side (RFC 3261 §10.2.1.1).
  const base = r.lastRegisterSentAt;
  w.bindingExpiresAt = base + granted * 1000;
  const plan = refreshPlan(ctx.policy, granted, ctx.random);
  w.deadline = base + plan.delayMs;
  if (plan.tooShort)
    warn(
      ctx,
      'GRANT_TOO_SHORT',
      `granted ${granted} s is shorter than one sweep (${ctx.policy.sweepMs / 1000} s) plus the ` +
        `answer margin (${ctx.policy.refreshMarginMs / 1000} s); decrease timerInterval`,
    );
  if (wantsInactive(w)) goInactive(ctx);
}

/** Answer a challenge with credentials (same dialog, CSeq + 1). */
function answerChallenge(ctx: Context, purpose: 'challenge' | 'stale'): void {
  const { w } = ctx;
  w.authRounds += 1;
  const unregister = isUnregisterState(w.state);
  w.state = unregister ? RegistrantState.AUTHENTICATING_UNREGISTER : RegistrantState.AUTHENTICATING;
  send(ctx, unregister ? 'unregister' : 'register', true, purpose);
}

/**
 * Which answer a challenge deserves: 'challenge' / 'stale' to answer it, undefined to give up.
 * The request that drew it carried credentials exactly when the state is an AUTHENTICATING one.
 */
function challengeAnswer(ctx: Context, event: ResponseEvent): 'challenge' | 'stale' | undefined {
  const { w, r } = ctx;
  if (r.config.credentials === undefined) return undefined; // nothing to answer with
  if (w.authRounds >= ctx.policy.maxChallengeRounds) return undefined; // DIG-53
  const sentCredentials =
    w.state === RegistrantState.AUTHENTICATING || w.state === RegistrantState.AUTHENTICATING_UNREGISTER;
  if (!sentCredentials) return 'challenge';
  if (event.stale === true) return 'stale'; // DIG-50: a new nonce, not a wrong password
  // DIG-52: registrars that forget stale=true — one re-answer when the nonce changed and these
  // credentials were accepted on this binding before.
  if (
    event.nonceChanged === true &&
    has(w, RecordFlag.AUTH_SUCCEEDED) &&
    !has(w, RecordFlag.SILENT_REAUTH_USED)
  ) {
    w.flags |= RecordFlag.SILENT_REAUTH_USED;
    return 'challenge';
  }
  return undefined; // DIG-51
}

// ---------------------------------------------------------------------------------------------------
// Event handlers

function onTick(ctx: Context): void {
  const { w, now } = ctx;
  if (has(w, RecordFlag.STOPPED) || !(w.deadline <= now)) return;
  if (isInFlightState(w.state)) {
    // Watchdog: the request never got a final outcome. Give it up and treat it as a timeout.
    ctx.actions.push({ type: 'abandonTransaction', token: w.inFlight });
    warn(ctx, 'WATCHDOG', `no final response ${ctx.policy.watchdogMs / 1000} s after sending; abandoned`);
    ctx.code = 408;
    ctx.reason = 'Request Timeout';
    onTimeout(ctx);
    return;
  }
  if (wantsInactive(w)) {
    // Only reachable if a verb was applied outside the machine; settle it the same way.
    if (w.state === RegistrantState.NOT_REGISTERED && !mayHoldBinding(ctx)) {
      w.deadline = NO_DEADLINE;
      return;
    }
    goInactive(ctx);
    return;
  }
  startAttempt(ctx, attemptPurpose(w));
}

function onResponse(ctx: Context, event: ResponseEvent): void {
  const { w } = ctx;
  const status = event.status;
  ctx.code = status;
  ctx.reason = event.reason;
  w.lastCode = status;
  w.lastReason = event.reason;
  if (!(status >= 200 && status <= 699)) {
    w.lastCode = 0;
    ctx.code = 0;
    ctx.reason = w.lastReason = `unusable status ${status}`;
    onLocalFailure(ctx);
    return;
  }
  if (isUnregisterState(w.state)) onUnregisterResponse(ctx, event);
  else onRegisterResponse(ctx, event);
}

function onRegisterResponse(ctx: Context, event: ResponseEvent): void {
  const { w, policy } = ctx;
  const status = event.status;
  if (status < 300) {
    if (event.bindingFound !== true) {
      notInstalled(ctx, `${status} response does not list our binding`);
      return;
    }
    let granted = event.bindingExpires ?? event.expiresHeader;
    if (granted === undefined) {
      granted = w.wantedExpires;
      warn(ctx, 'GRANT_MISSING', `${status} response gives no expiry; assuming the requested ${granted} s`);
    }
    if (!(granted > 0)) {
      notInstalled(ctx, `${status} response lists our binding with expires 0`);
      return;
    }
    registered(ctx, Math.min(Math.floor(granted), MAX_EXPIRY));
    return;
  }
  if (status === 401 || status === 407) {
    const answer = challengeAnswer(ctx, event);
    if (answer === undefined) fail(ctx, RegistrantState.WRONG_CREDENTIALS, { severity: 'slow' });
    else answerChallenge(ctx, answer);
    return;
  }
  if (status === 423) {
    const min = event.minExpires;
    const usable =
      !has(w, RecordFlag.RETRIED_423) &&
      min !== undefined &&
      Number.isInteger(min) &&
      min > w.wantedExpires &&
      min <= policy.maxMinExpires;
    if (!usable) {
      fail(ctx, RegistrantState.REGISTRAR_ERROR, { severity: 'transient', retryAfter: event.retryAfter });
      return;
    }
    // EXP-15: raise to Min-Expires once and resend at once, same dialog. The learned value is kept
    // for later requests of this record (EXP-08 forbids only shrinking towards the grant).
    w.wantedExpires = min;
    w.flags |= RecordFlag.RETRIED_423;
    w.state = RegistrantState.REGISTERING;
    send(ctx, 'register', false, 'interval');
    return;
  }
  if (status < 400) {
    const refusal = redirectRefusal(ctx, event);
    if (refusal !== undefined) {
      warn(ctx, 'REDIRECT_REFUSED', refusal);
      fail(ctx, RegistrantState.REGISTRAR_ERROR, { severity: 'transient', retryAfter: event.retryAfter });
      return;
    }
    // RSP-06: a new transaction towards the redirect target, same dialog, CSeq + 1, and no
    // credentials (they belong to the element that challenged, SEC-16).
    w.redirectTarget = event.redirectUri;
    w.flags |= RecordFlag.REDIRECTED;
    w.state = RegistrantState.REGISTERING;
    send(ctx, 'register', false, 'redirect');
    return;
  }
  if (status === 408) {
    fail(ctx, RegistrantState.REGISTER_TIMEOUT, { severity: 'transient', retryAfter: event.retryAfter });
    return;
  }
  fail(ctx, RegistrantState.REGISTRAR_ERROR, {
    severity: isSlowFailureStatus(status) ? 'slow' : 'transient',
    retryAfter: event.retryAfter,
  });
}

function redirectRefusal(ctx: Context, event: ResponseEvent): string | undefined {
  if (has(ctx.w, RecordFlag.REDIRECTED)) return `second redirect (${event.status}) in one attempt`;
  const uri = event.redirectUri;
  if (uri === undefined || uri === '') return `${event.status} redirect without a Contact`;
  const from = ctx.r.config.registrar;
  // SEC-09: never downgrade a SIPS registration to SIP because a redirect says so.
  if (startsWithIgnoreCase(from, 'sips:') && !startsWithIgnoreCase(uri, 'sips:'))
    return `${event.status} redirect from a SIPS registrar to a non-SIPS target`;
  return undefined;
}

function startsWithIgnoreCase(text: string, prefix: string): boolean {
  return text.length >= prefix.length && text.slice(0, prefix.length).toLowerCase() === prefix;
}

function onUnregisterResponse(ctx: Context, event: ResponseEvent): void {
  const { w } = ctx;
  const status = event.status;
  if (status < 300) {
    // EXP-10: a 2xx to a removal is success whether or not the reply still lists other bindings.
    w.bindingExpiresAt = 0;
    w.grantedExpires = 0;
    afterUnregister(ctx);
    return;
  }
  if (status === 401 || status === 407) {
    const answer = challengeAnswer(ctx, event);
    if (answer !== undefined) {
      answerChallenge(ctx, answer);
      return;
    }
  }
  unregisterFailed(ctx, `${status} ${event.reason}`);
}

function unregisterFailed(ctx: Context, detail: string): void {
  warn(ctx, 'UNREGISTER_FAILED', `un-REGISTER failed (${detail}); the binding may stay until it expires`);
  if (ctx.code === 408 || ctx.code === 0) ctx.w.pinned = undefined;
  afterUnregister(ctx);
}

/** The un-REGISTER has its final outcome. */
function afterUnregister(ctx: Context): void {
  const { w } = ctx;
  w.inFlight = 0;
  if (wantsInactive(w)) {
    settleInactive(ctx);
    return;
  }
  // Re-enabled while the un-REGISTER was in flight: register again in a new dialog (OpenSIPS).
  w.state = RegistrantState.NOT_REGISTERED;
  w.flags |= RecordFlag.NEW_DIALOG;
  w.deadline = ctx.now;
  startAttempt(ctx, 'initial');
}

function onTimeout(ctx: Context): void {
  const { w } = ctx;
  w.lastCode = 408;
  w.lastReason = ctx.reason;
  if (isUnregisterState(w.state)) {
    unregisterFailed(ctx, 'timeout');
    return;
  }
  fail(ctx, RegistrantState.REGISTER_TIMEOUT, { severity: 'transient', clearPin: true });
}

function onLocalFailure(ctx: Context): void {
  const { w } = ctx;
  w.lastCode = 0;
  w.lastReason = ctx.reason;
  if (isUnregisterState(w.state)) {
    unregisterFailed(ctx, ctx.reason);
    return;
  }
  fail(ctx, RegistrantState.INTERNAL_ERROR, { severity: 'transient', clearPin: true });
}

function onEnable(ctx: Context): void {
  const { w, r } = ctx;
  if (r.enabled) return;
  w.enabled = true;
  if (isInFlightState(w.state) || has(w, RecordFlag.STOPPED)) return; // acted on at the final outcome
  w.flags |= RecordFlag.NEW_DIALOG;
  w.failureCount = 0;
  startAttempt(ctx, 'initial');
}

function onDisable(ctx: Context): void {
  const { w, r } = ctx;
  if (!r.enabled) return;
  w.enabled = false;
  if (isInFlightState(w.state) || has(w, RecordFlag.STOPPED)) return;
  goInactive(ctx);
}

function onForceRegister(ctx: Context): void {
  const { w } = ctx;
  if (!w.enabled || isInFlightState(w.state) || has(w, RecordFlag.STOPPED) || wantsInactive(w)) return;
  startAttempt(ctx, 'force');
}

function onDelete(ctx: Context): void {
  const { w } = ctx;
  w.flags |= RecordFlag.PENDING_REMOVE;
  if (isInFlightState(w.state)) return; // the final outcome decides whether to un-REGISTER
  if (has(w, RecordFlag.STOPPED)) {
    settleInactive(ctx); // nothing goes on the wire after stop
    return;
  }
  goInactive(ctx);
}

function onStop(ctx: Context): void {
  const { w } = ctx;
  if (has(w, RecordFlag.STOPPED | RecordFlag.PENDING_STOP)) return;
  w.flags |= RecordFlag.PENDING_STOP;
  if (isInFlightState(w.state)) return;
  goInactive(ctx);
}

function onStart(ctx: Context): void {
  const { w, now } = ctx;
  if (!has(w, RecordFlag.STOPPED)) return;
  w.flags &= ~RecordFlag.STOPPED;
  if (w.enabled && (w.state === RegistrantState.NOT_REGISTERED || isFailureState(w.state))) {
    w.flags |= RecordFlag.NEW_DIALOG;
    w.deadline = now;
  }
}
