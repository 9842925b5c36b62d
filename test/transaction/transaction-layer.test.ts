import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { SipInvalidArgumentError, TransportError } from '../../src/errors.js';
import type {
  TransactionHandler,
  TransactionResponseEvent,
} from '../../src/transaction/client-transaction.js';
import { TransactionLayer, type TransactionLayerOptions } from '../../src/transaction/transaction-layer.js';
import { FakeTransport, makeRegister, REGISTRAR, REGISTRAR_SOURCE, respond } from './fake-transport.js';

interface Seen extends TransactionResponseEvent {
  at: number;
}

function setup(
  transportOptions: ConstructorParameters<typeof FakeTransport>[1] = {},
  layerOptions: Partial<TransactionLayerOptions> = {},
) {
  const clock = new FakeClock();
  const transport = new FakeTransport(clock, transportOptions);
  const layer = new TransactionLayer({ transport, clock, ...layerOptions });
  const finals: Seen[] = [];
  const provisionals: Seen[] = [];
  const handler: TransactionHandler = {
    onProvisional: (event) => provisionals.push({ ...event, at: clock.now() }),
    onFinal: (event) => finals.push({ ...event, at: clock.now() }),
  };
  return { clock, transport, layer, finals, provisionals, handler };
}

/** Let rejected send promises settle (a microtask turn, not a sleep). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TransactionLayer over an unreliable transport', () => {
  it('TXN-02 TXN-03 retransmits at 0, 0.5, 1.5, 3.5, 7.5, 11.5 … s and reports Timer F as a synthetic 408 at 32 s', () => {
    const { clock, transport, layer, finals, handler } = setup();
    const request = makeRegister();
    layer.sendRequest(request, REGISTRAR, handler, 'record-1');
    clock.advance(31_999);
    expect(finals).toHaveLength(0);
    clock.advance(1);
    expect(transport.sends.map((s) => s.at)).toEqual([
      0, 500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500,
    ]);
    // Every retransmission is the same bytes (serialized once), to the same target.
    expect(new Set(transport.sends.map((s) => s.text)).size).toBe(1);
    expect(transport.sends.every((s) => s.target === REGISTRAR)).toBe(true);
    expect(finals).toHaveLength(1);
    const timeout = finals[0]!;
    expect(timeout.at).toBe(32_000);
    expect(timeout.response.status).toBe(408);
    expect(timeout.synthetic).toBe(true);
    expect(timeout.id).toBe('record-1');
    expect(timeout.error).toBeUndefined();
    expect(timeout.response.headers.get('Call-ID')).toBe(request.headers.get('Call-ID'));
    expect(timeout.response.headers.get('Via')).toBe(request.headers.get('Via'));
    const stats = layer.stats();
    expect(stats).toMatchObject({ sent: 1, retransmissions: 10, timeouts: 1, finalsDelivered: 1, active: 0 });
    expect(clock.pendingTimers).toBe(0);
    clock.advance(100_000);
    expect(transport.sends).toHaveLength(11);
  });

  it('TXN-01 TXN-03 follows custom T1/T2 (Timer F = 64·T1)', () => {
    const { clock, transport, layer, finals, handler } = setup(
      {},
      { timers: { t1: 100, t2: 400, t4: 1000 } },
    );
    layer.sendRequest(makeRegister(), REGISTRAR, handler);
    clock.runUntilIdle();
    const expected = [0, 100, 300, 700];
    for (let at = 1100; at < 6400; at += 400) expected.push(at);
    expect(transport.sends.map((s) => s.at)).toEqual(expected);
    expect(finals.map((f) => [f.at, f.response.status])).toEqual([[6400, 408]]);
  });

  it('TRN-06 HDR-05 writes a top Via with our sent-by, a fresh branch and a valueless rport', () => {
    const { transport, layer, handler } = setup();
    const request = makeRegister();
    const handle = layer.sendRequest(request, REGISTRAR, handler);
    const via = request.headers.get('Via');
    expect(via).toBe(`SIP/2.0/UDP 192.0.2.10:5062;branch=${handle.branch};rport`);
    expect(handle.branch).toMatch(/^z9hG4bK[0-9a-f]{24}$/);
    expect(transport.sends[0]!.text).toContain(`\r\nVia: ${via}\r\n`);
    expect(transport.sends[0]!.text.startsWith('REGISTER sip:example.com SIP/2.0\r\n')).toBe(true);
    const second = makeRegister();
    expect(layer.sendRequest(second, REGISTRAR, handler).branch).not.toBe(handle.branch);
  });

  it('TRN-06 HDR-06 replaces a top Via already present and brackets an IPv6 sent-by', () => {
    const { layer, handler } = setup({ localAddress: { host: '2001:db8::10', port: 5060 } });
    const request = makeRegister();
    request.headers.prepend('Via', 'SIP/2.0/UDP old.invalid;branch=z9hG4bKold, SIP/2.0/UDP keep.invalid');
    const handle = layer.sendRequest(request, REGISTRAR, handler);
    expect(request.headers.getAll('Via')).toEqual([
      `SIP/2.0/UDP [2001:db8::10]:5060;branch=${handle.branch};rport, SIP/2.0/UDP keep.invalid`,
    ]);
  });

  it('RSP-05 uses the sentBy option instead of the transport address', () => {
    const { transport, layer, finals, handler } = setup(
      { localAddress: { host: '0.0.0.0', port: 5062 } },
      { sentBy: { host: '203.0.113.5', port: 5070 } },
    );
    const request = makeRegister();
    layer.sendRequest(request, REGISTRAR, handler);
    expect(request.headers.get('Via')).toMatch(/^SIP\/2\.0\/UDP 203\.0\.113\.5:5070;branch=/);
    transport.deliver(respond(request, 200));
    expect(finals.map((f) => f.response.status)).toEqual([200]);
  });

  it('TXN-06 passes a final up once, absorbs its retransmissions and terminates after Timer K = T4', () => {
    const { clock, transport, layer, finals, handler } = setup();
    const request = makeRegister();
    const handle = layer.sendRequest(request, REGISTRAR, handler, 42);
    clock.advance(100);
    transport.deliver(respond(request, 200, { reason: 'OK' }));
    expect(finals).toHaveLength(1);
    expect(finals[0]).toMatchObject({ id: 42, synthetic: false, error: undefined, source: REGISTRAR_SOURCE });
    expect(finals[0]!.response.status).toBe(200);
    expect(finals[0]!.response.reason).toBe('OK');
    expect(handle.state).toBe('Completed');
    expect(layer.activeCount).toBe(1);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(2000);
    transport.deliver(respond(request, 200));
    expect(finals).toHaveLength(1);
    expect(layer.stats().absorbed).toBe(1);
    // No retransmission after the final.
    expect(transport.sends).toHaveLength(1);
    clock.advanceTo(5099);
    expect(handle.state).toBe('Completed');
    clock.advanceTo(5100);
    expect(handle.state).toBe('Terminated');
    expect(layer.activeCount).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    // TXN-10 SEC-15: once terminated, the same response is a stray.
    transport.deliver(respond(request, 200));
    expect(finals).toHaveLength(1);
    expect(layer.stats().dropped.stray).toBe(1);
  });

  it('TXN-05 passes every 1xx up, moves to Proceeding and retransmits every T2 there', () => {
    const { clock, transport, layer, finals, provisionals, handler } = setup();
    const request = makeRegister();
    const handle = layer.sendRequest(request, REGISTRAR, handler);
    clock.advance(600);
    transport.deliver(respond(request, 100, { reason: 'Trying' }));
    expect(handle.state).toBe('Proceeding');
    expect(provisionals.map((p) => p.response.status)).toEqual([100]);
    clock.advanceTo(14_000);
    // Timer E keeps its 1.5 s deadline, then T2 (4 s) steps.
    expect(transport.sends.map((s) => s.at)).toEqual([0, 500, 1500, 5500, 9500, 13_500]);
    transport.deliver(respond(request, 183));
    expect(provisionals.map((p) => p.response.status)).toEqual([100, 183]);
    transport.deliver(respond(request, 200));
    expect(finals.map((f) => f.response.status)).toEqual([200]);
    transport.deliver(respond(request, 180));
    expect(provisionals).toHaveLength(2);
    clock.runUntilIdle();
    expect(transport.sends).toHaveLength(6);
    expect(finals).toHaveLength(1);
  });

  it('TXN-07 Timer F still fires in Proceeding', () => {
    const { clock, transport, layer, finals, handler } = setup();
    const request = makeRegister();
    layer.sendRequest(request, REGISTRAR, handler);
    clock.advance(100);
    transport.deliver(respond(request, 100));
    clock.runUntilIdle();
    expect(finals.map((f) => [f.at, f.response.status, f.synthetic])).toEqual([[32_000, 408, true]]);
  });

  it('RSP-03 TXN-12 treats 199 as provisional, 431 and a real 408 as finals (not synthetic)', () => {
    const { transport, layer, finals, provisionals, handler } = setup();
    const a = makeRegister();
    const b = makeRegister();
    layer.sendRequest(a, REGISTRAR, handler, 'a');
    layer.sendRequest(b, REGISTRAR, handler, 'b');
    transport.deliver(respond(a, 199));
    transport.deliver(respond(a, 431));
    transport.deliver(respond(b, 408));
    expect(provisionals.map((p) => [p.id, p.response.status])).toEqual([['a', 199]]);
    expect(finals.map((f) => [f.id, f.response.status, f.synthetic])).toEqual([
      ['a', 431, false],
      ['b', 408, false],
    ]);
  });

  it('TRN-07 TRN-08 reports received and rport from the top Via', () => {
    const { transport, layer, finals, handler } = setup();
    const a = makeRegister();
    const b = makeRegister();
    const c = makeRegister();
    layer.sendRequest(a, REGISTRAR, handler, 'a');
    layer.sendRequest(b, REGISTRAR, handler, 'b');
    layer.sendRequest(c, REGISTRAR, handler, 'c');
    const viaA = a.headers.get('Via')!.replace(';rport', ';received=203.0.113.9;rport=40123');
    transport.deliver(respond(a, 200, { via: viaA }));
    const viaB = b.headers.get('Via')!.replace(';rport', ';rport=5999;received=[2001:db8::99]');
    transport.deliver(respond(b, 200, { via: viaB }));
    transport.deliver(respond(c, 200));
    expect(finals.map((f) => [f.id, f.received, f.rport])).toEqual([
      ['a', '203.0.113.9', 40_123],
      ['b', '2001:db8::99', 5999],
      ['c', undefined, undefined],
    ]);
  });
});

describe('TransactionLayer timers shared by every transaction', () => {
  it('TXN-02 TXN-03 Timer E falling due with Timer F sends nothing: the timeout wins', () => {
    const { clock, transport, layer, finals, handler } = setup({}, { timers: { t1: 500, timerF: 500 } });
    layer.sendRequest(makeRegister(), REGISTRAR, handler);
    clock.runUntilIdle();
    expect(transport.sends.map((s) => s.at)).toEqual([0]);
    expect(finals.map((f) => [f.at, f.response.status])).toEqual([[500, 408]]);
    expect(layer.stats().retransmissions).toBe(0);
  });

  it('TXN-02 TXN-03 a later Timer E due with Timer F sends nothing either, whatever the timer order', () => {
    const { clock, transport, layer, finals, handler } = setup({}, { timers: { t1: 500, timerF: 1500 } });
    layer.sendRequest(makeRegister(), REGISTRAR, handler, 'a');
    clock.advanceTo(600);
    // b: E at 1100 then 2100; its Timer F (2100) is re-armed on the shared timer only at 1500.
    layer.sendRequest(makeRegister(), REGISTRAR, handler, 'b');
    clock.runUntilIdle();
    expect(transport.sends.map((s) => s.at)).toEqual([0, 500, 600, 1100]);
    expect(finals.map((f) => [f.id, f.at, f.response.status])).toEqual([
      ['a', 1500, 408],
      ['b', 2100, 408],
    ]);
  });

  it('TXN-09 the branch matches whatever its case; another branch is a stray', () => {
    const { transport, layer, finals, handler } = setup();
    const request = makeRegister();
    layer.sendRequest(request, REGISTRAR, handler, 'x');
    const via = request.headers.get('Via')!;
    const branch = /branch=([^;]+)/.exec(via)![1]!;
    const other = `${branch.slice(0, -1)}${branch.endsWith('0') ? '1' : '0'}`;
    transport.deliver(respond(request, 200, { via: via.replace(branch, other) }));
    transport.deliver(respond(request, 200, { via: via.replace(branch, `x${branch.slice(1)}`) }));
    expect(layer.stats().dropped.stray).toBe(2);
    transport.deliver(respond(request, 200, { via: via.replace(branch, branch.toUpperCase()) }));
    expect(finals.map((f) => [f.id, f.response.status])).toEqual([['x', 200]]);
    transport.deliver(respond(request, 200, { via: via.replace(branch, branch.toLowerCase()) }));
    expect(layer.stats().absorbed).toBe(1);
  });

  it('TXN-03 TXN-06 TXN-11 staggered transactions keep their own E, F and K deadlines', () => {
    const { clock, transport, layer, finals, handler } = setup();
    const first = makeRegister();
    const second = makeRegister();
    layer.sendRequest(first, REGISTRAR, handler, 1);
    clock.advance(200);
    layer.sendRequest(second, REGISTRAR, handler, 2);
    clock.advance(400); // 600: first retransmitted at 500; second not yet (700)
    expect(transport.sends.map((s) => s.at)).toEqual([0, 200, 500]);
    transport.deliver(respond(first, 200));
    clock.advance(200); // 800
    expect(transport.sends.map((s) => s.at)).toEqual([0, 200, 500, 700]);
    clock.advanceTo(5599);
    expect(layer.activeCount).toBe(2); // first lingers in Completed until 600 + T4
    clock.advanceTo(5600);
    expect(layer.activeCount).toBe(1);
    clock.advanceTo(32_199);
    expect(finals.map((f) => [f.id, f.response.status])).toEqual([[1, 200]]);
    clock.advanceTo(32_200);
    expect(finals.map((f) => [f.id, f.at, f.response.status])).toEqual([
      [1, 600, 200],
      [2, 32_200, 408],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('TransactionLayer over a reliable transport', () => {
  it('TXN-04 sends once (no Timer E) and still times out with Timer F', () => {
    const { clock, transport, layer, finals, handler } = setup({ protocol: 'TCP', reliable: true });
    const request = makeRegister();
    layer.sendRequest(request, REGISTRAR, handler);
    expect(request.headers.get('Via')).toMatch(/^SIP\/2\.0\/TCP 192\.0\.2\.10:5062;branch=z9hG4bK[0-9a-f]+$/);
    expect(clock.pendingTimers).toBe(1);
    clock.runUntilIdle();
    expect(transport.sends.map((s) => s.at)).toEqual([0]);
    expect(finals.map((f) => [f.at, f.response.status, f.synthetic])).toEqual([[32_000, 408, true]]);
    expect(layer.stats().retransmissions).toBe(0);
  });

  it('HDR-06 a connect-only transport (port 0) leaves the port out of sent-by and still matches', () => {
    const { transport, layer, finals, handler } = setup({
      protocol: 'TCP',
      reliable: true,
      localAddress: { host: '0.0.0.0', port: 0 },
    });
    const request = makeRegister();
    layer.sendRequest(request, REGISTRAR, handler);
    expect(request.headers.get('Via')).toMatch(/^SIP\/2\.0\/TCP 0\.0\.0\.0;branch=z9hG4bK[0-9a-f]+$/);
    // RSP-05: a response naming a port we never wrote is not ours.
    transport.deliver(
      respond(request, 200, { via: request.headers.get('Via')!.replace('0.0.0.0', '0.0.0.0:5060') }),
    );
    expect(finals).toHaveLength(0);
    expect(layer.stats().dropped.badVia).toBe(1);
    transport.deliver(respond(request, 200), { ...REGISTRAR_SOURCE, protocol: 'TCP' });
    expect(finals.map((f) => [f.response.status, f.synthetic])).toEqual([[200, false]]);
  });

  it('TXN-06 Timer K is zero: terminated as soon as the final arrives', () => {
    const { clock, transport, layer, finals, handler } = setup({ protocol: 'TLS', reliable: true });
    const request = makeRegister();
    const handle = layer.sendRequest(request, REGISTRAR, handler);
    transport.deliver(respond(request, 200), { ...REGISTRAR_SOURCE, protocol: 'TLS' });
    expect(finals).toHaveLength(1);
    expect(handle.state).toBe('Terminated');
    expect(layer.activeCount).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    transport.deliver(respond(request, 200));
    expect(finals).toHaveLength(1);
    expect(layer.stats().dropped.stray).toBe(1);
  });

  it('TXN-08 RSP-02 a flow failure fails the transactions sent over that flow with a 503', () => {
    const { clock, transport, layer, finals, handler } = setup({ protocol: 'TCP', reliable: true });
    layer.sendRequest(makeRegister(), REGISTRAR, handler, 'same-flow');
    layer.sendRequest(makeRegister(), { host: '198.51.100.8', port: 5060 }, handler, 'other-flow');
    transport.failFlow(REGISTRAR);
    expect(finals.map((f) => [f.id, f.response.status, f.synthetic, f.error?.code])).toEqual([
      ['same-flow', 503, true, 'ERR_TRANSPORT_SEND'],
    ]);
    expect(finals[0]!.response.reason).toContain('connection reset');
    expect(layer.activeCount).toBe(1);
    clock.runUntilIdle();
    expect(finals.map((f) => [f.id, f.response.status])).toEqual([
      ['same-flow', 503],
      ['other-flow', 408],
    ]);
  });
});

describe('TransactionLayer transport errors and close', () => {
  it('TXN-08 RSP-02 a failed send becomes a synthetic 503 naming the error, and the transaction ends', async () => {
    const { clock, transport, layer, finals, handler } = setup();
    transport.failWith = new TransportError('ERR_TRANSPORT_SEND', 'send ENETUNREACH 198.51.100.7:5060');
    const handle = layer.sendRequest(makeRegister(), REGISTRAR, handler, 'r');
    // Never reported from inside sendRequest.
    expect(finals).toHaveLength(0);
    await settle();
    expect(finals).toHaveLength(1);
    const failure = finals[0]!;
    expect(failure.response.status).toBe(503);
    expect(failure.synthetic).toBe(true);
    expect(failure.error).toBe(transport.failWith);
    expect(failure.response.reason).toBe(
      'Service Unavailable (ERR_TRANSPORT_SEND: send ENETUNREACH 198.51.100.7:5060)',
    );
    expect(handle.state).toBe('Terminated');
    expect(clock.pendingTimers).toBe(0);
    expect(layer.stats()).toMatchObject({ sendFailures: 1, active: 0 });
  });

  it('TXN-08 a retransmission that fails ends the transaction too; a plain Error is wrapped', async () => {
    const { clock, transport, layer, finals, handler } = setup();
    layer.sendRequest(makeRegister(), REGISTRAR, handler);
    transport.failWith = new Error('EHOSTUNREACH');
    clock.advance(500);
    await settle();
    expect(finals).toHaveLength(1);
    expect(finals[0]!.error).toBeInstanceOf(TransportError);
    expect(finals[0]!.error!.code).toBe('ERR_TRANSPORT_SEND');
    expect(finals[0]!.response.reason).toContain('EHOSTUNREACH');
    expect(clock.pendingTimers).toBe(0);
    clock.advance(60_000);
    expect(transport.sends).toHaveLength(2);
  });

  it('TXN-08 a transport that throws from send() is still reported asynchronously as 503', async () => {
    const { transport, layer, finals, handler } = setup();
    transport.failWith = new Error('boom');
    transport.throwSync = true;
    expect(() => layer.sendRequest(makeRegister(), REGISTRAR, handler)).not.toThrow();
    expect(finals).toHaveLength(0);
    await settle();
    expect(finals.map((f) => [f.response.status, f.synthetic])).toEqual([[503, true]]);
  });

  it('TXN-06 a send failure after the final changes nothing', async () => {
    const { clock, transport, layer, finals, handler } = setup();
    let reject: (error: Error) => void = () => {};
    transport.send = (target, data) => {
      FakeTransport.prototype.send.call(transport, target, data);
      return new Promise<void>((_resolve, r) => {
        reject = r;
      });
    };
    const request = makeRegister();
    layer.sendRequest(request, REGISTRAR, handler);
    transport.deliver(respond(request, 200));
    reject(new Error('late'));
    await settle();
    expect(finals.map((f) => f.response.status)).toEqual([200]);
    expect(layer.stats().sendFailures).toBe(0);
    clock.runUntilIdle();
    expect(layer.activeCount).toBe(0);
  });

  it('close() fails pending transactions with a synthetic 503 (ERR_TRANSPORT_CLOSED) and unsubscribes', () => {
    const { clock, transport, layer, finals, handler } = setup();
    const pending = makeRegister();
    const done = makeRegister();
    layer.sendRequest(pending, REGISTRAR, handler, 'pending');
    layer.sendRequest(done, REGISTRAR, handler, 'done');
    transport.deliver(respond(done, 200));
    expect(transport.listenerCount).toBe(2);
    layer.close();
    expect(finals.map((f) => [f.id, f.response.status, f.synthetic, f.error?.code])).toEqual([
      ['done', 200, false, undefined],
      ['pending', 503, true, 'ERR_TRANSPORT_CLOSED'],
    ]);
    expect(finals[1]!.response.reason).toBe(
      'Service Unavailable (ERR_TRANSPORT_CLOSED: transaction layer closed)',
    );
    expect(transport.listenerCount).toBe(0);
    expect(layer.activeCount).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    expect(layer.closed).toBe(true);
    let caught: unknown;
    try {
      layer.sendRequest(makeRegister(), REGISTRAR, handler);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TransportError);
    expect((caught as TransportError).code).toBe('ERR_TRANSPORT_CLOSED');
    layer.close();
    expect(finals).toHaveLength(2);
  });
});

describe('TransactionLayer drops what does not match (never delivered, no state change)', () => {
  type Forge = (request: ReturnType<typeof makeRegister>, branch: string) => string | Uint8Array;
  const cases: Array<[string, keyof ReturnType<TransactionLayer['stats']>['dropped'], Forge]> = [
    [
      'TXN-10 stray: a branch no transaction has',
      'stray',
      (r) =>
        respond(r, 200, { via: 'SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKdeadbeefdeadbeefdeadbeef;rport' }),
    ],
    [
      'TXN-09 SEC-02 spoofed branch one digit off',
      'stray',
      (r, branch) =>
        respond(r, 200, {
          via: `SIP/2.0/UDP 192.0.2.10:5062;branch=${branch.slice(0, -1)}${branch.endsWith('0') ? '1' : '0'}`,
        }),
    ],
    [
      'TXN-09 wrong CSeq method',
      'mismatch',
      (r) => respond(r, 200, { cseq: `${r.headers.get('CSeq')!.split(' ')[0]} OPTIONS` }),
    ],
    ['SEC-01 wrong CSeq number', 'mismatch', (r) => respond(r, 200, { cseq: '999999 REGISTER' })],
    ['SEC-01 wrong Call-ID', 'mismatch', (r) => respond(r, 200, { callId: 'forged@elsewhere' })],
    [
      'SEC-01 Call-ID differing only in case',
      'mismatch',
      (r) => respond(r, 200, { callId: r.headers.get('Call-ID')!.toUpperCase() }),
    ],
    [
      'SEC-01 wrong From tag',
      'mismatch',
      (r) => respond(r, 200, { from: '<sip:alice@example.com>;tag=forged' }),
    ],
    ['SEC-01 missing From tag', 'mismatch', (r) => respond(r, 200, { from: '<sip:alice@example.com>' })],
    [
      'RSP-04 two Via rows',
      'badVia',
      (r) => respond(r, 200, { via: [r.headers.get('Via')!, 'SIP/2.0/UDP 10.0.0.1'] }),
    ],
    [
      'RSP-04 two Via values in one row',
      'badVia',
      (r) => respond(r, 200, { via: `${r.headers.get('Via')}, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx` }),
    ],
    [
      'RSP-05 top Via sent-by not ours (host)',
      'badVia',
      (r) => respond(r, 200, { via: r.headers.get('Via')!.replace('192.0.2.10', '192.0.2.11') }),
    ],
    [
      'RSP-05 top Via sent-by not ours (port)',
      'badVia',
      (r) => respond(r, 200, { via: r.headers.get('Via')!.replace(':5062', ':5063') }),
    ],
    [
      'RSP-05 top Via without branch',
      'badVia',
      () => respond(makeRegister(), 200, { via: 'SIP/2.0/UDP 192.0.2.10:5062' }),
    ],
    ['garbage bytes', 'parseError', () => new Uint8Array([0xff, 0x00, 0x13, 0x37, 0x0d, 0x0a])],
    [
      'TRN-09 a response shorter than its Content-Length',
      'parseError',
      (r) => respond(r, 200).replace('Content-Length: 0', 'Content-Length: 40'),
    ],
    [
      'a request (client-only layer)',
      'requestReceived',
      (r) =>
        `OPTIONS sip:alice@192.0.2.10 SIP/2.0\r\nVia: ${r.headers.get('Via')}\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:alice@192.0.2.10>\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
    ],
  ];

  it.each(cases)('%s is dropped and counted as %s', (_name, reason, forge) => {
    const { clock, transport, layer, finals, provisionals, handler } = setup();
    const request = makeRegister();
    const handle = layer.sendRequest(request, REGISTRAR, handler);
    clock.advance(100);
    transport.deliver(forge(request, handle.branch));
    const forged100 = forge(request, handle.branch);
    if (typeof forged100 === 'string') transport.deliver(forged100.replace('SIP/2.0 200', 'SIP/2.0 100'));
    expect(finals).toHaveLength(0);
    expect(provisionals).toHaveLength(0);
    expect(handle.state).toBe('Trying');
    const dropped = layer.stats().dropped;
    expect(dropped[reason]).toBeGreaterThanOrEqual(1);
    const total = Object.values(dropped).reduce((a, b) => a + b, 0);
    expect(total).toBe(dropped[reason]);
    // Retransmissions carry on as if nothing arrived, and the genuine answer still gets through.
    clock.advance(1400);
    expect(transport.sends.map((s) => s.at)).toEqual([0, 500, 1500]);
    transport.deliver(respond(request, 200));
    expect(finals.map((f) => f.response.status)).toEqual([200]);
  });

  it('SEC-01 a From written differently but with the same tag is accepted', () => {
    const { transport, layer, finals, handler } = setup();
    const request = makeRegister();
    layer.sendRequest(request, REGISTRAR, handler);
    const tag = request.headers.get('From')!.split('tag=')[1]!;
    transport.deliver(respond(request, 200, { from: `"Alice"   <sip:alice@EXAMPLE.com> ; TAG=${tag}` }));
    expect(finals.map((f) => f.response.status)).toEqual([200]);
    expect(layer.stats().dropped.mismatch).toBe(0);
  });

  it('SEC-03 strictSource drops a response from another address; off by default', () => {
    const strict = setup({}, { strictSource: true });
    const request = makeRegister();
    strict.layer.sendRequest(request, REGISTRAR, strict.handler);
    strict.transport.deliver(respond(request, 200), { host: '198.51.100.66', port: 5060, protocol: 'UDP' });
    expect(strict.finals).toHaveLength(0);
    expect(strict.layer.stats().dropped.wrongSource).toBe(1);
    strict.transport.deliver(respond(request, 200), REGISTRAR_SOURCE);
    expect(strict.finals).toHaveLength(1);

    const lax = setup();
    const other = makeRegister();
    lax.layer.sendRequest(other, REGISTRAR, lax.handler);
    lax.transport.deliver(respond(other, 200), { host: '198.51.100.66', port: 5999, protocol: 'UDP' });
    expect(lax.finals).toHaveLength(1);
  });

  it('SEC-03 strictSource needs IP literal targets', () => {
    const { layer, handler } = setup({}, { strictSource: true });
    expect(() => layer.sendRequest(makeRegister(), { host: 'sip.example.com', port: 5060 }, handler)).toThrow(
      SipInvalidArgumentError,
    );
  });
});

describe('TransactionLayer lifecycle', () => {
  it('TXN-11 10,000 transactions complete without leaking a timer or a transaction', () => {
    const { clock, transport, layer, finals, handler } = setup();
    const requests = [];
    for (let i = 0; i < 10_000; i++) {
      const request = makeRegister();
      layer.sendRequest(request, REGISTRAR, handler, i);
      requests.push(request);
    }
    expect(layer.activeCount).toBe(10_000);
    clock.advance(200);
    // Answer all but every 10th, which times out.
    for (let i = 0; i < requests.length; i++) if (i % 10 !== 0) transport.deliver(respond(requests[i]!, 200));
    clock.advance(40_000);
    expect(finals).toHaveLength(10_000);
    expect(finals.filter((f) => f.response.status === 408)).toHaveLength(1000);
    expect(new Set(finals.map((f) => f.id)).size).toBe(10_000);
    expect(clock.pendingTimers).toBe(0);
    expect(layer.activeCount).toBe(0);
    expect(layer.stats().active).toBe(0);
  });

  it('SEC-15 abandon() ends a transaction silently; its late response is a stray', () => {
    const { clock, transport, layer, finals, handler } = setup();
    const request = makeRegister();
    const handle = layer.sendRequest(request, REGISTRAR, handler);
    handle.abandon();
    expect(handle.state).toBe('Terminated');
    expect(clock.pendingTimers).toBe(0);
    expect(layer.activeCount).toBe(0);
    transport.deliver(respond(request, 200));
    clock.runUntilIdle();
    expect(finals).toHaveLength(0);
    expect(layer.stats().dropped.stray).toBe(1);
    expect(transport.sends).toHaveLength(1);
  });

  it('works over a host-stack adapter that reports no flow failures', () => {
    const clock = new FakeClock();
    const transport = new FakeTransport(clock);
    const adapter = {
      protocol: transport.protocol,
      reliable: transport.reliable,
      localAddress: transport.localAddress,
      send: transport.send.bind(transport),
      onMessage: transport.onMessage.bind(transport),
      close: transport.close.bind(transport),
    } as unknown as FakeTransport;
    const layer = new TransactionLayer({ transport: adapter, clock });
    const finals: number[] = [];
    const request = makeRegister();
    layer.sendRequest(request, REGISTRAR, { onFinal: (event) => finals.push(event.response.status) });
    transport.deliver(respond(request, 200));
    expect(finals).toEqual([200]);
    layer.close();
    expect(transport.listenerCount).toBe(0);
  });

  it('a throwing handler is reported and cannot break the transaction', () => {
    const errors: unknown[] = [];
    const { clock, transport, layer } = setup({}, { onHandlerError: (error) => errors.push(error) });
    const request = makeRegister();
    const handle = layer.sendRequest(request, REGISTRAR, {
      onFinal() {
        throw new Error('handler bug');
      },
    });
    transport.deliver(respond(request, 200));
    expect(errors.map((e) => (e as Error).message)).toEqual(['handler bug']);
    expect(handle.state).toBe('Completed');
    transport.deliver(respond(request, 200));
    expect(errors).toHaveLength(1);
    clock.runUntilIdle();
    expect(layer.stats()).toMatchObject({ active: 0, handlerErrors: 1 });
  });
});

describe('TransactionLayer argument validation', () => {
  const { layer, handler } = setup();

  const reject: Array<[string, string, () => unknown]> = [
    [
      'INVITE',
      'request.method',
      () => layer.sendRequest(makeRegister({ method: 'INVITE' }), REGISTRAR, handler),
    ],
    ['ACK', 'request.method', () => layer.sendRequest(makeRegister({ method: 'ACK' }), REGISTRAR, handler)],
    [
      'a CSeq method differing from the request method',
      'request CSeq',
      () => layer.sendRequest(makeRegister({ cseq: '1 OPTIONS' }), REGISTRAR, handler),
    ],
    [
      'an unparsable CSeq',
      'request CSeq',
      () => layer.sendRequest(makeRegister({ cseq: 'x' }), REGISTRAR, handler),
    ],
    [
      'a request without Call-ID',
      'request Call-ID',
      () => {
        const r = makeRegister();
        r.headers.delete('Call-ID');
        return layer.sendRequest(r, REGISTRAR, handler);
      },
    ],
    [
      'port 0',
      'target.port',
      () => layer.sendRequest(makeRegister(), { host: '198.51.100.7', port: 0 }, handler),
    ],
    [
      'a host with CRLF',
      'target.host',
      () => layer.sendRequest(makeRegister(), { host: 'a\r\nb', port: 5060 }, handler),
    ],
    [
      'a handler without onFinal',
      'handler',
      () => layer.sendRequest(makeRegister(), REGISTRAR, {} as TransactionHandler),
    ],
    [
      'an object id',
      'id',
      () => layer.sendRequest(makeRegister(), REGISTRAR, handler, {} as unknown as string),
    ],
  ];

  it.each(reject)('rejects %s naming %s', (_name, field, call) => {
    expect(call).toThrow(SipInvalidArgumentError);
    expect(call).toThrow(new RegExp(`^${field.replace('.', '\\.')}`));
    expect(layer.activeCount).toBe(0);
  });

  it('rejects bad options naming the option', () => {
    const clock = new FakeClock();
    const transport = new FakeTransport(clock);
    expect(() => new TransactionLayer({ transport: {} as FakeTransport })).toThrow(/^options\.transport/);
    expect(() => new TransactionLayer({ transport, clock, timers: { t1: 0 } })).toThrow(/^timers\.t1/);
    expect(
      () => new TransactionLayer({ transport, clock, strictSource: 'yes' as unknown as boolean }),
    ).toThrow(/^options\.strictSource/);
    expect(() => new TransactionLayer({ transport, clock, sentBy: { host: '', port: 5060 } })).toThrow(
      /^options\.sentBy\.host/,
    );
    expect(() => new TransactionLayer({ transport, clock, parseLimits: { maxHeaders: -1 } })).toThrow(
      SipInvalidArgumentError,
    );
  });
});
