import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError } from '../../src/errors.js';
import { headerKey } from '../../src/sip/header-names.js';
import { SipHeaders } from '../../src/sip/headers.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import { encodeMessage, serializeMessage, serializeRequest } from '../../src/sip/serializer.js';

const MANDATORY: [string, string][] = [
  ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9;rport'],
  ['Max-Forwards', '70'],
  ['To', '<sip:alice@example.com>'],
  ['From', '<sip:alice@example.com>;tag=9fxced76sl'],
  ['Call-ID', '3848276298220188511@192.0.2.10'],
  ['CSeq', '1 REGISTER'],
];

function register(rows: [string, string][] = MANDATORY, body = ''): SipRequest {
  return {
    kind: 'request',
    method: 'REGISTER',
    uri: 'sip:registrar.example.com',
    version: 'SIP/2.0',
    headers: new SipHeaders(rows),
    body,
  };
}

function response(rows: [string, string][], status = 200, reason = 'OK', body = ''): SipResponse {
  return { kind: 'response', status, reason, version: 'SIP/2.0', headers: new SipHeaders(rows), body };
}

function refusal(run: () => unknown): SipInvalidArgumentError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SipInvalidArgumentError);
  return caught as SipInvalidArgumentError;
}

describe('serializeMessage', () => {
  it('MSG-10 REG-18 emits the canonical wire form: CRLF, "Name: value", Content-Length, blank line', () => {
    const text = serializeMessage(
      register([...MANDATORY, ['Contact', '<sip:alice@192.0.2.10:5060>;expires=3600']]),
    );
    expect(text).toBe(
      'REGISTER sip:registrar.example.com SIP/2.0\r\n' +
        'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9;rport\r\n' +
        'Max-Forwards: 70\r\n' +
        'To: <sip:alice@example.com>\r\n' +
        'From: <sip:alice@example.com>;tag=9fxced76sl\r\n' +
        'Call-ID: 3848276298220188511@192.0.2.10\r\n' +
        'CSeq: 1 REGISTER\r\n' +
        'Contact: <sip:alice@192.0.2.10:5060>;expires=3600\r\n' +
        'Content-Length: 0\r\n' +
        '\r\n',
    );
  });

  it('MSG-10 writes compact-form names in their long form and keeps other names as given', () => {
    const rows: [string, string][] = [
      ['v', 'SIP/2.0/UDP h;branch=z9hG4bKa'],
      ['t', '<sip:a@b>'],
      ['f', '<sip:a@b>;tag=1'],
      ['i', 'id@h'],
      ['Max-Forwards', '70'],
      ['CSeq', '1 REGISTER'],
      ['m', '<sip:a@192.0.2.1>'],
      ['k', 'path, outbound'],
      ['x-custom-Header', 'kept'],
    ];
    const lines = serializeMessage(register(rows)).split('\r\n');
    expect(lines.slice(1, 10)).toEqual([
      'Via: SIP/2.0/UDP h;branch=z9hG4bKa',
      'To: <sip:a@b>',
      'From: <sip:a@b>;tag=1',
      'Call-ID: id@h',
      'Max-Forwards: 70',
      'CSeq: 1 REGISTER',
      'Contact: <sip:a@192.0.2.1>',
      'Supported: path, outbound',
      'x-custom-Header: kept',
    ]);
  });

  it('MSG-10 never folds: a long value stays on one line', () => {
    const long = `<sip:alice@192.0.2.10>;+sip.instance="<urn:uuid:${'f'.repeat(2000)}>"`;
    const text = serializeMessage(register([...MANDATORY, ['Contact', long]]));
    expect(text).toContain(`\r\nContact: ${long}\r\n`);
  });

  it('REG-18 computes Content-Length from the UTF-8 bytes of the body and replaces any given value', () => {
    const body = 'héllo ✓ 😀\r\n';
    const text = serializeMessage(
      register([...MANDATORY, ['Content-Length', '999'], ['Content-Type', 'text/plain'], ['l', '3']], body),
    );
    const bytes = Buffer.byteLength(body, 'utf8');
    expect(bytes).toBeGreaterThan(body.length);
    expect(text.match(/Content-Length/gi)).toHaveLength(1);
    expect(text.endsWith(`Content-Type: text/plain\r\nContent-Length: ${bytes}\r\n\r\n${body}`)).toBe(true);
  });

  it('REG-18 always writes Content-Length, 0 for an empty body', () => {
    expect(serializeMessage(register())).toContain('\r\nContent-Length: 0\r\n\r\n');
    expect(serializeMessage(response([]))).toBe('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');
  });

  it('serializes responses without requiring request headers, with the reason phrase as given', () => {
    const text = serializeMessage(response([['Via', 'SIP/2.0/UDP h;branch=z9hG4bKa']], 401, 'Unauthorized'));
    expect(text).toBe(
      'SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\r\nContent-Length: 0\r\n\r\n',
    );
    expect(serializeMessage(response([], 100, ''))).toBe('SIP/2.0 100 \r\nContent-Length: 0\r\n\r\n');
    expect(serializeMessage(response([], 503, 'Réessayez\tplus tard'))).toContain(
      'SIP/2.0 503 Réessayez\tplus tard\r\n',
    );
  });

  it('round-trips through the parser: start line, rows (minus Content-Length) and body', () => {
    const body = 'v=0\r\nséance\r\n';
    const original = register([...MANDATORY, ['Content-Type', 'application/sdp'], ['Subject', '']], body);
    const parsed = parseMessage(encodeMessage(original)) as SipRequest;
    expect(parsed.kind).toBe('request');
    expect([parsed.method, parsed.uri, parsed.body]).toEqual([original.method, original.uri, body]);
    expect(parsed.headers.rows().slice(0, -1)).toEqual(original.headers.rows());
    expect(parsed.headers.get('Content-Length')).toBe(String(Buffer.byteLength(body)));
  });

  it('does not modify the message it serializes', () => {
    const message = register([...MANDATORY, ['Content-Length', '7'], ['v', 'SIP/2.0/TCP h']], 'abc');
    const before = message.headers.rows();
    serializeMessage(message);
    expect(message.headers.rows()).toEqual(before);
  });
});

describe('HDR-01 mandatory request headers', () => {
  for (const [name] of MANDATORY) {
    it(`HDR-01 refuses a request without ${name}, naming it`, () => {
      const rows = MANDATORY.filter(([n]) => n !== name);
      const error = refusal(() => serializeRequest(register(rows)));
      expect(error.message).toContain(`no ${name} header`);
      expect(error.code).toBe('ERR_INVALID_ARGUMENT');
      expect(() => encodeMessage(register(rows))).toThrow(SipInvalidArgumentError);
    });
  }

  it('HDR-01 a missing mandatory header is reported before a bad row or a non-string body', () => {
    const rows: [string, string][] = [...MANDATORY.filter(([n]) => n !== 'CSeq'), ['X-Bad', 'a\r\nb']];
    expect(refusal(() => serializeRequest(register(rows))).message).toContain('no CSeq header');
    const badBody = { ...register(MANDATORY.slice(1)), body: 42 as unknown as string };
    expect(refusal(() => serializeRequest(badBody)).message).toContain('no Via header');
    // With every mandatory header present, the row problem is what is reported.
    expect(refusal(() => serializeRequest(register([...MANDATORY, ['X-Bad', 'a\r\nb']]))).message).toContain(
      'header X-Bad value contains CR',
    );
  });

  it('HDR-01 is satisfied by compact forms and any name case', () => {
    const rows: [string, string][] = [
      ['v', 'SIP/2.0/UDP h;branch=z9hG4bKa'],
      ['MAX-FORWARDS', '70'],
      ['t', '<sip:a@b>'],
      ['f', '<sip:a@b>;tag=1'],
      ['i', 'id@h'],
      ['cseq', '1 REGISTER'],
    ];
    expect(
      serializeRequest(register(rows)).startsWith('REGISTER sip:registrar.example.com SIP/2.0\r\n'),
    ).toBe(true);
  });
});

describe('SEC-06 header injection and malformed start lines are refused', () => {
  const injected = [
    ['CRLF', 'x\r\nVia: SIP/2.0/UDP evil.example.com'],
    ['LF', 'x\nVia: evil'],
    ['CR', 'x\rVia: evil'],
    ['NUL', 'x\u0000y'],
    ['ESC', 'x\u001by'],
    ['DEL', 'x\u007fy'],
  ];
  for (const [label, value] of injected) {
    it(`SEC-06 refuses a header value containing ${label}, naming the header but not echoing the value`, () => {
      const error = refusal(() => serializeMessage(register([...MANDATORY, ['X-Note', value as string]])));
      expect(error.message).toContain('X-Note');
      expect(error.message).not.toContain('evil');
    });
  }

  it('SEC-06 allows HTAB and UTF-8 in values', () => {
    const text = serializeMessage(register([...MANDATORY, ['Subject', 'a\tb — ünïcödé']]));
    expect(text).toContain('\r\nSubject: a\tb — ünïcödé\r\n');
  });

  it('SEC-06 refuses header names that are not tokens', () => {
    for (const name of ['', 'Bad Name', 'Via:', 'X\r\nVia', 'Ünicode', 'a"b']) {
      const error = refusal(() => serializeMessage(register([...MANDATORY, [name, 'v']])));
      expect(error.message).toContain('is not a token');
    }
  });

  it('SEC-06 refuses a Request-URI with whitespace or controls without echoing it', () => {
    for (const uri of ['sip:a b@example.com', 'sip:x\r\nVia: evil', 'sip:x\u0000', '']) {
      const error = refusal(() => serializeMessage({ ...register(), uri }));
      expect(error.message).not.toContain('evil');
      expect(error.message).toMatch(/request URI/);
    }
  });

  it('SEC-06 refuses a method that is not a token and a reason phrase with CR/LF', () => {
    refusal(() => serializeMessage({ ...register(), method: 'REG ISTER' }));
    refusal(() => serializeMessage({ ...register(), method: '' }));
    const error = refusal(() => serializeMessage(response([], 200, 'OK\r\nVia: evil')));
    expect(error.message).toContain('CR');
  });

  it('refuses a status code outside 100–699 or not an integer', () => {
    for (const status of [99, 700, 200.5, Number.NaN]) {
      refusal(() => serializeMessage(response([], status)));
    }
  });

  it('refuses an unknown message kind and a non-string body or value', () => {
    refusal(() => serializeMessage({ ...register(), kind: 'other' } as unknown as SipRequest));
    refusal(() => serializeMessage({ ...register(), body: 42 } as unknown as SipRequest));
    const headers = new SipHeaders(MANDATORY);
    headers.append('X-Num', 5 as unknown as string);
    refusal(() => serializeMessage({ ...register(), headers }));
  });

  it('serializeRequest refuses a response', () => {
    const error = refusal(() => serializeRequest(response([]) as unknown as SipRequest));
    expect(error.message).toContain('expected a request');
  });
});

describe('encodeMessage', () => {
  it('returns the UTF-8 bytes of the serialized message', () => {
    const message = register(MANDATORY, 'ünï');
    const bytes = encodeMessage(message);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(bytes).toString('utf8')).toBe(serializeMessage(message));
    expect(bytes.length).toBe(Buffer.byteLength(serializeMessage(message), 'utf8'));
  });

  it('REG-18 gives the same bytes as Buffer.from for ASCII, UTF-8 and large messages; views never overlap', () => {
    const messages = [
      register(MANDATORY),
      register([...MANDATORY, ['Subject', 'héllo wörld 🎉']], 'bödy'),
      register([...MANDATORY, ['X-Long', 'x'.repeat(20_000)]]),
    ];
    const kept: [Uint8Array, Buffer][] = [];
    // Enough messages to fill several shared slabs.
    for (let i = 0; i < 600; i++) {
      const message = messages[i % messages.length]!;
      message.headers.set('CSeq', `${i + 1} REGISTER`);
      kept.push([encodeMessage(message), Buffer.from(serializeMessage(message), 'utf8')]);
    }
    // Every earlier view still holds its own bytes after later ones were written.
    for (const [bytes, expected] of kept) expect(Buffer.compare(Buffer.from(bytes), expected)).toBe(0);
  });
});

describe('headerKey', () => {
  it('MSG-01 MSG-02 maps common names in any case, and compact forms in either case, to one key', () => {
    expect(headerKey('Call-ID')).toBe('call-id');
    expect(headerKey('CALL-id')).toBe('call-id');
    expect(headerKey('i')).toBe('call-id');
    expect(headerKey('I')).toBe('call-id');
    expect(headerKey('WWW-Authenticate')).toBe('www-authenticate');
    expect(headerKey('www-authenticate')).toBe('www-authenticate');
    expect(headerKey('v')).toBe('via');
    expect(headerKey('m')).toBe('contact');
    expect(headerKey('X-Custom-Header')).toBe('x-custom-header');
    expect(headerKey('Q')).toBe('q');
    const headers = new SipHeaders([
      ['CONTACT', '<sip:a@b>'],
      ['m', '<sip:c@d>'],
    ]);
    expect(headers.getAll('Contact')).toEqual(['<sip:a@b>', '<sip:c@d>']);
  });
});
