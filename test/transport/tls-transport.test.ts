import net from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { SipInvalidArgumentError, TransportError } from '../../src/errors.js';
import {
  createTlsTransport,
  type TlsTransport,
  type TlsTransportOptions,
} from '../../src/transport/tls-transport.js';
import type { InboundSource, TransportTarget } from '../../src/transport/transport.js';
import { handlesBackTo, nextEvent, settledHandleCounts, turns, until } from './loopback.js';
import { StreamPeer } from './stream-peer.js';
import { type TestCertificate, TestCertificates } from './test-certificates.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function request(n: number): string {
  return `REGISTER sips:example.test SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK${n}\r\nCSeq: ${n} REGISTER\r\nContent-Length: 0\r\n\r\n`;
}

function response(n: number): string {
  return `SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK${n}\r\nCSeq: ${n} REGISTER\r\nContent-Length: 0\r\n\r\n`;
}

let certificates: TestCertificates;
/** Names sip.example.test by dNSName and 127.0.0.1 by iPAddress. */
let registrarCert: TestCertificate;
/** Names its SIP domain only as a subjectAltName URI (RFC 5922 §7.1). */
let uriCert: TestCertificate;
let clientCert: TestCertificate;

beforeAll(() => {
  certificates = new TestCertificates();
  registrarCert = certificates.make('registrar', 'sip.example.test', 'DNS:sip.example.test,IP:127.0.0.1');
  uriCert = certificates.make('uri', 'Registrar', 'URI:sip:registrar.example.test');
  clientCert = certificates.make('client', 'alice-client');
});

afterAll(() => certificates?.remove());

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function registrar(options: tls.TlsOptions = registrarCert): Promise<StreamPeer> {
  const peer = await StreamPeer.tls(options);
  cleanups.push(() => peer.close());
  return peer;
}

async function transport(options?: TlsTransportOptions): Promise<TlsTransport> {
  const created = await createTlsTransport(options);
  cleanups.push(() => created.close());
  return created;
}

function failures(t: TlsTransport): Array<{ target: TransportTarget; error: Error }> {
  const seen: Array<{ target: TransportTarget; error: Error }> = [];
  t.onFlowFailure((target, error) => seen.push({ target, error }));
  return seen;
}

async function sendError(t: TlsTransport, target: TransportTarget): Promise<TransportError> {
  const error = await t.send(target, encoder.encode(request(1))).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

describe('TLS transport: server verification (SEC-08)', () => {
  it('SEC-08 connects when the registrar certificate is trusted through ca and names the SIP domain', async () => {
    const peer = await registrar();
    const t = await transport({ ca: registrarCert.cert });
    expect(t.protocol).toBe('TLS');
    expect(t.reliable).toBe(true);
    const seen: Array<[string, InboundSource]> = [];
    t.onMessage((data, source) => seen.push([decoder.decode(data), source]));
    await t.send(
      { host: '127.0.0.1', port: peer.port, servername: 'sip.example.test' },
      encoder.encode(request(1)),
    );
    const connection = await peer.received(0, request(1));
    expect((connection.socket as tls.TLSSocket).servername).toBe('sip.example.test'); // SNI sent
    connection.socket.write(response(1));
    expect(await until(() => seen.length === 1)).toBe(true);
    expect(seen[0]).toEqual([response(1), { host: '127.0.0.1', port: peer.port, protocol: 'TLS' }]);
  });

  it('SEC-08 an IP target is checked against the iPAddress entries', async () => {
    const peer = await registrar();
    const t = await transport({ ca: registrarCert.cert });
    await t.send({ host: '127.0.0.1', port: peer.port }, encoder.encode(request(1)));
    await peer.received(0, request(1));
  });

  it('SEC-08 an untrusted (self-signed) certificate is rejected by default: ERR_TRANSPORT_SEND with the reason, flow failure reported', async () => {
    const peer = await registrar();
    const t = await transport();
    const lost = failures(t);
    const target = { host: '127.0.0.1', port: peer.port, servername: 'sip.example.test' };
    const error = await sendError(t, target);
    expect(error.code).toBe('ERR_TRANSPORT_SEND');
    expect(error.message).toMatch(/self[- ]signed certificate/);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.target).toEqual(target);
    expect(peer.connections).toHaveLength(0); // no TLS session was ever established
  });

  it('SEC-08 a trusted certificate that does not name the target is rejected', async () => {
    const peer = await registrar();
    const t = await transport({ ca: registrarCert.cert });
    const error = await sendError(t, { host: '127.0.0.1', port: peer.port, servername: 'evil.example.test' });
    expect(error.code).toBe('ERR_TRANSPORT_SEND');
    expect(error.message).toMatch(/evil\.example\.test/);
    expect(error.message).toMatch(/altnames|does not match/);
  });

  it('SEC-08 a subjectAltName URI sip:<domain> proves the SIP domain (RFC 5922 §7.1), and only that domain', async () => {
    const peer = await registrar(uriCert);
    const t = await transport({ ca: uriCert.cert });
    await t.send(
      { host: '127.0.0.1', port: peer.port, servername: 'REGISTRAR.example.test' },
      encoder.encode(request(1)),
    );
    await peer.received(0, request(1));
    const error = await sendError(t, { host: '127.0.0.1', port: peer.port, servername: 'example.test' });
    expect(error.message).toMatch(/example\.test/);
  });

  it('SEC-08 rejectUnauthorized: false is an explicit opt-out that connects to an unverified registrar', async () => {
    const peer = await registrar();
    const t = await transport({ rejectUnauthorized: false });
    await t.send({ host: '127.0.0.1', port: peer.port }, encoder.encode(request(1)));
    await peer.received(0, request(1));
  });

  it('presents the client certificate (cert/key) to a registrar that asks for one', async () => {
    const peer = await registrar({
      ...registrarCert,
      requestCert: true,
      rejectUnauthorized: true,
      ca: clientCert.cert,
    });
    const t = await transport({ ca: registrarCert.cert, ...clientCert });
    await t.send({ host: '127.0.0.1', port: peer.port }, encoder.encode(request(1)));
    const connection = await peer.received(0, request(1));
    expect((connection.socket as tls.TLSSocket).getPeerCertificate().subject.CN).toBe('alice-client');
  });
});

describe('TLS transport: connections', () => {
  it('TRN-04 reuses one connection per target and identity; another identity gets its own', async () => {
    const peer = await registrar();
    const t = await transport({ ca: registrarCert.cert });
    const byName = { host: '127.0.0.1', port: peer.port, servername: 'sip.example.test' };
    await Promise.all([
      t.send(byName, encoder.encode(request(1))),
      t.send(byName, encoder.encode(request(2))),
    ]);
    await peer.received(0, request(1) + request(2));
    expect(peer.connections).toHaveLength(1);
    await t.send({ host: '127.0.0.1', port: peer.port }, encoder.encode(request(3)));
    await peer.received(1, request(3));
    expect(peer.connections).toHaveLength(2);
  });

  it('PIT-19 OB-10 a lone CRLF pong before a response does not corrupt it (the Deutsche Telekom case)', async () => {
    const peer = await registrar();
    const t = await transport({ ca: registrarCert.cert });
    const seen: string[] = [];
    t.onMessage((data) => seen.push(decoder.decode(data)));
    await t.send({ host: '127.0.0.1', port: peer.port }, encoder.encode(request(1)));
    const connection = await peer.received(0, request(1));
    connection.socket.write('\r\n');
    await turns(5);
    connection.socket.write(response(1));
    expect(await until(() => seen.length === 1)).toBe(true);
    expect(seen).toEqual([response(1)]);
  });

  it('OB-06 OB-07 keep-alive over TLS: pings go out, a silent registrar makes the flow fail', async () => {
    const clock = new FakeClock();
    const peer = await registrar();
    const t = await transport({ ca: registrarCert.cert, clock, keepAliveInterval: 100_000 });
    const lost = failures(t);
    await t.send({ host: '127.0.0.1', port: peer.port }, encoder.encode(request(1)));
    const connection = await peer.received(0, request(1));
    clock.advance(100_000);
    await peer.received(0, `${request(1)}\r\n\r\n`);
    clock.advance(10_000);
    expect(await until(() => lost.length === 1)).toBe(true);
    expect(lost[0]!.error.message).toMatch(/no keep-alive pong/);
    expect(await until(() => connection.closed)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a registrar that accepts TCP but never completes the handshake fails the send after connectTimeout', async () => {
    const clock = new FakeClock();
    const silent = net.createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const accepted: net.Socket[] = [];
    silent.on('connection', (socket) => accepted.push(socket));
    cleanups.push(async () => {
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const t = await transport({ ca: registrarCert.cert, clock, connectTimeout: 8_000 });
    const lost = failures(t);
    const sending = t.send(
      { host: '127.0.0.1', port: (silent.address() as net.AddressInfo).port },
      encoder.encode(request(1)),
    );
    const outcome = sending.then(
      () => 'sent',
      (e: TransportError) => e,
    );
    expect(await until(() => accepted.length === 1)).toBe(true);
    clock.advance(7_999);
    await turns(5);
    expect(lost).toEqual([]);
    clock.advance(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('ERR_TRANSPORT_SEND');
    expect((error as TransportError).message).toMatch(/did not open within 8000 ms/);
    expect(lost).toHaveLength(1);
    expect(t.stats).toMatchObject({ connectFailures: 1, openConnections: 0 });
  });

  it('listens for inbound TLS connections with cert/key and reports the bound address', async () => {
    const t = await transport({ ...registrarCert, listen: { host: '127.0.0.1' } });
    expect(t.localAddress.host).toBe('127.0.0.1');
    expect(t.localAddress.port).toBeGreaterThan(0);
    const client = tls.connect({ host: '127.0.0.1', port: t.localAddress.port, ca: registrarCert.cert });
    client.on('error', () => {});
    cleanups.push(async () => {
      client.destroy();
    });
    const inbound = nextEvent<[Uint8Array, InboundSource]>((listener) => t.onMessage(listener));
    client.write(request(9));
    const [data, source] = await inbound;
    expect(decoder.decode(data)).toBe(request(9));
    expect(source.protocol).toBe('TLS');
    let fromUs = '';
    client.on('data', (chunk: Buffer) => {
      fromUs += chunk.toString('latin1');
    });
    await t.send(source, encoder.encode(response(9)));
    expect(await until(() => fromUs === response(9))).toBe(true);
  });

  it('close() leaves no socket, server or timer behind', async () => {
    const baseline = await settledHandleCounts();
    const clock = new FakeClock();
    const peer = await StreamPeer.tls(registrarCert);
    const t = await createTlsTransport({
      ...registrarCert,
      ca: registrarCert.cert,
      clock,
      keepAliveInterval: 30_000,
      listen: { host: '127.0.0.1' },
    });
    await t.send({ host: '127.0.0.1', port: peer.port }, encoder.encode(request(1)));
    await peer.received(0, request(1));
    // A client that opens TCP to our TLS listener and never starts the handshake.
    const stalled = net.connect(t.localAddress.port, '127.0.0.1');
    stalled.on('error', () => {});
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    expect(clock.pendingTimers).toBeGreaterThan(0);
    const peerPort = peer.port;
    await t.close();
    expect(clock.pendingTimers).toBe(0);
    stalled.destroy();
    await peer.close();
    expect(await handlesBackTo(baseline)).toEqual(baseline);
    await expect(
      t.send({ host: '127.0.0.1', port: peerPort }, encoder.encode(request(2))),
    ).rejects.toMatchObject({
      code: 'ERR_TRANSPORT_CLOSED',
    });
  });
});

describe('TLS transport: options', () => {
  it('rejects unusable TLS options with SipInvalidArgumentError naming them, never echoing key material', async () => {
    await expect(createTlsTransport({ cert: registrarCert.cert })).rejects.toThrow(
      /cert and key go together/,
    );
    await expect(createTlsTransport({ key: registrarCert.key })).rejects.toThrow(SipInvalidArgumentError);
    await expect(createTlsTransport({ listen: { port: 0 } })).rejects.toThrow(/listen needs cert and key/);
    await expect(createTlsTransport({ rejectUnauthorized: 'no' as never })).rejects.toThrow(
      /rejectUnauthorized/,
    );
    await expect(createTlsTransport({ ca: 42 as never })).rejects.toThrow(/option ca/);
    const error = await createTlsTransport({ cert: 'not a pem', key: registrarCert.key }).catch((e) => e);
    expect(error).toBeInstanceOf(SipInvalidArgumentError);
    expect(error.message).not.toContain('PRIVATE KEY');
    expect(error.message).not.toContain(registrarCert.key.slice(40, 80));
  });
});
