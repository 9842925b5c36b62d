/**
 * RegistrantManager against a real Kamailio registrar on loopback (issue 4 §5).
 *
 * Real UDP sockets carry SIP to Kamailio; every timer of the manager and of its transaction layer
 * runs on one injected FakeClock. The clock is only moved while nothing the test waits for is on the
 * wire (or, for the never-answering user, once the sends have reached the kernel), so a Timer E or F
 * never fires because a reply was slow in real time. Waiting for round trips is a bounded poll.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import type { StateChangeEvent } from '../../src/registrant/manager-events.js';
import { RegistrantManager, type RegistrantStopResult } from '../../src/registrant/registrant-manager.js';
import type { RegistrantManagerOptions } from '../../src/registrant/registrant-manager-options.js';
import { RegistrantState } from '../../src/registrant/registrant-state.js';
import { createUdpTransport } from '../../src/transport/udp-transport.js';
import { CountingTransport, headerValue } from './counting-transport.js';
import { describeWithKamailio, type KamailioRegistrar, startKamailioRegistrar } from './kamailio-harness.js';
import { parseKamcmdStatistics } from './kamcmd-reply.js';

/** Kamailio's Min-Expires for this file (harness define MIN_EXPIRES). */
const MIN_EXPIRES = 60;
/** What Kamailio grants at most (MAX_EXPIRES), and what the 1,000 accounts ask for. */
const MAX_EXPIRES = 3600;
const ACCOUNTS = 1000;

type Manager = RegistrantManager;
type RegistrantManagerOptionsLoose = Omit<RegistrantManagerOptions, 'transport'>;
/** A stateChange event with the fake-clock time it was emitted at. */
type TimedChange = StateChangeEvent & { readonly at: number };

// ---------------------------------------------------------------------------------------------
// Bounded real-time waiting (socket round trips only; time itself is the FakeClock's)
// ---------------------------------------------------------------------------------------------

/** One real macrotask turn plus `ms` milliseconds: lets datagrams in flight be read and handled. */
function turn(ms = 1): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `ready` every few ms until it is true; fails with `what` after `timeoutMs` of real time. */
async function until(what: string, ready: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await turn(2);
  }
}

/** A test's manager, its clock, its wire counter and everything it emitted. */
interface Rig {
  readonly clock: FakeClock;
  readonly transport: CountingTransport;
  readonly manager: Manager;
  readonly changes: TimedChange[];
}

const rigs: Rig[] = [];

/**
 * A manager on a fresh loopback UDP socket. Unless `keep` is set, afterEach stops and closes it, so a
 * failed test leaves no binding behind.
 */
async function makeRig(options: RegistrantManagerOptionsLoose, keep = false): Promise<Rig> {
  const clock = new FakeClock(1_000_000);
  const udp = await createUdpTransport({ host: '127.0.0.1', port: 0 });
  const transport = new CountingTransport(udp, () => clock.now());
  // wallClock = the fake clock, so the epoch times of list() and events read as fake-clock times.
  const manager = new RegistrantManager({ transport, clock, wallClock: () => clock.now(), ...options });
  const changes: TimedChange[] = [];
  manager.on('stateChange', (event) => changes.push({ ...event, at: clock.now() }));
  const rig = { clock, transport, manager, changes };
  if (!keep) rigs.push(rig);
  return rig;
}

/** Every send the manager made so far has reached the kernel (or failed). */
function sendsSettled(rig: Rig): Promise<void> {
  return until('sends to reach the kernel', () => rig.transport.settled === rig.transport.requested);
}

function inFlightCount(manager: Manager): number {
  const byState = manager.stats().recordsByState;
  return (
    byState.REGISTERING + byState.AUTHENTICATING + byState.UNREGISTERING + byState.AUTHENTICATING_UNREGISTER
  );
}

/** Sends done and no record waiting for a reply: Kamailio answered everything asked so far. */
async function quiet(rig: Rig, timeoutMs = 5_000): Promise<void> {
  await sendsSettled(rig);
  await until('every request to be answered', () => inFlightCount(rig.manager) === 0, timeoutMs);
}

/**
 * Moves the fake clock `totalMs` forward in `stepMs` steps, letting each step's requests be answered
 * before the next one (so no transaction timer fires for a reply that is merely on its way).
 */
async function advanceQuietly(rig: Rig, totalMs: number, stepMs: number): Promise<void> {
  // start() arms the first bucket visit at delay 0: run it on its own, so that one advance never
  // covers two ticks (the first tick's Timer E would fire before its answers could arrive).
  rig.clock.advance(0);
  await quiet(rig);
  for (let done = 0; done < totalMs; done += stepMs) {
    rig.clock.advance(Math.min(stepMs, totalMs - done));
    await quiet(rig);
  }
}

/**
 * Moves the fake clock in `stepMs` steps until `ready()` (checked after each step once the step's
 * sends reached the kernel) — for requests nobody answers, whose timers must run. Bounded by fake
 * time `maxMs`.
 */
async function advanceUntil(rig: Rig, what: string, ready: () => boolean, stepMs: number, maxMs: number) {
  const end = rig.clock.now() + maxMs;
  while (!ready()) {
    if (rig.clock.now() >= end) throw new Error(`${what}: not reached within ${maxMs} ms of fake time`);
    rig.clock.advance(stepMs);
    await sendsSettled(rig);
    await turn();
  }
}

/**
 * Runs `stop()` while the fake clock walks forward in `stepMs` steps (its pacing and deadline run on
 * it); before each step, the requests sent so far get a short real-time chance to be answered.
 */
async function stopManager(rig: Rig, stepMs = 20, realTimeoutMs = 15_000): Promise<RegistrantStopResult> {
  let result: RegistrantStopResult | undefined;
  let failure: unknown;
  rig.manager.stop().then(
    (value) => {
      result = value;
    },
    (error: unknown) => {
      failure = error ?? new Error('stop() rejected');
    },
  );
  const deadline = performance.now() + realTimeoutMs;
  for (;;) {
    await sendsSettled(rig);
    const answered = performance.now() + 10;
    while (inFlightCount(rig.manager) > 0 && performance.now() < answered) await turn();
    await turn();
    if (failure !== undefined) throw failure;
    if (result !== undefined) return result;
    if (performance.now() > deadline) throw new Error(`stop() did not resolve within ${realTimeoutMs} ms`);
    rig.clock.advance(stepMs);
  }
}

async function disposeRig(rig: Rig): Promise<void> {
  const index = rigs.indexOf(rig);
  if (index >= 0) rigs.splice(index, 1);
  await stopManager(rig).catch(() => undefined);
  await rig.transport.close();
}

function infoOf(manager: Manager, key: string) {
  const info = manager.get(key);
  if (info === undefined) throw new Error(`no record ${key}`);
  return info;
}

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

describeWithKamailio('RegistrantManager against a real Kamailio registrar', () => {
  let registrar: KamailioRegistrar;
  /** The 1,000-account manager: registered by one test, stopped by the next. */
  let shared: Rig | undefined;

  /** REGISTERs Kamailio has received so far (retransmissions and dropped `mute*` ones included). */
  async function kamailioRegisters(): Promise<number> {
    const stats = parseKamcmdStatistics(await registrar.rpc('stats.get_statistics', 'rcv_requests_register'));
    const value = stats.get('core:rcv_requests_register');
    if (value === undefined) throw new Error('kamcmd: no core:rcv_requests_register');
    return value;
  }

  function account(n: number, local: { port: number }, overrides: Record<string, unknown> = {}) {
    const user = registrar.users.name(n);
    return {
      registrar: registrar.uri,
      aor: `sip:${user}@127.0.0.1`,
      username: user,
      password: registrar.users.password(n),
      contact: `sip:${user}@127.0.0.1:${local.port}`,
      expiry: MAX_EXPIRES,
      ...overrides,
    };
  }

  beforeAll(async () => {
    registrar = await startKamailioRegistrar({ minExpires: MIN_EXPIRES, maxExpires: MAX_EXPIRES });
  });

  afterEach(async () => {
    // A failed test must not leave bindings or sockets behind for the next one.
    for (const rig of [...rigs]) await disposeRig(rig);
  });

  afterAll(async () => {
    if (shared !== undefined) await disposeRig(shared);
    await registrar?.stop();
  });

  const keys: string[] = [];

  it('EXP-04 1,000 digest accounts all reach REGISTERED and all sit in the location table', async () => {
    // 16 buckets, one tick every 6.25 s of fake time: the first sweep sends every account, one
    // bucket (≈ 63 accounts, two transactions each) per tick, which Kamailio answers at once.
    const rig = await makeRig({ hashSize: 4, timerInterval: 100 }, true);
    shared = rig;
    const { manager, transport } = rig;
    for (let n = 1; n <= ACCOUNTS; n++) keys.push(manager.add(account(n, transport.localAddress)));
    manager.start();
    await advanceQuietly(rig, 100_000, 100_000 / 16);

    const infos = manager.list();
    expect(infos).toHaveLength(ACCOUNTS);
    const notRegistered = infos.filter((info) => info.state !== RegistrantState.REGISTERED);
    expect(notRegistered.map((info) => `${info.aor} ${info.stateName} ${info.lastCode}`)).toEqual([]);
    for (const info of infos) expect(info.expires).toBe(MAX_EXPIRES);
    // Two REGISTERs per account (challenge, then credentials): nothing was retransmitted.
    expect(transport.registers).toHaveLength(2 * ACCOUNTS);

    expect(await registrar.registeredCount()).toBe(ACCOUNTS);
    expect(await registrar.contactCount()).toBe(ACCOUNTS);
    for (const n of [1, 2, 63, 500, 999, ACCOUNTS]) {
      const key = keys[n - 1] as string;
      const info = infoOf(manager, key);
      const contacts = await registrar.locationContacts(registrar.users.name(n));
      expect(contacts, `location of user${n}`).toHaveLength(1);
      const [contact] = contacts;
      expect(contact?.callId).toBe(info.callId);
      expect(contact?.address).toBe(`sip:user${n}@127.0.0.1:${transport.localAddress.port}`);
      expect(contact?.expires).toBeGreaterThan(MAX_EXPIRES - 60);
      expect(contact?.expires).toBeLessThanOrEqual(MAX_EXPIRES);
    }
  }, 30_000);

  it('EXP-10 after stop() the location table is empty', async () => {
    const rig = shared;
    if (rig === undefined) throw new Error('the 1,000-account test did not create its manager');
    expect(await registrar.registeredCount()).toBe(ACCOUNTS);
    const sentBefore = rig.transport.registers.length;
    await stopManager(rig);

    expect(await registrar.registeredCount()).toBe(0);
    expect(await registrar.contactCount()).toBe(0);
    expect(await registrar.locationContacts('user7')).toEqual([]);
    for (const info of rig.manager.list()) expect(info.state).toBe(RegistrantState.NOT_REGISTERED);
    // Each un-REGISTER carries Expires 0 on our Contact and the dialog's Call-ID.
    const unregisters = rig.transport.registers.slice(sentBefore);
    expect(unregisters.length).toBeGreaterThanOrEqual(ACCOUNTS);
    for (const sent of unregisters) expect(headerValue(sent.text, 'Contact')).toMatch(/;expires=0$/);
    shared = undefined;
    await rig.transport.close();
  }, 30_000);

  it('DIG-51 SEC-12 a wrong password ends in WRONG_CREDENTIALS and is retried only by the slow back-off', async () => {
    // Ticks every 5 s of fake time; 12 fake minutes leave room for exactly one slow retry
    // (first retry 300–600 s after the failure, the next one at least 600 s after that).
    const rig = await makeRig({ hashSize: 1, timerInterval: 10 });
    const { manager, transport, changes } = rig;
    const before = await kamailioRegisters();
    const key = manager.add(account(5, transport.localAddress, { password: 'not-pass5' }));
    manager.start();
    await advanceQuietly(rig, 10_000, 1_000);

    const first = infoOf(manager, key);
    const firstRetryAt = first.nextAttemptAt ?? Number.NaN;
    expect(first.stateName).toBe('WRONG_CREDENTIALS');
    expect(first.lastCode).toBe(401);
    const failedAt =
      changes.find((change) => change.to === RegistrantState.WRONG_CREDENTIALS)?.at ?? Number.NaN;
    expect(firstRetryAt - failedAt).toBeGreaterThanOrEqual(300_000);
    expect(firstRetryAt - failedAt).toBeLessThanOrEqual(600_000);
    expect(transport.registers).toHaveLength(2);

    await advanceQuietly(rig, 12 * 60_000, 5_000);
    const retries = changes.filter(
      (change) => change.from === RegistrantState.WRONG_CREDENTIALS && change.to !== change.from,
    );
    expect(retries).toHaveLength(1);
    expect(retries[0]?.at).toBeGreaterThanOrEqual(firstRetryAt);
    expect(retries[0]?.at).toBeLessThanOrEqual(firstRetryAt + 10_000);
    const after = infoOf(manager, key);
    expect(after.stateName).toBe('WRONG_CREDENTIALS');
    expect(after.failureCount).toBe(2);
    // Four REGISTERs in 12 minutes (two attempts, challenge + credentials each), and Kamailio saw
    // exactly those: no hammering, no retransmission.
    expect(transport.registers).toHaveLength(4);
    await expect.poll(kamailioRegisters, { timeout: 2_000, interval: 20 }).toBe(before + 4);
    expect(await registrar.locationContacts('user5')).toEqual([]);
  }, 20_000);

  it('RSP-01 TXN-03 SEC-12 a user the registrar never answers times out (Timer F) and is retried within the back-off bounds', async () => {
    const rig = await makeRig({ hashSize: 1, timerInterval: 10 });
    const { manager, transport, changes } = rig;
    const before = await kamailioRegisters();
    const key = manager.add({
      registrar: registrar.uri,
      aor: 'sip:mute1@127.0.0.1',
      username: 'mute1',
      password: 'whatever',
      contact: `sip:mute1@127.0.0.1:${transport.localAddress.port}`,
    });
    manager.start();
    const isTimedOut = () => manager.get(key)?.state === RegistrantState.REGISTER_TIMEOUT;
    await advanceUntil(rig, 'REGISTER_TIMEOUT', isTimedOut, 1_000, 60_000);

    const timeout = changes.find((change) => change.to === RegistrantState.REGISTER_TIMEOUT);
    const sentAt = transport.registers[0]?.at ?? Number.NaN;
    expect(timeout?.code).toBe(408);
    // Timer F = 64·T1 = 32 s after the first send (fake timers fire exactly when due).
    expect((timeout?.at ?? Number.NaN) - sentAt).toBe(32_000);
    // Timer E: the first send, then retransmissions after 0.5, 1, 2, 4, 4 … s (T2 caps the interval).
    const firstAttempt = transport.registers.length;
    expect(transport.registers.map((sent) => sent.at - sentAt)).toEqual([
      0, 500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500,
    ]);
    await expect.poll(kamailioRegisters, { timeout: 2_000, interval: 20 }).toBe(before + firstAttempt);

    const info = infoOf(manager, key);
    const retryAt = info.nextAttemptAt ?? Number.NaN;
    expect(info.stateName).toBe('REGISTER_TIMEOUT');
    expect(info.failureCount).toBe(1);
    const failedAt = timeout?.at ?? Number.NaN;
    // RFC 5626 §4.5 defaults: the first retry waits 30–60 s.
    expect(retryAt - failedAt).toBeGreaterThanOrEqual(30_000);
    expect(retryAt - failedAt).toBeLessThanOrEqual(60_000);
    const firstCallId = headerValue(transport.registers[0]?.text ?? '', 'Call-ID');

    const retried = () => transport.registers.length > firstAttempt;
    await advanceUntil(rig, 'the retry', retried, 1_000, 75_000);
    const retry = transport.registers[firstAttempt];
    expect(retry?.at).toBeGreaterThanOrEqual(retryAt);
    // Acted on when its bucket comes round: at most one sweep (10 s) after the deadline.
    expect(retry?.at).toBeLessThanOrEqual(retryAt + 10_000);
    // A failure starts a new dialog.
    expect(headerValue(retry?.text ?? '', 'Call-ID')).not.toBe(firstCallId);
    expect(manager.get(key)?.state).toBe(RegistrantState.REGISTERING);
  }, 20_000);

  it('EXP-15 a too-short expiry gets 423, then registers with the Min-Expires value', async () => {
    const rig = await makeRig({ hashSize: 1, timerInterval: 10 });
    const { manager, transport } = rig;
    const key = manager.add(account(42, transport.localAddress, { expiry: 30 }));
    manager.start();
    await advanceQuietly(rig, 10_000, 1_000);

    const info = infoOf(manager, key);
    expect(info.stateName).toBe('REGISTERED');
    expect(info.lastCode).toBe(200);
    expect(info.expires).toBe(MIN_EXPIRES);
    // On the wire: the configured 30 first, then Min-Expires, all in one dialog.
    const asked = transport.registers.map(
      (sent) => /;expires=([0-9]+)/.exec(headerValue(sent.text, 'Contact') ?? '')?.[1],
    );
    expect(asked[0]).toBe('30');
    expect(asked.at(-1)).toBe(String(MIN_EXPIRES));
    expect(asked.indexOf(String(MIN_EXPIRES))).toBeGreaterThan(0);
    const callIds = new Set(transport.registers.map((sent) => headerValue(sent.text, 'Call-ID')));
    expect(callIds.size).toBe(1);

    const contacts = await registrar.locationContacts('user42');
    expect(contacts).toHaveLength(1);
    expect(contacts[0]?.callId).toBe(info.callId);
    expect(contacts[0]?.expires).toBeGreaterThan(MIN_EXPIRES - 10);
    expect(contacts[0]?.expires).toBeLessThanOrEqual(MIN_EXPIRES);

    await stopManager(rig);
    expect(await registrar.locationContacts('user42')).toEqual([]);
  }, 20_000);
  it('EXP-10 disable takes the binding out of the location table; enable puts it back', async () => {
    const rig = await makeRig({ hashSize: 0, timerInterval: 10 });
    const { manager, transport } = rig;
    const key = manager.add(account(101, transport.localAddress));
    manager.start();
    await advanceQuietly(rig, 1_000, 1_000);
    const registered = infoOf(manager, key);
    expect(registered.stateName).toBe('REGISTERED');
    expect((await registrar.locationContacts('user101')).map((c) => c.callId)).toEqual([registered.callId]);

    manager.disable(key);
    await quiet(rig);
    expect(infoOf(manager, key)).toMatchObject({ stateName: 'NOT_REGISTERED', enabled: false });
    expect(await registrar.locationContacts('user101')).toEqual([]);
    // Disabled stays out: sweeps pass, nothing is sent.
    const sent = transport.registers.length;
    await advanceQuietly(rig, 30_000, 5_000);
    expect(transport.registers).toHaveLength(sent);
    expect(await registrar.locationContacts('user101')).toEqual([]);

    manager.enable(key);
    await quiet(rig);
    const back = infoOf(manager, key);
    expect(back).toMatchObject({ stateName: 'REGISTERED', enabled: true });
    const contacts = await registrar.locationContacts('user101');
    expect(contacts).toHaveLength(1);
    expect(contacts[0]?.callId).toBe(back.callId);
    expect(contacts[0]?.address).toBe(`sip:user101@127.0.0.1:${transport.localAddress.port}`);
  }, 20_000);

  it('REG-06 reload (one changed, one removed, one added): the location table matches the new set; unchanged records keep their Call-ID', async () => {
    const rig = await makeRig({ hashSize: 0, timerInterval: 10 });
    const { manager, transport } = rig;
    const local = transport.localAddress;
    const keep = manager.add(account(102, local));
    const change = manager.add(account(103, local));
    const drop = manager.add(account(104, local));
    manager.start();
    await advanceQuietly(rig, 1_000, 1_000);
    for (const key of [keep, change, drop]) expect(infoOf(manager, key).stateName).toBe('REGISTERED');
    const [kept] = await registrar.locationContacts('user102');
    const changedCallId = infoOf(manager, change).callId;
    expect(kept?.callId).toBe(infoOf(manager, keep).callId);

    const result = manager.reload([
      account(102, local),
      account(103, local, { expiry: 1800 }),
      account(105, local),
    ]);
    const added = manager.find('sip:user105@127.0.0.1', `sip:user105@127.0.0.1:${local.port}`, registrar.uri);
    expect(result).toEqual({ added: [added?.key], updated: [change], removed: [drop], unchanged: [keep] });
    // The added record registers when the sweep comes round (one tick: 10 s).
    await advanceQuietly(rig, 10_000, 1_000);

    expect(
      manager
        .list()
        .map((info) => `${info.aor} ${info.stateName}`)
        .sort(),
    ).toEqual([
      'sip:user102@127.0.0.1 REGISTERED',
      'sip:user103@127.0.0.1 REGISTERED',
      'sip:user105@127.0.0.1 REGISTERED',
    ]);
    // Unchanged: the same binding, same Call-ID and CSeq (nothing was sent for it).
    const [still] = await registrar.locationContacts('user102');
    expect(still?.callId).toBe(kept?.callId);
    expect(still?.cseq).toBe(kept?.cseq);
    // Changed (expiry): re-registered at once in the same dialog with the new expiry.
    const changed = await registrar.locationContacts('user103');
    expect(changed).toHaveLength(1);
    expect(changed[0]?.callId).toBe(changedCallId);
    expect(changed[0]?.expires).toBeLessThanOrEqual(1800);
    expect(changed[0]?.expires).toBeGreaterThan(1700);
    // Removed: un-REGISTERed.
    expect(await registrar.locationContacts('user104')).toEqual([]);
    // Added: registered with its own dialog.
    const fresh = await registrar.locationContacts('user105');
    expect(fresh).toHaveLength(1);
    expect(fresh[0]?.callId).toBe(added === undefined ? undefined : infoOf(manager, added.key).callId);
  }, 20_000);
});
