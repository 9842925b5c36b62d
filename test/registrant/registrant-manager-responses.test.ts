/**
 * How the RegistrantManager reacts to what registrars answer (RFC 3261 §10.2.4, §8.1.3, §21, §22),
 * driven through the registrar double over real loopback UDP with a shared FakeClock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RegistrantState } from '../../src/registrant/registrant-state.js';
import { createRegistrarDouble, type RegistrarDouble } from '../../src/testing/index.js';
import {
  account,
  advance,
  advanceUntil,
  makeRig,
  type Rig,
  requestsFor,
  START,
  WALL0,
} from './manager-rig.js';

let rig: Rig | undefined;
let other: RegistrarDouble | undefined;
afterEach(async () => {
  await rig?.close();
  await other?.close();
  rig = undefined;
  other = undefined;
});

const AUTH = { realm: 'example.com', users: { alice: 'alice-pw', bob: 'bob-pw' } };

function expiresParam(contact: string | undefined): string | undefined {
  return contact?.split(';expires=')[1];
}

describe('granted expiry (EXP-03..08)', () => {
  it('EXP-03 EXP-04 EXP-07 a shorter grant is read from our Contact and drives the refresh time', async () => {
    rig = await makeRig({}, { maxExpires: 1200 });
    const key = rig.manager.add(account(rig, 'alice', { expiry: 3600 }));
    rig.manager.start();
    await advance(rig, 1_000);
    const info = rig.manager.get(key)!;
    expect(info.state).toBe(RegistrantState.REGISTERED);
    expect(info.expires).toBe(1200);
    // refresh = min(85 % · 1200, 1200 − sweep 100 − margin 40) = 1020 s after the send.
    expect(info.nextAttemptAt).toBe(WALL0 + 1_020_000);
    expect(rig.changes.at(-1)).toMatchObject({ toName: 'REGISTERED', code: 200, expires: 1200 });
  });

  it('EXP-04 PIT-01 PIT-03 finds our binding among others, rewritten (param order, extra URI params)', async () => {
    rig = await makeRig({}, {});
    rig.registrar.script(
      {
        type: 'process',
        order: 'ours-last',
        rewriteContact: (value, ours) =>
          ours
            ? value.replace('>', ';ob>').replace(/;expires=(\d+)/, '') + `;expires=${900};received="x"`
            : value,
      },
      { user: 'alice' },
    );
    // Another device of the same AOR, registered first.
    const key = rig.manager.add(account(rig, 'alice', { expiry: 3600 }));
    rig.manager.add({ ...account(rig, 'alice'), contact: 'sip:alice@192.0.2.99:5070', expiry: 1800 });
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.manager.get(key)).toMatchObject({ stateName: 'REGISTERED', expires: 900 });
  });

  it('EXP-05 PIT-02 takes the grant from the Expires header when our Contact has none', async () => {
    rig = await makeRig({}, {});
    rig.registrar.script({ type: 'process', expiresIn: 'header', grant: 1500 });
    const key = rig.manager.add(account(rig, 'bob', { expiry: 3600 }));
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.manager.get(key)).toMatchObject({ stateName: 'REGISTERED', expires: 1500 });
  });

  it('EXP-06 SEC-11 a 200 without our binding, or with expires=0, is not "registered"', async () => {
    rig = await makeRig({}, {});
    rig.registrar.script({ type: 'process', contacts: 'none' }, { user: 'alice' });
    rig.registrar.script(
      { type: 'process', rewriteContact: (value) => value.replace(/;expires=\d+/, ';expires=0') },
      { user: 'bob' },
    );
    const alice = rig.manager.add(account(rig, 'alice'));
    const bob = rig.manager.add(account(rig, 'bob'));
    rig.manager.start();
    await advance(rig, 1_000);
    for (const key of [alice, bob]) {
      const info = rig.manager.get(key)!;
      expect(info.stateName).toBe('NOT_REGISTERED');
      expect(info.lastCode).toBe(200);
      expect(info.failureCount).toBe(1);
      // retried with back-off, not in a loop
      expect(info.nextAttemptAt).toBe(WALL0 + 45_000);
    }
    expect(rig.changes.some((c) => c.toName === 'REGISTERED')).toBe(false);
    expect(rig.warnings.filter((w) => w.code === 'BINDING_NOT_INSTALLED')).toHaveLength(2);
    expect(rig.registrar.stats().registers).toBe(2);
  });

  it('EXP-08 PIT-04 a registrar granting requested − 1 never drives the request down', async () => {
    rig = await makeRig({}, {});
    rig.registrar.script({ type: 'process', grant: (requested) => requested - 1 });
    const key = rig.manager.add(account(rig, 'alice', { expiry: 600 }));
    rig.manager.start();
    await advance(rig, 3_000_000);
    const sent = requestsFor(rig.registrar, 'alice');
    expect(sent.length).toBeGreaterThanOrEqual(5);
    for (const { request } of sent) expect(expiresParam(request.headers.get('Contact'))).toBe('600');
    expect(rig.manager.get(key)).toMatchObject({
      stateName: 'REGISTERED',
      expires: 599,
      requestedExpires: 600,
    });
    // The binding never lapsed between refreshes.
    expect(rig.registrar.bindings('sip:alice@example.com')).toHaveLength(1);
  });
});

describe('un-REGISTER and 423 (EXP-10, EXP-15)', () => {
  it('EXP-10 EXP-02 disable un-REGISTERs with expires=0 and Expires: 0 in the same dialog, authenticated', async () => {
    rig = await makeRig({}, AUTH);
    const key = rig.manager.add(account(rig, 'alice', { username: 'alice', password: 'alice-pw' }));
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.registrar.bindings('sip:alice@example.com')).toHaveLength(1);
    rig.manager.disable(key);
    await advance(rig, 1_000);
    const sent = requestsFor(rig.registrar, 'alice');
    expect(sent.map((s) => s.status)).toEqual([401, 200, 401, 200]);
    const [, registered, challenged, removed] = sent.map((s) => s.request);
    for (const request of [challenged!, removed!]) {
      expect(request.headers.getAll('Contact')).toEqual([`<${account(rig, 'alice').contact}>;expires=0`]);
      expect(request.headers.get('Expires')).toBe('0');
      expect(request.headers.get('Call-ID')).toBe(registered!.headers.get('Call-ID'));
    }
    expect(removed!.headers.get('CSeq')).toBe('4 REGISTER');
    expect(removed!.headers.get('Authorization')).toBeDefined();
    expect(rig.registrar.bindings('sip:alice@example.com')).toHaveLength(0);
    expect(rig.manager.get(key)).toMatchObject({ stateName: 'NOT_REGISTERED', enabled: false });
    expect(rig.changes.map((c) => c.toName)).toEqual([
      'REGISTERING',
      'AUTHENTICATING',
      'REGISTERED',
      'UNREGISTERING',
      'AUTHENTICATING_UNREGISTER',
      'NOT_REGISTERED',
    ]);
  });

  it('EXP-15 a second 423 after complying is a REGISTRAR_ERROR; 423 without Min-Expires too', async () => {
    rig = await makeRig({}, {});
    rig.registrar.script(
      { type: 'respond', status: 423, headers: [['Min-Expires', '1800']] },
      { user: 'alice', times: 2 },
    );
    rig.registrar.script({ type: 'respond', status: 423 }, { user: 'bob', times: 1 });
    const alice = rig.manager.add(account(rig, 'alice', { expiry: 600 }));
    const bob = rig.manager.add(account(rig, 'bob', { expiry: 600 }));
    rig.manager.start();
    await advance(rig, 1_000);
    const sent = requestsFor(rig.registrar, 'alice');
    expect(sent.map((s) => s.status)).toEqual([423, 423]);
    expect(sent.map((s) => expiresParam(s.request.headers.get('Contact')))).toEqual(['600', '1800']);
    expect(rig.manager.get(alice)).toMatchObject({ stateName: 'REGISTRAR_ERROR', lastCode: 423 });
    expect(requestsFor(rig.registrar, 'bob').map((s) => s.status)).toEqual([423]);
    expect(rig.manager.get(bob)).toMatchObject({ stateName: 'REGISTRAR_ERROR', lastCode: 423 });
  });
});

describe('digest challenges (DIG-50, DIG-51)', () => {
  it('DIG-50 a stale=true re-challenge is answered again with the new nonce', async () => {
    rig = await makeRig({}, AUTH);
    rig.registrar.script(
      { type: 'challenge', stale: true },
      { user: 'alice', credentials: 'valid', times: 1 },
    );
    const key = rig.manager.add(account(rig, 'alice', { username: 'alice', password: 'alice-pw' }));
    rig.manager.start();
    await advance(rig, 1_000);
    const sent = requestsFor(rig.registrar, 'alice');
    expect(sent.map((s) => s.status)).toEqual([401, 401, 200]);
    const nonces = sent
      .slice(1)
      .map((s) => /nonce="([^"]+)"/.exec(s.request.headers.get('Authorization')!)![1]);
    expect(nonces[0]).not.toBe(nonces[1]);
    expect(rig.manager.get(key)!.stateName).toBe('REGISTERED');
    // AUTHENTICATING → AUTHENTICATING is no state change: three events.
    expect(rig.changes.map((c) => c.toName)).toEqual(['REGISTERING', 'AUTHENTICATING', 'REGISTERED']);
  });

  it('DIG-51 SEC-12 a wrong password ends in WRONG_CREDENTIALS and is retried slowly, never hammered', async () => {
    rig = await makeRig({}, AUTH);
    const key = rig.manager.add(account(rig, 'alice', { username: 'alice', password: 'wrong' }));
    rig.manager.start();
    await advance(rig, 1_000);
    expect(requestsFor(rig.registrar, 'alice').map((s) => s.status)).toEqual([401, 401]);
    const info = rig.manager.get(key)!;
    expect(info.stateName).toBe('WRONG_CREDENTIALS');
    // slow back-off: min(3600, 300 · 2^1) · 75 % = 450 s
    expect(info.nextAttemptAt! - info.lastRegisterSent!).toBe(450_000);
    await advance(rig, 440_000);
    expect(requestsFor(rig.registrar, 'alice')).toHaveLength(2);
    await advance(rig, 100_000);
    expect(requestsFor(rig.registrar, 'alice')).toHaveLength(4);
  });

  it('DIG-51 a challenge with no credentials configured is WRONG_CREDENTIALS at once', async () => {
    rig = await makeRig({}, AUTH);
    const key = rig.manager.add(account(rig, 'alice'));
    rig.manager.start();
    await advance(rig, 1_000);
    expect(requestsFor(rig.registrar, 'alice').map((s) => s.status)).toEqual([401]);
    expect(rig.manager.get(key)).toMatchObject({ stateName: 'WRONG_CREDENTIALS', lastCode: 401 });
  });
});

describe('failures (RSP-01, RSP-06, RSP-10)', () => {
  it('RSP-01 EXP-16 no answer → REGISTER_TIMEOUT after Timer F, then retried after the back-off', async () => {
    rig = await makeRig({}, {});
    rig.registrar.script({ type: 'drop' }, { user: 'alice', times: 1 });
    const key = rig.manager.add(account(rig, 'alice'));
    rig.manager.start();
    await advanceUntil(
      rig,
      'REGISTER_TIMEOUT',
      () => rig!.manager.get(key)!.state === RegistrantState.REGISTER_TIMEOUT,
      40_000,
      500,
    );
    const timeout = rig.changes.find((c) => c.toName === 'REGISTER_TIMEOUT')!;
    expect(timeout.code).toBe(408);
    expect(timeout.at - START).toBe(32_000); // Timer F = 64 · T1
    // The double saw the retransmissions of one transaction (Timer E), nothing more.
    expect(rig.registrar.stats().retransmissions).toBeGreaterThan(5);
    expect(rig.manager.get(key)!.pinnedDestination).toBeUndefined();
    await advance(rig, 120_000);
    const sent = requestsFor(rig.registrar, 'alice');
    expect(sent.map((s) => s.status)).toEqual([undefined, 200]);
    // Retried with back-off (≥ 45 s after the timeout), in a new dialog.
    expect(sent[1]!.at - timeout.at).toBeGreaterThanOrEqual(45_000);
    expect(sent[1]!.request.headers.get('Call-ID')).not.toBe(sent[0]!.request.headers.get('Call-ID'));
    expect(rig.manager.get(key)!.stateName).toBe('REGISTERED');
  });

  it('RSP-06 a 3xx is followed once towards its first Contact (new transaction, same dialog)', async () => {
    rig = await makeRig({}, {});
    other = await createRegistrarDouble({ clock: rig.clock });
    const target = `sip:${other.hostPort}`;
    rig.registrar.script(
      { type: 'respond', status: 302, headers: [['Contact', `<${target}>`]] },
      { user: 'alice' },
    );
    const key = rig.manager.add(account(rig, 'alice'));
    rig.manager.start();
    await advance(rig, 1_000);
    const first = requestsFor(rig.registrar, 'alice');
    const second = requestsFor(other, 'alice');
    expect(first.map((s) => s.status)).toEqual([302]);
    expect(second.map((s) => s.status)).toEqual([200]);
    expect(second[0]!.request.uri).toBe(target);
    expect(second[0]!.request.headers.get('Call-ID')).toBe(first[0]!.request.headers.get('Call-ID'));
    expect(second[0]!.request.headers.get('CSeq')).toBe('2 REGISTER');
    expect(rig.manager.get(key)).toMatchObject({
      stateName: 'REGISTERED',
      pinnedDestination: { host: '127.0.0.1', port: other.address.port },
    });
    expect(other.bindings('sip:alice@example.com')).toHaveLength(1);
  });

  it('RSP-06 a second redirect in one attempt is a REGISTRAR_ERROR', async () => {
    rig = await makeRig({}, {});
    other = await createRegistrarDouble({ clock: rig.clock });
    rig.registrar.script(
      { type: 'respond', status: 302, headers: [['Contact', `<sip:${other.hostPort}>`]] },
      { user: 'alice' },
    );
    other.script(
      { type: 'respond', status: 301, headers: [['Contact', `<sip:${rig.registrar.hostPort}>`]] },
      { user: 'alice' },
    );
    const key = rig.manager.add(account(rig, 'alice'));
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.manager.get(key)).toMatchObject({ stateName: 'REGISTRAR_ERROR', lastCode: 301 });
    expect(rig.warnings.map((w) => w.code)).toContain('REDIRECT_REFUSED');
    expect(rig.registrar.stats().registers + other.stats().registers).toBe(2);
  });

  it('RSP-10 503 with Retry-After: nothing is sent to the registrar before it passes', async () => {
    rig = await makeRig({}, {});
    rig.registrar.script(
      { type: 'respond', status: 503, headers: [['Retry-After', '600']] },
      { user: 'alice', times: 1 },
    );
    const key = rig.manager.add(account(rig, 'alice'));
    rig.manager.start();
    await advance(rig, 1_000);
    const info = rig.manager.get(key)!;
    expect(info).toMatchObject({ stateName: 'REGISTRAR_ERROR', lastCode: 503 });
    expect(info.nextAttemptAt! - info.lastRegisterSent!).toBe(600_000);
    await advance(rig, 595_000);
    expect(requestsFor(rig.registrar, 'alice')).toHaveLength(1);
    await advance(rig, 110_000);
    expect(requestsFor(rig.registrar, 'alice').map((s) => s.status)).toEqual([503, 200]);
    expect(requestsFor(rig.registrar, 'alice')[1]!.at - START).toBeGreaterThanOrEqual(600_000);
  });
});

describe('local failures (DNS-06, forced socket)', () => {
  it('DNS-06 a failing lookup → INTERNAL_ERROR for that record only; a lookup that hangs times out', async () => {
    rig = await makeRig(
      {
        resolver: (host) =>
          host === 'broken.example.test'
            ? Promise.reject(Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' }))
            : new Promise(() => {}),
        resolveTimeout: 3,
      },
      {},
    );
    const broken = rig.manager.add({ ...account(rig, 'alice'), registrar: 'sip:broken.example.test' });
    const hanging = rig.manager.add({ ...account(rig, 'bob'), registrar: 'sip:hanging.example.test' });
    const fine = rig.manager.add(account(rig, 'carol'));
    rig.manager.start();
    await advanceUntil(
      rig,
      'the hanging lookup to time out',
      () => rig!.manager.get(hanging)!.state === RegistrantState.INTERNAL_ERROR,
      10_000,
      500,
    );
    expect(rig.manager.get(broken)).toMatchObject({ stateName: 'INTERNAL_ERROR', lastCode: 0 });
    expect(rig.manager.get(broken)!.lastReason).toContain('broken.example.test');
    expect(rig.manager.get(broken)!.lastReason).toContain('ENOTFOUND');
    expect(rig.manager.get(hanging)).toMatchObject({ stateName: 'INTERNAL_ERROR' });
    expect(rig.manager.get(hanging)!.lastReason).toBe('DNS lookup of hanging.example.test timed out');
    expect(rig.changes.find((c) => c.key === hanging && c.toName === 'INTERNAL_ERROR')!.at - START).toBe(
      3_000,
    );
    expect(rig.manager.get(fine)!.stateName).toBe('REGISTERED');
  });

  it('DNS-02 a host name resolved by the injected resolver; concurrent lookups of one host are shared', async () => {
    const lookups: string[] = [];
    rig = await makeRig(
      {
        resolver: async (host) => {
          lookups.push(host);
          return [{ address: '127.0.0.1', family: 4 }];
        },
      },
      {},
    );
    const port = rig.registrar.address.port;
    const keys = ['alice', 'bob', 'carol'].map((user) =>
      rig!.manager.add({ ...account(rig!, user), registrar: `sip:Registrar.Example.test:${port}` }),
    );
    rig.manager.start();
    await advance(rig, 1_000);
    for (const key of keys)
      expect(rig.manager.get(key)).toMatchObject({
        stateName: 'REGISTERED',
        pinnedDestination: { host: '127.0.0.1', port },
      });
    expect(lookups).toEqual(['registrar.example.test']);
  });

  it('HDR-06 a forced socket that matches no transport is rejected at add(), naming the socket', async () => {
    rig = await makeRig({}, {});
    const error = (() => {
      try {
        rig!.manager.add(account(rig!, 'alice', { socket: 'udp:127.0.0.1:1' }));
      } catch (thrown) {
        return thrown as { code: string; field: string; message: string };
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: 'ERR_INVALID_CONFIG', field: 'socket' });
    expect(error!.message).toContain('udp:127.0.0.1:1');
    expect(error!.message).toContain(`udp:127.0.0.1:${rig.transport.localAddress.port}`);
    expect(rig.manager.size).toBe(0);
  });

  it('HDR-06 a forced socket that cannot reach the resolved address → INTERNAL_ERROR for that record only', async () => {
    rig = await makeRig({ resolver: async () => [{ address: '::1', family: 6 }] }, {});
    const socket = `udp:127.0.0.1:${rig.transport.localAddress.port}`;
    const stuck = rig.manager.add({
      ...account(rig, 'alice', { socket }),
      registrar: 'sip:v6only.example.test',
    });
    const forced = rig.manager.add(account(rig, 'bob', { socket }));
    const free = rig.manager.add(account(rig, 'carol'));
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.manager.get(stuck)).toMatchObject({ stateName: 'INTERNAL_ERROR' });
    expect(rig.manager.get(stuck)!.lastReason).toContain('::1');
    expect(rig.manager.get(stuck)!.lastReason).toContain(socket);
    expect(rig.manager.get(forced)).toMatchObject({ stateName: 'REGISTERED', socket });
    expect(rig.manager.get(free)).toMatchObject({ stateName: 'REGISTERED', socket });
  });
});
