import { describe, expect, it } from 'vitest';
import { SipHeaders } from '../../src/sip/headers.js';
import type { SipRequest } from '../../src/sip/message.js';
import { createSyntheticResponse } from '../../src/transaction/synthetic-response.js';

describe('createSyntheticResponse', () => {
  const request: SipRequest = {
    kind: 'request',
    method: 'REGISTER',
    uri: 'sip:example.com',
    version: 'SIP/2.0',
    headers: new SipHeaders([
      ['Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport'],
      ['Max-Forwards', '70'],
      ['From', '<sip:alice@example.com>;tag=f1'],
      ['To', '<sip:alice@example.com>'],
      ['Call-ID', 'cid@host'],
      ['CSeq', '7 REGISTER'],
      ['Contact', '<sip:alice@192.0.2.1>'],
      ['Authorization', 'Digest username="alice", response="secret-ish"'],
    ]),
    body: '',
  };

  it('RSP-01 RSP-02 copies Via, From, To, Call-ID, CSeq and nothing else', () => {
    const response = createSyntheticResponse(request, 408, 'Request Timeout');
    expect(response.kind).toBe('response');
    expect(response.status).toBe(408);
    expect(response.reason).toBe('Request Timeout');
    expect(response.headers.rows().map((row) => row.name)).toEqual([
      'Via',
      'From',
      'To',
      'Call-ID',
      'CSeq',
      'Content-Length',
    ]);
    expect(response.headers.get('CSeq')).toBe('7 REGISTER');
    expect(response.headers.get('Via')).toBe(request.headers.get('Via'));
    expect(response.headers.has('Authorization')).toBe(false);
    expect(response.body).toBe('');
  });

  it('RSP-02 turns control characters in the reason into spaces and caps its length', () => {
    const response = createSyntheticResponse(request, 503, `bad\r\nVia: evil\u0000${'x'.repeat(500)}`);
    expect(response.reason).not.toMatch(/[\r\n\u0000]/);
    expect(response.reason.startsWith('bad  Via: evil ')).toBe(true);
    expect(response.reason.length).toBe(200);
  });
});
