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
