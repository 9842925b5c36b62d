/**
 * The RegistrantManager's public surface: option validation, add() errors, list()/get() fields,
 * secrets never shown, listeners that throw, verbs.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import {
  DuplicateRegistrantError,
  RegistrantConfigError,
  RegistrantNotFoundError,
  SipInvalidArgumentError,
} from '../../src/errors.js';
import { RegistrantManager } from '../../src/registrant/registrant-manager.js';
import { RegistrantState } from '../../src/registrant/registrant-state.js';
import { createUdpTransport, type UdpTransport } from '../../src/transport/udp-transport.js';
import { account, advance, makeRig, type Rig, START, WALL0 } from './manager-rig.js';

let rig: Rig | undefined;
let transport: UdpTransport | undefined;
afterEach(async () => {
  await rig?.close();
  await transport?.close();
  rig = undefined;
  transport = undefined;
});

const SECRET = 'S3cr3t-never-shown';

function thrown(fn: () => unknown): Error & { code?: string; field?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string; field?: string };
  }
  throw new Error('expected a throw');
}

describe('options', () => {
  it('validates every option up front, naming it, what was expected and what was received', async () => {
    transport = await createUdpTransport({ host: '127.0.0.1', port: 0 });
    const t = transport;
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /option "transport": expected a Transport or an array of them, received undefined/],
      [{ transport: {} }, /option "transport": expected a Transport/],
      [{ transport: [] }, /option "transport": expected a Transport or a non-empty array/],
      [{ transport: [t, t] }, /distinct transports/],
      [
        { transport: t, hashSize: 21 },
        /option "hashSize": expected an integer exponent 0\.\.20.*received 21/,
      ],
      [{ transport: t, hashSize: 1.5 }, /"hashSize".*received 1\.5/],
      [{ transport: t, timerInterval: 0 }, /"timerInterval": expected a number of seconds > 0, received 0/],
      [{ transport: t, reregisterExpiryPercentage: 150 }, /"reregisterExpiryPercentage".*received 150/],
      [{ transport: t, maxRegistersPerSecond: -1 }, /"maxRegistersPerSecond".*received -1/],
      [
        { transport: t, registersBurst: 5 },
        /"registersBurst": expected to be given together with maxRegistersPerSecond/,
      ],
      [
        { transport: t, userAgent: 'a\r\nVia: evil' },
        /"userAgent": expected a string .* without control characters/,
      ],
      [{ transport: t, stopRate: 0 }, /"stopRate".*received 0/],
      [{ transport: t, stopTimeout: 'soon' }, /"stopTimeout".*received "soon"/],
      [{ transport: t, destinationPinTtl: -5 }, /"destinationPinTtl".*received -5/],
      [{ transport: t, resolver: 'dns' }, /"resolver": expected a function/],
      [{ transport: t, clock: {} }, /"clock": expected a Clock/],
      [{ transport: t, transactionTimers: { t1: -1 } }, /"transactionTimers": timers\.t1/],
      [
        { transport: t, inFlightWatchdog: 10 },
        /"inFlightWatchdog": expected a number of seconds above Timer F/,
      ],
      [{ transport: t, hashsize: 3 }, /unknown option "hashsize"/],
    ];
    for (const [options, message] of cases) {
      const error = thrown(() => new RegistrantManager(options as never));
      expect(error, JSON.stringify(Object.keys(options))).toBeInstanceOf(SipInvalidArgumentError);
      expect(error.message).toMatch(message);
    }
    expect(() => new RegistrantManager(null as never)).toThrow(SipInvalidArgumentError);
  });

  it('defaults: hashSize 1, timerInterval 100 (tick every 50 s)', async () => {
    transport = await createUdpTransport({ host: '127.0.0.1', port: 0 });
    const manager = new RegistrantManager({ transport, clock: new FakeClock() });
    expect(manager.bucketCount).toBe(2);
    expect(manager.tickIntervalMs).toBe(50_000);
    expect(manager.size).toBe(0);
    expect(manager.running).toBe(false);
  });
});

describe('add()', () => {
  it('rejects bad configs naming the field (never the password) and duplicates, without touching other records', async () => {
    rig = await makeRig({}, {});
    const good = rig.manager.add(account(rig, 'alice', { username: 'alice', password: SECRET }));
    const bad = thrown(() =>
      rig!.manager.add({
        ...account(rig!, 'bob'),
        registrar: 'sip:bob@registrar.example.com',
        password: SECRET,
        username: 'bob',
      }),
    );
    expect(bad).toBeInstanceOf(RegistrantConfigError);
    expect(bad.field).toBe('registrar');
    expect(bad.message).not.toContain(SECRET);
    const injected = thrown(() =>
      rig!.manager.add({ ...account(rig!, 'carol'), contactParams: ';x=1\r\nVia: evil' }),
    );
    expect(injected).toMatchObject({ code: 'ERR_INVALID_CONFIG', field: 'contactParams' });
    const duplicate = thrown(() => rig!.manager.add(account(rig!, 'alice', { expiry: 60 })));
    expect(duplicate).toBeInstanceOf(DuplicateRegistrantError);
    expect(thrown(() => rig!.manager.add(null as never))).toBeInstanceOf(RegistrantConfigError);
    expect(rig.manager.size).toBe(1);
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.manager.get(good)!.stateName).toBe('REGISTERED');
  });

  it('warns when a record expiry is not above timerInterval; its short grant refreshes on its own timer (SEC-10)', async () => {
    rig = await makeRig({ timerInterval: 100 }, { minExpires: 10 });
    const key = rig.manager.add(account(rig, 'alice', { expiry: 60 }));
    expect(rig.warnings).toEqual([
      expect.objectContaining({ code: 'EXPIRY_NOT_ABOVE_TIMER_INTERVAL', key, aor: 'sip:alice@example.com' }),
    ]);
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.warnings.map((w) => w.code)).toContain('GRANT_TOO_SHORT');
    // clamp(85 % · 60, 30, max(30, 60 − 40)) = 51 → 30 s after the send; the sweep would be 100 s late.
    expect(rig.manager.get(key)!.nextAttemptAt).toBe(WALL0 + 30_000);
    await advance(rig, 200_000);
    const sends = rig.registrar
      .requests()
      .filter((e) => e.request.user === 'alice')
      .map((e) => e.at - START);
    expect(sends.slice(0, 5)).toEqual([0, 30_000, 60_000, 90_000, 120_000]);
    expect(rig.registrar.bindings('sip:alice@example.com')).toHaveLength(1);
  });
});

describe('list() and get()', () => {
  it('shows the reg_list fields with epoch times, and never a password', async () => {
    rig = await makeRig({}, { realm: 'example.com', users: { alice: SECRET } });
    const config = account(rig, 'alice', {
      username: 'alice',
      password: SECRET,
      contactParams: ';reg-id=1',
      thirdPartyRegistrant: 'sip:pbx@example.com',
      expiry: 1800,
    });
    const key = rig.manager.add(config);
    expect(rig.manager.get(key)).toMatchObject({
      state: RegistrantState.NOT_REGISTERED,
      stateName: 'NOT_REGISTERED',
      lastRegisterSent: undefined,
      callId: '',
      pinnedDestination: undefined,
    });
    rig.manager.start();
    await advance(rig, 1_000);
    const info = rig.manager.get(key)!;
    expect(info).toEqual({
      key,
      aor: 'sip:alice@example.com',
      expires: 1800,
      requestedExpires: 1800,
      state: RegistrantState.REGISTERED,
      stateName: 'REGISTERED',
      enabled: true,
      lastRegisterSent: WALL0,
      registrationTimeout: WALL0 + 1_530_000,
      nextAttemptAt: WALL0 + 1_530_000,
      registrar: rig.registrarUri,
      binding: config.contact,
      bindingParams: ';reg-id=1',
      thirdPartyRegistrant: 'sip:pbx@example.com',
      socket: `udp:127.0.0.1:${rig.transport.localAddress.port}`,
      proxy: undefined,
      pinnedDestination: { host: '127.0.0.1', port: rig.registrar.address.port },
      lastCode: 200,
      lastReason: 'OK',
      failureCount: 0,
      callId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      username: 'alice',
    });
    expect(rig.manager.list()).toEqual([info]);
    expect(thrown(() => rig!.manager.get('nope'))).toBeInstanceOf(RegistrantNotFoundError);
    expect(rig.manager.find(info.aor, info.binding, info.registrar)).toEqual(info);
    expect(rig.manager.find(info.aor, info.binding, 'sip:elsewhere.example.com')).toBeUndefined();
    expect(thrown(() => rig!.manager.get(42 as never))).toBeInstanceOf(SipInvalidArgumentError);
  });

  it('SEC-07 no password in list(), events, warnings, errors, stats or the manager itself', async () => {
    rig = await makeRig({}, { realm: 'example.com', users: { alice: 'other' } });
    rig.manager.add(account(rig, 'alice', { username: 'alice', password: SECRET }));
    rig.manager.add(account(rig, 'bob', { username: 'bob', password: `0x${'ab'.repeat(16)}` }));
    const configError = thrown(() =>
      rig!.manager.add({ ...account(rig!, 'carol'), username: 'carol', password: SECRET, expiry: -1 }),
    );
    rig.manager.start();
    await advance(rig, 1_000);
    const views = [
      JSON.stringify(rig.manager.list()),
      inspect(rig.manager.list(), { depth: null, showHidden: true }),
      JSON.stringify(rig.changes),
      JSON.stringify(rig.warnings),
      inspect(rig.errors, { depth: null }),
      `${configError.message} ${inspect(configError, { depth: null, showHidden: true })}`,
      JSON.stringify(rig.manager.stats()),
      inspect(rig.manager, { depth: 6, showHidden: true }),
    ];
    for (const view of views) {
      expect(view).not.toContain(SECRET);
      expect(view).not.toContain('ab'.repeat(16));
    }
    expect(
      rig.manager
        .list()
        .map((i) => i.stateName)
        .sort(),
    ).toEqual(['WRONG_CREDENTIALS', 'WRONG_CREDENTIALS']);
  });
});

describe('events', () => {
  it('stateChange carries aor, contact, registrar, from/to names, code, reason, expires and nextAttemptAt', async () => {
    rig = await makeRig({}, {});
    const key = rig.manager.add(account(rig, 'alice', { expiry: 600 }));
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.changes.map(({ at: _at, ...event }) => event)).toEqual([
      {
        key,
        aor: 'sip:alice@example.com',
        contact: account(rig, 'alice').contact,
        registrar: rig.registrarUri,
        from: 0,
        to: 1,
        fromName: 'NOT_REGISTERED',
        toName: 'REGISTERING',
      },
      {
        key,
        aor: 'sip:alice@example.com',
        contact: account(rig, 'alice').contact,
        registrar: rig.registrarUri,
        from: 1,
        to: 3,
        fromName: 'REGISTERING',
        toName: 'REGISTERED',
        code: 200,
        reason: 'OK',
        expires: 600,
        nextAttemptAt: WALL0 + 460_000,
      },
    ]);
  });

  it('a listener that throws goes to "error"; a throwing "error" listener is swallowed; the manager keeps going', async () => {
    rig = await makeRig({}, {});
    const seen: string[] = [];
    rig.manager.on('stateChange', (event) => {
      if (event.toName === 'REGISTERING') throw new Error(`listener broke on ${event.aor}`);
      seen.push(event.toName);
    });
    rig.manager.on('error', () => {
      throw new Error('the error listener broke too');
    });
    rig.manager.on('warning', () => {
      throw new Error('warning listener broke');
    });
    const keys = ['alice', 'bob', 'carol'].map((user) =>
      rig!.manager.add(account(rig!, user, { expiry: 30 })),
    );
    rig.manager.start();
    await advance(rig, 1_000);
    for (const key of keys) expect(rig.manager.get(key)!.stateName).toBe('REGISTERED');
    expect(rig.errors.map((e) => (e as Error).message)).toEqual(
      expect.arrayContaining(['listener broke on sip:alice@example.com', 'warning listener broke']),
    );
    expect(rig.errors.filter((e) => (e as Error).message.startsWith('listener broke'))).toHaveLength(3);
  });

  it('added and removed events; delete un-REGISTERs then removes', async () => {
    rig = await makeRig({}, {});
    const added: string[] = [];
    const removed: string[] = [];
    rig.manager.on('added', (e) => added.push(e.aor));
    rig.manager.on('removed', (e) => removed.push(e.aor));
    const key = rig.manager.add(account(rig, 'alice'));
    expect(added).toEqual(['sip:alice@example.com']);
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.registrar.bindingCount()).toBe(1);
    rig.manager.delete(key);
    await advance(rig, 1_000);
    expect(removed).toEqual(['sip:alice@example.com']);
    expect(rig.manager.size).toBe(0);
    expect(rig.manager.find('sip:alice@example.com', account(rig, 'alice').contact, rig.registrarUri)).toBe(
      undefined,
    );
    expect(rig.registrar.bindingCount()).toBe(0);
    expect(thrown(() => rig!.manager.delete(key))).toBeInstanceOf(RegistrantNotFoundError);
  });
});

describe('verbs', () => {
  it('enable / disable / forceRegister', async () => {
    rig = await makeRig({}, {});
    const key = rig.manager.add(account(rig, 'alice', { enabled: false }));
    rig.manager.start();
    await advance(rig, 200_000);
    expect(rig.registrar.stats().registers).toBe(0);
    rig.manager.enable(key);
    await advance(rig, 1_000);
    expect(rig.manager.get(key)).toMatchObject({ stateName: 'REGISTERED', enabled: true });
    expect(rig.manager.forceRegister(key)).toEqual({ result: 'sent' });
    await advance(rig, 1_000);
    expect(rig.registrar.stats().registers).toBe(2);
    rig.manager.disable(key);
    await advance(rig, 1_000);
    expect(rig.manager.get(key)).toMatchObject({ stateName: 'NOT_REGISTERED', enabled: false });
    expect(rig.registrar.bindingCount()).toBe(0);
    expect(thrown(() => rig!.manager.enable('missing'))).toBeInstanceOf(RegistrantNotFoundError);
    expect(thrown(() => rig!.manager.disable(undefined as never))).toBeInstanceOf(SipInvalidArgumentError);
  });

  it('stats() counts sends, replies and records by state', async () => {
    rig = await makeRig({}, { realm: 'example.com', users: { alice: 'pw' } });
    rig.manager.add(account(rig, 'alice', { username: 'alice', password: 'pw' }));
    rig.manager.add(account(rig, 'bob', { username: 'bob', password: 'pw' }));
    rig.manager.start();
    await advance(rig, 1_000);
    const stats = rig.manager.stats();
    expect(stats).toMatchObject({
      records: 2,
      registersSent: 4,
      unregistersSent: 0,
      repliesByCode: { 401: 3, 200: 1 },
      timeouts: 0,
      localFailures: 0,
      ticks: 1,
      deferred: 0,
    });
    expect(stats.recordsByState.REGISTERED).toBe(1);
    expect(stats.recordsByState.WRONG_CREDENTIALS).toBe(1);
    expect(stats.transactions.sent).toBe(4);
    expect(stats.transactions.dropped.stray).toBe(0);
    // The per-state counts are kept incrementally: they always match list(), deletions included.
    rig.manager.delete(rig.manager.list().find((i) => i.aor === 'sip:bob@example.com')!.key);
    rig.manager.add(account(rig, 'carol', { enabled: false }));
    await advance(rig, 1_000);
    const fromList: Record<string, number> = {};
    for (const info of rig.manager.list()) fromList[info.stateName] = (fromList[info.stateName] ?? 0) + 1;
    const counted = Object.fromEntries(
      Object.entries(rig.manager.stats().recordsByState).filter(([, count]) => count !== 0),
    );
    expect(counted).toEqual(fromList);
    expect(counted).toEqual({ REGISTERED: 1, NOT_REGISTERED: 1 });
  });
});
