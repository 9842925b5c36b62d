import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { createRegistrarDouble, type RegistrarDouble } from '../../src/testing/index.js';
import {
  buildRegister,
  challengeParams,
  digestAuthorization,
  newBranch,
  RawSipClient,
  type RegisterSpec,
} from './raw-sip-client.js';

const USERS = { alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-secret' } as const;

let registrar: RegistrarDouble;
let client: RawSipClient;
let callSeq = 0;

async function open(options: Parameters<typeof createRegistrarDouble>[0] = {}): Promise<void> {
  registrar = await createRegistrarDouble({ realm: 'example.com', users: USERS, ...options });
}

beforeEach(async () => {
  client = await RawSipClient.open();
});

afterEach(async () => {
  // No script or listener may have thrown unless a test said so (and reset the records).
  expect(registrar?.errors()).toEqual([]);
  await registrar?.close();
  await client.close();
});

function spec(user: string, extra: Partial<RegisterSpec> = {}): RegisterSpec {
  return { port: client.port, user, callId: `call-${user}-${++callSeq}`, cseq: 1, ...extra };
}

/** Send a REGISTER, answer the 401 with the right password, return the challenge and the final answer. */
async function registerWithAuth(
  user: keyof typeof USERS,
  extra: Partial<RegisterSpec> = {},
  password: string = USERS[user],
) {
  const first = spec(user, extra);
  client.send(buildRegister(first), registrar.address);
  const challenge = await client.next();
  expect(challenge.status).toBe(401);
  const authorization = digestAuthorization({
    username: user,
    password,
    challenge: challenge.header('WWW-Authenticate')[0]!,
    uri: first.requestUri ?? 'sip:example.com',
  });
  client.send(buildRegister({ ...first, cseq: first.cseq + 1, authorization }), registrar.address);
  return { challenge, final: await client.next(), spec: { ...first, cseq: first.cseq + 1 } };
}

describe('registrar double: digest challenge and registration', () => {
  it('DIG-24 challenges an unauthenticated REGISTER, then accepts the right digest and stores the binding', async () => {
    await open();
    const { challenge, final } = await registerWithAuth('alice', { contactExpires: 1800 });
    const params = challengeParams(challenge.header('WWW-Authenticate')[0]!);
    expect(params.realm).toBe('example.com');
    expect(params.algorithm).toBe('MD5');
    expect(params.qop).toBe('auth');
    expect(params.nonce?.length).toBeGreaterThan(10);
    expect(params.stale).toBeUndefined();
    expect(challenge.header('To')[0]).toMatch(/;tag=\w+/);

    expect(final.status).toBe(200);
    expect(final.header('Contact')).toEqual([`<sip:alice@127.0.0.1:${client.port}>;expires=1800`]);
    const bindings = registrar.bindings('sip:alice@example.com');
    expect(bindings).toHaveLength(1);
    expect(bindings[0]).toMatchObject({ aor: 'sip:alice@example.com', expires: 1800, cseq: 2 });
    expect(registrar.bindingCount()).toBe(1);
    const stats = registrar.stats();
    expect(stats.responses[401]).toBe(1);
    expect(stats.responses[200]).toBe(1);
    expect(stats.challenges).toBe(1);
  });

  it('TRN-07 fills received and rport in the top Via (RFC 3581) and copies Call-ID and CSeq', async () => {
    await open();
    const request = spec('alice', { callId: 'via-check' });
    client.send(buildRegister(request), registrar.address);
    const answer = await client.next();
    const via = answer.header('Via')[0]!;
    expect(via).toContain(`rport=${client.port}`);
    expect(via).toContain('received=127.0.0.1');
    expect(answer.header('Call-ID')).toEqual(['via-check']);
    expect(answer.header('CSeq')).toEqual(['1 REGISTER']);
  });

  it('DIG-51 a wrong password gets a new 401 with a fresh nonce and no stale', async () => {
    await open();
    const { challenge, final } = await registerWithAuth('bob', {}, 'not-the-password');
    expect(final.status).toBe(401);
    const again = challengeParams(final.header('WWW-Authenticate')[0]!);
    expect(again.stale).toBeUndefined();
    expect(again.nonce).not.toBe(challengeParams(challenge.header('WWW-Authenticate')[0]!).nonce);
    expect(registrar.bindingCount()).toBe(0);
    const exchanges = registrar.requests();
    expect(exchanges.at(-1)?.request.credentials).toBe('invalid');
    expect(exchanges.at(-1)?.request.credentialsProblem).toBe('wrong response');
  });

  it('DIG-50 a right digest on an old nonce gets stale=true', async () => {
    const clock = new FakeClock(1_000);
    await open({ clock, nonceTtlMs: 30_000 });
    const first = spec('carol');
    client.send(buildRegister(first), registrar.address);
    const challenge = await client.next();
    clock.advance(30_001);
    const authorization = digestAuthorization({
      username: 'carol',
      password: USERS.carol,
      challenge: challenge.header('WWW-Authenticate')[0]!,
      uri: 'sip:example.com',
    });
    client.send(buildRegister({ ...first, cseq: 2, authorization }), registrar.address);
    const stale = await client.next();
    expect(stale.status).toBe(401);
    expect(challengeParams(stale.header('WWW-Authenticate')[0]!).stale).toBe('true');
    expect(registrar.stats().staleChallenges).toBe(1);
  });
});

describe('registrar double: expiry and removal (RFC 3261 §10.3 steps 6–8)', () => {
  it('EXP-15 answers 423 with Min-Expires when the request is below minExpires', async () => {
    await open({ users: undefined, minExpires: 120 });
    client.send(buildRegister(spec('alice', { contactExpires: 60 })), registrar.address);
    const answer = await client.next();
    expect(answer.status).toBe(423);
    expect(answer.header('Min-Expires')).toEqual(['120']);
    expect(registrar.bindingCount()).toBe(0);
  });

  it('EXP-03 grants maxExpires when more is asked, and the Expires header applies to a Contact without expires', async () => {
    await open({ users: undefined, maxExpires: 600 });
    client.send(buildRegister(spec('alice', { contactExpires: 7200 })), registrar.address);
    expect((await client.next()).header('Contact')).toEqual([
      `<sip:alice@127.0.0.1:${client.port}>;expires=600`,
    ]);
    client.send(buildRegister(spec('bob', { expiresHeader: '300' })), registrar.address);
    expect((await client.next()).header('Contact')).toEqual([
      `<sip:bob@127.0.0.1:${client.port}>;expires=300`,
    ]);
    client.send(buildRegister(spec('carol', { expiresHeader: 'soon' })), registrar.address);
    // A malformed Expires is ignored: the registrar's default, capped at maxExpires.
    expect((await client.next()).header('Contact')).toEqual([
      `<sip:carol@127.0.0.1:${client.port}>;expires=600`,
    ]);
  });

  it('EXP-10 expires=0 removes the binding (same Call-ID, higher CSeq) and the 200 lists nothing', async () => {
    await open();
    const { spec: registered } = await registerWithAuth('alice');
    expect(registrar.bindingCount()).toBe(1);
    const { final } = await registerWithAuth('alice', {
      callId: registered.callId,
      cseq: 3,
      contactExpires: 0,
    });
    expect(final.status).toBe(200);
    expect(final.header('Contact')).toEqual([]);
    expect(registrar.bindings('sip:alice@example.com')).toEqual([]);
  });

  it('EXP-11 Contact: * with Expires: 0 removes every binding of the AOR, other AORs stay', async () => {
    await open({ users: undefined });
    client.send(buildRegister(spec('alice', { contacts: ['<sip:alice@192.0.2.1>'] })), registrar.address);
    await client.next();
    client.send(buildRegister(spec('alice', { contacts: ['<sip:alice@192.0.2.2>'] })), registrar.address);
    await client.next();
    client.send(buildRegister(spec('bob')), registrar.address);
    await client.next();
    expect(registrar.bindings('sip:alice@example.com')).toHaveLength(2);

    client.send(buildRegister(spec('alice', { contacts: ['*'] })), registrar.address);
    expect((await client.next()).status).toBe(400); // `*` needs Expires: 0
    client.send(buildRegister(spec('alice', { contacts: ['*'], expiresHeader: '0' })), registrar.address);
    expect((await client.next()).status).toBe(200);
    expect(registrar.bindings('sip:alice@example.com')).toEqual([]);
    expect(registrar.bindings('sip:bob@example.com')).toHaveLength(1);
  });

  it('PIT-03 the 200 OK lists every binding of the AOR, other devices included, each with its remaining expiry', async () => {
    const clock = new FakeClock();
    await open({ users: undefined, clock });
    client.send(
      buildRegister(spec('alice', { contacts: ['<sip:desk@192.0.2.1>;expires=600'] })),
      registrar.address,
    );
    await client.next();
    clock.advance(100_000);
    client.send(
      buildRegister(spec('alice', { contacts: ['<sip:mobile@192.0.2.9>;expires=300'] })),
      registrar.address,
    );
    const answer = await client.next();
    expect(answer.header('Contact')).toEqual([
      '<sip:desk@192.0.2.1>;expires=500',
      '<sip:mobile@192.0.2.9>;expires=300',
    ]);
  });

  it('EXP-07 bindings lapse on the injected clock', async () => {
    const clock = new FakeClock();
    await open({ users: undefined, clock });
    client.send(buildRegister(spec('alice', { contactExpires: 120 })), registrar.address);
    await client.next();
    clock.advance(119_000);
    expect(registrar.bindings()[0]?.expires).toBe(1);
    clock.advance(1_000);
    expect(registrar.bindingCount()).toBe(0);
  });

  it('REG-08 same Call-ID with a lower CSeq is refused with 500; a retransmission (same branch) gets its 200 again', async () => {
    await open({ users: undefined });
    const branch = newBranch();
    const first = spec('alice', { cseq: 5, branch });
    client.send(buildRegister(first), registrar.address);
    expect((await client.next()).status).toBe(200);
    client.send(buildRegister(first), registrar.address);
    expect((await client.next()).status).toBe(200);
    client.send(buildRegister({ ...first, branch: newBranch() }), registrar.address);
    expect((await client.next()).status).toBe(500);
    client.send(buildRegister({ ...first, cseq: 4, branch: newBranch() }), registrar.address);
    expect((await client.next()).status).toBe(500);
    expect(registrar.bindings()[0]?.cseq).toBe(5);
  });
});

describe('registrar double: scripted misbehaviour', () => {
  it('RSP-01 drop: neither the request nor its retransmission is ever answered', async () => {
    await open({ users: undefined });
    registrar.script({ type: 'drop' }, { user: 'alice' });
    const dropped = spec('alice', { branch: newBranch() });
    client.send(buildRegister(dropped), registrar.address);
    client.send(buildRegister(dropped), registrar.address); // retransmission
    // Datagrams on one loopback socket are handled in order: once bob's answer is here, alice's two
    // datagrams have been handled, and nothing came back for them.
    client.send(buildRegister(spec('bob')), registrar.address);
    const answer = await client.next();
    expect(answer.header('To')[0]).toContain('bob');
    expect(client.pending).toBe(0);
    const stats = registrar.stats();
    expect(stats.dropped).toBe(1);
    expect(stats.retransmissions).toBe(1);
    expect(registrar.requests().map((e) => [e.request.user, e.action, e.status])).toEqual([
      ['alice', 'drop', undefined],
      ['bob', 'process', 200],
    ]);
  });

  it('RSP-10 respond: 503 with Retry-After once, then normal processing', async () => {
    await open({ users: undefined });
    registrar.script({ type: 'respond', status: 503, headers: [['Retry-After', '30']] }, { times: 1 });
    client.send(buildRegister(spec('alice')), registrar.address);
    const busy = await client.next();
    expect(busy.status).toBe(503);
    expect(busy.text.split('\r\n')[0]).toBe('SIP/2.0 503 Service Unavailable');
    expect(busy.header('Retry-After')).toEqual(['30']);
    expect(registrar.bindingCount()).toBe(0);
    client.send(buildRegister(spec('alice')), registrar.address);
    expect((await client.next()).status).toBe(200);
  });

  it('RSP-06 respond: 302 with a Contact, matched by user prefix only', async () => {
    await open({ users: undefined });
    registrar.script(
      { type: 'respond', status: 302, headers: [['Contact', '<sip:other.example.com:5070>']] },
      { userPrefix: 'moved-' },
    );
    client.send(buildRegister(spec('moved-1')), registrar.address);
    const moved = await client.next();
    expect(moved.status).toBe(302);
    expect(moved.header('Contact')).toEqual(['<sip:other.example.com:5070>']);
    client.send(buildRegister(spec('stays')), registrar.address);
    expect((await client.next()).status).toBe(200);
  });

  it('PIT-01 process.rewriteContact changes how our Contact is echoed, the binding is still stored', async () => {
    await open({ users: undefined });
    registrar.script({
      type: 'process',
      rewriteContact: (value) => value.replace('<sip:', '<SIP:').replace('>', ';transport=UDP;ob>'),
    });
    client.send(
      buildRegister(spec('alice', { contacts: ['<sip:alice@127.0.0.1:5999>;reg-id=1'] })),
      registrar.address,
    );
    const answer = await client.next();
    expect(answer.header('Contact')).toEqual([
      '<SIP:alice@127.0.0.1:5999;transport=UDP;ob>;reg-id=1;expires=3600',
    ]);
    expect(registrar.bindings()[0]?.contact).toBe('<sip:alice@127.0.0.1:5999>;reg-id=1');
  });

  it('PIT-02 process.expiresIn "header" states the expiry only in an Expires header', async () => {
    await open({ users: undefined });
    registrar.script({ type: 'process', expiresIn: 'header' });
    client.send(buildRegister(spec('alice', { contactExpires: 900 })), registrar.address);
    const answer = await client.next();
    expect(answer.header('Contact')).toEqual([`<sip:alice@127.0.0.1:${client.port}>`]);
    expect(answer.header('Expires')).toEqual(['900']);
  });

  it('PIT-04 process.grant as a function grants requested − 1', async () => {
    await open({ users: undefined });
    registrar.script({ type: 'process', grant: (requested) => requested - 1 });
    client.send(buildRegister(spec('alice', { contactExpires: 3600 })), registrar.address);
    expect((await client.next()).header('Contact')[0]).toMatch(/;expires=3599$/);
    expect(registrar.bindings()[0]?.expires).toBe(3599);
  });

  it('EXP-06 process.contacts "others" leaves our binding out of the 200 OK', async () => {
    await open({ users: undefined });
    client.send(buildRegister(spec('alice', { contacts: ['<sip:desk@192.0.2.1>'] })), registrar.address);
    await client.next();
    registrar.script({ type: 'process', contacts: 'others' });
    client.send(buildRegister(spec('alice', { contacts: ['<sip:mobile@192.0.2.2>'] })), registrar.address);
    expect((await client.next()).header('Contact')).toEqual(['<sip:desk@192.0.2.1>;expires=3600']);
    expect(registrar.bindingCount()).toBe(2);
  });

  it('DIG-41 challenge: several algorithms give one WWW-Authenticate row each, and any offered one is accepted', async () => {
    await open({ algorithm: ['SHA-256', 'MD5'] });
    client.send(buildRegister(spec('alice')), registrar.address);
    const challenge = await client.next();
    const rows = challenge.header('WWW-Authenticate');
    expect(rows.map((row) => challengeParams(row).algorithm)).toEqual(['SHA-256', 'MD5']);
    const authorization = digestAuthorization({
      username: 'alice',
      password: USERS.alice,
      challenge: rows[1]!,
      uri: 'sip:example.com',
    });
    client.send(buildRegister(spec('alice', { cseq: 2, authorization })), registrar.address);
    expect((await client.next()).status).toBe(200);
  });

  it('DIG-50 challenge action with stale=true and 407 Proxy-Authenticate', async () => {
    await open();
    registrar.script({ type: 'challenge', stale: true, status: 407 }, { times: 1 });
    client.send(buildRegister(spec('alice')), registrar.address);
    const answer = await client.next();
    expect(answer.status).toBe(407);
    expect(answer.header('WWW-Authenticate')).toEqual([]);
    expect(challengeParams(answer.header('Proxy-Authenticate')[0]!).stale).toBe('true');
  });

  it('TXN-03 delay: the answer waits for the FakeClock; a retransmission meanwhile is absorbed', async () => {
    const clock = new FakeClock();
    await open({ users: undefined, clock });
    registrar.script({ type: 'process', delayMs: 5_000, trying: true });
    const arrived = new Promise((resolve) => registrar.once('request', resolve));
    const request = spec('alice', { branch: newBranch() });
    client.send(buildRegister(request), registrar.address);
    await arrived;
    expect((await client.next()).status).toBe(100);
    client.send(buildRegister(request), registrar.address);
    expect((await client.next()).status).toBe(100); // the retransmission gets the provisional again
    clock.advance(4_999);
    expect(registrar.stats().responses[200]).toBeUndefined();
    clock.advance(1);
    const final = await client.next();
    expect(final.status).toBe(200);
    expect(final.header('To')[0]).toMatch(/;tag=/);
    client.send(buildRegister(request), registrar.address);
    expect((await client.next()).status).toBe(200); // a late retransmission gets the final answer again
    expect(registrar.stats().retransmissions).toBe(2);
  });

  it('RSP-03 malformed: the answer is not a parsable SIP response but carries the Call-ID', async () => {
    await open({ users: undefined });
    registrar.script({ type: 'malformed' });
    client.send(buildRegister(spec('alice', { callId: 'broken-answer' })), registrar.address);
    const answer = await client.nextText();
    expect(answer.startsWith('SIP/2.0 2OO OK\r\n')).toBe(true);
    expect(answer).toContain('Call-ID: broken-answer');
    registrar.clearScripts();
    registrar.script({ type: 'malformed', bytes: 'garbage' });
    client.send(buildRegister(spec('alice')), registrar.address);
    expect(await client.nextText()).toBe('garbage');
  });

  it('the behaviour function sees credentials and can be replaced at run time', async () => {
    await open({
      behaviour: (request) =>
        request.credentials === 'valid'
          ? { type: 'respond', status: 403, reason: 'Account Disabled' }
          : undefined,
    });
    const { final } = await registerWithAuth('alice');
    expect(final.status).toBe(403);
    expect(final.text.split('\r\n')[0]).toBe('SIP/2.0 403 Account Disabled');
    registrar.setBehaviour(undefined);
    expect((await registerWithAuth('alice')).final.status).toBe(200);
  });
});

describe('registrar double: other requests and bad input', () => {
  it('answers OPTIONS with 200 and other methods with 405, and counts unparsable datagrams', async () => {
    await open();
    client.send(buildRegister(spec('alice', { method: 'OPTIONS' })), registrar.address);
    const options = await client.next();
    expect(options.status).toBe(200);
    expect(options.header('Allow')).toEqual(['REGISTER, OPTIONS']);
    client.send(buildRegister(spec('alice', { method: 'INVITE' })), registrar.address);
    expect((await client.next()).status).toBe(405);
    client.send('this is not SIP\r\n\r\n', registrar.address);
    client.send(buildRegister(spec('alice', { contacts: ['<sip:a@b', 'x'] })), registrar.address);
    expect((await client.next()).status).toBe(400);
    expect(registrar.stats().unparsable).toBe(1);
  });

  it('DIG-26 credentials whose uri is not the Request-URI are refused, with the problem recorded', async () => {
    await open();
    const request = spec('alice', { requestUri: 'sip:example.com;transport=udp' });
    client.send(buildRegister(request), registrar.address);
    const challenge = await client.next();
    const authorization = digestAuthorization({
      username: 'alice',
      password: USERS.alice,
      challenge: challenge.header('WWW-Authenticate')[0]!,
      uri: 'sip:example.com',
    });
    client.send(buildRegister({ ...request, cseq: 2, authorization }), registrar.address);
    expect((await client.next()).status).toBe(401);
    expect(registrar.requests().at(-1)?.request.credentialsProblem).toBe('uri differs from the Request-URI');
  });

  it('accepts users as a function, and requires no credentials when no users are given', async () => {
    await open({ users: (username) => (username === 'alice' ? 'fn-secret' : undefined) });
    expect((await registerWithAuth('alice', {}, 'fn-secret')).final.status).toBe(200);
    expect((await registerWithAuth('bob', {}, USERS.bob)).final.status).toBe(401);
  });
});

describe('registrar double: more digest and processing options', () => {
  it('DIG-20 authenticates SHA-256 with qop and a required opaque echo', async () => {
    await open({ algorithm: 'SHA-256', opaque: 'opaque/+=' });
    const request = spec('alice');
    client.send(buildRegister(request), registrar.address);
    const challenge = (await client.next()).header('WWW-Authenticate')[0]!;
    expect(challengeParams(challenge)).toMatchObject({ algorithm: 'SHA-256', opaque: 'opaque/+=' });
    const authorization = digestAuthorization({
      username: 'alice',
      password: USERS.alice,
      challenge,
      uri: 'sip:example.com',
    });
    client.send(
      buildRegister({ ...request, cseq: 2, authorization: authorization.replace(/, opaque="[^"]*"/, '') }),
      registrar.address,
    );
    expect((await client.next()).status).toBe(401);
    expect(registrar.requests().at(-1)?.request.credentialsProblem).toBe('opaque not echoed');
    client.send(buildRegister({ ...request, cseq: 3, authorization }), registrar.address);
    expect((await client.next()).status).toBe(200);
  });

  it('DIG-27 with qop null the challenge offers no qop and credentials must carry none', async () => {
    await open({ qop: null });
    const request = spec('bob');
    client.send(buildRegister(request), registrar.address);
    const challenge = (await client.next()).header('WWW-Authenticate')[0]!;
    expect(challengeParams(challenge).qop).toBeUndefined();
    const authorization = digestAuthorization({
      username: 'bob',
      password: USERS.bob,
      challenge,
      uri: 'sip:example.com',
    });
    expect(authorization).not.toContain('qop=');
    client.send(buildRegister({ ...request, cseq: 2, authorization }), registrar.address);
    expect((await client.next()).status).toBe(200);
  });

  it('REG-17 a Require with an unsupported option tag gets 420 with Unsupported; a supported one passes', async () => {
    await open({ users: undefined, supported: ['path'] });
    client.send(buildRegister(spec('alice', { extraHeaders: ['Require: path, gin'] })), registrar.address);
    const answer = await client.next();
    expect(answer.status).toBe(420);
    expect(answer.header('Unsupported')).toEqual(['gin']);
    client.send(buildRegister(spec('alice', { extraHeaders: ['Require: path'] })), registrar.address);
    expect((await client.next()).status).toBe(200);
  });

  it('process.skipAuth registers without a challenge; joinContacts and order shape the listing', async () => {
    await open();
    registrar.script({ type: 'process', skipAuth: true }, { times: 1 });
    client.send(buildRegister(spec('alice', { contacts: ['<sip:mine@192.0.2.1>'] })), registrar.address);
    expect((await client.next()).status).toBe(200);
    registrar.script({ type: 'process', skipAuth: true, joinContacts: true, order: 'ours-last' });
    client.send(buildRegister(spec('alice', { contacts: ['<sip:new@192.0.2.2>'] })), registrar.address);
    // Stored order lists `mine` first, which ours-last keeps; ours-first (below) flips it.
    const answer = await client.next();
    expect(answer.header('Contact')).toEqual([
      '<sip:mine@192.0.2.1>;expires=3600, <sip:new@192.0.2.2>;expires=3600',
    ]);
    registrar.clearScripts();
    registrar.script({ type: 'process', skipAuth: true, order: 'ours-first' });
    client.send(buildRegister(spec('alice', { contacts: ['<sip:new@192.0.2.2>'] })), registrar.address);
    expect((await client.next()).header('Contact')).toEqual([
      '<sip:new@192.0.2.2>;expires=3600',
      '<sip:mine@192.0.2.1>;expires=3600',
    ]);
  });

  it('EXP-14 dateHeader adds an RFC 1123 Date to the 200 OK', async () => {
    await open({ users: undefined, dateHeader: true });
    client.send(buildRegister(spec('alice')), registrar.address);
    expect((await client.next()).header('Date')[0]).toMatch(
      /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
  });

  it('a throwing script is answered 500 and kept in errors(), never crashing the process', async () => {
    await open({ users: undefined });
    registrar.setBehaviour(() => {
      throw new Error('script bug');
    });
    client.send(buildRegister(spec('alice')), registrar.address);
    const answer = await client.next();
    expect(answer.status).toBe(500);
    expect(answer.text.split('\r\n')[0]).toBe('SIP/2.0 500 Registrar Double Error');
    registrar.setBehaviour(() => ({
      type: 'respond',
      status: 503,
      headers: [['Retry-After', '1\r\nX: injected']],
    }));
    client.send(buildRegister(spec('alice')), registrar.address);
    expect((await client.next()).status).toBe(500);
    expect(registrar.errors().map((e) => (e as Error).message)).toEqual([
      'script bug',
      expect.stringContaining('header Retry-After value contains'),
    ]);
    expect(registrar.stats().internalErrors).toBe(2);
    registrar.resetRecords();
  });

  it('nextExchange resolves with the first matching exchange', async () => {
    await open({ users: undefined });
    const waiting = registrar.nextExchange((e) => e.request.user === 'bob');
    client.send(buildRegister(spec('alice')), registrar.address);
    client.send(buildRegister(spec('bob')), registrar.address);
    const exchange = await waiting;
    expect(exchange).toMatchObject({ action: 'process', scripted: false, status: 200 });
    expect(exchange.request.aor).toBe('sip:bob@example.com');
  });
});

describe('registrar double: script validation', () => {
  it('refuses a malformed script where it is written, naming the field', async () => {
    await open();
    const cases: [unknown, unknown, RegExp][] = [
      [{ type: 'dorp' }, {}, /action.type must be 'process', .* received "dorp"/],
      [{ type: 'respond', status: 99 }, {}, /action.status must be an integer from 100 to 699, received 99/],
      [{ type: 'challenge', status: 403 }, {}, /action.status must be 401 or 407, received 403/],
      [{ type: 'process', delayMs: -1 }, {}, /action.delayMs must be a finite number >= 0, received -1/],
      [
        { type: 'respond', status: 503, headers: [['Retry-After']] },
        {},
        /action.headers must be an array of \[name, value\]/,
      ],
      [
        { type: 'process', grant: '60' },
        {},
        /action.grant must be a number of seconds or a function, received "60"/,
      ],
      [{ type: 'drop' }, { times: 0 }, /options.times must be a positive integer, received 0/],
      [
        { type: 'drop' },
        { aor: 'not a uri' },
        /options.aor must be a SIP, SIPS or TEL URI, received "not a uri"/,
      ],
    ];
    for (const [action, options, message] of cases)
      expect(() => registrar.script(action as never, options as never), JSON.stringify(action)).toThrow(
        message,
      );
    expect(() => registrar.setBehaviour('drop' as never)).toThrow(
      /expected a function or undefined, received string/,
    );
  });
});

describe('registrar double over IPv6 loopback', () => {
  it('TRN-07 listens on ::1 and stamps a bare IPv6 received', async () => {
    const client6 = await RawSipClient.open('::1');
    try {
      registrar = await createRegistrarDouble({ host: '::1', realm: 'example.com' });
      expect(registrar.hostPort).toBe(`[::1]:${registrar.address.port}`);
      const text = buildRegister({ port: client6.port, user: 'alice', callId: 'v6', cseq: 1 }).replace(
        `127.0.0.1:${client6.port};branch`,
        `[::1]:${client6.port};branch`,
      );
      client6.send(text, registrar.address);
      const answer = await client6.next();
      expect(answer.status).toBe(200);
      expect(answer.header('Via')[0]).toContain(`;rport=${client6.port};received=::1`);
    } finally {
      await client6.close();
    }
  });
});
