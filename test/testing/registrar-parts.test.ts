import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError } from '../../src/errors.js';
import { parseSipUri } from '../../src/sip/uri.js';
import { uriEquals } from '../../src/sip/uri-compare.js';
import { BindingStore } from '../../src/testing/binding-store.js';
import { canonicalAor } from '../../src/testing/canonical-aor.js';
import { formatChallenge } from '../../src/testing/challenge-header.js';
import { NonceIssuer } from '../../src/testing/nonce-issuer.js';
import type { RequestedContact } from '../../src/testing/register-request.js';
import { resolveRegistrarDoubleOptions } from '../../src/testing/registrar-double-options.js';
import { applyRegistration, type RegistrationRequest } from '../../src/testing/registration-update.js';
import { TransactionMemory } from '../../src/testing/transaction-memory.js';

describe('NonceIssuer', () => {
  it('DIG-52 issues a different nonce for every challenge, even within one millisecond', () => {
    const nonces = new NonceIssuer();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(nonces.issue(42));
    expect(seen.size).toBe(1000);
  });

  it('DIG-50 tells fresh from stale by age, and refuses nonces it did not issue', () => {
    const nonces = new NonceIssuer();
    const nonce = nonces.issue(10_000);
    expect(nonces.check(nonce, 10_000, 5_000)).toBe('fresh');
    expect(nonces.check(nonce, 15_000, 5_000)).toBe('fresh');
    expect(nonces.check(nonce, 15_001, 5_000)).toBe('stale');
    expect(new NonceIssuer().check(nonce, 10_000, 5_000)).toBe('foreign');
    const tampered = nonce.replace(/^[0-9a-z]+/, (stamp) => (Number.parseInt(stamp, 36) + 1).toString(36));
    expect(nonces.check(tampered, 10_000, 5_000)).toBe('foreign');
    for (const junk of ['', '.', 'abc', '..', 'a.b.c', 'zz.zz.'])
      expect(nonces.check(junk, 0, 5_000)).toBe('foreign');
  });

  it('DIG-57 nonces hold only characters that need no escaping in a quoted-string', () => {
    const nonce = new NonceIssuer().issue(123_456_789);
    expect(nonce).toMatch(/^[0-9a-z.]+$/);
  });
});

describe('canonicalAor', () => {
  it('drops URI parameters and headers, lower-cases scheme and host, keeps the user case and the port', () => {
    expect(canonicalAor('SIP:Alice@EXAMPLE.com;user=phone?x=y')).toBe('sip:Alice@example.com');
    expect(canonicalAor('<sips:bob@Example.com:5061;transport=tls>')).toBe('sips:bob@example.com:5061');
    expect(canonicalAor('sip:%61lice@example.com')).toBe('sip:alice@example.com');
    expect(canonicalAor('tel:+1-201-555-0123')).toBe('tel:+1-201-555-0123');
  });
});

describe('formatChallenge', () => {
  it('quotes realm, nonce, opaque and qop; algorithm and stale are tokens', () => {
    expect(
      formatChallenge({
        realm: 'a "b"',
        nonce: 'n1',
        algorithm: 'SHA-256',
        qop: ['auth', 'auth-int'],
        stale: true,
        opaque: 'o',
      }),
    ).toBe(
      'Digest realm="a \\"b\\"", nonce="n1", opaque="o", algorithm=SHA-256, qop="auth,auth-int", stale=true',
    );
    expect(
      formatChallenge({ realm: 'r', nonce: 'n', algorithm: 'md5', qop: [], stale: false, opaque: undefined }),
    ).toBe('Digest realm="r", nonce="n", algorithm=md5');
  });
});

describe('TransactionMemory', () => {
  it('forgets the oldest entry at capacity and remembers nothing with capacity 0', () => {
    const memory = new TransactionMemory(2);
    memory.remember('a', { state: 'drop', lastResponse: undefined });
    memory.remember('b', { state: 'drop', lastResponse: undefined });
    memory.remember('c', { state: 'drop', lastResponse: undefined });
    expect([memory.get('a'), memory.get('b')?.state, memory.get('c')?.state]).toEqual([
      undefined,
      'drop',
      'drop',
    ]);
    const none = new TransactionMemory(0);
    none.remember('a', { state: 'drop', lastResponse: undefined });
    expect(none.size).toBe(0);
  });
});

function contact(uri: string, expires?: number, params = ''): RequestedContact {
  return { uri: parseSipUri(uri), uriText: uri, params, expires };
}

function request(overrides: Partial<RegistrationRequest>): RegistrationRequest {
  return {
    aor: 'sip:alice@example.com',
    callId: 'call-1',
    cseq: 1,
    branch: 'z9hG4bK1',
    contacts: [],
    expiresHeader: undefined,
    source: { host: '127.0.0.1', port: 5060 },
    ...overrides,
  };
}

const POLICY = { minExpires: 60, maxExpires: 3600, defaultExpires: 1800 };

describe('applyRegistration (RFC 3261 §10.3 steps 6–8)', () => {
  it('EXP-04 finds an existing binding by URI equivalence (§19.1.4), not by text', () => {
    const store = new BindingStore(uriEquals);
    applyRegistration(
      store,
      request({ contacts: [contact('sip:alice@192.0.2.1;transport=udp', 600)] }),
      POLICY,
      0,
    );
    const outcome = applyRegistration(
      store,
      request({ cseq: 2, branch: 'z9hG4bK2', contacts: [contact('sip:ALICE@192.0.2.1;Transport=UDP', 600)] }),
      POLICY,
      1000,
    );
    // `ALICE` differs (user is case-sensitive), so that is a second binding…
    expect(outcome.kind === 'ok' && outcome.bindings.length).toBe(2);
    const refresh = applyRegistration(
      store,
      request({ cseq: 3, branch: 'z9hG4bK3', contacts: [contact('sip:alice@192.0.2.1;TRANSPORT=udp', 900)] }),
      POLICY,
      2000,
    );
    // …while a different case of the param name and value is the same URI: refreshed in place.
    expect(refresh.kind === 'ok' && refresh.bindings.length).toBe(2);
    expect(store.list('sip:alice@example.com', 2000)[0]?.expiresAt).toBe(2000 + 900_000);
  });

  it('EXP-01 uses the Contact expires, else the Expires header, else the default; caps at maxExpires', () => {
    const store = new BindingStore(uriEquals);
    applyRegistration(
      store,
      request({
        contacts: [
          contact('sip:a@192.0.2.1', 120),
          contact('sip:b@192.0.2.1'),
          contact('sip:c@192.0.2.1', 9999),
        ],
        expiresHeader: 300,
      }),
      POLICY,
      0,
    );
    expect(store.list('sip:alice@example.com', 0).map((b) => b.expiresAt / 1000)).toEqual([120, 300, 3600]);
    applyRegistration(
      store,
      request({ aor: 'sip:bob@example.com', contacts: [contact('sip:d@192.0.2.1')] }),
      POLICY,
      0,
    );
    expect(store.list('sip:bob@example.com', 0)[0]?.expiresAt).toBe(1_800_000);
  });

  it('EXP-15 refuses the whole request with 423 when any Contact is below Min-Expires, changing nothing', () => {
    const store = new BindingStore(uriEquals);
    const outcome = applyRegistration(
      store,
      request({ contacts: [contact('sip:a@192.0.2.1', 600), contact('sip:b@192.0.2.1', 30)] }),
      POLICY,
      0,
    );
    expect(outcome).toEqual({
      kind: 'reject',
      status: 423,
      reason: 'Interval Too Brief',
      headers: [['Min-Expires', '60']],
    });
    expect(store.count(0)).toBe(0);
  });

  it('a scripted grant replaces the granted value but never goes below one second', () => {
    const store = new BindingStore(uriEquals);
    applyRegistration(
      store,
      request({ contacts: [contact('sip:a@192.0.2.1', 600)] }),
      { ...POLICY, grant: -5 },
      0,
    );
    expect(store.list('sip:alice@example.com', 0)[0]?.expiresAt).toBe(1000);
  });

  it('lists a query (no Contact) without changing anything (§10.2.3)', () => {
    const store = new BindingStore(uriEquals);
    applyRegistration(store, request({ contacts: [contact('sip:a@192.0.2.1', 600)] }), POLICY, 0);
    const query = applyRegistration(store, request({ callId: 'other', contacts: [] }), POLICY, 1000);
    expect(query.kind === 'ok' && query.bindings.map((b) => b.uriText)).toEqual(['sip:a@192.0.2.1']);
  });

  it('Contact * refuses to remove a binding of the same Call-ID with a higher CSeq (500)', () => {
    const store = new BindingStore(uriEquals);
    applyRegistration(store, request({ cseq: 9, contacts: [contact('sip:a@192.0.2.1', 600)] }), POLICY, 0);
    const outcome = applyRegistration(
      store,
      request({ cseq: 3, branch: 'z9hG4bK9', contacts: '*', expiresHeader: 0 }),
      POLICY,
      0,
    );
    expect(outcome.kind === 'reject' && outcome.status).toBe(500);
    expect(store.count(0)).toBe(1);
  });
});

describe('resolveRegistrarDoubleOptions', () => {
  it('applies the documented defaults', () => {
    const options = resolveRegistrarDoubleOptions(undefined);
    expect(options).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      realm: 'registrar.test',
      algorithms: ['MD5'],
      qop: ['auth'],
      minExpires: 60,
      maxExpires: 3600,
      defaultExpires: 3600,
      nonceTtlMs: 300_000,
      recordLimit: 1000,
      lookupPassword: undefined,
    });
  });

  it('names the option, what was expected and what was received', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ port: 70000 }, /option "port" must be an integer from 0 to 65535, received 70000/],
      [{ algorithm: 'SHA-1' }, /option "algorithm" must be MD5, .*received "SHA-1"/],
      [{ algorithm: [] }, /option "algorithm" must be an algorithm name or a non-empty array/],
      [
        { qop: 'auth-conf' },
        /option "qop" must be 'auth', 'auth-int', 'auth,auth-int' or null, received "auth-conf"/,
      ],
      [
        { minExpires: 100, maxExpires: 50 },
        /option "maxExpires" must be at least minExpires \(100\), received 50/,
      ],
      [{ realm: 'a\r\nb' }, /option "realm" must be a non-empty string without control characters/],
      [{ users: 42 }, /option "users" must be a function, a Map or a record/],
      [{ nonceTtlMs: 0 }, /option "nonceTtlMs" must be an integer from 1/],
      [{ behaviour: 'drop' }, /option "behaviour" must be a function, received "drop"/],
      [{ supported: ['a b'] }, /option "supported" must be an array of option-tag tokens/],
      [{ dateHeader: 'yes' }, /option "dateHeader" must be a boolean, received "yes"/],
    ];
    for (const [options, message] of cases) {
      let caught: unknown;
      try {
        resolveRegistrarDoubleOptions(options as never);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(options)).toBeInstanceOf(SipInvalidArgumentError);
      expect((caught as Error).message).toMatch(message);
    }
  });

  it('reads users from a record without inheriting Object.prototype names', () => {
    const lookup = resolveRegistrarDoubleOptions({ users: { alice: 'x' } }).lookupPassword!;
    expect(lookup('alice')).toBe('x');
    expect(lookup('constructor')).toBeUndefined();
    expect(lookup('toString')).toBeUndefined();
    const fromMap = resolveRegistrarDoubleOptions({ users: new Map([['bob', 'y']]) }).lookupPassword!;
    expect([fromMap('bob'), fromMap('alice')]).toEqual(['y', undefined]);
  });
});
