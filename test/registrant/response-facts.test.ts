import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { responseFacts } from '../../src/registrant/response-facts.js';
import { type Contact, parseContactList } from '../../src/sip/contact.js';
import { isResponse, type SipResponse } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import { parseUri } from '../../src/sip/uri.js';
import { uriEquals } from '../../src/sip/uri-compare.js';

const CONTACT = 'sip:alice@192.0.2.10:5060;transport=udp';

function response(status: string, headers: readonly string[]): SipResponse {
  const text =
    `SIP/2.0 ${status}\r\n` +
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1\r\n' +
    'From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@example.com>;tag=2\r\n' +
    'Call-ID: c1\r\nCSeq: 2 REGISTER\r\n' +
    headers.map((h) => `${h}\r\n`).join('') +
    'Content-Length: 0\r\n\r\n';
  const message = parseMessage(text);
  if (!isResponse(message)) throw new Error('not a response');
  return message;
}

describe('responseFacts', () => {
  it('EXP-04 EXP-05 finds our binding by RFC 3261 URI comparison among several Contacts and reads its expires', () => {
    const facts = responseFacts(
      response('200 OK', [
        'Contact: <sip:bob@192.0.2.99>;expires=100, <SIP:alice@192.0.2.10:5060;TRANSPORT=UDP>;expires=600',
        'Contact: <sip:carol@192.0.2.98>;expires=50',
        'Expires: 900',
      ]),
      { token: 7, contact: CONTACT },
    );
    expect(facts).toMatchObject({
      type: 'response',
      token: 7,
      status: 200,
      reason: 'OK',
      bindingFound: true,
      bindingExpires: 600,
      expiresHeader: 900,
    });
  });

  it('EXP-05 our Contact without expires leaves the Expires header to decide', () => {
    const facts = responseFacts(response('200 OK', [`Contact: <${CONTACT}>`, 'Expires: 300']), {
      token: 1,
      contact: CONTACT,
    });
    expect(facts).toMatchObject({ bindingFound: true, bindingExpires: undefined, expiresHeader: 300 });
  });

  it('EXP-06 a 2xx listing only other bindings (or none) does not find ours; a malformed foreign Contact is skipped', () => {
    const other = responseFacts(response('200 OK', ['Contact: <sip:alice@203.0.113.1>;expires=60']), {
      token: 1,
      contact: CONTACT,
    });
    expect(other.bindingFound).toBe(false);
    const none = responseFacts(response('200 OK', []), { token: 1, contact: CONTACT });
    expect(none.bindingFound).toBe(false);
    const messy = responseFacts(response('200 OK', [`Contact: <sip:bad@[::1>, <${CONTACT}>;expires=60`]), {
      token: 1,
      contact: CONTACT,
    });
    expect(messy).toMatchObject({ bindingFound: true, bindingExpires: 60 });
  });

  it('EXP-15 reads Min-Expires from a 423; a non-numeric one is absent', () => {
    expect(
      responseFacts(response('423 Interval Too Brief', ['Min-Expires: 1800']), { token: 1, contact: CONTACT })
        .minExpires,
    ).toBe(1800);
    expect(
      responseFacts(response('423 Interval Too Brief', ['Min-Expires: soon']), { token: 1, contact: CONTACT })
        .minExpires,
    ).toBeUndefined();
  });

  it('DIG-50 DIG-52 reads stale=true and whether the nonce changed', () => {
    const stale = responseFacts(
      response('401 Unauthorized', ['WWW-Authenticate: Digest realm="example.com", nonce="n2", stale=TRUE']),
      { token: 1, contact: CONTACT, answeredNonce: 'n1' },
    );
    expect(stale).toMatchObject({ stale: true, nonceChanged: true });
    const same = responseFacts(
      response('407 Proxy Authentication Required', [
        'Proxy-Authenticate: Digest realm="example.com", nonce="n1"',
      ]),
      { token: 1, contact: CONTACT, answeredNonce: 'n1' },
    );
    expect(same).toMatchObject({ stale: false, nonceChanged: false });
    // a 407 challenge is read from Proxy-Authenticate only
    const wrongHeader = responseFacts(
      response('407 Proxy Authentication Required', [
        'WWW-Authenticate: Digest realm="x", nonce="n", stale=true',
      ]),
      { token: 1, contact: CONTACT },
    );
    expect(wrongHeader.stale).toBe(false);
  });

  it('RSP-06 picks the highest-q SIP Contact of a redirect', () => {
    const facts = responseFacts(
      response('302 Moved Temporarily', [
        'Contact: <tel:+15551234567>;q=1.0, <sip:low.example.com>;q=0.2, <sip:high.example.com:5080>;q=0.8',
      ]),
      { token: 1, contact: CONTACT },
    );
    expect(facts.redirectUri).toBe('sip:high.example.com:5080');
    expect(
      responseFacts(response('302 Moved', []), { token: 1, contact: CONTACT }).redirectUri,
    ).toBeUndefined();
  });

  it('RSP-10 reads Retry-After seconds; a malformed one is absent', () => {
    expect(
      responseFacts(response('503 Service Unavailable', ['Retry-After: 120 (maintenance);duration=60']), {
        token: 1,
        contact: CONTACT,
      }).retryAfter,
    ).toBe(120);
    expect(
      responseFacts(response('503 Service Unavailable', ['Retry-After: 949302838503028349304023988']), {
        token: 1,
        contact: CONTACT,
      }).retryAfter,
    ).toBeUndefined();
  });

  it('passes sendAllowed through only when given', () => {
    expect(responseFacts(response('500 Oops', []), { token: 1, contact: CONTACT })).not.toHaveProperty(
      'sendAllowed',
    );
    expect(
      responseFacts(response('500 Oops', []), { token: 1, contact: CONTACT, sendAllowed: false }).sendAllowed,
    ).toBe(false);
  });
});

describe('responseFacts finds our binding exactly as the full RFC 3261 comparison does', () => {
  /** The reference: every Contact parsed (tolerant), the first equal to ours by §19.1.4. */
  function reference(rows: readonly string[], ours: string): { found: boolean; expires: number | undefined } {
    let contacts: readonly Contact[] = [];
    if (rows.length > 0) {
      const list = parseContactList(rows, { tolerant: true });
      contacts = list.star ? [] : list.contacts;
    }
    const mine = parseUri(ours);
    const match = contacts.find((c) => uriEquals(c.uri, mine));
    return { found: match !== undefined, expires: match?.expires };
  }

  const OURS = 'sip:alice@192.0.2.10:5060;transport=udp';
  const values = [
    `<${OURS}>;expires=3600`,
    `<${OURS}>`,
    `<${OURS}>;expires=60;q=0.5`,
    `<${OURS}>;expires=abc`,
    `<${OURS}>;expires=10;expires=20`,
    `<${OURS}>;;expires=7`,
    `<${OURS}>;expires="5"`,
    `"Alice" <${OURS}>;expires=30`,
    `<SIP:ALICE@192.0.2.10:5060;TRANSPORT=UDP>;expires=600`,
    `<sip:alice@192.0.2.10:5060;transport=udp;ob>;expires=90`,
    `<sip:alice@192.0.2.10:5060>;expires=40`,
    `<sip:%61lice@192.0.2.10:5060;transport=udp>;expires=45`,
    '<sip:bob@192.0.2.99>;expires=100',
    '<sip:bad@[::1>',
    '*',
    '',
    `${OURS};expires=5`,
    `<${OURS}>x;expires=1`,
    `<${OURS}>;expires=50, <sip:carol@192.0.2.98>;expires=50`,
  ];

  it('EXP-04 EXP-05 PIT-24 same binding and expires on any mix of Contact rows (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom(...values), { minLength: 1, maxLength: 3 }), { maxLength: 4 }),
        (rowParts) => {
          const rows = rowParts.map((parts) => parts.join(', '));
          const facts = responseFacts(
            response(
              '200 OK',
              rows.map((row) => `Contact: ${row}`),
            ),
            { token: 1, contact: OURS },
          );
          const parsedRows = response(
            '200 OK',
            rows.map((row) => `Contact: ${row}`),
          ).headers.getAll('Contact');
          const expected = reference(parsedRows, OURS);
          expect(facts.bindingFound).toBe(expected.found);
          expect(facts.bindingExpires).toBe(expected.expires);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
