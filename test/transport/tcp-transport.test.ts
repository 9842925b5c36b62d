import net from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { SipInvalidArgumentError, TransportError } from '../../src/errors.js';
import {
  createTcpTransport,
  type TcpTransport,
  type TcpTransportOptions,
} from '../../src/transport/tcp-transport.js';
import type { InboundSource, TransportTarget } from '../../src/transport/transport.js';
import { handlesBackTo, hasIPv6Loopback, nextEvent, settledHandleCounts, turns, until } from './loopback.js';
import { StreamPeer } from './stream-peer.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function request(n: number): string {
  return `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK${n}\r\nCSeq: ${n} REGISTER\r\nContent-Length: 0\r\n\r\n`;
}

function response(n: number, body = ''): string {
  return `SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK${n}\r\nCSeq: ${n} REGISTER\r\nContent-Length: ${encoder.encode(body).length}\r\n\r\n${body}`;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function peer(host = '127.0.0.1'): Promise<StreamPeer> {
  const created = await StreamPeer.tcp(host);
  cleanups.push(() => created.close());
  return created;
}

async function transport(options?: TcpTransportOptions): Promise<TcpTransport> {
  const created = await createTcpTransport(options);
  cleanups.push(() => created.close());
  return created;
}

/** Collects every inbound message as text, with its source. */
function inbox(t: TcpTransport): Array<{ text: string; source: InboundSource }> {
  const seen: Array<{ text: string; source: InboundSource }> = [];
  t.onMessage((data, source) => seen.push({ text: decoder.decode(data), source }));
  return seen;
}

function failures(t: TcpTransport): Array<{ target: TransportTarget; error: Error }> {
  const seen: Array<{ target: TransportTarget; error: Error }> = [];
  t.onFlowFailure((target, error) => seen.push({ target, error }));
  return seen;
}

/** A loopback port with nothing listening (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let ipv6 = false;
beforeAll(async () => {
  ipv6 = await hasIPv6Loopback();
  if (!ipv6) console.warn('NOTE: no IPv6 loopback (::1) on this machine: the IPv6 TCP case is skipped');
});

describe('TCP transport: connections', () => {
  it('TRN-04 opens one connection per target and reuses it; the response arrives with its source', async () => {
    const registrar = await peer();
    const t = await transport();
    expect(t.protocol).toBe('TCP');
    expect(t.reliable).toBe(true);
    const seen = inbox(t);
    const target = { host: '127.0.0.1', port: registrar.port };
    await t.send(target, encoder.encode(request(1)));
    await t.send(target, encoder.encode(request(2)));
    const connection = await registrar.received(0, request(1) + request(2));
    expect(registrar.connections).toHaveLength(1);

    connection.socket.write(response(2));
    expect(await until(() => seen.length === 1)).toBe(true);
    expect(seen[0]!.text).toBe(response(2));
    expect(seen[0]!.source).toEqual({ host: '127.0.0.1', port: registrar.port, protocol: 'TCP' });
    expect(t.stats).toMatchObject({
      connectionsOpened: 1,
      messagesSent: 2,
      messagesReceived: 1,
      openConnections: 1,
    });
  });

  it('TRN-04 sends made while the connection is opening are queued and go out in order on it', async () => {
    const registrar = await peer();
    const t = await transport();
    const target = { host: '127.0.0.1', port: registrar.port };
    const sends = [1, 2, 3].map((n) => t.send(target, encoder.encode(request(n))));
    await Promise.all(sends);
    await registrar.received(0, request(1) + request(2) + request(3));
    expect(registrar.connections).toHaveLength(1);
  });

  it('TRN-04 different targets get different connections', async () => {
    const a = await peer();
    const b = await peer();
    const t = await transport();
    await t.send({ host: '127.0.0.1', port: a.port }, encoder.encode(request(1)));
    await t.send({ host: '127.0.0.1', port: b.port }, encoder.encode(request(2)));
    await a.received(0, request(1));
    await b.received(0, request(2));
    expect(t.stats.openConnections).toBe(2);
  });

  it('a connection dropped by the peer is reported, forgotten, and the next send reconnects', async () => {
    const registrar = await peer();
    const t = await transport();
    const lost = failures(t);
    const target = { host: '127.0.0.1', port: registrar.port };
    await t.send(target, encoder.encode(request(1)));
    (await registrar.received(0, request(1))).socket.end();
    expect(await until(() => lost.length === 1)).toBe(true);
    expect(lost[0]!.target).toEqual(target);
    expect(lost[0]!.error).toBeInstanceOf(TransportError);
    expect(lost[0]!.error.message).toMatch(/closed by the peer/);
    expect(t.stats.openConnections).toBe(0);

    await t.send(target, encoder.encode(request(2)));
    await registrar.received(1, request(2));
    expect(registrar.connections).toHaveLength(2);
  });

  it('a refused connection rejects the send with ERR_TRANSPORT_SEND and reports a flow failure', async () => {
    const t = await transport();
    const lost = failures(t);
    const target = { host: '127.0.0.1', port: await closedPort() };
    const error = await t.send(target, encoder.encode(request(1))).catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe('ERR_TRANSPORT_SEND');
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(lost.map((f) => f.target)).toEqual([target]);
    expect(t.stats).toMatchObject({ connectFailures: 1, openConnections: 0 });
  });

  it('a reset in the middle of a message delivers nothing of it, reports the failure, and does not crash', async () => {
    const registrar = await peer();
    const t = await transport();
    const seen = inbox(t);
    const lost = failures(t);
    await t.send({ host: '127.0.0.1', port: registrar.port }, encoder.encode(request(1)));
    const connection = await registrar.received(0, request(1));
    const full = response(1, 'half of this body never arrives');
    connection.socket.write(full.slice(0, full.length - 10));
    expect(await until(() => t.stats.bufferedInboundBytes === full.length - 10)).toBe(true);
    connection.socket.resetAndDestroy();
    expect(await until(() => lost.length === 1)).toBe(true);
    expect(seen).toEqual([]);
    expect(t.stats.truncatedMessages).toBe(1);
    expect(lost[0]!.error.message).toMatch(/ECONNRESET|closed by the peer/);
  });

  it('SEC-05 a send that would pass maxPendingWriteBytes rejects instead of buffering without bound', async () => {
    const registrar = await peer();
    const t = await transport({ maxPendingWriteBytes: 300 });
    const target = { host: '127.0.0.1', port: registrar.port };
    const error = await t.send(target, new Uint8Array(301).fill(0x41)).catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe('ERR_TRANSPORT_SEND');
    expect(error.message).toMatch(/maxPendingWriteBytes \(300\)/);
    await t.send(target, encoder.encode(request(1)));
    await registrar.received(0, request(1));
  });

  it('bad targets reject with ERR_TRANSPORT_SEND without throwing synchronously', async () => {
    const t = await transport();
    for (const target of [
      { host: '127.0.0.1', port: 0 },
      { host: '', port: 5060 },
      { host: 'x', port: 1.5 },
    ]) {
      let promise: Promise<void> | undefined;
      expect(() => {
        promise = t.send(target, encoder.encode(request(1)));
      }).not.toThrow();
      await expect(promise).rejects.toMatchObject({ code: 'ERR_TRANSPORT_SEND' });
    }
  });

  it('TRN-04 a reply to a request that came on our connection goes back on it, even when we dialled a name', async () => {
    const registrar = await peer();
    const t = await transport();
    await t.send({ host: 'localhost', port: registrar.port }, encoder.encode(request(1)));
    const connection = await registrar.received(0, request(1));
    const inbound = nextEvent<[Uint8Array, InboundSource]>((listener) => t.onMessage(listener));
    connection.socket.write(
      'OPTIONS sip:alice@127.0.0.1 SIP/2.0\r\nCSeq: 5 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    );
    const [, source] = await inbound;
    expect(source).toEqual({ host: '127.0.0.1', port: registrar.port, protocol: 'TCP' });
    await t.send(source, encoder.encode(response(5)));
    await registrar.received(0, response(5));
    expect(registrar.connections).toHaveLength(1);
  });

  it('IPv6: connects to a ::1 registrar', async (context) => {
    if (!ipv6) context.skip();
    const registrar = await peer('::1');
    const t = await transport();
    const seen = inbox(t);
    await t.send({ host: '::1', port: registrar.port }, encoder.encode(request(1)));
    (await registrar.received(0, request(1))).socket.write(response(1));
    expect(await until(() => seen.length === 1)).toBe(true);
    expect(seen[0]!.source).toEqual({ host: '::1', port: registrar.port, protocol: 'TCP' });
  });
});

describe('TCP transport: framing on the stream', () => {
  it('TRN-10 a response written in many pieces (split inside CRLFCRLF and the body) is delivered once, whole', async () => {
    const registrar = await peer();
    const t = await transport();
    const seen = inbox(t);
    await t.send({ host: '127.0.0.1', port: registrar.port }, encoder.encode(request(1)));
    const connection = await registrar.received(0, request(1));
    const bytes = Buffer.from(response(1, 'body with ünïcödé ☎'), 'utf8');
    const headerEnd = bytes.indexOf('\r\n\r\n');
    const cuts = [5, headerEnd + 1, headerEnd + 3, bytes.length - 4, bytes.length - 3];
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      connection.socket.write(bytes.subarray(from, cut));
      from = cut;
      await turns(3);
      if (cut < bytes.length) expect(seen).toEqual([]);
    }
    expect(await until(() => seen.length === 1)).toBe(true);
    expect(seen[0]!.text).toBe(response(1, 'body with ünïcödé ☎'));
  });

  it('TRN-10 two responses coalesced in one write are delivered as two messages', async () => {
    const registrar = await peer();
    const t = await transport();
    const seen = inbox(t);
    await t.send({ host: '127.0.0.1', port: registrar.port }, encoder.encode(request(1)));
    (await registrar.received(0, request(1))).socket.write(response(1) + response(2, 'x'));
    expect(await until(() => seen.length === 2)).toBe(true);
    expect(seen.map((m) => m.text)).toEqual([response(1), response(2, 'x')]);
  });

  it('PIT-19 OB-10 pongs and pings around responses never corrupt them; OB-06 a ping is answered with a CRLF pong', async () => {
    const registrar = await peer();
    const t = await transport();
    const seen = inbox(t);
    await t.send({ host: '127.0.0.1', port: registrar.port }, encoder.encode(request(1)));
    const connection = await registrar.received(0, request(1));
    const before = connection.received.length;
    connection.socket.write('\r\n'); // a lone pong, in its own segment
    await turns(5);
    connection.socket.write(`${response(1)}\r\n\r\n`); // a response, then a ping
    expect(await until(() => seen.length === 1)).toBe(true);
    expect(seen[0]!.text).toBe(response(1));
    expect(await until(() => connection.received.length === before + 2)).toBe(true);
    expect(connection.received.slice(before)).toBe('\r\n');
    expect(t.stats).toMatchObject({ keepAlivePongsReceived: 1, keepAlivePingsReceived: 1 });
  });

  it('SEC-05 garbage on the stream closes that connection, is counted and reported; the next send reconnects', async () => {
    const registrar = await peer();
    const t = await transport();
    const seen = inbox(t);
    const lost = failures(t);
    const target = { host: '127.0.0.1', port: registrar.port };
    await t.send(target, encoder.encode(request(1)));
    const connection = await registrar.received(0, request(1));
    connection.socket.write(`${response(1)}\x16\x03\x01 binary junk`);
    expect(await until(() => connection.closed)).toBe(true);
    expect(seen.map((m) => m.text)).toEqual([response(1)]);
    expect(t.stats.framingErrors).toBe(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.error.message).toMatch(/cannot be framed/);
    await t.send(target, encoder.encode(request(2)));
    await registrar.received(1, request(2));
  });

  it('SEC-04 a header block over maxHeaderBytes closes the connection', async () => {
    const registrar = await peer();
    const t = await transport({ maxHeaderBytes: 200 });
    const seen = inbox(t);
    await t.send({ host: '127.0.0.1', port: registrar.port }, encoder.encode(request(1)));
    const connection = await registrar.received(0, request(1));
    connection.socket.write(`SIP/2.0 200 OK\r\nX-Pad: ${'a'.repeat(300)}\r\nContent-Length: 0\r\n\r\n`);
    expect(await until(() => connection.closed)).toBe(true);
    expect(seen).toEqual([]);
    expect(t.stats.framingErrors).toBe(1);
  });

  it('TRN-10 ABNF-09 a response without Content-Length closes the connection', async () => {
    const registrar = await peer();
    const t = await transport();
    await t.send({ host: '127.0.0.1', port: registrar.port }, encoder.encode(request(1)));
    const connection = await registrar.received(0, request(1));
    connection.socket.write('SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\n\r\n');
    expect(await until(() => connection.closed)).toBe(true);
    expect(t.stats.framingErrors).toBe(1);
  });
});

describe('TCP transport: timers (FakeClock)', () => {
  it('OB-06 OB-07 sends CRLFCRLF pings, a pong keeps the flow, a missing pong kills it and reports it', async () => {
    const clock = new FakeClock();
    const registrar = await peer();
    const t = await transport({ clock, keepAliveInterval: 30_000 });
    const lost = failures(t);
    const target = { host: '127.0.0.1', port: registrar.port };
    await t.send(target, encoder.encode(request(1)));
    const connection = await registrar.received(0, request(1));
    const sent = connection.received.length;

    // The first ping falls at a random 80–100 % of the interval: 24 000–30 000 ms.
    clock.advance(23_999);
    await turns(5);
    expect(connection.received.length).toBe(sent);
    clock.advance(6_001); // now 30 000: the ping was sent, its pong is due 10 s later (>= 34 000)
    expect(await until(() => connection.received.length === sent + 4)).toBe(true);
    expect(connection.received.slice(sent)).toBe('\r\n\r\n');
    expect(t.stats.keepAlivePingsSent).toBe(1);

    connection.socket.write('\r\n'); // pong
    expect(await until(() => t.stats.keepAlivePongsReceived === 1)).toBe(true);
    clock.advance(10_000); // now 40 000: the pong timer must have been cancelled
    await turns(3);
    expect(lost).toEqual([]);

    clock.advanceTo(60_000); // second ping (54 000–60 000 after the pong at 30 000), never answered
    expect(await until(() => t.stats.keepAlivePingsSent === 2)).toBe(true);
    const pongDue = clock.nextDue()!;
    expect(pongDue).toBeGreaterThan(60_000);
    clock.advanceTo(pongDue - 1);
    await turns(3);
    expect(lost).toEqual([]);
    clock.advance(1);
    expect(await until(() => lost.length === 1)).toBe(true);
    expect(lost[0]!.target).toEqual(target);
    expect(lost[0]!.error.message).toMatch(/no keep-alive pong within 10000 ms/);
    expect(await until(() => connection.closed)).toBe(true);
    expect(t.stats).toMatchObject({ keepAliveTimeouts: 1, openConnections: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('OB-06 keep-alives are off by default: no ping however long the flow is idle', async () => {
    const clock = new FakeClock();
    const registrar = await peer();
    const t = await transport({ clock, idleTimeout: 0 });
    await t.send({ host: '127.0.0.1', port: registrar.port }, encoder.encode(request(1)));
    const connection = await registrar.received(0, request(1));
    expect(clock.pendingTimers).toBe(0);
    clock.advance(3_600_000);
    await turns(5);
    expect(connection.received).toBe(request(1));
  });

  it('closes a connection idle for idleTimeout (no flow failure), and the next send reconnects', async () => {
    const clock = new FakeClock();
    const registrar = await peer();
    const t = await transport({ clock, idleTimeout: 60_000 });
    const lost = failures(t);
    const target = { host: '127.0.0.1', port: registrar.port };
    await t.send(target, encoder.encode(request(1)));
    const connection = await registrar.received(0, request(1));

    clock.advance(40_000);
    connection.socket.write(response(1)); // traffic restarts the idle period
    expect(await until(() => t.stats.messagesReceived === 1)).toBe(true);
    clock.advance(59_999);
    await turns(5);
    expect(connection.closed).toBe(false);
    clock.advance(1);
    expect(await until(() => connection.closed)).toBe(true);
    expect(lost).toEqual([]);
    expect(t.stats).toMatchObject({ idleCloses: 1, openConnections: 0 });
    expect(clock.pendingTimers).toBe(0);

    await t.send(target, encoder.encode(request(2)));
    await registrar.received(1, request(2));
  });

  it('idleTimeout defaults to 5 minutes', async () => {
    const clock = new FakeClock();
    const registrar = await peer();
    const t = await transport({ clock });
    await t.send({ host: '127.0.0.1', port: registrar.port }, encoder.encode(request(1)));
    const connection = await registrar.received(0, request(1));
    clock.advance(299_999);
    await turns(5);
    expect(connection.closed).toBe(false);
    clock.advance(1);
    expect(await until(() => connection.closed)).toBe(true);
  });

  it('the connect timer runs while the connection opens and is cleared once it is open', async () => {
    // The timeout firing is tested over TLS (tls-transport.test.ts), where a silent peer can hold
    // the opening forever; a loopback TCP connect always completes at once.
    const clock = new FakeClock();
    const registrar = await peer();
    const t = await transport({ clock, connectTimeout: 5_000, idleTimeout: 0 });
    const sending = t.send({ host: '127.0.0.1', port: registrar.port }, encoder.encode(request(1)));
    expect(clock.nextDue()).toBe(5_000);
    await sending;
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('TCP transport: listening and closing', () => {
  it('without listen: localAddress has port 0 (nothing listens) and advertisedHost as host', async () => {
    const a = await transport();
    expect(a.localAddress).toEqual({ host: '0.0.0.0', port: 0 });
    const b = await transport({ advertisedHost: '198.51.100.4' });
    expect(b.localAddress).toEqual({ host: '198.51.100.4', port: 0 });
  });

  it('with listen: localAddress is the bound address; inbound requests arrive and replies go back on that connection', async () => {
    const t = await transport({ listen: { host: '127.0.0.1', port: 0 } });
    expect(t.localAddress.host).toBe('127.0.0.1');
    expect(t.localAddress.port).toBeGreaterThan(0);
    const client = net.connect(t.localAddress.port, '127.0.0.1');
    cleanups.push(async () => {
      client.destroy();
    });
    let fromUs = '';
    client.on('data', (chunk) => {
      fromUs += chunk.toString('latin1');
    });
    const inbound = nextEvent<[Uint8Array, InboundSource]>((listener) => t.onMessage(listener));
    client.write(`\r\n${request(7)}`);
    const [data, source] = await inbound;
    expect(decoder.decode(data)).toBe(request(7));
    expect(source).toEqual({ host: '127.0.0.1', port: client.localPort, protocol: 'TCP' });
    await t.send(source, encoder.encode(response(7)));
    expect(await until(() => fromUs === response(7))).toBe(true);
    expect(t.stats).toMatchObject({ connectionsAccepted: 1, connectionsOpened: 0 });
  });

  it('a port in use rejects with ERR_TRANSPORT_OPEN', async () => {
    const registrar = await peer();
    const error = await createTcpTransport({ listen: { host: '127.0.0.1', port: registrar.port } }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe('ERR_TRANSPORT_OPEN');
  });

  it('close() rejects queued sends, closes every socket, server and timer; send() then rejects ERR_TRANSPORT_CLOSED', async () => {
    const baseline = await settledHandleCounts();
    const clock = new FakeClock();
    const registrar = await StreamPeer.tcp();
    const t = await createTcpTransport({ clock, keepAliveInterval: 20_000, listen: { host: '127.0.0.1' } });
    const target = { host: '127.0.0.1', port: registrar.port };
    await t.send(target, encoder.encode(request(1)));
    await registrar.received(0, request(1));
    const inboundClient = net.connect(t.localAddress.port, '127.0.0.1');
    inboundClient.on('error', () => {});
    expect(await until(() => t.stats.connectionsAccepted === 1)).toBe(true);
    const lost = failures(t);
    const queued = t
      .send({ host: '127.0.0.1', port: await closedPort() }, encoder.encode(request(2)))
      .catch((e) => e);
    expect(clock.pendingTimers).toBeGreaterThan(0);

    await Promise.all([t.close(), t.close()]);
    expect(await queued).toMatchObject({ code: 'ERR_TRANSPORT_CLOSED' });
    expect(lost).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
    expect(t.stats.openConnections).toBe(0);
    await expect(t.send(target, encoder.encode(request(3)))).rejects.toMatchObject({
      code: 'ERR_TRANSPORT_CLOSED',
    });
    inboundClient.destroy();
    await registrar.close();
    expect(await handlesBackTo(baseline)).toEqual(baseline);
  });

  it('bad options reject with SipInvalidArgumentError naming the option', async () => {
    await expect(createTcpTransport({ keepAliveInterval: -1 })).rejects.toThrow(SipInvalidArgumentError);
    await expect(createTcpTransport({ idleTimeout: 1.5 })).rejects.toThrow(
      /option idleTimeout must be an integer/,
    );
    await expect(createTcpTransport({ listen: { host: 'localhost' } })).rejects.toThrow(/option listen.host/);
    await expect(createTcpTransport({ clock: {} as never })).rejects.toThrow(/option clock/);
    await expect(createTcpTransport({ maxHeaderBytes: 0 })).rejects.toThrow(/maxHeaderBytes/);
  });
});
