/**
 * Every state × every event, table-driven. A cell says what must come out:
 *   'I'  ignored (stale or provisional), nothing changes
 *   '='  not ignored, but nothing changes and no action
 *   '<state>[R|U][ word…]'  the resulting state; R = exactly one sendRegister, U = exactly one
 *        sendUnregister, neither = no send; words name other actions that must be present
 *        (remove, stopped, abandonTransaction, warning).
 */
import { describe, expect, it } from 'vitest';
import type { RegistrantEvent } from '../../src/registrant/registrant-events.js';
import type { RegistrantRecord } from '../../src/registrant/registrant-record.js';
import { transition } from '../../src/registrant/state-machine.js';
import {
  NO_DEADLINE,
  NOW,
  ok,
  policyOf,
  type RegistrantState,
  recordIn,
  reply,
  sends,
} from './record-helpers.js';

interface EventCase {
  readonly make: (r: RegistrantRecord) => RegistrantEvent;
  readonly at?: (r: RegistrantRecord) => number;
}

const dueAt = (r: RegistrantRecord) => (r.deadline === NO_DEADLINE ? NOW : Math.max(NOW, r.deadline));

const EVENTS: Record<string, EventCase> = {
  tickDue: { make: () => ({ type: 'tick' }), at: dueAt },
  tickEarly: {
    make: () => ({ type: 'tick' }),
    at: (r) => (r.deadline === NO_DEADLINE ? NOW : r.deadline - 1),
  },
  ok200: { make: (r) => ok(r) },
  okNoBinding: { make: (r) => reply(r, 200, { bindingFound: false, expiresHeader: 3600 }) },
  okExpires0: { make: (r) => reply(r, 200, { bindingFound: true, bindingExpires: 0 }) },
  c401: { make: (r) => reply(r, 401) },
  c401stale: { make: (r) => reply(r, 401, { stale: true }) },
  c407: { make: (r) => reply(r, 407) },
  i423: { make: (r) => reply(r, 423, { minExpires: 7200 }) },
  i423none: { make: (r) => reply(r, 423) },
  r302: { make: (r) => reply(r, 302, { redirectUri: 'sip:other.example.com' }) },
  r408: { make: (r) => reply(r, 408) },
  f403: { make: (r) => reply(r, 403) },
  f500: { make: (r) => reply(r, 500) },
  f503ra: { make: (r) => reply(r, 503, { retryAfter: 120 }) },
  f603: { make: (r) => reply(r, 603) },
  provisional: { make: (r) => reply(r, 180) },
  staleToken: { make: (r) => ({ ...ok(r), token: 4 }) },
  timeout: { make: (r) => ({ type: 'timeout', token: r.inFlight }) },
  local: { make: (r) => ({ type: 'localFailure', token: r.inFlight, reason: 'cannot resolve' }) },
  enable: { make: () => ({ type: 'enable' }) },
  disable: { make: () => ({ type: 'disable' }) },
  force: { make: () => ({ type: 'forceRegister' }) },
  delete: { make: () => ({ type: 'delete' }) },
  stop: { make: () => ({ type: 'stop' }) },
  start: { make: () => ({ type: 'start' }) },
};

//            state:  0      1                  2                  3      4..7 (failure)            8                 9
const MATRIX: Record<string, readonly string[]> = {
  tickDue: [
    '1R',
    '4 abandonTransaction',
    '4 abandonTransaction',
    '1R',
    '1R',
    '1R',
    '1R',
    '1R',
    '0 abandonTransaction',
    '0 abandonTransaction',
  ],
  tickEarly: ['=', '=', '=', '=', '=', '=', '=', '=', '=', '='],
  ok200: ['I', '3', '3', 'I', 'I', 'I', 'I', 'I', '0', '0'],
  okNoBinding: ['I', '0 warning', '0 warning', 'I', 'I', 'I', 'I', 'I', '0', '0'],
  okExpires0: ['I', '0 warning', '0 warning', 'I', 'I', 'I', 'I', 'I', '0', '0'],
  c401: ['I', '2R', '6', 'I', 'I', 'I', 'I', 'I', '9U', '0 warning'],
  c401stale: ['I', '2R', '2R', 'I', 'I', 'I', 'I', 'I', '9U', '9U'],
  c407: ['I', '2R', '6', 'I', 'I', 'I', 'I', 'I', '9U', '0 warning'],
  i423: ['I', '1R', '1R', 'I', 'I', 'I', 'I', 'I', '0 warning', '0 warning'],
  i423none: ['I', '7', '7', 'I', 'I', 'I', 'I', 'I', '0', '0'],
  r302: ['I', '1R', '1R', 'I', 'I', 'I', 'I', 'I', '0', '0'],
  r408: ['I', '4', '4', 'I', 'I', 'I', 'I', 'I', '0', '0'],
  f403: ['I', '7', '7', 'I', 'I', 'I', 'I', 'I', '0', '0'],
  f500: ['I', '7', '7', 'I', 'I', 'I', 'I', 'I', '0', '0'],
  f503ra: ['I', '7', '7', 'I', 'I', 'I', 'I', 'I', '0', '0'],
  f603: ['I', '7', '7', 'I', 'I', 'I', 'I', 'I', '0', '0'],
  provisional: ['I', 'I', 'I', 'I', 'I', 'I', 'I', 'I', 'I', 'I'],
  staleToken: ['I', 'I', 'I', 'I', 'I', 'I', 'I', 'I', 'I', 'I'],
  timeout: ['I', '4', '4', 'I', 'I', 'I', 'I', 'I', '0 warning', '0 warning'],
  local: ['I', '5', '5', 'I', 'I', 'I', 'I', 'I', '0 warning', '0 warning'],
  enable: ['=', '=', '=', '=', '=', '=', '=', '=', '8', '9'],
  disable: ['0', '1', '2', '8U', '0', '0', '0', '0', '=', '='],
  force: ['1R', '=', '=', '1R', '1R', '1R', '1R', '1R', '=', '='],
  delete: ['0 remove', '1', '2', '8U', '0 remove', '0 remove', '0 remove', '0 remove', '8', '9'],
  stop: ['0 stopped', '1', '2', '8U', '0 stopped', '0 stopped', '0 stopped', '0 stopped', '8', '9'],
  start: ['=', '=', '=', '=', '=', '=', '=', '=', '=', '='],
};

const STATES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

describe('state machine: every state × every event', () => {
  it('covers every event in the matrix', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(Object.keys(EVENTS).sort());
  });

  for (const [name, row] of Object.entries(MATRIX)) {
    for (const from of STATES) {
      const expected = row[from]!;
      it(`REG-10 state ${from} + ${name} → ${expected}`, () => {
        const record = recordIn(from as RegistrantState);
        const eventCase = EVENTS[name]!;
        const event = eventCase.make(record);
        const now = eventCase.at ? eventCase.at(record) : NOW;
        const result = transition(record, event, now, policyOf(), () => 0.5);
        if (expected === 'I') {
          expect(result.ignored).toBe(true);
          expect(result.next).toEqual({});
          expect(result.actions).toEqual([]);
          return;
        }
        expect(result.ignored).toBe(false);
        if (expected === '=') {
          expect(result.next).toEqual({});
          expect(result.actions).toEqual([]);
          return;
        }
        const [head, ...words] = expected.split(' ');
        const to = Number(head![0]);
        const sendKind = head!.slice(1);
        const state = result.next.state ?? record.state;
        expect(state).toBe(to);
        const sent = sends(result.actions);
        if (sendKind === 'R') expect(sent.map((a) => a.type)).toEqual(['sendRegister']);
        else if (sendKind === 'U') expect(sent.map((a) => a.type)).toEqual(['sendUnregister']);
        else expect(sent).toEqual([]);
        for (const word of words) expect(result.actions.map((a) => a.type)).toContain(word);
        if (to !== from) {
          expect(result.actions[0]).toMatchObject({ type: 'stateChange', from, to });
        } else {
          expect(result.actions.filter((a) => a.type === 'stateChange')).toEqual([]);
        }
        // REG-10: after the event at most one request is outstanding, and exactly one in flight states.
        const inFlight = result.next.inFlight ?? record.inFlight;
        if (to === 1 || to === 2 || to === 8 || to === 9) expect(inFlight).toBeGreaterThan(0);
        else expect(inFlight).toBe(0);
        if (sent.length === 1) expect(sent[0]!.token).toBe(inFlight);
      });
    }
  }
});
