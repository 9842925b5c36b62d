/**
 * Routing decisions of the RegistrantManager, with in-memory transports (no sockets): transport
 * choice, ports and TLS server names, Via sent-by on connect-only streams, destination pinning and
 * its expiry, transport failures, authenticator failures.
 */
import { describe, expect, it } from 'vitest';
import type { DigestAuthenticator } from '../../src/auth/digest-authenticator.js';
import { FakeClock } from '../../src/clock.js';
import { TransportError } from '../../src/errors.js';
import type { HostResolver } from '../../src/registrant/destination-resolver.js';
import type { StateChangeEvent } from '../../src/registrant/manager-events.js';
import { RegistrantManager } from '../../src/registrant/registrant-manager.js';
import type { RegistrantManagerOptions } from '../../src/registrant/registrant-manager-options.js';
import { spin, until } from './manager-rig.js';
import { answer, ScriptedTransport } from './scripted-transport.js';

const OK: (request: Parameters<typeof answer>[0]) => string = (request) => answer(request, 200);

interface Setup {
  clock: FakeClock;
  manager: RegistrantManager;
  changes: StateChangeEvent[];
  lookups: string[];
}

function setup(options: Partial<RegistrantManagerOptions> & { addresses?: Record<string, string[]> }): Setup {
  const clock = new FakeClock(0);
  const lookups: string[] = [];
  const table = options.addresses ?? {};
  const resolver: HostResolver = async (host) => {
    lookups.push(host);
    const list = table[host];
    if (list === undefined) throw new Error(`ENOTFOUND ${host}`);
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  const { addresses: _ignored, ...rest } = options;
  const manager = new RegistrantManager({
    transport: new ScriptedTransport({ responder: OK }),
    clock,
    resolver,
    hashSize: 0,
    random: () => 0.5,
    ...rest,
  });
  const changes: StateChangeEvent[] = [];
  manager.on('stateChange', (e) => changes.push(e));
  return { clock, manager, changes, lookups };
}

async function settleFirstTick(s: Setup): Promise<void> {
  s.clock.advance(0);
  for (let i = 0; i < 20; i++) await spin();
}

const BASE = { aor: 'sip:alice@example.com', contact: 'sip:alice@192.0.2.10:5062' };

describe('transport choice (DNS-01, DNS-02, HDR-05, HDR-06)', () => {
  it('DNS-02 transport= picks the transport; sips means TLS on 5061 with the domain as server name (SEC-08)', async () => {
    const udp = new ScriptedTransport({ responder: OK });
    const tcp = new ScriptedTransport({
      protocol: 'TCP',
      responder: OK,
      localAddress: { host: '192.0.2.10', port: 5062 },
    });
    const tls = new ScriptedTransport({
      protocol: 'TLS',
      responder: OK,
      localAddress: { host: '192.0.2.10', port: 5063 },
    });
    const s = setup({
      transport: [udp, tcp, tls],
      addresses: { 'reg.example.test': ['198.51.100.1'] },
    });
    const a = s.manager.add({ ...BASE, registrar: 'sip:reg.example.test;transport=tcp' });
    const b = s.manager.add({
      ...BASE,
      registrar: 'sips:reg.example.test',
      contact: 'sips:alice@192.0.2.10:5063',
    });
    const c = s.manager.add({ ...BASE, registrar: 'sip:reg.example.test:5080' });
    s.manager.start();
    await settleFirstTick(s);
    await until('registrations', () => s.manager.list().every((i) => i.stateName === 'REGISTERED'));
    expect(tcp.sent.map((x) => x.target)).toEqual([{ host: '198.51.100.1', port: 5060 }]);
    expect(tcp.sent[0]!.request.headers.get('Via')).toMatch(
      /^SIP\/2\.0\/TCP 192\.0\.2\.10:5062;branch=z9hG4bK\w+$/,
    );
    expect(tls.sent.map((x) => x.target)).toEqual([
      { host: '198.51.100.1', port: 5061, servername: 'reg.example.test' },
    ]);
    expect(udp.sent.map((x) => x.target)).toEqual([{ host: '198.51.100.1', port: 5080 }]);
    expect(s.manager.get(a)!.socket).toBe('tcp:192.0.2.10:5062');
    expect(s.manager.get(b)!.socket).toBe('tls:192.0.2.10:5063');
    expect(s.manager.get(c)!.socket).toBe('udp:192.0.2.10:5062');
    expect(s.lookups).toEqual(['reg.example.test']);
  });

  it('HDR-06 a forced socket picks among transports of the same protocol by local address', async () => {
    const first = new ScriptedTransport({ responder: OK, localAddress: { host: '192.0.2.10', port: 5060 } });
    const second = new ScriptedTransport({ responder: OK, localAddress: { host: '192.0.2.11', port: 5060 } });
    const s = setup({ transport: [first, second] });
    s.manager.add({ ...BASE, registrar: 'sip:198.51.100.1', socket: 'udp:192.0.2.11:5060' });
    s.manager.start();
    await settleFirstTick(s);
    expect(first.sent).toHaveLength(0);
    expect(second.sent).toHaveLength(1);
    expect(second.sent[0]!.request.headers.get('Via')).toContain('SIP/2.0/UDP 192.0.2.11:5060;');
  });

  it('add() rejects a record whose next hop needs a transport the manager lacks, or a protocol its socket lacks', () => {
    const s = setup({});
    expect(() => s.manager.add({ ...BASE, registrar: 'sip:198.51.100.1;transport=tcp' })).toThrow(
      /registrar: no TCP transport/,
    );
    expect(() => s.manager.add({ ...BASE, registrar: 'sip:198.51.100.1;transport=sctp' })).toThrow(
      /transport=sctp/,
    );
    expect(() =>
      s.manager.add({ ...BASE, registrar: 'sip:198.51.100.1;transport=tcp', socket: 'udp:192.0.2.10:5062' }),
    ).toThrow(/socket: forced socket udp:192\.0\.2\.10:5062 is UDP but the next hop needs TCP/);
    expect(s.manager.size).toBe(0);
  });

  it('HDR-06 a connect-only TCP transport (port 0) gets a recognisable sent-by and its responses are accepted', async () => {
    const tcp = new ScriptedTransport({
      protocol: 'TCP',
      responder: OK,
      localAddress: { host: '0.0.0.0', port: 0 },
    });
    const s = setup({ transport: tcp });
    const key = s.manager.add({ ...BASE, registrar: 'sip:198.51.100.1;transport=tcp' });
    s.manager.start();
    await settleFirstTick(s);
    await until('REGISTERED', () => s.manager.get(key)!.stateName === 'REGISTERED');
    expect(tcp.sent[0]!.request.headers.get('Via')).toMatch(
      /^SIP\/2\.0\/TCP sip-registrant\.invalid:5060;branch=/,
    );
  });
});

describe('destination pinning (EXP-13, DNS-05)', () => {
  it('EXP-13 refreshes go to the pinned address without DNS; a timeout drops the pin; the TTL too', async () => {
    const udp = new ScriptedTransport({ responder: OK });
    const s = setup({
      transport: udp,
      addresses: { 'reg.example.test': ['198.51.100.1', '198.51.100.2'] },
      destinationPinTtl: 3000,
      resolveCacheTtl: 0,
    });
    const key = s.manager.add({ ...BASE, registrar: 'sip:reg.example.test', expiry: 600 });
    s.manager.start();
    await settleFirstTick(s);
    await until('REGISTERED', () => s.manager.get(key)!.stateName === 'REGISTERED');
    expect(s.manager.get(key)!.pinnedDestination).toEqual({ host: '198.51.100.1', port: 5060 });
    // Refresh at 460 s (ticks every 100 s → 500 s): no new lookup.
    s.clock.advance(500_000);
    await until('refresh', () => udp.sent.length === 2 && s.manager.get(key)!.stateName === 'REGISTERED');
    expect(s.lookups).toHaveLength(1);
    expect(udp.sent[1]!.target.host).toBe('198.51.100.1');
    // The registrar goes mute: Timer F → REGISTER_TIMEOUT, pin dropped.
    udp.responder = undefined;
    s.clock.advance(500_000);
    await spin();
    s.clock.advance(40_000);
    await until('timeout', () => s.manager.get(key)!.stateName === 'REGISTER_TIMEOUT');
    expect(s.manager.get(key)!.pinnedDestination).toBeUndefined();
    udp.responder = OK;
    s.clock.advance(100_000);
    await until('re-registered', () => s.manager.get(key)!.stateName === 'REGISTERED');
    expect(s.lookups).toHaveLength(2);
    // Past the pin TTL (3,000 s) the next refresh resolves again.
    s.clock.advance(3_100_000);
    await until('refresh after TTL', () => s.lookups.length === 3);
  });
});

describe('local failures (RSP-02, TXN-08)', () => {
  it('RSP-02 a transport that refuses to send → INTERNAL_ERROR with the transport error as reason', async () => {
    const udp = new ScriptedTransport({ responder: OK });
    udp.failWith = new TransportError('ERR_TRANSPORT_SEND', 'EHOSTUNREACH 198.51.100.1:5060');
    const s = setup({ transport: udp });
    const key = s.manager.add({ ...BASE, registrar: 'sip:198.51.100.1' });
    s.manager.start();
    await settleFirstTick(s);
    await until('INTERNAL_ERROR', () => s.manager.get(key)!.stateName === 'INTERNAL_ERROR');
    expect(s.manager.get(key)!.lastReason).toContain('EHOSTUNREACH');
    expect(s.manager.stats().localFailures).toBe(1);
  });

  it('an authenticator that cannot answer the challenge → INTERNAL_ERROR naming why', async () => {
    const udp = new ScriptedTransport({
      responder: (request) =>
        answer(request, 401, [['WWW-Authenticate', 'Digest realm="x", nonce="n", algorithm=AKAv1-MD5']]),
    });
    const s = setup({ transport: udp });
    const key = s.manager.add({ ...BASE, registrar: 'sip:198.51.100.1', username: 'alice', password: 'pw' });
    s.manager.start();
    await settleFirstTick(s);
    await until('INTERNAL_ERROR', () => s.manager.get(key)!.stateName === 'INTERNAL_ERROR');
    expect(s.manager.get(key)!.lastReason).toMatch(/cannot answer the 401 challenge: ERR_DIGEST_AUTH/);
    expect(udp.sent).toHaveLength(1);
  });

  it('an injected authenticator receives the Request-URI as digest uri and HA1 credentials by family', async () => {
    const calls: unknown[] = [];
    const authenticator: DigestAuthenticator = {
      authorize(request, challenge, credentials) {
        calls.push({ request, status: challenge.status, credentials });
        return [
          {
            headerName: 'Proxy-Authorization',
            value: 'Digest username="alice"',
            realm: 'x',
            algorithm: 'MD5',
            nonce: 'n',
            qop: undefined,
            nc: undefined,
            stale: false,
          },
        ];
      },
    };
    let round = 0;
    const udp = new ScriptedTransport({
      responder: (request) =>
        round++ === 0
          ? answer(request, 407, [['Proxy-Authenticate', 'Digest realm="x", nonce="n"']])
          : answer(request, 200),
    });
    const s = setup({ transport: udp, authenticator });
    const key = s.manager.add({
      ...BASE,
      registrar: 'sip:198.51.100.1;transport=udp',
      username: 'alice',
      password: `0x${'0f'.repeat(16)}`,
    });
    s.manager.start();
    await settleFirstTick(s);
    await until('REGISTERED', () => s.manager.get(key)!.stateName === 'REGISTERED');
    expect(calls).toEqual([
      {
        request: { method: 'REGISTER', uri: 'sip:198.51.100.1;transport=udp', body: '' },
        status: 407,
        credentials: { username: 'alice', ha1: { MD5: '0f'.repeat(16) } },
      },
    ]);
    expect(udp.sent[1]!.request.headers.get('Proxy-Authorization')).toBe('Digest username="alice"');
  });
});

describe('stats count what left', () => {
  it('a REGISTER whose registrar cannot be resolved is a local failure, not a REGISTER sent', async () => {
    const s = setup({ addresses: { 'good.example.com': ['192.0.2.1'] } });
    s.manager.add({ ...BASE, registrar: 'sip:nowhere.invalid' });
    s.manager.add({ ...BASE, aor: 'sip:bob@example.com', registrar: 'sip:good.example.com' });
    s.manager.start();
    await settleFirstTick(s);
    const stats = s.manager.stats();
    expect(stats.localFailures).toBe(1);
    expect(stats.registersSent).toBe(1);
    expect(stats.transactions.sent).toBe(stats.registersSent);
  });
});
