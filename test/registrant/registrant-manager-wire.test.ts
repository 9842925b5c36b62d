/**
 * What the RegistrantManager puts on the wire (RFC 3261 §10.2, §8.1.1), inspected in the requests
 * the registrar double received over real loopback UDP: Request-URI, To, From and its tag, Call-ID,
 * CSeq, Max-Forwards, Via, User-Agent, Contact, Route, Authorization.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RegistrantState } from '../../src/registrant/registrant-state.js';
import type { SipRequest } from '../../src/sip/message.js';
import {
  account,
  advance,
  advanceUntil,
  makeRig,
  quiet,
  type Rig,
  requestsFor,
  START,
} from './manager-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const USERS = { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' };
const AUTH = { realm: 'example.com', users: USERS };

function header(request: SipRequest, name: string): string | undefined {
  return request.headers.get(name);
}

function all(request: SipRequest, name: string): string[] {
  return request.headers.getAll(name);
}

function fromTag(request: SipRequest): string {
  const from = header(request, 'From')!;
  return from.slice(from.indexOf(';tag=') + 5);
}

function cseq(request: SipRequest): string {
  return header(request, 'CSeq')!;
}

describe('RegistrantManager on the wire', () => {
  it('REG-01 REG-03 REG-04 REG-05 REG-07 REG-09 REG-11 REG-14 HDR-01 HDR-02 DIG-26 builds the REGISTER and its authenticated resubmission', async () => {
    rig = await makeRig({}, AUTH);
    const params = ';+sip.instance="<urn:uuid:00000000-0000-4000-8000-000000000001>";reg-id=1';
    const config = account(rig, 'alice', {
      username: 'alice',
      password: 'alice-pw',
      contactParams: params,
      expiry: 600,
    });
    rig.manager.add(config);
    rig.manager.start();
    await advance(rig, 1_000);
    const sent = requestsFor(rig.registrar, 'alice');
    expect(sent.map((s) => s.status)).toEqual([401, 200]);
    expect(sent[1]!.exchange.request.credentials).toBe('valid');
    for (const [index, { request }] of sent.entries()) {
      // REG-01: the registrar URI byte for byte, no user part.
      expect(request.uri).toBe(rig.registrarUri);
      // REG-03: To = AOR, no tag. REG-04: From = AOR (no third party) with a tag.
      expect(header(request, 'To')).toBe('<sip:alice@example.com>');
      expect(header(request, 'From')).toMatch(/^<sip:alice@example\.com>;tag=[A-Za-z0-9_-]{11}$/);
      // REG-07: 128-bit Call-ID from the CSPRNG, base64url.
      expect(header(request, 'Call-ID')).toMatch(/^[A-Za-z0-9_-]{22}$/);
      // REG-08/09: CSeq starts at 1, +1 for the resubmission.
      expect(cseq(request)).toBe(`${index + 1} REGISTER`);
      // HDR-01/02: the mandatory headers, Max-Forwards 70.
      expect(header(request, 'Max-Forwards')).toBe('70');
      const vias = all(request, 'Via');
      expect(vias).toHaveLength(1);
      expect(vias[0]).toMatch(
        new RegExp(
          `^SIP/2\\.0/UDP 127\\.0\\.0\\.1:${rig.transport.localAddress.port};branch=z9hG4bK[0-9a-f]{24};rport$`,
        ),
      );
      expect(header(request, 'User-Agent')).toMatch(/^sip-registrant\/\d+\.\d+\.\d+/);
      expect(header(request, 'Content-Length')).toBe('0');
      // REG-11/REG-14: exactly one Contact, name-addr form, params after `>`, then expires.
      expect(all(request, 'Contact')).toEqual([`<${config.contact}>${params};expires=600`]);
      expect(header(request, 'Expires')).toBeUndefined();
      expect(header(request, 'Route')).toBeUndefined();
    }
    const [first, second] = [sent[0]!.request, sent[1]!.request];
    expect(header(first, 'Authorization')).toBeUndefined();
    // DIG-26: the digest uri is the Request-URI exactly.
    expect(header(second, 'Authorization')).toContain(`uri="${rig.registrarUri}"`);
    expect(header(second, 'Authorization')).toContain('username="alice"');
    // REG-06: the resubmission keeps the dialog.
    expect(header(second, 'Call-ID')).toBe(header(first, 'Call-ID'));
    expect(fromTag(second)).toBe(fromTag(first));
    // Branches differ per transaction (HDR-04).
    expect(all(second, 'Via')[0]).not.toBe(all(first, 'Via')[0]);
    expect(rig.registrar.bindings('sip:alice@example.com')).toHaveLength(1);
  });

  it('REG-05 REG-07 every record gets its own Call-ID and From-tag', async () => {
    rig = await makeRig({}, {});
    for (let i = 0; i < 20; i++) rig.manager.add(account(rig, `u${i}`));
    rig.manager.start();
    await advance(rig, 100_000);
    const requests = rig.registrar.requests().map((e) => e.request);
    expect(requests).toHaveLength(20);
    const callIds = new Set(requests.map((r) => r.callId));
    expect(callIds.size).toBe(20);
    const tags = new Set(
      rig.registrar.requests().map((e) => fromTag(requestsFor(rig!.registrar, e.request.user)[0]!.request)),
    );
    expect(tags.size).toBe(20);
  });

  it('REG-04 a third-party registrant changes only From', async () => {
    rig = await makeRig({}, AUTH);
    rig.manager.add(
      account(rig, 'bob', {
        username: 'bob',
        password: 'bob-pw',
        thirdPartyRegistrant: 'sip:pbx@example.com',
      }),
    );
    rig.manager.start();
    await advance(rig, 100_000); // one sweep: every bucket visited once
    const sent = requestsFor(rig.registrar, 'bob');
    expect(sent.map((s) => s.status)).toEqual([401, 200]);
    for (const { request } of sent) {
      expect(header(request, 'To')).toBe('<sip:bob@example.com>');
      expect(header(request, 'From')).toMatch(/^<sip:pbx@example\.com>;tag=/);
    }
    expect(rig.registrar.bindings('sip:bob@example.com')).toHaveLength(1);
  });

  it('REG-06 REG-08 a refresh keeps Call-ID and From-tag and goes on counting CSeq', async () => {
    rig = await makeRig({}, AUTH);
    const key = rig.manager.add(
      account(rig, 'alice', { username: 'alice', password: 'alice-pw', expiry: 600 }),
    );
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.manager.get(key)!.state).toBe(RegistrantState.REGISTERED);
    // Grant 600 s: refresh due 460 s after the send (600 − sweep 100 − margin 40), at a bucket visit.
    await advance(rig, 600_000);
    const sent = requestsFor(rig.registrar, 'alice');
    expect(
      sent.map(
        (s) => `${s.status} ${s.exchange.request.credentials} ${s.exchange.request.credentialsProblem ?? ''}`,
      ),
    ).toEqual(['401 missing ', '200 valid ', '401 missing ', '200 valid ']);
    expect(sent.map((s) => cseq(s.request))).toEqual([
      '1 REGISTER',
      '2 REGISTER',
      '3 REGISTER',
      '4 REGISTER',
    ]);
    expect(new Set(sent.map((s) => header(s.request, 'Call-ID'))).size).toBe(1);
    expect(new Set(sent.map((s) => fromTag(s.request))).size).toBe(1);
    const refreshAt = sent[2]!.at - START;
    expect(refreshAt).toBeGreaterThanOrEqual(460_000);
    expect(refreshAt).toBeLessThanOrEqual(560_000);
    // The binding never lapsed at the double.
    expect(rig.registrar.bindings('sip:alice@example.com')).toHaveLength(1);
  });

  it('REG-06 a new Call-ID, From-tag and CSeq 1 after a failure', async () => {
    rig = await makeRig({}, {});
    const key = rig.manager.add(account(rig, 'carol', { expiry: 600 }));
    rig.registrar.script({ type: 'respond', status: 500 }, { user: 'carol', times: 1 });
    rig.manager.start();
    await advance(rig, 1_000);
    expect(rig.manager.get(key)!.state).toBe(RegistrantState.REGISTRAR_ERROR);
    // Back-off: 30 s · 2^1, 75 % with the fixed random source = 45 s; retried at the next visit (100 s).
    expect(rig.manager.get(key)!.nextAttemptAt).toBe(rig.manager.get(key)!.lastRegisterSent! + 45_000);
    await advance(rig, 98_000);
    expect(requestsFor(rig.registrar, 'carol')).toHaveLength(1);
    await advance(rig, 2_000);
    expect(rig.manager.get(key)!.state).toBe(RegistrantState.REGISTERED);
    const sent = requestsFor(rig.registrar, 'carol');
    expect(sent.map((s) => s.status)).toEqual([500, 200]);
    expect(header(sent[1]!.request, 'Call-ID')).not.toBe(header(sent[0]!.request, 'Call-ID'));
    expect(fromTag(sent[1]!.request)).not.toBe(fromTag(sent[0]!.request));
    expect(cseq(sent[1]!.request)).toBe('1 REGISTER');
  });

  it('REG-06 REG-08 EXP-15 the 423 retry keeps the dialog and raises expires to Min-Expires', async () => {
    rig = await makeRig({}, { ...AUTH, minExpires: 300 });
    const key = rig.manager.add(
      account(rig, 'alice', { username: 'alice', password: 'alice-pw', expiry: 200 }),
    );
    rig.manager.start();
    await advance(rig, 1_000);
    const sent = requestsFor(rig.registrar, 'alice');
    expect(sent.map((s) => s.status)).toEqual([401, 423, 401, 200]);
    expect(sent.map((s) => all(s.request, 'Contact')[0]!.split(';expires=')[1])).toEqual([
      '200',
      '200',
      '300',
      '300',
    ]);
    expect(sent.map((s) => cseq(s.request))).toEqual([
      '1 REGISTER',
      '2 REGISTER',
      '3 REGISTER',
      '4 REGISTER',
    ]);
    expect(new Set(sent.map((s) => header(s.request, 'Call-ID'))).size).toBe(1);
    const info = rig.manager.get(key)!;
    expect(info.state).toBe(RegistrantState.REGISTERED);
    expect(info.expires).toBe(300);
    expect(info.requestedExpires).toBe(300);
  });

  it('REG-10 never sends a second REGISTER while one is outstanding', async () => {
    rig = await makeRig({}, {});
    const key = rig.manager.add(account(rig, 'dave'));
    rig.registrar.script({ type: 'process', delayMs: 10_000, trying: true }, { user: 'dave', times: 1 });
    rig.manager.start();
    await advanceUntil(rig, 'the REGISTER to arrive', () => rig!.registrar.stats().registers >= 1, 1_000, 0);
    expect(rig.manager.get(key)!.state).toBe(RegistrantState.REGISTERING);
    // A forced registration while the first is in flight is held back.
    expect(rig.manager.forceRegister(key)).toEqual({ result: 'in-flight' });
    expect(rig.manager.stats().registersSent).toBe(1);
    await advanceUntil(
      rig,
      'the delayed 200',
      () => rig!.manager.get(key)!.state === RegistrantState.REGISTERED,
      20_000,
      250,
    );
    await quiet(rig);
    // Retransmissions (Timer E) reuse the transaction; only one REGISTER transaction was made.
    const exchanges = rig.registrar.requests().filter((e) => e.request.user === 'dave');
    expect(exchanges).toHaveLength(1);
    expect(rig.manager.stats().registersSent).toBe(1);
    expect(rig.registrar.stats().retransmissions).toBeGreaterThan(0);
  });

  it('REG-15 an outbound proxy is the next hop and a loose Route; the registrar name is not resolved', async () => {
    const lookups: string[] = [];
    rig = await makeRig(
      {
        resolver: async (host) => {
          lookups.push(host);
          throw new Error('no DNS in this test');
        },
      },
      AUTH,
    );
    const proxy = rig.registrarUri; // the double plays the proxy (it answers whatever the Request-URI)
    rig.manager.add({
      registrar: 'sip:registrar.example.test',
      proxy,
      aor: 'sip:alice@example.com',
      contact: `sip:alice@127.0.0.1:${rig.transport.localAddress.port}`,
      username: 'alice',
      password: 'alice-pw',
    });
    rig.manager.start();
    await advance(rig, 1_000);
    const sent = requestsFor(rig.registrar, 'alice');
    expect(sent.map((s) => s.status)).toEqual([401, 200]);
    for (const { request } of sent) {
      expect(request.uri).toBe('sip:registrar.example.test');
      expect(all(request, 'Route')).toEqual([`<${proxy};lr>`]);
    }
    expect(header(sent[1]!.request, 'Authorization')).toContain('uri="sip:registrar.example.test"');
    expect(lookups).toEqual([]);
  });

  it('HDR-01 userAgent "" sends no User-Agent; a custom one is sent as given', async () => {
    rig = await makeRig({ userAgent: '' }, {});
    rig.manager.add(account(rig, 'erin'));
    rig.manager.start();
    await advance(rig, 1_000);
    const [only] = requestsFor(rig.registrar, 'erin');
    expect(header(only!.request, 'User-Agent')).toBeUndefined();
    for (const name of ['To', 'From', 'CSeq', 'Call-ID', 'Max-Forwards', 'Via'])
      expect(header(only!.request, name), name).toBeDefined();
    await rig.close();
    rig = await makeRig({ userAgent: 'acme-sbc/2.1' }, {});
    rig.manager.add(account(rig, 'erin'));
    rig.manager.start();
    await advance(rig, 1_000);
    expect(header(requestsFor(rig.registrar, 'erin')[0]!.request, 'User-Agent')).toBe('acme-sbc/2.1');
  });
});
