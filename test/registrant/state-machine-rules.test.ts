import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failureDelayBounds, refreshDelayBounds } from '../../src/registrant/policy.js';
import type {
  RegistrantAction,
  RegistrantEvent,
  SendRegisterAction,
  StateChangeAction,
} from '../../src/registrant/registrant-events.js';
import { transition } from '../../src/registrant/state-machine.js';
import {
  actionTypes,
  drive,
  makeConfig,
  NO_DEADLINE,
  NOW,
  ok,
  policyOf,
  RecordFlag,
  RegistrantState,
  recordIn,
  reply,
  sends,
} from './record-helpers.js';

const S = RegistrantState;

function onlySend(actions: readonly RegistrantAction[]) {
  const sent = sends(actions);
  expect(sent).toHaveLength(1);
  return sent[0]!;
}

function stateChange(actions: readonly RegistrantAction[]): StateChangeAction | undefined {
  return actions.find((a): a is StateChangeAction => a.type === 'stateChange');
}

function warnings(actions: readonly RegistrantAction[]): string[] {
  return actions.flatMap((a) => (a.type === 'warning' ? [a.warning] : []));
}

/** A fresh, enabled record, registered through a 401 challenge at t = NOW. */
function registeredRecord() {
  const record = recordIn(S.NOT_REGISTERED);
  drive(record, { type: 'tick' }, NOW);
  drive(record, reply(record, 401), NOW + 10);
  drive(record, ok(record), NOW + 20);
  expect(record.state).toBe(S.REGISTERED);
  return record;
}

describe('dialog identity and CSeq (REG-06, REG-08, REG-09)', () => {
  it('REG-06 REG-08 keeps Call-ID and From-tag across challenge, 423, 3xx, refresh and un-REGISTER; CSeq +1 on each', () => {
    const record = recordIn(S.NOT_REGISTERED);
    const first = onlySend(drive(record, { type: 'tick' }, NOW).actions);
    expect(first).toMatchObject({ type: 'sendRegister', newDialog: true, cseq: 1, credentials: false });
    const callId = record.callId;
    const fromTag = record.fromTag;
    expect(callId).not.toBe('');

    const steps: [() => RegistrantEvent, Partial<SendRegisterAction>][] = [
      [() => reply(record, 401), { purpose: 'challenge', credentials: true }],
      [
        () => reply(record, 423, { minExpires: 7200 }),
        { purpose: 'interval', credentials: false, expires: 7200 },
      ],
      [() => reply(record, 407), { purpose: 'challenge', credentials: true }],
      [
        () => reply(record, 302, { redirectUri: 'sip:edge.example.com' }),
        { purpose: 'redirect', credentials: false },
      ],
    ];
    let cseq = 1;
    let t = NOW;
    for (const [makeEvent, expected] of steps) {
      t += 100;
      const sent = onlySend(drive(record, makeEvent(), t).actions);
      cseq++;
      expect(sent).toMatchObject({ ...expected, newDialog: false, cseq });
      expect(record.callId).toBe(callId);
      expect(record.fromTag).toBe(fromTag);
    }
    t += 100;
    drive(record, ok(record), t);
    expect(record.state).toBe(S.REGISTERED);

    const refresh = onlySend(drive(record, { type: 'tick' }, record.deadline).actions);
    expect(refresh).toMatchObject({ purpose: 'refresh', newDialog: false, cseq: ++cseq, expires: 7200 });
    drive(record, ok(record), record.lastRegisterSentAt + 50);
    const unregister = onlySend(drive(record, { type: 'disable' }, record.lastRegisterSentAt + 100).actions);
    expect(unregister).toMatchObject({ type: 'sendUnregister', newDialog: false, cseq: ++cseq });
    expect(record.callId).toBe(callId);
    expect(record.fromTag).toBe(fromTag);
  });

  it('REG-06 starts a new dialog (new Call-ID, CSeq 1) when retrying after a failure, as OpenSIPS does', () => {
    const record = registeredRecord();
    const callId = record.callId;
    drive(record, { type: 'tick' }, record.deadline);
    drive(record, { type: 'timeout', token: record.inFlight }, record.lastRegisterSentAt + 32_000);
    expect(record.state).toBe(S.REGISTER_TIMEOUT);
    expect(record.flags & RecordFlag.NEW_DIALOG).not.toBe(0);
    const retry = onlySend(drive(record, { type: 'tick' }, record.deadline).actions);
    expect(retry).toMatchObject({ purpose: 'retry', newDialog: true, cseq: 1 });
    expect(record.callId).not.toBe(callId);
  });

  it('REG-09 a dialog whose CSeq reached 2^31 − 1 starts anew instead of wrapping', () => {
    const record = recordIn(S.REGISTERED, { cseq: 2 ** 31 - 1, deadline: NOW });
    const sent = onlySend(drive(record, { type: 'tick' }, NOW).actions);
    expect(sent).toMatchObject({ newDialog: true, cseq: 1 });
  });

  it('REG-08 the CSeq of every request is already stored on the record, and the token is fresh', () => {
    const record = recordIn(S.REGISTERED, { deadline: NOW });
    const sent = onlySend(drive(record, { type: 'tick' }, NOW).actions);
    expect(record.cseq).toBe(sent.cseq);
    expect(record.inFlight).toBe(sent.token);
    expect(sent.token).toBe(6);
    expect(record.lastRegisterSentAt).toBe(NOW);
  });
});

describe('never two requests in flight (REG-10)', () => {
  it('REG-10 disable during REGISTERING waits for the final reply, then un-REGISTERs the fresh binding', () => {
    const record = recordIn(S.NOT_REGISTERED);
    drive(record, { type: 'tick' }, NOW);
    const disabled = drive(record, { type: 'disable' }, NOW + 1);
    expect(sends(disabled.actions)).toEqual([]);
    expect(record.state).toBe(S.REGISTERING);
    const final = drive(record, ok(record), NOW + 50);
    expect(onlySend(final.actions)).toMatchObject({ type: 'sendUnregister', newDialog: false, cseq: 2 });
    expect(stateChange(final.actions)).toMatchObject({ from: S.REGISTERING, to: S.UNREGISTERING });
    const done = drive(record, reply(record, 200, { bindingFound: false }), NOW + 80);
    expect(record.state).toBe(S.NOT_REGISTERED);
    expect(record.deadline).toBe(NO_DEADLINE);
    expect(sends(done.actions)).toEqual([]);
  });

  it('REG-10 disable during REGISTERING followed by a failure ends NOT_REGISTERED without sending', () => {
    const record = recordIn(S.NOT_REGISTERED);
    drive(record, { type: 'tick' }, NOW);
    drive(record, { type: 'disable' }, NOW + 1);
    const final = drive(record, reply(record, 403), NOW + 50);
    expect(sends(final.actions)).toEqual([]);
    expect(record.state).toBe(S.NOT_REGISTERED);
    expect(record.deadline).toBe(NO_DEADLINE);
  });

  it('REG-10 disable during a failing refresh still un-REGISTERs the binding that may live on', () => {
    const record = registeredRecord();
    drive(record, { type: 'tick' }, record.deadline);
    drive(record, { type: 'disable' }, record.lastRegisterSentAt + 5);
    const final = drive(record, reply(record, 500), record.lastRegisterSentAt + 10);
    expect(onlySend(final.actions).type).toBe('sendUnregister');
    expect(record.state).toBe(S.UNREGISTERING);
  });

  it('REG-10 enable during UNREGISTERING registers again in a new dialog after the un-REGISTER completes', () => {
    const record = registeredRecord();
    drive(record, { type: 'disable' }, NOW + 100);
    expect(record.state).toBe(S.UNREGISTERING);
    expect(sends(drive(record, { type: 'enable' }, NOW + 101).actions)).toEqual([]);
    const final = drive(record, reply(record, 200), NOW + 150);
    expect(onlySend(final.actions)).toMatchObject({ type: 'sendRegister', newDialog: true, cseq: 1 });
    expect(record.state).toBe(S.REGISTERING);
  });

  it('REG-10 delete during AUTHENTICATING: un-REGISTER after the 200, then remove', () => {
    const record = recordIn(S.NOT_REGISTERED);
    drive(record, { type: 'tick' }, NOW);
    drive(record, reply(record, 401), NOW + 10);
    expect(sends(drive(record, { type: 'delete' }, NOW + 11).actions)).toEqual([]);
    const registered = drive(record, ok(record), NOW + 20);
    expect(onlySend(registered.actions).type).toBe('sendUnregister');
    const removed = drive(record, reply(record, 200), NOW + 30);
    expect(actionTypes(removed.actions)).toContain('remove');
  });

  it('REG-10 forceRegister while a request is in flight sends nothing more', () => {
    const record = recordIn(S.REGISTERING);
    const result = drive(record, { type: 'forceRegister' }, NOW);
    expect(result.actions).toEqual([]);
  });

  it('stop: un-REGISTERs, reports stopped, ticks do nothing until start, then the record is due again', () => {
    const record = registeredRecord();
    onlySend(drive(record, { type: 'stop' }, NOW + 100).actions);
    const stopped = drive(record, reply(record, 200), NOW + 120);
    expect(actionTypes(stopped.actions)).toContain('stopped');
    expect(record.enabled).toBe(true);
    expect(drive(record, { type: 'tick' }, NOW + 10_000_000).actions).toEqual([]);
    drive(record, { type: 'start' }, NOW + 10_000_001);
    expect(record.deadline).toBe(NOW + 10_000_001);
    const again = onlySend(drive(record, { type: 'tick' }, NOW + 10_000_002).actions);
    expect(again).toMatchObject({ type: 'sendRegister', newDialog: true });
  });

  it('delete of a stopped record removes it without sending anything', () => {
    const record = recordIn(S.NOT_REGISTERED);
    drive(record, { type: 'stop' }, NOW);
    const result = drive(record, { type: 'delete' }, NOW + 1);
    expect(actionTypes(result.actions)).toEqual(['remove']);
  });

  it('REG-10 under any sequence of events, a request is only sent when none is outstanding or as the follow-up of its final outcome (property)', () => {
    const eventArb = fc.oneof(
      fc.constant({ kind: 'tick' as const }),
      fc.constantFrom(200, 200, 401, 407, 423, 302, 403, 408, 500, 503, 603, 180).map((status) => ({
        kind: 'response' as const,
        status,
      })),
      fc.constant({ kind: 'timeout' as const }),
      fc.constant({ kind: 'localFailure' as const }),
      fc.constant({ kind: 'stale' as const }),
      fc.constantFrom('enable', 'disable', 'forceRegister', 'delete', 'stop', 'start').map((verb) => ({
        kind: 'verb' as const,
        verb,
      })),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(eventArb, fc.integer({ min: 0, max: 4_000_000 }), fc.boolean(), fc.boolean()), {
          maxLength: 60,
        }),
        (steps) => {
          const record = recordIn(S.NOT_REGISTERED);
          const policy = policyOf();
          let now = NOW;
          for (const [step, dt, stale, found] of steps) {
            now += dt;
            const before = record.inFlight;
            let event: RegistrantEvent;
            let finalOutcome = false;
            switch (step.kind) {
              case 'tick':
                event = { type: 'tick' };
                finalOutcome = before !== 0 && record.deadline <= now;
                break;
              case 'response':
                event = {
                  type: 'response',
                  token: record.inFlight,
                  status: step.status,
                  reason: 'x',
                  bindingFound: found,
                  bindingExpires: found ? 3600 : undefined,
                  stale,
                  minExpires: 7200,
                  redirectUri: 'sip:other.example.com',
                };
                finalOutcome = before !== 0 && step.status >= 200;
                break;
              case 'timeout':
                event = { type: 'timeout', token: record.inFlight };
                finalOutcome = before !== 0;
                break;
              case 'localFailure':
                event = { type: 'localFailure', token: record.inFlight, reason: 'x' };
                finalOutcome = before !== 0;
                break;
              case 'stale':
                event = { type: 'response', token: record.inFlight + 1000, status: 200, reason: 'x' };
                break;
              case 'verb':
                event = { type: step.verb } as RegistrantEvent;
                break;
            }
            const result = drive(record, event, now, policy, () => 0.5);
            const sent = sends(result.actions);
            expect(sent.length).toBeLessThanOrEqual(1);
            if (sent.length === 1) {
              expect(before === 0 || finalOutcome).toBe(true);
              expect(record.inFlight).toBe(sent[0]!.token);
              expect(sent[0]!.token).toBeGreaterThan(before);
            }
            if (step.kind === 'stale') expect(result.ignored).toBe(true);
            // The in-flight marker and the state always agree.
            const inFlightState = [1, 2, 8, 9].includes(record.state);
            expect(record.inFlight !== 0).toBe(inFlightState);
            expect(Number.isNaN(record.deadline)).toBe(false);
            if (result.actions.some((a) => a.type === 'remove')) break;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('reading the 2xx (EXP-03..08, SEC-10, SEC-11)', () => {
  it('EXP-03 EXP-08 a shrunk grant is honoured for timing but never fed back as the requested expiry', () => {
    const record = recordIn(S.NOT_REGISTERED);
    let t = NOW;
    for (let i = 0; i < 20; i++) {
      const sent = onlySend(
        drive(record, { type: 'tick' }, Math.max(t, record.deadline)).actions,
      ) as SendRegisterAction;
      expect(sent.expires).toBe(3600);
      const granted = sent.expires - 1 - i * 100;
      const result = drive(record, ok(record, granted), record.lastRegisterSentAt + 30);
      expect(record.grantedExpires).toBe(granted);
      expect(stateChange(result.actions)).toMatchObject({ to: S.REGISTERED, expires: granted, code: 200 });
      t = record.deadline;
    }
  });

  it('EXP-05 takes the Contact expires first, then the Expires header, then the requested value with a warning', () => {
    const a = recordIn(S.REGISTERING);
    drive(a, reply(a, 200, { bindingFound: true, bindingExpires: 600, expiresHeader: 900 }), NOW);
    expect(a.grantedExpires).toBe(600);
    const b = recordIn(S.REGISTERING);
    drive(b, reply(b, 200, { bindingFound: true, expiresHeader: 900 }), NOW);
    expect(b.grantedExpires).toBe(900);
    const c = recordIn(S.REGISTERING);
    const result = drive(c, reply(c, 200, { bindingFound: true }), NOW);
    expect(c.grantedExpires).toBe(3600);
    expect(warnings(result.actions)).toEqual(['GRANT_MISSING']);
  });

  it('EXP-04 EXP-06 SEC-11 a 2xx without our binding is not REGISTERED even with an Expires header; retried with back-off', () => {
    const record = recordIn(S.REGISTERING);
    const result = drive(record, reply(record, 200, { bindingFound: false, expiresHeader: 3600 }), NOW);
    expect(record.state).toBe(S.NOT_REGISTERED);
    expect(warnings(result.actions)).toEqual(['BINDING_NOT_INSTALLED']);
    expect(record.failureCount).toBe(1);
    const bounds = failureDelayBounds(policyOf(), { failureCount: 1, severity: 'transient' });
    expect(record.deadline - NOW).toBeGreaterThanOrEqual(bounds.minMs);
    expect(record.deadline - NOW).toBeLessThanOrEqual(bounds.maxMs);
    expect(stateChange(result.actions)).toMatchObject({
      from: 1,
      to: 0,
      code: 200,
      nextAttemptAt: record.deadline,
    });
    expect(drive(record, { type: 'tick' }, NOW + 1000).actions).toEqual([]);
    expect(onlySend(drive(record, { type: 'tick' }, record.deadline).actions)).toMatchObject({
      purpose: 'retry',
      newDialog: true,
    });
  });

  it('EXP-06 SEC-11 expires=0 on our binding means not installed, never REGISTERED, and no tight loop', () => {
    const record = recordIn(S.REGISTERING);
    drive(record, reply(record, 200, { bindingFound: true, bindingExpires: 0, expiresHeader: 3600 }), NOW);
    expect(record.state).toBe(S.NOT_REGISTERED);
    expect(record.deadline - NOW).toBeGreaterThanOrEqual(30_000);
  });

  it('EXP-07 schedules the refresh from the send time within the policy window', () => {
    const record = recordIn(S.REGISTERING, { lastRegisterSentAt: NOW - 5_000 });
    drive(record, ok(record, 3600), NOW, policyOf(), () => 0.25);
    const bounds = refreshDelayBounds(policyOf(), 3600);
    const delay = record.deadline - (NOW - 5_000);
    expect(delay).toBeGreaterThanOrEqual(bounds.minMs);
    expect(delay).toBeLessThanOrEqual(bounds.maxMs);
    expect(delay).toBe(3_150_000); // 0.9 − 0.1 · 0.25 = 87.5 % of 3600 s
    expect(record.bindingExpiresAt).toBe(NOW - 5_000 + 3_600_000);
  });

  it('SEC-13 records registered together refresh at different times (jitter)', () => {
    const a = recordIn(S.REGISTERING);
    const b = recordIn(S.REGISTERING);
    drive(a, ok(a), NOW, policyOf(), () => 0.1);
    drive(b, ok(b), NOW, policyOf(), () => 0.9);
    expect(Math.abs(a.deadline - b.deadline)).toBeGreaterThan(250_000);
  });

  it('SEC-10 a grant shorter than a sweep is honoured, refreshed at the next visit, and warned about', () => {
    const record = recordIn(S.REGISTERING);
    const result = drive(record, ok(record, 60), NOW);
    expect(record.state).toBe(S.REGISTERED);
    expect(record.grantedExpires).toBe(60);
    expect(record.deadline).toBe(record.lastRegisterSentAt);
    expect(warnings(result.actions)).toEqual(['GRANT_TOO_SHORT']);
  });

  it('any 2xx counts as success, and a huge grant is clamped to 2^32 − 1', () => {
    const record = recordIn(S.REGISTERING);
    drive(record, reply(record, 202, { bindingFound: true, bindingExpires: 2 ** 40 }), NOW);
    expect(record.state).toBe(S.REGISTERED);
    expect(record.grantedExpires).toBe(2 ** 32 - 1);
  });

  it('SEC-12 the failure count resets on success', () => {
    const record = recordIn(S.REGISTERING, { failureCount: 4 });
    drive(record, ok(record), NOW);
    expect(record.failureCount).toBe(0);
  });
});

describe('un-REGISTER (EXP-10)', () => {
  it('EXP-10 disable of a REGISTERED record sends an un-REGISTER; a 2xx without our binding is success', () => {
    const record = registeredRecord();
    const sent = onlySend(drive(record, { type: 'disable' }, NOW + 1000).actions);
    expect(sent).toMatchObject({ type: 'sendUnregister', credentials: false, purpose: 'unregister' });
    expect(sent).not.toHaveProperty('expires');
    const done = drive(record, reply(record, 200, { bindingFound: false }), NOW + 1100);
    expect(stateChange(done.actions)).toMatchObject({
      from: S.UNREGISTERING,
      to: S.NOT_REGISTERED,
      code: 200,
    });
    expect(record.bindingExpiresAt).toBe(0);
    expect(record.grantedExpires).toBe(0);
  });

  it('EXP-10 a challenged un-REGISTER is answered with credentials (AUTHENTICATING_UNREGISTER)', () => {
    const record = registeredRecord();
    drive(record, { type: 'disable' }, NOW + 1000);
    const answer = onlySend(drive(record, reply(record, 407), NOW + 1010).actions);
    expect(answer).toMatchObject({ type: 'sendUnregister', credentials: true, purpose: 'challenge' });
    expect(record.state).toBe(S.AUTHENTICATING_UNREGISTER);
    drive(record, reply(record, 200), NOW + 1020);
    expect(record.state).toBe(S.NOT_REGISTERED);
  });

  it('a failed un-REGISTER settles in NOT_REGISTERED with a warning, not in a retry loop', () => {
    const record = registeredRecord();
    drive(record, { type: 'disable' }, NOW + 1000);
    const result = drive(record, { type: 'timeout', token: record.inFlight }, NOW + 33_000);
    expect(record.state).toBe(S.NOT_REGISTERED);
    expect(record.deadline).toBe(NO_DEADLINE);
    expect(warnings(result.actions)).toEqual(['UNREGISTER_FAILED']);
    expect(record.lastCode).toBe(408);
  });

  it('disable of a record whose refresh failed while its binding lives un-REGISTERs with the old Call-ID', () => {
    const record = registeredRecord();
    const callId = record.callId;
    drive(record, { type: 'tick' }, record.deadline);
    drive(record, reply(record, 500), record.lastRegisterSentAt + 10);
    expect(record.state).toBe(S.REGISTRAR_ERROR);
    const sent = onlySend(drive(record, { type: 'disable' }, record.lastRegisterSentAt + 20).actions);
    expect(sent).toMatchObject({ type: 'sendUnregister', newDialog: false });
    expect(record.callId).toBe(callId);
  });
});

describe('423 Interval Too Brief (EXP-15)', () => {
  it('EXP-15 retries once at once with Min-Expires in the same dialog, and keeps the learned value', () => {
    const record = recordIn(S.REGISTERING);
    const retry = onlySend(drive(record, reply(record, 423, { minExpires: 7200 }), NOW).actions);
    expect(retry).toMatchObject({
      type: 'sendRegister',
      expires: 7200,
      newDialog: false,
      cseq: 4,
      credentials: false,
    });
    expect(record.state).toBe(S.REGISTERING);
    expect(record.wantedExpires).toBe(7200);
    drive(record, ok(record, 7200), NOW + 10);
    const refresh = onlySend(drive(record, { type: 'tick' }, record.deadline).actions) as SendRegisterAction;
    expect(refresh.expires).toBe(7200);
  });

  it('EXP-15 a second 423 in the same attempt is REGISTRAR_ERROR with back-off, not a loop', () => {
    const record = recordIn(S.REGISTERING);
    drive(record, reply(record, 423, { minExpires: 7200 }), NOW);
    const second = drive(record, reply(record, 423, { minExpires: 9000 }), NOW + 10);
    expect(sends(second.actions)).toEqual([]);
    expect(record.state).toBe(S.REGISTRAR_ERROR);
    expect(record.deadline).toBeGreaterThanOrEqual(NOW + 10 + 30_000);
  });

  it.each([
    ['absent', undefined],
    ['not above the requested value', 3600],
    ['above maxMinExpires', 100_000],
    ['not an integer', 7200.5],
  ])('EXP-15 a 423 whose Min-Expires is %s is REGISTRAR_ERROR', (_label, minExpires) => {
    const record = recordIn(S.REGISTERING);
    drive(record, reply(record, 423, { minExpires }), NOW);
    expect(record.state).toBe(S.REGISTRAR_ERROR);
    expect(record.wantedExpires).toBe(3600);
  });

  it('EXP-15 a new attempt may answer a 423 again (the once-rule is per attempt)', () => {
    const record = recordIn(S.REGISTERING);
    drive(record, reply(record, 423, { minExpires: 7200 }), NOW);
    drive(record, reply(record, 500), NOW + 10);
    drive(record, { type: 'tick' }, record.deadline);
    drive(record, reply(record, 423, { minExpires: 9000 }), record.lastRegisterSentAt + 10);
    expect(record.state).toBe(S.REGISTERING);
    expect(record.wantedExpires).toBe(9000);
  });
});

describe('digest challenges (DIG-50..53)', () => {
  it('DIG-50 a stale=true challenge after our credentials is answered again with CSeq + 1, staying AUTHENTICATING', () => {
    const record = recordIn(S.AUTHENTICATING);
    const sent = onlySend(drive(record, reply(record, 401, { stale: true }), NOW).actions);
    expect(sent).toMatchObject({
      type: 'sendRegister',
      credentials: true,
      purpose: 'stale',
      cseq: 4,
      newDialog: false,
    });
    expect(record.state).toBe(S.AUTHENTICATING);
  });

  it('DIG-51 a challenge without stale after our credentials is WRONG_CREDENTIALS with the slow back-off', () => {
    const record = recordIn(S.AUTHENTICATING);
    const result = drive(record, reply(record, 401), NOW);
    expect(sends(result.actions)).toEqual([]);
    expect(record.state).toBe(S.WRONG_CREDENTIALS);
    expect(record.deadline - NOW).toBeGreaterThanOrEqual(300_000);
    expect(record.deadline - NOW).toBeLessThanOrEqual(600_000);
  });

  it('DIG-51 a challenge with no credentials configured is WRONG_CREDENTIALS at once', () => {
    const record = recordIn(S.REGISTERING, {}, makeConfig({ credentials: undefined }));
    drive(record, reply(record, 407), NOW);
    expect(record.state).toBe(S.WRONG_CREDENTIALS);
  });

  it('DIG-52 one silent re-answer when the nonce changed and these credentials worked before; a second is refused', () => {
    const record = registeredRecord();
    expect(record.flags & RecordFlag.AUTH_SUCCEEDED).not.toBe(0);
    drive(record, { type: 'tick' }, record.deadline);
    drive(record, reply(record, 401), record.lastRegisterSentAt + 10);
    const again = onlySend(
      drive(record, reply(record, 401, { nonceChanged: true }), record.lastRegisterSentAt + 10).actions,
    );
    expect(again).toMatchObject({ credentials: true, purpose: 'challenge' });
    drive(record, reply(record, 401, { nonceChanged: true }), record.lastRegisterSentAt + 10);
    expect(record.state).toBe(S.WRONG_CREDENTIALS);
  });

  it('DIG-52 without a previous success a changed nonce is still WRONG_CREDENTIALS', () => {
    const record = recordIn(S.AUTHENTICATING);
    drive(record, reply(record, 401, { nonceChanged: true }), NOW);
    expect(record.state).toBe(S.WRONG_CREDENTIALS);
  });

  it('DIG-53 at most maxChallengeRounds challenges per attempt, stale ones included', () => {
    const record = recordIn(S.REGISTERING);
    drive(record, reply(record, 401), NOW);
    drive(record, reply(record, 401, { stale: true }), NOW + 1);
    drive(record, reply(record, 401, { stale: true }), NOW + 2);
    expect(record.state).toBe(S.AUTHENTICATING);
    expect(record.authRounds).toBe(3);
    const fourth = drive(record, reply(record, 401, { stale: true }), NOW + 3);
    expect(sends(fourth.actions)).toEqual([]);
    expect(record.state).toBe(S.WRONG_CREDENTIALS);
  });

  it('DIG-53 the cap is an option', () => {
    const policy = policyOf({ maxChallengeRounds: 1 });
    const record = recordIn(S.REGISTERING);
    drive(record, reply(record, 401), NOW, policy);
    drive(record, reply(record, 401, { stale: true }), NOW + 1, policy);
    expect(record.state).toBe(S.WRONG_CREDENTIALS);
  });
});

describe('other replies and local outcomes (RSP-01, RSP-06, RSP-10..12, SEC-15)', () => {
  it('RSP-01 a transaction timeout is a 408: REGISTER_TIMEOUT, pin dropped, back-off (EXP-16)', () => {
    const record = recordIn(S.REGISTERING, { pinned: 'udp:192.0.2.1:5060' });
    const result = drive(record, { type: 'timeout', token: record.inFlight }, NOW);
    expect(record.state).toBe(S.REGISTER_TIMEOUT);
    expect(record.lastCode).toBe(408);
    expect(record.pinned).toBeUndefined();
    expect(stateChange(result.actions)).toMatchObject({ code: 408, reason: 'Request Timeout' });
    expect(record.deadline - NOW).toBeGreaterThanOrEqual(30_000);
  });

  it('a local failure is INTERNAL_ERROR with its reason, pin dropped', () => {
    const record = recordIn(S.AUTHENTICATING, { pinned: 'udp:192.0.2.1:5060' });
    const result = drive(
      record,
      { type: 'localFailure', token: record.inFlight, reason: 'no matching socket' },
      NOW,
    );
    expect(record.state).toBe(S.INTERNAL_ERROR);
    expect(record.lastReason).toBe('no matching socket');
    expect(record.pinned).toBeUndefined();
    expect(stateChange(result.actions)).toMatchObject({ code: 0, reason: 'no matching socket' });
  });

  it('a real reply keeps the pinned destination', () => {
    const record = recordIn(S.REGISTERING, { pinned: 'udp:192.0.2.1:5060' });
    drive(record, reply(record, 500), NOW);
    expect(record.pinned).toBe('udp:192.0.2.1:5060');
  });

  it('RSP-06 follows a 3xx once towards its first Contact, without credentials, same dialog', () => {
    const record = recordIn(S.AUTHENTICATING);
    const sent = onlySend(
      drive(record, reply(record, 302, { redirectUri: 'sip:edge.example.com:5080' }), NOW).actions,
    );
    expect(sent).toMatchObject({
      requestUri: 'sip:edge.example.com:5080',
      credentials: false,
      purpose: 'redirect',
      newDialog: false,
    });
    const second = drive(record, reply(record, 301, { redirectUri: 'sip:third.example.com' }), NOW + 1);
    expect(warnings(second.actions)).toEqual(['REDIRECT_REFUSED']);
    expect(record.state).toBe(S.REGISTRAR_ERROR);
    const retry = onlySend(drive(record, { type: 'tick' }, record.deadline).actions);
    expect(retry.requestUri).toBe('sip:registrar.example.com');
  });

  it('RSP-06 the redirect target is kept for refreshes after success', () => {
    const record = recordIn(S.REGISTERING);
    drive(record, reply(record, 302, { redirectUri: 'sip:edge.example.com' }), NOW);
    drive(record, ok(record), NOW + 10);
    expect(onlySend(drive(record, { type: 'tick' }, record.deadline).actions).requestUri).toBe(
      'sip:edge.example.com',
    );
  });

  it('RSP-06 a 3xx without Contact, or from SIPS to SIP, is REGISTRAR_ERROR', () => {
    const a = recordIn(S.REGISTERING);
    drive(a, reply(a, 302), NOW);
    expect(a.state).toBe(S.REGISTRAR_ERROR);
    const b = recordIn(S.REGISTERING, {}, makeConfig({ registrar: 'sips:registrar.example.com' }));
    const result = drive(b, reply(b, 302, { redirectUri: 'sip:plain.example.com' }), NOW);
    expect(b.state).toBe(S.REGISTRAR_ERROR);
    expect(warnings(result.actions)).toEqual(['REDIRECT_REFUSED']);
    const c = recordIn(S.REGISTERING, {}, makeConfig({ registrar: 'sips:registrar.example.com' }));
    drive(c, reply(c, 302, { redirectUri: 'SIPS:secure.example.com' }), NOW);
    expect(c.state).toBe(S.REGISTERING);
  });

  it('RSP-10 503 with Retry-After sends nothing before it', () => {
    const record = recordIn(S.REGISTERING);
    drive(record, reply(record, 503, { retryAfter: 900 }), NOW, policyOf(), () => 1);
    expect(record.state).toBe(S.REGISTRAR_ERROR);
    expect(record.deadline).toBe(NOW + 900_000);
    expect(drive(record, { type: 'tick' }, NOW + 899_999).actions).toEqual([]);
  });

  it('RSP-11 Retry-After on other errors (500, 404, 486) is a floor too', () => {
    for (const status of [500, 404, 486]) {
      const record = recordIn(S.REGISTERING);
      drive(record, reply(record, status, { retryAfter: 7200 }), NOW, policyOf(), () => 0);
      expect(record.deadline).toBe(NOW + 7_200_000);
    }
  });

  it('RSP-12 403 is REGISTRAR_ERROR with the slow back-off, never an immediate retry', () => {
    const record = recordIn(S.AUTHENTICATING);
    drive(record, reply(record, 403), NOW, policyOf(), () => 0);
    expect(record.state).toBe(S.REGISTRAR_ERROR);
    expect(record.deadline).toBe(NOW + 300_000);
  });

  it('RSP-03 an unknown final code is handled by its class (499 → REGISTRAR_ERROR, 299 → success)', () => {
    const a = recordIn(S.REGISTERING);
    drive(a, reply(a, 499), NOW);
    expect(a.state).toBe(S.REGISTRAR_ERROR);
    const b = recordIn(S.REGISTERING);
    drive(b, reply(b, 299, { bindingFound: true, bindingExpires: 100 }), NOW);
    expect(b.state).toBe(S.REGISTERED);
  });

  it('a status outside 100..699 is a local failure', () => {
    const record = recordIn(S.REGISTERING);
    drive(record, reply(record, 700), NOW);
    expect(record.state).toBe(S.INTERNAL_ERROR);
  });

  it('SEC-15 a reply for an abandoned request is ignored after the watchdog gave it up', () => {
    const record = recordIn(S.REGISTERING);
    const token = record.inFlight;
    const watchdog = drive(record, { type: 'tick' }, record.deadline);
    expect(watchdog.actions).toContainEqual({ type: 'abandonTransaction', token });
    expect(warnings(watchdog.actions)).toEqual(['WATCHDOG']);
    expect(record.state).toBe(S.REGISTER_TIMEOUT);
    const late = transition(
      record,
      { type: 'response', token, status: 200, reason: 'OK', bindingFound: true },
      NOW,
      policyOf(),
      () => 0,
    );
    expect(late.ignored).toBe(true);
  });

  it('SEC-15 a reply carrying an older token is ignored even while another request is in flight', () => {
    const record = recordIn(S.REGISTERING);
    drive(record, reply(record, 401), NOW);
    const old = transition(
      record,
      { type: 'response', token: 5, status: 401, reason: 'x' },
      NOW,
      policyOf(),
      () => 0,
    );
    expect(old.ignored).toBe(true);
  });

  it('the watchdog of an un-REGISTER settles the record', () => {
    const record = recordIn(S.UNREGISTERING);
    drive(record, { type: 'tick' }, record.deadline);
    expect(record.state).toBe(S.NOT_REGISTERED);
  });
});

describe('rate cap deferral (SEC-13)', () => {
  it('SEC-13 a due record with no token keeps its place and reports deferred', () => {
    const record = recordIn(S.REGISTERED, { deadline: NOW - 5 });
    const result = transition(record, { type: 'tick', sendAllowed: false }, NOW, policyOf(), () => 0);
    expect(result.actions).toEqual([{ type: 'deferred' }]);
    expect(result.next).toEqual({});
  });

  it('SEC-13 enabling with no token makes the record due without sending', () => {
    const record = recordIn(S.NOT_REGISTERED, { enabled: false, deadline: NO_DEADLINE });
    const result = drive(record, { type: 'enable', sendAllowed: false }, NOW);
    expect(actionTypes(result.actions)).toEqual(['deferred']);
    expect(record.deadline).toBe(NOW);
    expect(record.enabled).toBe(true);
  });

  it('SEC-13 follow-ups inside an attempt are never held back', () => {
    const record = recordIn(S.REGISTERING);
    const result = drive(record, { ...reply(record, 401), sendAllowed: false }, NOW);
    expect(onlySend(result.actions)).toMatchObject({ credentials: true, startsAttempt: false });
  });

  it('startsAttempt marks exactly the first request of an attempt', () => {
    const record = recordIn(S.NOT_REGISTERED);
    expect(onlySend(drive(record, { type: 'tick' }, NOW).actions).startsAttempt).toBe(true);
    expect(onlySend(drive(record, reply(record, 401), NOW).actions).startsAttempt).toBe(false);
  });
});

describe('stateChange payload', () => {
  it('carries from, to, code, reason, granted expiry and next attempt time', () => {
    const record = recordIn(S.AUTHENTICATING);
    const result = drive(record, ok(record, 1800), NOW, policyOf(), () => 0);
    expect(result.actions[0]).toEqual({
      type: 'stateChange',
      from: S.AUTHENTICATING,
      to: S.REGISTERED,
      code: 200,
      reason: 'OK',
      expires: 1800,
      nextAttemptAt: record.deadline,
    });
    const sending = drive(record, { type: 'tick' }, record.deadline);
    expect(sending.actions[0]).toMatchObject({
      type: 'stateChange',
      to: S.REGISTERING,
      code: 0,
      nextAttemptAt: undefined,
    });
  });

  it('no event when the state does not change (stale re-challenge)', () => {
    const record = recordIn(S.AUTHENTICATING);
    const result = drive(record, reply(record, 401, { stale: true }), NOW);
    expect(stateChange(result.actions)).toBeUndefined();
  });

  it('never puts a password anywhere in actions', () => {
    const record = recordIn(S.REGISTERING);
    const all: RegistrantAction[] = [];
    for (const event of [reply(record, 401)] as RegistrantEvent[])
      all.push(...drive(record, event, NOW).actions);
    all.push(...drive(record, reply(record, 401), NOW).actions);
    expect(JSON.stringify(all)).not.toContain('secret-pw');
    expect(JSON.stringify(record)).not.toContain('secret-pw');
  });
});

describe('the transition result itself', () => {
  it('REG-08 next lists exactly the changed fields, in declaration order, with their new values', () => {
    const record = recordIn(S.NOT_REGISTERED, { deadline: NOW });
    const tick = transition(record, { type: 'tick' }, NOW, policyOf(), () => 0.5);
    // callId, fromTag, flags and authRounds are written but keep their values: not listed.
    expect(Object.keys(tick.next)).toEqual([
      'state',
      'cseq',
      'deadline',
      'lastRegisterSentAt',
      'inFlight',
      'generation',
    ]);
    expect(tick.next).toEqual({
      state: S.REGISTERING,
      cseq: 1,
      deadline: NOW + policyOf().watchdogMs,
      lastRegisterSentAt: NOW,
      inFlight: 1,
      generation: 1,
    });
  });

  it('actions without fields compare equal to their plain form; the record is never modified', () => {
    const record = recordIn(S.NOT_REGISTERED, { deadline: NOW });
    const snapshot = { ...record };
    const deferred = transition(record, { type: 'tick', sendAllowed: false }, NOW, policyOf(), () => 0.5);
    expect(deferred.actions).toEqual([{ type: 'deferred' }]);
    expect({ ...record }).toEqual(snapshot);
  });
});
