/**
 * Helpers for the registrant tests: build records in a given state and drive the pure state machine
 * the way the manager will (apply `next`, fill a fresh Call-ID / From-tag when an action asks for a
 * new dialog).
 */
import type { NormalizedRegistrantConfig } from '../../src/config/registrant-config.js';
import { makeCredentials } from '../../src/config/registrant-credentials.js';
import type { RegistrantPolicy } from '../../src/registrant/policy.js';
import { createRegistrantPolicy } from '../../src/registrant/policy.js';
import type {
  RegistrantAction,
  RegistrantEvent,
  ResponseEvent,
} from '../../src/registrant/registrant-events.js';
import { NO_DEADLINE, RecordFlag, RegistrantRecord } from '../../src/registrant/registrant-record.js';
import { isInFlightState, RegistrantState } from '../../src/registrant/registrant-state.js';
import type { TransitionResult } from '../../src/registrant/state-machine.js';
import { transition } from '../../src/registrant/state-machine.js';

export function makeConfig(overrides: Partial<NormalizedRegistrantConfig> = {}): NormalizedRegistrantConfig {
  return {
    registrar: 'sip:registrar.example.com',
    proxy: undefined,
    aor: 'sip:alice@example.com',
    thirdPartyRegistrant: undefined,
    credentials: makeCredentials('alice', 'secret-pw'),
    contact: 'sip:alice@192.0.2.10:5060',
    contactParams: '',
    expiry: 3600,
    socket: undefined,
    enabled: true,
    ...overrides,
  };
}

export const NOW = 1_000_000;

let nextId = 1;

/**
 * A record in `state`, with plausible fields for it: in-flight states have token 5 outstanding and a
 * dialog; REGISTERED has a live binding and a future refresh deadline; failure states a future
 * retry deadline and no live binding. `overrides` are applied last.
 */
export function recordIn(
  state: RegistrantState,
  overrides: Partial<RegistrantRecord> = {},
  config: NormalizedRegistrantConfig = makeConfig(),
): RegistrantRecord {
  const record = new RegistrantRecord(nextId++, config);
  record.state = state;
  if (state !== RegistrantState.NOT_REGISTERED) {
    record.callId = 'call-1';
    record.fromTag = 'tag-1';
    record.cseq = 3;
    record.lastRegisterSentAt = NOW - 2_000;
  }
  if (isInFlightState(state)) {
    record.generation = 5;
    record.inFlight = 5;
    record.deadline = NOW + 60_000;
    if (state === RegistrantState.AUTHENTICATING || state === RegistrantState.AUTHENTICATING_UNREGISTER)
      record.authRounds = 1;
    if (state === RegistrantState.UNREGISTERING || state === RegistrantState.AUTHENTICATING_UNREGISTER) {
      record.enabled = false;
      record.bindingExpiresAt = NOW + 1_000_000;
      record.grantedExpires = 3600;
    }
  } else if (state === RegistrantState.REGISTERED) {
    record.generation = 5;
    record.grantedExpires = 3600;
    record.bindingExpiresAt = NOW + 3_000_000;
    record.deadline = NOW + 2_000_000;
  } else if (state !== RegistrantState.NOT_REGISTERED) {
    record.generation = 5;
    record.failureCount = 1;
    record.flags |= RecordFlag.NEW_DIALOG;
    record.deadline = NOW + 30_000;
  }
  Object.assign(record, overrides);
  return record;
}

/** A policy with the documented defaults unless overridden. */
export function policyOf(options: Parameters<typeof createRegistrantPolicy>[0] = {}): RegistrantPolicy {
  return createRegistrantPolicy(options);
}

let dialogCounter = 0;

/**
 * Feed one event and apply the result as the manager does: assign `next`, then give a new dialog its
 * Call-ID and From-tag.
 */
export function drive(
  record: RegistrantRecord,
  event: RegistrantEvent,
  now: number,
  policy: RegistrantPolicy = policyOf(),
  random: () => number = () => 0.5,
): TransitionResult {
  const result = transition(record, event, now, policy, random);
  Object.assign(record, result.next);
  for (const action of result.actions) {
    if ((action.type === 'sendRegister' || action.type === 'sendUnregister') && action.newDialog) {
      dialogCounter++;
      record.callId = `call-new-${dialogCounter}`;
      record.fromTag = `tag-new-${dialogCounter}`;
    }
  }
  return result;
}

/** A response event for the record's outstanding request. */
export function reply(
  record: RegistrantRecord,
  status: number,
  extra: Partial<Omit<ResponseEvent, 'type' | 'token' | 'status'>> = {},
): ResponseEvent {
  return { type: 'response', token: record.inFlight, status, reason: reasonOf(status), ...extra };
}

export function ok(record: RegistrantRecord, expires = 3600): ResponseEvent {
  return reply(record, 200, { bindingFound: true, bindingExpires: expires });
}

function reasonOf(status: number): string {
  const reasons: Record<number, string> = {
    200: 'OK',
    302: 'Moved Temporarily',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    407: 'Proxy Authentication Required',
    408: 'Request Timeout',
    423: 'Interval Too Brief',
    500: 'Server Internal Error',
    503: 'Service Unavailable',
    603: 'Decline',
  };
  return reasons[status] ?? 'Whatever';
}

export function sends(actions: readonly RegistrantAction[]) {
  return actions.filter((a) => a.type === 'sendRegister' || a.type === 'sendUnregister') as Extract<
    RegistrantAction,
    { type: 'sendRegister' | 'sendUnregister' }
  >[];
}

export function actionTypes(actions: readonly RegistrantAction[]): string[] {
  return actions.map((a) => a.type);
}

export { NO_DEADLINE, RecordFlag, RegistrantState };
