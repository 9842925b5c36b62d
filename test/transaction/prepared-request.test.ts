import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { SipInvalidArgumentError } from '../../src/errors.js';
import type { SipRequest } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import type { TransactionResponseEvent } from '../../src/transaction/client-transaction.js';
import type { PreparedRequest } from '../../src/transaction/prepared-request.js';
import { TransactionLayer } from '../../src/transaction/transaction-layer.js';
import { FakeTransport, REGISTRAR, respond } from './fake-transport.js';

function setup() {
  const clock = new FakeClock();
  const transport = new FakeTransport(clock);
  const layer = new TransactionLayer({ transport, clock });
  const finals: TransactionResponseEvent[] = [];
  const handler = { onFinal: (event: TransactionResponseEvent) => finals.push(event) };
  return { clock, transport, layer, finals, handler };
}

function prepared(overrides: Partial<PreparedRequest> = {}): PreparedRequest {
  return {
    method: 'REGISTER',
    uri: 'sip:example.com',
    callId: 'call-1@192.0.2.10',
    from: '<sip:alice@example.com>;tag=f1',
    cseq: 7,
    headerLines:
      'Max-Forwards: 70\r\nTo: <sip:alice@example.com>\r\nFrom: <sip:alice@example.com>;tag=f1\r\n' +
      'Call-ID: call-1@192.0.2.10\r\nCSeq: 7 REGISTER\r\nContact: <sip:alice@192.0.2.10:5062>;expires=60\r\n',
    ...overrides,
  };
}

/** The request as the registrar receives it. */
function sent(transport: FakeTransport, index = 0): SipRequest {
  return parseMessage(new TextEncoder().encode(transport.sends[index]!.text)) as SipRequest;
}

describe('TransactionLayer.sendPrepared', () => {
  it('HDR-05 TRN-06 writes the request line, our top Via with a fresh branch and rport, the lines, Content-Length: 0', () => {
    const { transport, layer, handler } = setup();
    const handle = layer.sendPrepared(prepared(), REGISTRAR, handler, 1);
    expect(transport.sends).toHaveLength(1);
    const text = transport.sends[0]!.text;
    expect(text).toBe(
      'REGISTER sip:example.com SIP/2.0\r\n' +
        `Via: SIP/2.0/UDP 192.0.2.10:5062;branch=${handle.branch};rport\r\n` +
        prepared().headerLines +
        'Content-Length: 0\r\n\r\n',
    );
    expect(handle.branch).toMatch(/^z9hG4bK[0-9a-f]{24}$/);
    expect(layer.sendPrepared(prepared(), REGISTRAR, handler, 2).branch).not.toBe(handle.branch);
  });

  it('TXN-09 SEC-01 a matching final is delivered once; event.request is the request sent, parsed on demand', () => {
    const { transport, layer, finals, handler } = setup();
    layer.sendPrepared(prepared(), REGISTRAR, handler, 'r1');
    const request = sent(transport);
    transport.deliver(respond(request, 200, { cseq: '7 REGISTER' }));
    transport.deliver(respond(request, 200));
    expect(finals).toHaveLength(1);
    expect(finals[0]!.id).toBe('r1');
    expect(finals[0]!.response.status).toBe(200);
    expect(finals[0]!.request.method).toBe('REGISTER');
    expect(finals[0]!.request.headers.get('Via')).toBe(request.headers.get('Via'));
    expect(finals[0]!.request.headers.get('CSeq')).toBe('7 REGISTER');
    expect(layer.stats().absorbed).toBe(1);
  });

  it('TXN-09 SEC-01 a response with another CSeq number, Call-ID or From tag is dropped', () => {
    const { transport, layer, finals, handler } = setup();
    layer.sendPrepared(prepared(), REGISTRAR, handler);
    const request = sent(transport);
    transport.deliver(respond(request, 200, { cseq: '8 REGISTER' }));
    transport.deliver(respond(request, 200, { callId: 'other@192.0.2.10' }));
    transport.deliver(respond(request, 200, { from: '<sip:alice@example.com>;tag=other' }));
    expect(finals).toHaveLength(0);
    expect(layer.stats().dropped.mismatch).toBe(3);
    transport.deliver(respond(request, 200, { from: '<sip:alice@example.com>; tag=f1' }));
    expect(finals).toHaveLength(1);
  });

  it('TXN-02 TXN-07 RSP-01 retransmits the same bytes and times out with a synthetic 408 copying the request rows', () => {
    const { clock, transport, layer, finals, handler } = setup();
    layer.sendPrepared(prepared(), REGISTRAR, handler);
    clock.advance(32_000);
    expect(transport.sends.length).toBeGreaterThan(5);
    expect(new Set(transport.sends.map((s) => s.text)).size).toBe(1);
    expect(finals).toHaveLength(1);
    const timeout = finals[0]!;
    expect(timeout.synthetic).toBe(true);
    expect(timeout.response.status).toBe(408);
    const request = sent(transport);
    for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq'])
      expect(timeout.response.headers.get(name)).toBe(request.headers.get(name));
  });

  it('SEC-06 refuses lines that could break the framing, and bad fields; nothing is sent', () => {
    const { transport, layer, handler } = setup();
    const lines = prepared().headerLines;
    const bad: Partial<PreparedRequest>[] = [
      { headerLines: `${lines}X-Evil: a\rInjected: b\r\n` },
      { headerLines: `${lines}X-Evil: a\nInjected: b\r\n` },
      { headerLines: `${lines}\r\nInjected: body\r\n` },
      { headerLines: `${lines} folded\r\n` },
      { headerLines: `${lines}X-Nul: a\u0000b\r\n` },
      { headerLines: 'Max-Forwards: 70' },
      { method: 'INVITE' },
      { method: 'ACK' },
      { method: 'REG ISTER' },
      { uri: 'sip:example.com SIP/2.0\r\nX: y' },
      { uri: '' },
      { callId: '' },
      { from: '' },
      { headerLines: 42 as never },
      { headerLines: `${lines}X-Last: unterminated` },
      { headerLines: `${lines}X-Del: \u007f\r\n` },
      { cseq: -1 },
      { cseq: 1.5 },
    ];
    for (const overrides of bad)
      expect(
        () => layer.sendPrepared(prepared(overrides), REGISTRAR, handler),
        JSON.stringify(overrides),
      ).toThrow(SipInvalidArgumentError);
    expect(transport.sends).toHaveLength(0);
    expect(layer.activeCount).toBe(0);
    // A tab inside a value and non-ASCII text are fine.
    layer.sendPrepared(
      prepared({ headerLines: 'X-Tab: a\tb\r\nUser-Agent: Téléphone ☎\r\n' }),
      REGISTRAR,
      handler,
    );
    expect(transport.sends).toHaveLength(1);
  });
});
