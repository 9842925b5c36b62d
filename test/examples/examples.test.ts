/**
 * The examples run: each example's `main()` against the registrar double on loopback, checked on
 * what it prints and returns. Real time is only socket round trips (every account registers on
 * the first sweep tick, `hashSize: 0`), plus the host example's 300 ms keep-alive timeout.
 */
import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { main as embedUdp, optionsFromArgv } from '../../examples/embed-udp/main.js';
import { HostSipStack } from '../../examples/host-transport-adapter/host-stack.js';
import { HostStackTransport } from '../../examples/host-transport-adapter/host-stack-transport.js';
import { main as hostAdapter } from '../../examples/host-transport-adapter/main.js';
import { TransportError } from '../../src/errors.js';
import { RegistrantState } from '../../src/registrant/registrant-state.js';
import { createRegistrarDouble } from '../../src/testing/index.js';

/** Poll `ready` once per event-loop pass; fail naming `what` after `timeoutMs` of real time. */
async function until(what: string, ready: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A loopback UDP socket that records what it receives. */
async function peerSocket(): Promise<{ socket: dgram.Socket; port: number; received: string[] }> {
  const socket = dgram.createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (data) => received.push(data.toString('latin1')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, received };
}

function send(socket: dgram.Socket, text: string, port: number): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(Buffer.from(text, 'latin1'), port, '127.0.0.1', (error) =>
      error ? reject(error) : resolve(),
    ),
  );
}

function optionsRequest(port: number, branch: string): string {
  return (
    `OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch}\r\n` +
    'Max-Forwards: 70\r\nFrom: <sip:n@127.0.0.1>;tag=a\r\nTo: <sip:127.0.0.1>\r\nCall-ID: c1\r\n' +
    'CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'
  );
}

function response(branch: string): string {
  return (
    `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=${branch}\r\n` +
    'From: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>;tag=2\r\nCall-ID: x\r\n' +
    'CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n'
  );
}

describe('examples/embed-udp', () => {
  it('registers every account on its own registrar double, lists them, and un-REGISTERs them all', async () => {
    const lines: string[] = [];
    const result = await embedUdp({ log: (line) => lines.push(line) });

    expect(result.registered.map((info) => [info.aor, info.stateName, info.expires, info.lastCode])).toEqual([
      ['sip:user1@example.com', 'REGISTERED', 3600, 200],
      ['sip:user2@example.com', 'REGISTERED', 3600, 200],
      ['sip:user3@example.com', 'REGISTERED', 3600, 200],
    ]);
    // Digest authentication happened: each account was challenged once, then registered.
    for (const n of [1, 2, 3]) {
      expect(lines).toContain(`sip:user${n}@example.com: REGISTERING -> AUTHENTICATING (401 Unauthorized)`);
      expect(lines).toContain(`sip:user${n}@example.com: AUTHENTICATING -> REGISTERED (200 OK)`);
    }
    const table = lines.indexOf('all 3 accounts REGISTERED');
    expect(table).toBeGreaterThan(0);
    expect(lines[table + 1]).toMatch(/^AOR +STATE +EXPIRES +LAST +BINDING$/);
    expect(lines[table + 2]).toMatch(
      /^sip:user1@example\.com +REGISTERED +3600 +200 +sip:user1@127\.0\.0\.1:\d+$/,
    );
    expect(result.stop).toEqual({ unregistered: 3, failed: 0, timedOut: 0 });
    expect(result.bindingsLeft).toBe(0);
    expect(lines.at(-1)).toBe('registrar double bindings left: 0');
    // The passwords (pass1 …) never reach the output.
    expect(lines.join('\n')).not.toMatch(/pass\d/);
  });

  it('points at another registrar: bindings exist while registered and are gone after stop', async () => {
    const registrar = await createRegistrarDouble({
      realm: 'pbx.test',
      users: (user) => (user.startsWith('ext') ? `pw-${user.slice(3)}` : undefined),
    });
    try {
      let bindingsWhileRegistered = -1;
      const result = await embedUdp({
        registrar: `sip:${registrar.hostPort}`,
        count: 5,
        userPrefix: 'ext',
        passwordPrefix: 'pw-',
        log: () => {},
        whileRegistered: () => {
          bindingsWhileRegistered = registrar.bindingCount();
        },
      });
      expect(bindingsWhileRegistered).toBe(5);
      // The AOR domain defaults to the registrar's host.
      expect(result.registered.map((info) => info.aor)).toContain('sip:ext5@127.0.0.1');
      expect(result.registered.every((info) => info.state === RegistrantState.REGISTERED)).toBe(true);
      expect(result.stop.unregistered).toBe(5);
      expect(result.bindingsLeft).toBeUndefined(); // not its double: it does not look
      expect(registrar.bindingCount()).toBe(0);
    } finally {
      await registrar.close();
    }
  });

  it('wrong passwords: gives up after its timeout, naming the accounts, and still stops cleanly', async () => {
    const registrar = await createRegistrarDouble({ users: { user1: 'not-pass1' } });
    try {
      const lines: string[] = [];
      await expect(
        embedUdp({
          registrar: `sip:${registrar.hostPort}`,
          count: 1,
          timeoutMs: 500,
          log: (line) => lines.push(line),
        }),
      ).rejects.toThrow(/not registered after 500 ms: sip:user1@127\.0\.0\.1 \(WRONG_CREDENTIALS 401\)/);
      expect(lines).toContain('stopped: 0 un-REGISTERed, 0 failed, 0 timed out');
      expect(registrar.bindingCount()).toBe(0);
    } finally {
      await registrar.close();
    }
  });

  it('reads its options from the command line, with SIP_REGISTRAR as the fallback', () => {
    expect(
      optionsFromArgv(['--count', '7', '--domain', 'example.org'], { SIP_REGISTRAR: 'sip:10.0.0.1' }),
    ).toEqual({
      registrar: 'sip:10.0.0.1',
      count: 7,
      domain: 'example.org',
    });
    expect(optionsFromArgv(['--registrar', 'sip:10.0.0.2:5080'], { SIP_REGISTRAR: 'sip:10.0.0.1' })).toEqual({
      registrar: 'sip:10.0.0.2:5080',
    });
    expect(optionsFromArgv([], {})).toEqual({});
    expect(() => optionsFromArgv(['--count', '3x'], {})).toThrow(
      '--count: expected a positive integer, received "3x"',
    );
    expect(() => optionsFromArgv(['--count', '0'], {})).toThrow('--count');
  });
});

describe('examples/host-transport-adapter', () => {
  it('registers through the host stack, reports the dead registrar as a flow failure, and stops', async () => {
    const lines: string[] = [];
    const result = await hostAdapter({ log: (line) => lines.push(line) });

    const byAor = new Map(result.settled.map((info) => [info.aor, info]));
    expect(byAor.get('sip:user1@example.com')?.stateName).toBe('REGISTERED');
    expect(byAor.get('sip:user2@example.com')?.stateName).toBe('REGISTERED');
    // The host's keep-alive noticed the silent registrar; the REGISTER failed at once with a 503
    // instead of waiting 32 s for Timer F.
    const ghost = byAor.get('sip:ghost@example.com');
    expect(ghost?.stateName).toBe('INTERNAL_ERROR');
    expect(ghost?.lastReason).toContain('no answer to OPTIONS');
    expect(result.flowFailures).toHaveLength(1);
    expect(result.flowFailures[0]).toBe(`${ghost?.registrar.slice(4)}: no answer to OPTIONS within 300 ms`);

    // The host answered the neighbour's OPTIONS and claimed the answers to its own pings.
    expect(result.neighbourPing).toBe(200);
    expect(result.host.optionsAnswered).toBe(1);
    expect(result.host.ownResponses).toBeGreaterThanOrEqual(1);
    // REGISTER responses went to sip-registrant: 401 + 200 per account, then the same for un-REGISTER.
    expect(result.host.handedOver).toBeGreaterThanOrEqual(8);

    expect(result.stop).toEqual({ unregistered: 2, failed: 0, timedOut: 0 });
    expect(result.bindingsLeft).toBe(0);
    expect(result.sendAfterClose).toBe('ERR_TRANSPORT_CLOSED');
    expect(lines).toContain("neighbour's OPTIONS answered by the host stack: 200");
    expect(lines.join('\n')).not.toMatch(/pass\d/);
  });

  it('without the dead registrar: every account registers and no flow failure is reported', async () => {
    const result = await hostAdapter({ count: 3, deadRegistrar: false, log: () => {} });
    expect(result.settled.map((info) => info.stateName)).toEqual(['REGISTERED', 'REGISTERED', 'REGISTERED']);
    expect(result.flowFailures).toEqual([]);
    expect(result.stop.unregistered).toBe(3);
    expect(result.bindingsLeft).toBe(0);
  });
});

describe('examples/host-transport-adapter: the adapter keeps the Transport rules', () => {
  it('passes up unclaimed responses only: requests and keep-alives stay with the host', async () => {
    const host = await HostSipStack.open({ keepAliveInterval: 60_000 });
    const adapter = new HostStackTransport(host, { watchDestinations: false });
    const peer = await peerSocket();
    try {
      const seen: { text: string; host: string; port: number; protocol: string }[] = [];
      adapter.onMessage((data, source) =>
        seen.push({ text: Buffer.from(data).toString('latin1'), ...source }),
      );
      const hostPort = adapter.localAddress.port;

      await send(peer.socket, '\r\n\r\n', hostPort); // keep-alive
      await send(peer.socket, optionsRequest(peer.port, 'z9hG4bKopt1'), hostPort); // the host's business
      await send(peer.socket, response('z9hG4bK-host-late'), hostPort); // a late answer to a host ping
      await send(peer.socket, 'not SIP at all\r\n\r\n', hostPort); // unparsable
      await send(peer.socket, response('z9hG4bKabc123'), hostPort); // for sip-registrant
      await until(
        'the response and the OPTIONS answer',
        () => seen.length === 1 && peer.received.length === 1,
      );

      expect(seen[0]?.text).toContain('branch=z9hG4bKabc123');
      expect(seen[0]).toMatchObject({ host: '127.0.0.1', port: peer.port, protocol: 'UDP' });
      expect(peer.received[0]).toMatch(/^SIP\/2\.0 200 OK\r\n/);
      expect(host.stats).toMatchObject({ optionsAnswered: 1, ownResponses: 1, handedOver: 1, dropped: 1 });
    } finally {
      await adapter.close();
      await host.close();
      peer.socket.close();
    }
  });

  it('send(): resolves once sent, rejects with a TransportError for a bad target (never throws)', async () => {
    const host = await HostSipStack.open();
    const adapter = new HostStackTransport(host, { watchDestinations: false });
    const peer = await peerSocket();
    try {
      await adapter.send({ host: '127.0.0.1', port: peer.port }, Buffer.from('OPTIONS x\r\n\r\n'));
      await until('the datagram', () => peer.received.length === 1);
      expect(peer.received[0]).toBe('OPTIONS x\r\n\r\n');

      for (const target of [
        { host: '127.0.0.1', port: 0 },
        { host: '', port: 5060 },
        { host: '::1', port: 5060 },
        { host: 'no-such-host.invalid', port: 5060 },
      ]) {
        let promise: Promise<void> | undefined;
        expect(() => {
          promise = adapter.send(target, new Uint8Array(1));
        }).not.toThrow();
        const error = await promise!.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(TransportError);
        expect((error as TransportError).code).toBe('ERR_TRANSPORT_SEND');
      }
    } finally {
      await adapter.close();
      await host.close();
      peer.socket.close();
    }
  });

  it('reports a watched peer that stops answering as a flow failure, once', async () => {
    const host = await HostSipStack.open({ keepAliveInterval: 60_000, keepAliveTimeout: 50 });
    const adapter = new HostStackTransport(host);
    const silent = await peerSocket(); // receives the pings, never answers
    try {
      const failures: string[] = [];
      adapter.onFlowFailure((target, error) =>
        failures.push(`${target.host}:${target.port} ${error.message}`),
      );
      await adapter.send({ host: '127.0.0.1', port: silent.port }, Buffer.from('REGISTER x\r\n\r\n'));
      await until('the flow failure', () => failures.length === 1);
      expect(failures).toEqual([`127.0.0.1:${silent.port} no answer to OPTIONS within 50 ms`]);
      // The ping was a real OPTIONS from the host's own socket.
      expect(
        silent.received.some((text) => text.startsWith(`OPTIONS sip:127.0.0.1:${silent.port} SIP/2.0`)),
      ).toBe(true);
    } finally {
      await adapter.close();
      await host.close();
      silent.socket.close();
    }
  });

  it('close(): no listener is called afterwards, send() rejects ERR_TRANSPORT_CLOSED, the host carries on', async () => {
    const host = await HostSipStack.open();
    const adapter = new HostStackTransport(host, { watchDestinations: false });
    const peer = await peerSocket();
    try {
      let calls = 0;
      adapter.onMessage(() => calls++);
      await adapter.close();
      await adapter.close(); // idempotent
      await send(peer.socket, response('z9hG4bKafterclose'), adapter.localAddress.port);
      await send(peer.socket, optionsRequest(peer.port, 'z9hG4bKopt2'), adapter.localAddress.port);
      await until("the host's answer", () => peer.received.length === 1);
      expect(calls).toBe(0);
      expect(host.stats.handedOver).toBe(1); // offered, but nobody is listening any more
      await expect(
        adapter.send({ host: '127.0.0.1', port: peer.port }, new Uint8Array(1)),
      ).rejects.toMatchObject({
        code: 'ERR_TRANSPORT_CLOSED',
      });
    } finally {
      await host.close();
      peer.socket.close();
    }
  });
});
