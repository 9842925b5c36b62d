/**
 * The management verbs of the RegistrantManager (issue 5 §1–2) in every state a record can be in:
 * get/find/list, enable, disable, forceRegister, delete, upsert and reload, their not-found errors,
 * the E_REGISTRANT_* / membership events, and listeners that throw. FakeClock + registrar double.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RegistrantConfigError, RegistrantNotFoundError, SipInvalidArgumentError } from '../../src/errors.js';
import type { RegistrantStateEvent } from '../../src/registrant/manager-events.js';
import { STATE_EVENT_NAMES } from '../../src/registrant/manager-events.js';
import {
  isInFlightState,
  RegistrantState,
  type RegistrantStateName,
} from '../../src/registrant/registrant-state.js';
import {
  account,
  advance,
  advanceUntil,
  makeRig,
  type Rig,
  requestsFor,
  spin,
  until,
  WALL0,
} from './manager-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** The double's accounts: a Map the tests may change (a password rotated on the registrar side). */
function users(): Map<string, string> {
  return new Map(['alice', 'bob', 'carol', 'dave', 'erin'].map((u) => [u, `pw-${u}`]));
}

async function authRig(): Promise<Rig & { users: Map<string, string> }> {
  const accounts = users();
  const made = await makeRig({}, { realm: 'example.com', users: accounts });
  return Object.assign(made, { users: accounts });
}

function cfg(r: Rig, user: string, extra: Record<string, unknown> = {}) {
  return account(r, user, { username: user, password: `pw-${user}`, ...extra });
}

function thrown(fn: () => unknown): Error & Record<string, unknown> {
  try {
    fn();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a throw');
}

function header(request: { headers: { get(name: string): string | undefined } }, name: string): string {
  return request.headers.get(name) ?? '';
}

const isUnregister = (contacts: readonly string[]): boolean => contacts.some((c) => /;expires=0\b/.test(c));

/** States a test can put a record in, and how. */
type Setup =
  | 'NOT_REGISTERED'
  | 'disabled'
  | 'REGISTERING'
  | 'AUTHENTICATING'
  | 'REGISTERED'
  | 'REGISTRAR_ERROR'
  | 'WRONG_CREDENTIALS'
  | 'UNREGISTERING'
  | 'AUTHENTICATING_UNREGISTER';

/** Hold the double's answer this long (fake ms): the record stays in flight until time moves. */
const HOLD = 5_000;

/**
 * A started manager with `user` in `setup` (and nothing in flight for anyone else). In-flight setups
 * leave the double holding the answer until {@link release}.
 */
async function reach(r: Rig, user: string, setup: Setup): Promise<string> {
  const registers = () => r.registrar.stats().registers;
  if (setup === 'NOT_REGISTERED') {
    // Enabled, never sent: the manager is not started yet.
    return r.manager.add(cfg(r, user));
  }
  if (setup === 'disabled') {
    const key = r.manager.add(cfg(r, user, { enabled: false }));
    r.manager.start();
    await advance(r, 1_000);
    return key;
  }
  if (setup === 'REGISTERING' || setup === 'AUTHENTICATING') {
    const credentials = setup === 'REGISTERING' ? 'missing' : 'valid';
    r.registrar.script({ type: 'process', delayMs: HOLD }, { user, credentials, times: 1 });
    const key = r.manager.add(cfg(r, user));
    r.manager.start();
    const want = RegistrantState[setup];
    r.clock.advance(0);
    await until(setup, () => r.manager.get(key).state === want && r.registrar.stats().registers >= 1);
    // Wait for the held request itself to reach the double.
    const before = setup === 'REGISTERING' ? 1 : 2;
    await until('the held request', () => registers() >= before);
    return key;
  }
  if (setup === 'WRONG_CREDENTIALS') {
    const key = r.manager.add(cfg(r, user, { password: 'wrong' }));
    r.manager.start();
    await advance(r, 1_000);
    expect(r.manager.get(key).stateName).toBe('WRONG_CREDENTIALS');
    return key;
  }
  if (setup === 'REGISTRAR_ERROR') {
    r.registrar.script({ type: 'respond', status: 503 }, { user, times: 1 });
    const key = r.manager.add(cfg(r, user));
    r.manager.start();
    await advance(r, 1_000);
    expect(r.manager.get(key).stateName).toBe('REGISTRAR_ERROR');
    return key;
  }
  const key = r.manager.add(cfg(r, user));
  r.manager.start();
  await advance(r, 1_000);
  expect(r.manager.get(key).stateName).toBe('REGISTERED');
  if (setup === 'REGISTERED') return key;
  const credentials = setup === 'UNREGISTERING' ? 'missing' : 'valid';
  r.registrar.script(
    { type: 'process', delayMs: HOLD },
    { user, credentials, when: (req) => isUnregister(req.contacts), times: 1 },
  );
  const before = registers();
  r.manager.disable(key);
  const want = RegistrantState[setup];
  await until(setup, () => r.manager.get(key).state === want);
  await until('the held un-REGISTER', () => registers() >= before + (setup === 'UNREGISTERING' ? 1 : 2));
  return key;
}

/** Let held answers come (move fake time in small steps) and everything settle. */
async function release(r: Rig): Promise<void> {
  await advanceUntil(r, 'no request in flight', () => r.inFlight.size === 0, HOLD * 4, 250);
  await advance(r, 1_000);
}

function stateOf(r: Rig, key: string): RegistrantStateName {
  return r.manager.get(key).stateName;
}

describe('not found (every verb)', () => {
  it('every verb on an unknown key throws RegistrantNotFoundError naming the key and its identity', async () => {
    rig = await authRig();
    const r = rig;
    const key = JSON.stringify(['sip:nobody@example.com', 'sip:nobody@127.0.0.1', r.registrarUri]);
    const verbs: [string, () => unknown][] = [
      ['get', () => r.manager.get(key)],
      ['enable', () => r.manager.enable(key)],
      ['disable', () => r.manager.disable(key)],
      ['forceRegister', () => r.manager.forceRegister(key)],
      ['delete', () => r.manager.delete(key)],
    ];
    for (const [name, call] of verbs) {
      const error = thrown(call);
      expect(error, name).toBeInstanceOf(RegistrantNotFoundError);
      expect(error.code).toBe('ERR_REGISTRANT_NOT_FOUND');
      expect(error.key).toBe(key);
      expect(error.message).toContain('aor="sip:nobody@example.com"');
      expect(error.message).toContain('contact="sip:nobody@127.0.0.1"');
      expect(error.message).toContain(`registrar="${r.registrarUri}"`);
    }
    expect(thrown(() => r.manager.get('not a key')).message).toContain('"not a key"');
    expect(r.manager.find('sip:nobody@example.com', 'sip:nobody@127.0.0.1', r.registrarUri)).toBeUndefined();
    expect(thrown(() => r.manager.find(1 as never, '', ''))).toBeInstanceOf(SipInvalidArgumentError);
    expect(r.registrar.stats().registers).toBe(0);
  });
});

describe('get / find / list(filter)', () => {
  it('find() by identity, list() filtered by aor, state (number or name), enabled and registrar', async () => {
    rig = await authRig();
    const r = rig;
    const alice = r.manager.add(cfg(r, 'alice'));
    const bob = r.manager.add(cfg(r, 'bob', { enabled: false }));
    r.registrar.script({ type: 'respond', status: 503 }, { user: 'carol', times: 1 });
    const carol = r.manager.add(cfg(r, 'carol'));
    r.manager.start();
    await advance(r, 1_000);
    const a = cfg(r, 'alice');
    expect(r.manager.find(a.aor, a.contact, a.registrar)?.key).toBe(alice);
    const keys = (infos: { key: string }[]) => infos.map((i) => i.key).sort();
    expect(keys(r.manager.list())).toEqual([alice, bob, carol].sort());
    expect(keys(r.manager.list({ aor: 'sip:bob@example.com' }))).toEqual([bob]);
    expect(keys(r.manager.list({ state: 'REGISTERED' }))).toEqual([alice]);
    expect(keys(r.manager.list({ state: RegistrantState.REGISTRAR_ERROR }))).toEqual([carol]);
    expect(keys(r.manager.list({ state: 'not_registered_state' as never }))).toEqual([bob]);
    expect(keys(r.manager.list({ enabled: false }))).toEqual([bob]);
    expect(keys(r.manager.list({ enabled: true, state: 'REGISTERED' }))).toEqual([alice]);
    expect(keys(r.manager.list({ registrar: r.registrarUri }))).toHaveLength(3);
    expect(r.manager.list({ registrar: 'sip:other.example.com' })).toEqual([]);
    expect(thrown(() => r.manager.list({ state: 'BOGUS' as never })).message).toContain('"state"');
    expect(thrown(() => r.manager.list({ enabled: 'yes' as never })).message).toContain('"enabled"');
    expect(thrown(() => r.manager.list({ colour: 'red' } as never))).toBeInstanceOf(SipInvalidArgumentError);
  });
});

describe('forceRegister in every state', () => {
  const cases: [Setup, 'sent' | 'in-flight' | 'disabled' | 'scheduled'][] = [
    ['NOT_REGISTERED', 'sent'],
    ['disabled', 'disabled'],
    ['REGISTERING', 'in-flight'],
    ['AUTHENTICATING', 'in-flight'],
    ['REGISTERED', 'sent'],
    ['REGISTRAR_ERROR', 'sent'],
    ['WRONG_CREDENTIALS', 'sent'],
    ['UNREGISTERING', 'disabled'],
    ['AUTHENTICATING_UNREGISTER', 'disabled'],
  ];
  for (const [setup, result] of cases)
    it(`REG-10 ${setup}: ${result}`, async () => {
      rig = await authRig();
      const r = rig;
      const key = await reach(r, 'alice', setup);
      const sent = r.manager.stats().registersSent + r.manager.stats().unregistersSent;
      const before = r.manager.get(key);
      expect(r.manager.forceRegister(key)).toEqual({ result });
      const after = r.manager.stats().registersSent + r.manager.stats().unregistersSent;
      expect(after - sent).toBe(result === 'sent' ? 1 : 0);
      if (result === 'sent') expect(stateOf(r, key)).toBe('REGISTERING');
      await release(r);
      if (setup === 'REGISTERED') {
        // REG-06: a forced refresh stays in the dialog: same Call-ID, CSeq + 1.
        const sentRequests = requestsFor(r.registrar, 'alice').map((s) => s.request);
        const last = sentRequests.at(-1)!;
        expect(header(last, 'Call-ID')).toBe(before.callId);
        expect(stateOf(r, key)).toBe('REGISTERED');
      }
      if (setup === 'REGISTRAR_ERROR') expect(stateOf(r, key)).toBe('REGISTERED');
    });

  it('scheduled when the rate cap has no token; it goes when one comes', async () => {
    rig = await makeRig({ maxRegistersPerSecond: 1, registersBurst: 1 }, {});
    const r = rig;
    const a = r.manager.add(account(r, 'alice'));
    r.manager.start();
    await advance(r, 1_000);
    await advance(r, 1_000);
    expect(r.manager.forceRegister(a)).toEqual({ result: 'sent' });
    expect(r.manager.forceRegister(a)).toEqual({ result: 'in-flight' });
    await advance(r, 10);
    expect(r.manager.forceRegister(a)).toEqual({ result: 'scheduled' });
    expect(r.manager.stats().deferred).toBe(1);
    await advance(r, 2_000);
    expect(r.registrar.stats().registers).toBe(3);
  });
});

describe('disable and enable in every state', () => {
  const disableCases: [Setup, 'unregisters' | 'settles' | 'no-op'][] = [
    ['NOT_REGISTERED', 'settles'],
    ['disabled', 'no-op'],
    ['REGISTERING', 'unregisters'],
    ['AUTHENTICATING', 'unregisters'],
    ['REGISTERED', 'unregisters'],
    ['REGISTRAR_ERROR', 'settles'],
    ['WRONG_CREDENTIALS', 'settles'],
    ['UNREGISTERING', 'no-op'],
    ['AUTHENTICATING_UNREGISTER', 'no-op'],
  ];
  for (const [setup, outcome] of disableCases)
    it(`EXP-10 disable in ${setup}: ${outcome}`, async () => {
      rig = await authRig();
      const r = rig;
      const key = await reach(r, 'alice', setup);
      const unregistersBefore = r.manager.stats().unregistersSent;
      r.manager.disable(key);
      expect(r.manager.get(key).enabled).toBe(false);
      // Acted on at once when idle; held while a request is outstanding (never doubled, REG-10).
      const atOnce = r.manager.stats().unregistersSent - unregistersBefore;
      expect(atOnce).toBe(setup === 'REGISTERED' ? 1 : 0);
      await release(r);
      expect(stateOf(r, key)).toBe('NOT_REGISTERED');
      expect(r.registrar.bindings('sip:alice@example.com')).toEqual([]);
      const unregisters = r.manager.stats().unregistersSent - unregistersBefore;
      if (outcome === 'unregisters') expect(unregisters).toBeGreaterThanOrEqual(1);
      else if (outcome === 'settles') expect(unregisters).toBe(0);
      // Stays idle: sweeps pass, nothing more is sent.
      const total = r.registrar.stats().registers;
      await advance(r, 300_000);
      expect(r.registrar.stats().registers).toBe(total);
    });

  for (const setup of [
    'NOT_REGISTERED',
    'REGISTERING',
    'AUTHENTICATING',
    'REGISTRAR_ERROR',
    'WRONG_CREDENTIALS',
  ] as const)
    it(`enable in ${setup} (already enabled): nothing is sent, the state is kept`, async () => {
      rig = await authRig();
      const r = rig;
      const key = await reach(r, 'alice', setup);
      const before = r.manager.get(key);
      const sent = r.manager.stats().registersSent;
      r.manager.enable(key);
      expect(r.manager.stats().registersSent).toBe(sent);
      expect(r.manager.get(key)).toEqual(before);
    });

  const enableCases: Setup[] = ['disabled', 'UNREGISTERING', 'AUTHENTICATING_UNREGISTER', 'REGISTERED'];
  for (const setup of enableCases)
    it(`enable in ${setup}: ${setup === 'REGISTERED' ? 'no-op' : 'registers at once (after the un-REGISTER completes)'}`, async () => {
      rig = await authRig();
      const r = rig;
      const key = await reach(r, 'alice', setup);
      const before = r.manager.get(key);
      const sent = r.manager.stats().registersSent;
      r.manager.enable(key);
      if (setup === 'disabled') expect(r.manager.stats().registersSent).toBe(sent + 1);
      await release(r);
      expect(stateOf(r, key)).toBe('REGISTERED');
      expect(r.registrar.bindings('sip:alice@example.com')).toHaveLength(1);
      if (setup === 'REGISTERED') {
        expect(r.manager.stats().registersSent).toBe(sent);
        expect(r.manager.get(key).callId).toBe(before.callId);
      } else if (setup !== 'disabled') {
        // Re-enabled during the un-REGISTER: registers again in a new dialog.
        expect(r.manager.get(key).callId).not.toBe(before.callId);
      }
    });
});

describe('delete in every state', () => {
  const cases: [Setup, boolean][] = [
    ['NOT_REGISTERED', false],
    ['disabled', false],
    ['REGISTERING', true],
    ['AUTHENTICATING', true],
    ['REGISTERED', true],
    ['REGISTRAR_ERROR', false],
    ['WRONG_CREDENTIALS', false],
    ['UNREGISTERING', true],
    ['AUTHENTICATING_UNREGISTER', true],
  ];
  for (const [setup, unregisters] of cases)
    it(`EXP-10 delete in ${setup}: ${unregisters ? 'un-REGISTER (reply tracked), then removed' : 'removed at once'}`, async () => {
      rig = await authRig();
      const r = rig;
      const removed: string[] = [];
      r.manager.on('removed', (e) => removed.push(e.key));
      const key = await reach(r, 'alice', setup);
      const unregistersBefore = r.manager.stats().unregistersSent;
      r.manager.delete(key);
      if (!unregisters) {
        expect(removed).toEqual([key]);
        expect(r.manager.size).toBe(0);
      } else {
        // Still there until its un-REGISTER is answered.
        expect(r.manager.size).toBe(1);
        expect(removed).toEqual([]);
      }
      await release(r);
      expect(removed).toEqual([key]);
      expect(r.manager.size).toBe(0);
      expect(thrown(() => r.manager.get(key))).toBeInstanceOf(RegistrantNotFoundError);
      expect(r.registrar.bindings('sip:alice@example.com')).toEqual([]);
      if (setup === 'REGISTERED' || setup === 'REGISTERING' || setup === 'AUTHENTICATING')
        expect(r.manager.stats().unregistersSent - unregistersBefore).toBeGreaterThanOrEqual(1);
      // The un-REGISTER's answer was matched (no late response).
      expect(r.manager.stats().lateResponses).toBe(0);
    });
});

describe('upsert of a changed config in every state', () => {
  // What the call does at once, and where the record ends up once everything is answered.
  const cases: [
    Setup,
    'at once' | 'after the request in flight' | 'when due' | 'nothing',
    RegistrantStateName,
  ][] = [
    ['NOT_REGISTERED', 'when due', 'REGISTERED'],
    ['disabled', 'nothing', 'NOT_REGISTERED'],
    ['REGISTERING', 'after the request in flight', 'REGISTERED'],
    ['AUTHENTICATING', 'after the request in flight', 'REGISTERED'],
    ['REGISTERED', 'at once', 'REGISTERED'],
    ['REGISTRAR_ERROR', 'at once', 'REGISTERED'],
    ['WRONG_CREDENTIALS', 'at once', 'REGISTERED'],
    ['UNREGISTERING', 'nothing', 'NOT_REGISTERED'],
    ['AUTHENTICATING_UNREGISTER', 'nothing', 'NOT_REGISTERED'],
  ];
  for (const [setup, when, end] of cases)
    it(`${setup}: ${when === 'nothing' ? 'stays unregistered, the config applies' : `registers with the new config ${when}`}; ends ${end}`, async () => {
      rig = await authRig();
      const r = rig;
      const key = await reach(r, 'alice', setup);
      const enabled = r.manager.get(key).enabled;
      const sent = r.manager.stats().registersSent;
      // The right password (WRONG_CREDENTIALS was set up with a wrong one) and a new expiry.
      const result = r.manager.upsert(cfg(r, 'alice', { expiry: 1200, enabled }));
      expect(result).toEqual({ key, action: 'updated' });
      expect(r.manager.stats().registersSent - sent).toBe(when === 'at once' ? 1 : 0);
      // The config is swapped at once when idle, at the final outcome of a request in flight.
      const inFlight = isInFlightState(RegistrantState[setup as RegistrantStateName] ?? 0);
      expect(r.manager.get(key).requestedExpires).toBe(inFlight ? 3600 : 1200);
      if (setup === 'NOT_REGISTERED') r.manager.start();
      await release(r);
      await advance(r, 100_000);
      const info = r.manager.get(key);
      expect(info.stateName).toBe(end);
      expect(info.requestedExpires).toBe(1200);
      if (end === 'REGISTERED') {
        expect(info.expires).toBe(1200);
        expect(r.registrar.bindings('sip:alice@example.com').map((b) => b.callId)).toEqual([info.callId]);
      } else expect(r.registrar.bindings('sip:alice@example.com')).toEqual([]);
    });
});

describe('upsert', () => {
  it('inserts a new identity, and leaves an unchanged record alone: Call-ID, From-tag, CSeq, state, timers (REG-06)', async () => {
    rig = await authRig();
    const r = rig;
    const config = cfg(r, 'alice', { expiry: 1800 });
    expect(r.manager.upsert(config)).toEqual({ key: expect.any(String), action: 'inserted' });
    r.manager.start();
    await advance(r, 1_000);
    const key = r.manager.upsert(config).key;
    const before = r.manager.get(key);
    const updated: unknown[] = [];
    r.manager.on('updated', (e) => updated.push(e));
    const sent = requestsFor(r.registrar, 'alice').length;
    expect(r.manager.upsert({ ...config })).toEqual({ key, action: 'unchanged' });
    await advance(r, 1_000);
    expect(r.manager.get(key)).toEqual(before);
    expect(requestsFor(r.registrar, 'alice')).toHaveLength(sent);
    expect(updated).toEqual([]);
    // The refresh happens when it was due, in the same dialog.
    await advance(r, before.nextAttemptAt! - WALL0 + 100_000);
    const all = requestsFor(r.registrar, 'alice').map((s) => s.request);
    const refresh = all.at(-1)!;
    expect(all.length).toBeGreaterThan(sent);
    expect(header(refresh, 'Call-ID')).toBe(before.callId);
    expect(header(refresh, 'From')).toBe(header(all[0]!, 'From'));
  });

  it('REG-06 changed credentials: re-registers at once with them, same Call-ID, CSeq continuing', async () => {
    const r = await authRig();
    rig = r;
    const key = r.manager.add(cfg(r, 'alice'));
    r.manager.start();
    await advance(r, 1_000);
    const before = r.manager.get(key);
    const lastCseq = parseInt(header(requestsFor(r.registrar, 'alice').at(-1)!.request, 'CSeq'), 10);
    const updated: unknown[] = [];
    r.manager.on('updated', (e) => updated.push(e));
    r.users.set('alice', 'rotated-pw');
    expect(r.manager.upsert(cfg(r, 'alice', { password: 'rotated-pw' }))).toEqual({ key, action: 'updated' });
    expect(updated).toEqual([
      {
        key,
        aor: 'sip:alice@example.com',
        contact: before.binding,
        registrar: r.registrarUri,
        changes: ['password'],
      },
    ]);
    expect(JSON.stringify(updated)).not.toContain('rotated-pw');
    expect(stateOf(r, key)).toBe('REGISTERING');
    await advance(r, 1_000);
    const after = r.manager.get(key);
    expect(after.stateName).toBe('REGISTERED');
    expect(after.callId).toBe(before.callId);
    const sent = requestsFor(r.registrar, 'alice').slice(-2);
    expect(sent.map((s) => s.status)).toEqual([401, 200]);
    expect(sent.map((s) => parseInt(header(s.request, 'CSeq'), 10))).toEqual([lastCseq + 1, lastCseq + 2]);
    expect(sent[1]!.exchange.request.username).toBe('alice');
    expect(r.registrar.bindings('sip:alice@example.com')).toHaveLength(1);
  });

  it('changed contactParams: un-REGISTERs the old binding, then registers the new one (double reflects it)', async () => {
    rig = await authRig();
    const r = rig;
    const key = r.manager.add(cfg(r, 'alice', { contactParams: ';reg-id=1' }));
    r.manager.start();
    await advance(r, 1_000);
    expect(r.registrar.bindings('sip:alice@example.com').map((b) => b.contact)).toEqual([
      `<${cfg(r, 'alice').contact}>;reg-id=1`,
    ]);
    const before = r.manager.get(key);
    const count = requestsFor(r.registrar, 'alice').length;
    expect(r.manager.upsert(cfg(r, 'alice', { contactParams: ';reg-id=2' })).action).toBe('updated');
    await advance(r, 1_000);
    const sent = requestsFor(r.registrar, 'alice').slice(count);
    const contacts = sent.map((s) => s.request.headers.getAll('Contact')[0]);
    // un-REGISTER of the old binding (challenge + answer), with its old params, in the old dialog.
    expect(contacts[0]).toBe(`<${cfg(r, 'alice').contact}>;reg-id=1;expires=0`);
    expect(contacts[1]).toBe(`<${cfg(r, 'alice').contact}>;reg-id=1;expires=0`);
    expect(header(sent[1]!.request, 'Call-ID')).toBe(before.callId);
    // Then the new binding.
    expect(contacts.at(-1)).toBe(`<${cfg(r, 'alice').contact}>;reg-id=2;expires=3600`);
    const after = r.manager.get(key);
    expect(after).toMatchObject({ stateName: 'REGISTERED', bindingParams: ';reg-id=2', enabled: true });
    expect(r.registrar.bindings('sip:alice@example.com').map((b) => b.contact)).toEqual([
      `<${cfg(r, 'alice').contact}>;reg-id=2`,
    ]);
  });

  it('SEC-15 REG-10 a change while a REGISTER is in flight: its reply is applied to the old attempt, nothing doubled, then the new config registers', async () => {
    rig = await authRig();
    const r = rig;
    const key = await reach(r, 'alice', 'AUTHENTICATING');
    const sent = r.manager.stats().registersSent;
    expect(r.manager.upsert(cfg(r, 'alice', { expiry: 1200 })).action).toBe('updated');
    expect(r.manager.stats().registersSent).toBe(sent);
    expect(r.manager.get(key).requestedExpires).toBe(3600);
    await release(r);
    const info = r.manager.get(key);
    expect(info).toMatchObject({ stateName: 'REGISTERED', expires: 1200, requestedExpires: 1200 });
    const last = requestsFor(r.registrar, 'alice').at(-1)!;
    expect(last.request.headers.getAll('Contact')[0]).toMatch(/;expires=1200$/);
    expect(header(last.request, 'Call-ID')).toBe(info.callId);
    expect(r.manager.stats().lateResponses).toBe(0);
  });

  it('changed and changed back while in flight: nothing more is sent once the request completes', async () => {
    rig = await authRig();
    const r = rig;
    const key = await reach(r, 'alice', 'AUTHENTICATING');
    expect(r.manager.upsert(cfg(r, 'alice', { expiry: 1200 })).action).toBe('updated');
    expect(r.manager.upsert(cfg(r, 'alice')).action).toBe('updated');
    expect(r.manager.upsert(cfg(r, 'alice')).action).toBe('unchanged');
    const sent = r.manager.stats().registersSent;
    await release(r);
    expect(r.manager.stats().registersSent).toBe(sent);
    expect(r.manager.get(key)).toMatchObject({ stateName: 'REGISTERED', expires: 3600 });
  });

  it('enabled false→true while the un-REGISTER is in flight: one registration afterwards, not two', async () => {
    rig = await authRig();
    const r = rig;
    const key = await reach(r, 'alice', 'UNREGISTERING');
    const sent = r.manager.stats().registersSent;
    expect(r.manager.upsert(cfg(r, 'alice', { enabled: true })).action).toBe('updated');
    await release(r);
    await advance(r, 100_000);
    expect(r.manager.get(key)).toMatchObject({ stateName: 'REGISTERED', enabled: true });
    // One attempt: the challenge, then the answer.
    expect(r.manager.stats().registersSent - sent).toBe(2);
  });

  it('enabled is compared with the effective flag: after disable(), the same config (enabled) enables again', async () => {
    rig = await authRig();
    const r = rig;
    const key = await reach(r, 'alice', 'REGISTERED');
    r.manager.disable(key);
    await advance(r, 1_000);
    expect(r.manager.upsert(cfg(r, 'alice', { enabled: false })).action).toBe('unchanged');
    const updated: unknown[] = [];
    r.manager.on('updated', (e) => updated.push(e.changes));
    expect(r.manager.reload([cfg(r, 'alice')])).toMatchObject({ updated: [key] });
    expect(updated).toEqual([['enabled']]);
    await advance(r, 1_000);
    expect(r.manager.get(key)).toMatchObject({ stateName: 'REGISTERED', enabled: true });
  });

  it('enabled true→false acts as disable (un-REGISTER), false→true as enable', async () => {
    rig = await authRig();
    const r = rig;
    const key = r.manager.add(cfg(r, 'alice'));
    r.manager.start();
    await advance(r, 1_000);
    expect(r.manager.upsert(cfg(r, 'alice', { enabled: false })).action).toBe('updated');
    await advance(r, 1_000);
    expect(r.manager.get(key)).toMatchObject({ stateName: 'NOT_REGISTERED', enabled: false });
    expect(r.registrar.bindings('sip:alice@example.com')).toEqual([]);
    expect(r.manager.upsert(cfg(r, 'alice', { enabled: true })).action).toBe('updated');
    await advance(r, 1_000);
    expect(r.manager.get(key)).toMatchObject({ stateName: 'REGISTERED', enabled: true });
    expect(r.registrar.bindings('sip:alice@example.com')).toHaveLength(1);
  });

  it('in a failure state, a changed config retries at once with a fresh back-off', async () => {
    rig = await authRig();
    const r = rig;
    const key = await reach(r, 'alice', 'REGISTRAR_ERROR');
    expect(r.manager.get(key).failureCount).toBe(1);
    expect(r.manager.upsert(cfg(r, 'alice', { expiry: 900 })).action).toBe('updated');
    await advance(r, 1_000);
    expect(r.manager.get(key)).toMatchObject({ stateName: 'REGISTERED', expires: 900, failureCount: 0 });
  });

  it('a record being deleted comes back with the new config once its un-REGISTER is done', async () => {
    rig = await authRig();
    const r = rig;
    const key = await reach(r, 'alice', 'REGISTERED');
    const events: string[] = [];
    r.manager.on('removed', () => events.push('removed'));
    r.manager.on('added', () => events.push('added'));
    r.manager.delete(key);
    expect(r.manager.upsert(cfg(r, 'alice', { expiry: 600 }))).toEqual({ key, action: 'inserted' });
    await advance(r, 1_000);
    expect(events).toEqual(['removed', 'added']);
    await advance(r, 100_000);
    expect(r.manager.get(key)).toMatchObject({ stateName: 'REGISTERED', expires: 600 });
  });

  it('an invalid config is rejected with every problem, and the record is untouched', async () => {
    rig = await authRig();
    const r = rig;
    const key = await reach(r, 'alice', 'REGISTERED');
    const before = r.manager.get(key);
    const error = thrown(() =>
      r.manager.upsert(cfg(r, 'alice', { expiry: -1, proxy: 'http://x', password: 'leak-me' })),
    );
    expect(error).toBeInstanceOf(RegistrantConfigError);
    expect((error as unknown as RegistrantConfigError).errors.map((e) => e.field).sort()).toEqual([
      'expiry',
      'proxy',
    ]);
    expect(error.message).not.toContain('leak-me');
    expect(r.manager.get(key)).toEqual(before);
  });
});

describe('reload', () => {
  it('REG-06 diffs by identity: unchanged untouched, changed updated, new added, missing deleted with un-REGISTER', async () => {
    rig = await authRig();
    const r = rig;
    const keep = r.manager.add(cfg(r, 'alice'));
    const change = r.manager.add(cfg(r, 'bob'));
    const drop = r.manager.add(cfg(r, 'carol'));
    r.manager.start();
    await advance(r, 1_000);
    const kept = r.manager.get(keep);
    const changed = r.manager.get(change);
    const aliceSent = requestsFor(r.registrar, 'alice').length;
    const result = r.manager.reload([cfg(r, 'alice'), cfg(r, 'bob', { expiry: 900 }), cfg(r, 'dave')]);
    const dave = r.manager.find('sip:dave@example.com', cfg(r, 'dave').contact, r.registrarUri)!.key;
    expect(result).toEqual({ added: [dave], updated: [change], removed: [drop], unchanged: [keep] });
    await advance(r, 1_000);
    expect(r.manager.get(keep)).toEqual(kept);
    expect(requestsFor(r.registrar, 'alice')).toHaveLength(aliceSent);
    expect(r.manager.get(change)).toMatchObject({
      stateName: 'REGISTERED',
      expires: 900,
      callId: changed.callId,
    });
    expect(r.manager.size).toBe(3);
    expect(thrown(() => r.manager.get(drop))).toBeInstanceOf(RegistrantNotFoundError);
    await advance(r, 100_000);
    expect(r.manager.get(dave).stateName).toBe('REGISTERED');
    const bound = r.registrar
      .bindings()
      .map((b) => b.aor)
      .sort();
    expect(bound).toEqual(['sip:alice@example.com', 'sip:bob@example.com', 'sip:dave@example.com']);
    expect(r.registrar.bindings('sip:alice@example.com')[0]!.callId).toBe(kept.callId);
  });

  it('two bad configs: the error lists both (record, field, index), no password; the table is as it was', async () => {
    rig = await authRig();
    const r = rig;
    r.manager.add(cfg(r, 'alice'));
    r.manager.add(cfg(r, 'bob'));
    r.manager.start();
    await advance(r, 1_000);
    const before = r.manager.list();
    const sent = r.registrar.stats().registers;
    const error = thrown(() =>
      r.manager.reload([
        cfg(r, 'alice', { expiry: 0, password: 'secret-one' }),
        cfg(r, 'dave'),
        cfg(r, 'erin', { registrar: 'sip:user@registrar.example.com', password: 'secret-two' }),
      ]),
    ) as unknown as RegistrantConfigError;
    expect(error).toBeInstanceOf(RegistrantConfigError);
    expect(error.errors).toHaveLength(2);
    expect(error.errors.map((e) => [e.index, e.field])).toEqual([
      [0, 'expiry'],
      [2, 'registrar'],
    ]);
    expect(error.errors[0]!.record).toContain('aor=sip:alice@example.com');
    expect(error.errors[1]!.record).toContain('aor=sip:erin@example.com');
    expect(error.message).toContain('configs[0]');
    expect(error.message).toContain('configs[2]');
    expect(JSON.stringify(error.errors) + error.message).not.toMatch(/secret-one|secret-two/);
    await advance(r, 1_000);
    expect(r.manager.list()).toEqual(before);
    expect(r.registrar.stats().registers).toBe(sent);
  });

  it('duplicate identities inside the set are an error; not an array is an argument error', async () => {
    rig = await authRig();
    const r = rig;
    const error = thrown(() =>
      r.manager.reload([cfg(r, 'alice'), cfg(r, 'bob'), cfg(r, 'alice', { expiry: 60 })]),
    ) as unknown as RegistrantConfigError;
    expect(error).toBeInstanceOf(RegistrantConfigError);
    expect(error.errors).toEqual([expect.objectContaining({ index: 2, field: '(identity)' })]);
    expect(error.errors[0]!.problem).toContain('configs[0]');
    expect(r.manager.size).toBe(0);
    expect(thrown(() => r.manager.reload('x' as never))).toBeInstanceOf(SipInvalidArgumentError);
  });
});

describe('events', () => {
  it('E_REGISTRANT_* on every entry into each state, with code, reason, expires and next attempt', async () => {
    rig = await authRig();
    const r = rig;
    const seen: { name: string; event: RegistrantStateEvent }[] = [];
    for (const name of STATE_EVENT_NAMES) r.manager.on(name, (event) => seen.push({ name, event }));
    const key = r.manager.add(cfg(r, 'alice'));
    r.manager.start();
    await advance(r, 1_000);
    r.manager.disable(key);
    await advance(r, 1_000);
    expect(seen.map((s) => s.name)).toEqual([
      'E_REGISTRANT_REGISTERING',
      'E_REGISTRANT_AUTHENTICATING',
      'E_REGISTRANT_REGISTERED',
      'E_REGISTRANT_UNREGISTERING',
      'E_REGISTRANT_AUTHENTICATING_UNREGISTER',
      'E_REGISTRANT_NOT_REGISTERED',
    ]);
    const identity = {
      key,
      aor: 'sip:alice@example.com',
      contact: cfg(r, 'alice').contact,
      registrar: r.registrarUri,
    };
    expect(seen[0]!.event).toEqual(identity);
    expect(seen[1]!.event).toEqual({ ...identity, code: 401, reason: 'Unauthorized' });
    expect(seen[2]!.event).toEqual({
      ...identity,
      code: 200,
      reason: 'OK',
      expires: 3600,
      nextAttemptAt: expect.any(Number),
    });
    expect(seen[5]!.event).toEqual({ ...identity, code: 200, reason: 'OK' });
    // A failure: the reply and the retry time.
    const failures: RegistrantStateEvent[] = [];
    r.manager.on('E_REGISTRANT_REGISTRAR_ERROR', (e) => failures.push(e));
    r.registrar.script({ type: 'respond', status: 503, reason: 'Overloaded' } as never, {
      user: 'alice',
      times: 1,
    });
    r.manager.enable(key);
    await advance(r, 10);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ key, code: 503 });
    expect(failures[0]!.nextAttemptAt).toBe(r.manager.get(key).nextAttemptAt);
    expect(failures[0]!.nextAttemptAt! - r.clock.now()).toBeGreaterThan(0);
  });

  it('added, updated (with what changed) and removed', async () => {
    rig = await authRig();
    const r = rig;
    const log: unknown[] = [];
    r.manager.on('added', (e) => log.push(['added', e.aor]));
    r.manager.on('updated', (e) => log.push(['updated', e.aor, e.changes]));
    r.manager.on('removed', (e) => log.push(['removed', e.aor]));
    r.manager.reload([cfg(r, 'alice'), cfg(r, 'bob')]);
    r.manager.reload([
      cfg(r, 'alice', { proxy: r.registrarUri, expiry: 120, enabled: false }),
      cfg(r, 'carol'),
    ]);
    expect(log).toEqual([
      ['added', 'sip:alice@example.com'],
      ['added', 'sip:bob@example.com'],
      ['updated', 'sip:alice@example.com', ['proxy', 'expiry', 'enabled']],
      ['added', 'sip:carol@example.com'],
      ['removed', 'sip:bob@example.com'],
    ]);
  });

  it('a throwing listener never breaks the manager; the other listeners still run; a throwing error listener is swallowed', async () => {
    rig = await authRig();
    const r = rig;
    const second: string[] = [];
    const onceCalls: string[] = [];
    r.manager.on('E_REGISTRANT_REGISTERED', () => {
      throw new Error('listener broke');
    });
    r.manager.on('E_REGISTRANT_REGISTERED', (e) => second.push(e.aor));
    r.manager.once('E_REGISTRANT_REGISTERED', (e) => onceCalls.push(e.aor));
    r.manager.on('added', () => {
      throw new Error('added listener broke');
    });
    r.manager.on('error', () => {
      throw new Error('error listener broke too');
    });
    const key = r.manager.add(cfg(r, 'alice'));
    r.manager.start();
    await advance(r, 1_000);
    r.manager.forceRegister(key);
    await advance(r, 1_000);
    expect(r.manager.get(key).stateName).toBe('REGISTERED');
    expect(second).toEqual(['sip:alice@example.com', 'sip:alice@example.com']);
    expect(onceCalls).toEqual(['sip:alice@example.com']);
    expect(r.manager.listenerCount('E_REGISTRANT_REGISTERED')).toBe(2);
    const messages = r.errors.map((e) => (e as Error).message);
    expect(messages).toEqual(['added listener broke', 'listener broke', 'listener broke']);
    await spin();
  });
});
