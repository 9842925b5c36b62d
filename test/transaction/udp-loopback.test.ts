import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import type { TransactionResponseEvent } from '../../src/transaction/client-transaction.js';
import { TransactionLayer } from '../../src/transaction/transaction-layer.js';
import { createUdpTransport } from '../../src/transport/udp-transport.js';
import { makeRegister } from './fake-transport.js';

/**
 * A tiny registrar on a real loopback socket: answers REGISTER with 200 OK, echoing Via (with
 * received and rport filled in, RFC 3261 §18.2.1, RFC 3581 §4), From, To, Call-ID and CSeq.
 */
async function startResponder(host: string) {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const seen: string[] = [];
  socket.on('message', (buffer, rinfo) => {
    const text = buffer.toString('utf8');
    seen.push(text);
    const head = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
    const pick = (name: string) => head.filter((line) => line.toLowerCase().startsWith(`${name}:`));
    const via = pick('via')[0]!.replace(';rport', `;rport=${rinfo.port}`);
    const lines = [
      'SIP/2.0 200 OK',
      `${via};received=${rinfo.address}`,
      ...pick('from'),
      `${pick('to')[0]};tag=loopback`,
      ...pick('call-id'),
      ...pick('cseq'),
      'Content-Length: 0',
      '',
      '',
    ];
    socket.send(lines.join('\r\n'), rinfo.port, rinfo.address);
  });
  socket.bind(0, host);
  await once(socket, 'listening');
  return { socket, port: socket.address().port, seen };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('TransactionLayer over the real UDP transport on loopback', () => {
  it('TRN-06 TRN-07 TRN-08 gets the 200 and reports received/rport from the top Via', async () => {
    const responder = await startResponder('127.0.0.1');
    cleanups.push(() => new Promise<void>((resolve) => responder.socket.close(() => resolve())));
    const transport = await createUdpTransport({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => transport.close());
    // FakeClock: the clock never moves, so nothing is retransmitted and nothing times out.
    const clock = new FakeClock();
    const layer = new TransactionLayer({ transport, clock });
    cleanups.push(() => layer.close());

    const final = new Promise<TransactionResponseEvent>((resolve) => {
      layer.sendRequest(
        makeRegister(),
        { host: '127.0.0.1', port: responder.port },
        { onFinal: resolve },
        'loop',
      );
    });
    const event = await final;
    expect(event.id).toBe('loop');
    expect(event.synthetic).toBe(false);
    expect(event.response.status).toBe(200);
    expect(event.received).toBe('127.0.0.1');
    expect(event.rport).toBe(transport.localAddress.port);
    expect(event.source).toMatchObject({ host: '127.0.0.1', port: responder.port });
    // What went on the wire carried our sent-by and a valueless rport (RFC 3581 §3).
    expect(responder.seen).toHaveLength(1);
    expect(responder.seen[0]).toMatch(
      new RegExp(
        `\r\nVia: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${transport.localAddress.port};branch=z9hG4bK[0-9a-f]{24};rport\r\n`,
      ),
    );
    expect(layer.stats()).toMatchObject({ sent: 1, finalsDelivered: 1, active: 1 });
    clock.runUntilIdle();
    expect(layer.activeCount).toBe(0);
  });
});
