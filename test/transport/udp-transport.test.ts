import dgram from 'node:dgram';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SipInvalidArgumentError, TransportError } from '../../src/errors.js';
import type { InboundSource } from '../../src/transport/transport.js';
import { createUdpTransport, type UdpTransport } from '../../src/transport/udp-transport.js';
import {
  handleCounts,
  handlesBackTo,
  hasIPv6Loopback,
  nextEvent,
  settledHandleCounts,
  until,
} from './loopback.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const REQUEST = encoder.encode(
  'REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;rport;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n',
);
const RESPONSE = encoder.encode(
  'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n',
);

/** A tiny registrar double: a raw dgram socket on loopback. */
async function udpPeer(type: 'udp4' | 'udp6', host: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket(type);
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  opened.push({ close: () => new Promise<void>((resolve) => socket.close(() => resolve())) });
  return socket;
}

function nextDatagram(socket: dgram.Socket): Promise<[Buffer, dgram.RemoteInfo]> {
  return new Promise((resolve) => socket.once('message', (data, remote) => resolve([data, remote])));
}

function nextMessage(transport: UdpTransport): Promise<[Uint8Array, InboundSource]> {
  return nextEvent((listener) => transport.onMessage(listener));
}

async function open(options: Parameters<typeof createUdpTransport>[0]): Promise<UdpTransport> {
  const transport = await createUdpTransport(options);
  opened.push(transport);
  return transport;
}

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((item) => item.close()));
});

let ipv6 = false;
beforeAll(async () => {
  ipv6 = await hasIPv6Loopback();
  if (!ipv6) console.warn('NOTE: no IPv6 loopback (::1) on this machine: the IPv6 UDP cases are skipped');
});

describe('UDP transport', () => {
  it('TRN-05 sends from the listening socket and receives the response sent back to the source', async () => {
    const transport = await open({ host: '127.0.0.1', port: 0 });
    expect(transport.protocol).toBe('UDP');
    expect(transport.reliable).toBe(false);
    expect(transport.localAddress.host).toBe('127.0.0.1');
    expect(transport.localAddress.port).toBeGreaterThan(0);

    const peer = await udpPeer('udp4', '127.0.0.1');
    const received = nextDatagram(peer);
    await transport.send({ host: '127.0.0.1', port: peer.address().port }, REQUEST);
    const [request, remote] = await received;
    expect(decoder.decode(request)).toBe(decoder.decode(REQUEST));
    // Symmetric ports: the request came from the port we listen on.
    expect(remote.port).toBe(transport.localAddress.port);

    const response = nextMessage(transport);
    peer.send(RESPONSE, remote.port, remote.address);
    const [data, source] = await response;
    expect(decoder.decode(data)).toBe(decoder.decode(RESPONSE));
    expect(source).toEqual({ host: '127.0.0.1', port: peer.address().port, protocol: 'UDP' });
    expect(transport.stats).toMatchObject({ datagramsSent: 1, datagramsReceived: 1, sendErrors: 0 });
  });

  it('TRN-07 each datagram reports its own source; one peer answering again gets the same frozen source', async () => {
    const transport = await open({ host: '127.0.0.1', port: 0 });
    const port = transport.localAddress.port;
    const a = await udpPeer('udp4', '127.0.0.1');
    const b = await udpPeer('udp4', '127.0.0.1');
    const sources: InboundSource[] = [];
    transport.onMessage((_data, source) => sources.push(source));
    for (const peer of [a, a, b, a]) {
      const before = sources.length;
      peer.send(RESPONSE, port, '127.0.0.1');
      expect(await until(() => sources.length === before + 1)).toBe(true);
    }
    expect(sources.map((s) => s.port)).toEqual([
      a.address().port,
      a.address().port,
      b.address().port,
      a.address().port,
    ]);
    expect(sources.every((s) => s.host === '127.0.0.1' && s.protocol === 'UDP')).toBe(true);
    expect(sources[1]).toBe(sources[0]);
    expect(Object.isFrozen(sources[0])).toBe(true);
  });

  it('TRN-05 port 0 binds an ephemeral port and localAddress reports it; advertisedHost overrides the host', async () => {
    const a = await open({ host: '127.0.0.1' });
    const b = await open({ host: '127.0.0.1', port: 0, advertisedHost: '203.0.113.7' });
    expect(a.localAddress.port).not.toBe(b.localAddress.port);
    expect(b.localAddress).toEqual({ host: '203.0.113.7', port: expect.any(Number) });
    const peer = await udpPeer('udp4', '127.0.0.1');
    const received = nextDatagram(peer);
    await b.send({ host: '127.0.0.1', port: peer.address().port }, REQUEST);
    expect((await received)[1].port).toBe(b.localAddress.port);
  });

  it('TRN-03 receives a datagram of the largest IPv4 UDP size (65,507 bytes) intact', async () => {
    const transport = await open({ host: '127.0.0.1' });
    const peer = await udpPeer('udp4', '127.0.0.1');
    const big = new Uint8Array(65_507).fill(0x61);
    big.set(encoder.encode('MESSAGE sip:x SIP/2.0\r\n'));
    const received = nextMessage(transport);
    peer.send(big, transport.localAddress.port, '127.0.0.1');
    const [data] = await received;
    expect(data.length).toBe(65_507);
    expect(Buffer.from(data).equals(Buffer.from(big))).toBe(true);
  });

  it('keep-alives, STUN-like and garbage datagrams are dropped and counted, never passed up, no crash', async () => {
    const transport = await open({ host: '127.0.0.1' });
    const peer = await udpPeer('udp4', '127.0.0.1');
    const seen: string[] = [];
    transport.onMessage((data) => seen.push(decoder.decode(data)));
    const port = transport.localAddress.port;
    for (const junk of [
      new Uint8Array(0),
      encoder.encode('\r\n\r\n'),
      new Uint8Array([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]),
      new Uint8Array([0xff, 0xfe, 0x00]),
    ])
      peer.send(junk, port, '127.0.0.1');
    peer.send(RESPONSE, port, '127.0.0.1');
    expect(await until(() => seen.length === 1)).toBe(true);
    expect(seen).toEqual([decoder.decode(RESPONSE)]);
    expect(await until(() => transport.stats.droppedDatagrams === 4)).toBe(true);
  });

  it('TRN-11 a send the kernel refuses rejects with ERR_TRANSPORT_SEND (oversized datagram)', async () => {
    const transport = await open({ host: '127.0.0.1' });
    const error = await transport
      .send({ host: '127.0.0.1', port: 9 }, new Uint8Array(70_000))
      .catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe('ERR_TRANSPORT_SEND');
    expect(error.message).toMatch(/127\.0\.0\.1:9/);
    expect(transport.stats.sendErrors).toBe(1);
  });

  it('bad targets reject with ERR_TRANSPORT_SEND and never throw synchronously', async () => {
    const transport = await open({ host: '127.0.0.1' });
    const bad: unknown[] = [
      { host: '127.0.0.1', port: 0 },
      { host: '127.0.0.1', port: 70_000 },
      { host: '', port: 5060 },
      { host: 'a b', port: 5060 },
      { host: '::1', port: 5060 }, // IPv6 target from an IPv4 socket
      null,
    ];
    for (const target of bad) {
      let promise: Promise<void> | undefined;
      expect(() => {
        promise = transport.send(target as never, REQUEST);
      }).not.toThrow();
      const error = await promise!.catch((e) => e);
      expect(error).toBeInstanceOf(TransportError);
      expect(error.code).toBe('ERR_TRANSPORT_SEND');
    }
  });

  it('an IP literal already sent to keeps its checks: bad ports and data reject, the literal still works', async () => {
    const transport = await open({ host: '127.0.0.1' });
    const peer = await udpPeer('udp4', '127.0.0.1');
    const port = peer.address().port;
    const first = nextDatagram(peer);
    await transport.send({ host: '127.0.0.1', port }, REQUEST); // the literal is now known
    expect(decoder.decode((await first)[0])).toBe(decoder.decode(REQUEST));
    const bad: Array<[unknown, unknown]> = [
      [{ host: '127.0.0.1', port: 0 }, REQUEST],
      [{ host: '127.0.0.1', port: 1.5 }, REQUEST],
      [{ host: '127.0.0.1', port: '5060' }, REQUEST],
      [{ host: '127.0.0.1', port }, 'not bytes'],
      [{ host: '127.0.0.1', port, servername: 'a b' }, REQUEST],
    ];
    for (const [target, data] of bad) {
      let promise: Promise<void> | undefined;
      expect(() => {
        promise = transport.send(target as never, data as never);
      }).not.toThrow();
      const error = await promise!.catch((e) => e);
      expect(error).toBeInstanceOf(TransportError);
      expect(error.code).toBe('ERR_TRANSPORT_SEND');
    }
    expect(transport.stats.sendErrors).toBe(bad.length);
    const again = nextDatagram(peer);
    await transport.send({ host: '127.0.0.1', port }, REQUEST);
    expect((await again)[1].port).toBe(transport.localAddress.port);
    expect(transport.stats.datagramsSent).toBe(2);
  });

  it('an IPv6 literal refused by an IPv4 socket is refused every time (never remembered as usable)', async () => {
    const transport = await open({ host: '127.0.0.1' });
    for (let i = 0; i < 2; i++) {
      const error = await transport.send({ host: '::1', port: 5060 }, REQUEST).catch((e) => e);
      expect(error).toBeInstanceOf(TransportError);
      expect(error.message).toMatch(/IPv6 target/);
    }
  });

  it('host name targets are resolved with the system resolver (localhost from the hosts file)', async () => {
    const transport = await open({ host: '127.0.0.1' });
    const peer = await udpPeer('udp4', '127.0.0.1');
    const received = nextDatagram(peer);
    await transport.send({ host: 'localhost', port: peer.address().port }, REQUEST);
    expect((await received)[1].port).toBe(transport.localAddress.port);
  });

  it('IPv6: binds ::1, talks to an IPv6 peer', async (context) => {
    if (!ipv6) context.skip();
    const transport = await open({ host: '::1' });
    expect(transport.localAddress.host).toBe('::1');
    const peer = await udpPeer('udp6', '::1');
    const received = nextDatagram(peer);
    await transport.send({ host: '::1', port: peer.address().port }, REQUEST);
    const [, remote] = await received;
    expect(remote.port).toBe(transport.localAddress.port);
    const response = nextMessage(transport);
    peer.send(RESPONSE, remote.port, '::1');
    expect((await response)[1]).toEqual({ host: '::1', port: peer.address().port, protocol: 'UDP' });
  });

  it('IPv6: a dual-stack :: socket reaches IPv4 targets and reports IPv4 sources unmapped', async (context) => {
    if (!ipv6) context.skip();
    const transport = await open({ host: '::' });
    const peer = await udpPeer('udp4', '127.0.0.1');
    const received = nextDatagram(peer);
    await transport.send({ host: '127.0.0.1', port: peer.address().port }, REQUEST);
    const [, remote] = await received;
    const response = nextMessage(transport);
    peer.send(RESPONSE, remote.port, '127.0.0.1');
    expect((await response)[1]).toEqual({ host: '127.0.0.1', port: peer.address().port, protocol: 'UDP' });
  });

  it('a listener that throws does not stop the others and is counted', async () => {
    const transport = await open({ host: '127.0.0.1' });
    const peer = await udpPeer('udp4', '127.0.0.1');
    transport.onMessage(() => {
      throw new Error('listener bug');
    });
    const delivered = nextMessage(transport);
    peer.send(RESPONSE, transport.localAddress.port, '127.0.0.1');
    await delivered;
    expect(transport.stats.listenerErrors).toBe(1);
  });

  it('an unsubscribed listener gets nothing more', async () => {
    const transport = await open({ host: '127.0.0.1' });
    const peer = await udpPeer('udp4', '127.0.0.1');
    let count = 0;
    const off = transport.onMessage(() => count++);
    off();
    const delivered = nextMessage(transport);
    peer.send(RESPONSE, transport.localAddress.port, '127.0.0.1');
    await delivered;
    expect(count).toBe(0);
  });

  it('close() releases the socket; send() afterwards rejects with ERR_TRANSPORT_CLOSED; close is idempotent', async () => {
    const baseline = await settledHandleCounts();
    const transport = await createUdpTransport({ host: '127.0.0.1' });
    expect(handleCounts().UDPWrap ?? 0).toBe((baseline.UDPWrap ?? 0) + 1);
    await Promise.all([transport.close(), transport.close()]);
    await transport.close();
    expect(await handlesBackTo(baseline)).toEqual(baseline);
    const error = await transport.send({ host: '127.0.0.1', port: 5060 }, REQUEST).catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe('ERR_TRANSPORT_CLOSED');
  });

  it('a port in use rejects with ERR_TRANSPORT_OPEN', async () => {
    const peer = await udpPeer('udp4', '127.0.0.1');
    const error = await createUdpTransport({ host: '127.0.0.1', port: peer.address().port }).catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe('ERR_TRANSPORT_OPEN');
    expect(error.message).toMatch(/EADDRINUSE/);
  });

  it('bad options reject with SipInvalidArgumentError naming the option', async () => {
    await expect(createUdpTransport({ host: 'example.com' })).rejects.toThrow(SipInvalidArgumentError);
    await expect(createUdpTransport({ port: 70_000 })).rejects.toThrow(
      /option port must be an integer 0-65535, received 70000/,
    );
    await expect(createUdpTransport({ host: '[::1]' })).rejects.toThrow(/option host/);
    await expect(createUdpTransport({ advertisedHost: '' })).rejects.toThrow(/advertisedHost/);
    await expect(createUdpTransport({ receiveBufferSize: 10 })).rejects.toThrow(/option receiveBufferSize/);
    await expect(createUdpTransport({ sendBufferSize: 1.5 })).rejects.toThrow(/option sendBufferSize/);
  });

  it('asks the kernel for the configured receive buffer (burst of responses)', async () => {
    const small = await createUdpTransport({ host: '127.0.0.1', receiveBufferSize: 16 * 1024 });
    const large = await createUdpTransport({ host: '127.0.0.1', receiveBufferSize: 2 * 1024 * 1024 });
    try {
      // Linux doubles SO_RCVBUF for bookkeeping and caps it at rmem_max (at least 208 KiB by default),
      // so the larger request must be granted more than the small one.
      expect(large.receiveBufferSize).toBeGreaterThan(small.receiveBufferSize);
    } finally {
      await small.close();
      await large.close();
    }
    // Still readable after close (reports print it at the end of a run).
    expect(large.receiveBufferSize).toBeGreaterThan(small.receiveBufferSize);
  });
});
