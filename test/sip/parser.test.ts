import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError, SipParseError, type SipParseErrorReason } from '../../src/errors.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits, resolveParseLimits } from '../../src/sip/parse-limits.js';
import { parseMessage, tryParseMessage } from '../../src/sip/parser.js';

const CRLF = '\r\n';

/** A response from header lines (joined with CRLF), a blank line and a body. */
function wire(lines: string[], body = '', eol = CRLF): string {
  return lines.join(eol) + eol + eol + body;
}

const OK_HEAD = [
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;received=192.0.2.10',
  'From: <sip:alice@example.com>;tag=1928301774',
  'To: <sip:alice@example.com>;tag=a6c85cf',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 314159 REGISTER',
];

function parseResponse(input: string | Uint8Array, limits?: Partial<ParseLimits>): SipResponse {
  const message = parseMessage(input, limits);
  expect(message.kind).toBe('response');
  return message as SipResponse;
}

function parseRequest(input: string | Uint8Array): SipRequest {
  const message = parseMessage(input);
  expect(message.kind).toBe('request');
  return message as SipRequest;
}

function rejection(input: string | Uint8Array, limits?: Partial<ParseLimits>): SipParseError {
  let caught: unknown;
  try {
    parseMessage(input, limits);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SipParseError);
  return caught as SipParseError;
}

function reasonFor(input: string | Uint8Array, limits?: Partial<ParseLimits>): SipParseErrorReason {
  return rejection(input, limits).reason;
}

describe('start line', () => {
  it('parses a status line: status, reason, version', () => {
    const m = parseResponse(wire([...OK_HEAD, 'Content-Length: 0']));
    expect(m.status).toBe(200);
    expect(m.reason).toBe('OK');
    expect(m.version).toBe('SIP/2.0');
  });

  it('parses a request line: method, Request-URI exactly as sent', () => {
    const m = parseRequest(
      wire(['REGISTER sip:registrar.example.com;transport=tcp SIP/2.0', 'Content-Length: 0']),
    );
    expect(m.method).toBe('REGISTER');
    expect(m.uri).toBe('sip:registrar.example.com;transport=tcp');
    expect(m.version).toBe('SIP/2.0');
  });

  it('keeps the method case-sensitive (RFC 3261 §7.1): "register" is not REGISTER', () => {
    expect(parseRequest(wire(['register sip:x.example.com SIP/2.0'])).method).toBe('register');
  });

  it('accepts the version in any case and normalises it to SIP/2.0 (RFC 3261 §7.1)', () => {
    expect(parseResponse(wire(['sip/2.0 180 Ringing'])).version).toBe('SIP/2.0');
    expect(parseRequest(wire(['OPTIONS sip:a@b Sip/2.0'])).version).toBe('SIP/2.0');
  });

  it('rejects other versions with BAD_VERSION', () => {
    expect(reasonFor(wire(['SIP/2.1 200 OK']))).toBe('BAD_VERSION');
    expect(reasonFor(wire(['SIP/20 200 OK']))).toBe('BAD_VERSION');
    expect(reasonFor(wire(['OPTIONS sip:a@b SIP/3.0']))).toBe('BAD_VERSION');
    expect(reasonFor(wire(['GET / HTTP/1.1', 'Host: example.com']))).toBe('BAD_VERSION');
  });

  it('ABNF-08 accepts status codes 100 and 699, rejects anything outside 100–699 or not 3 digits', () => {
    expect(parseResponse(wire(['SIP/2.0 100 Trying'])).status).toBe(100);
    expect(parseResponse(wire(['SIP/2.0 699 Whatever'])).status).toBe(699);
    for (const code of ['099', '700', '999', '000', '1000', '20', '2x0', '+20', '', '0200', '4294967301']) {
      const error = rejection(wire([`SIP/2.0 ${code} Reason`]));
      expect(error.reason, code).toBe('BAD_STATUS_CODE');
    }
  });

  it('accepts an empty reason phrase with or without the SP, and a UTF-8 / HTAB reason phrase', () => {
    expect(parseResponse(wire(['SIP/2.0 100 '])).reason).toBe('');
    expect(parseResponse(wire(['SIP/2.0 100'])).reason).toBe('');
    expect(parseResponse(wire(['SIP/2.0 503 Service\tnon disponible — réessayez'])).reason).toBe(
      'Service\tnon disponible — réessayez',
    );
  });

  it('keeps the reason phrase as received, including spaces', () => {
    expect(parseResponse(wire(['SIP/2.0 401  Unauthorized  '])).reason).toBe(' Unauthorized  ');
  });

  it('rejects a method that is not a token with BAD_METHOD', () => {
    expect(reasonFor(wire(['REG{ISTER sip:a@b SIP/2.0']))).toBe('BAD_METHOD');
    expect(reasonFor(wire(['REG\tISTER sip:a@b SIP/2.0']))).toBe('BAD_METHOD');
  });

  it('rejects request lines with missing parts or extra whitespace with BAD_START_LINE', () => {
    expect(reasonFor(wire(['REGISTER']))).toBe('BAD_START_LINE');
    expect(reasonFor(wire(['REGISTER sip:a@b']))).toBe('BAD_START_LINE');
    expect(reasonFor(wire(['REGISTER SIP/2.0']))).toBe('BAD_START_LINE');
    expect(reasonFor(wire([' REGISTER sip:a@b SIP/2.0']))).toBe('BAD_START_LINE');
    expect(reasonFor(wire(['REGISTER  sip:a@b SIP/2.0']))).toBe('BAD_START_LINE');
    expect(reasonFor(wire(['REGISTER sip:a@b  SIP/2.0']))).toBe('BAD_START_LINE');
    expect(reasonFor(wire(['REGISTER sip:a@b SIP/2.0 ']))).toBe('BAD_START_LINE');
    expect(reasonFor(wire(['REGISTER sip:a@b SIP/2.0\t']))).toBe('BAD_START_LINE');
    expect(reasonFor(wire(['SIP/2.0']))).toBe('BAD_START_LINE');
  });

  it('rejects a Request-URI without a scheme, with whitespace or control characters with BAD_REQUEST_URI', () => {
    for (const uri of [
      '<sip:a@b>',
      'a@example.com',
      ':foo',
      '1sip:a@b',
      'sip:',
      'sip:a b',
      'sip:a\u0000b',
      'sip:é',
    ]) {
      expect(reasonFor(wire([`INVITE ${uri} SIP/2.0`])), JSON.stringify(uri)).toBe('BAD_REQUEST_URI');
    }
    expect(parseRequest(wire(['OPTIONS tel:+1-201-555-0123 SIP/2.0'])).uri).toBe('tel:+1-201-555-0123');
  });

  it('TRN-10 skips CRLFs (and bare LFs) before the start line', () => {
    const m = parseResponse(`\r\n\r\n\n${wire([...OK_HEAD, 'Content-Length: 0'])}`);
    expect(m.status).toBe(200);
    expect(m.headers.size).toBe(6);
  });

  it('TRN-10 rejects input that is empty or nothing but line ends with EMPTY', () => {
    expect(reasonFor('')).toBe('EMPTY');
    expect(reasonFor('\r\n\r\n')).toBe('EMPTY');
    expect(reasonFor(new Uint8Array(0))).toBe('EMPTY');
    expect(reasonFor(Buffer.from('\n\n\r\n'))).toBe('EMPTY');
  });
});

describe('header fields', () => {
  it('MSG-01 keeps original name spelling and finds rows in any case', () => {
    const m = parseResponse(
      wire(['SIP/2.0 200 OK', 'CONTACT: <sip:a@b>', 'contact: <sip:c@d>', 'cSeQ: 1 REGISTER']),
    );
    expect(m.headers.getAll('Contact')).toEqual(['<sip:a@b>', '<sip:c@d>']);
    expect(m.headers.get('CSEQ')).toBe('1 REGISTER');
    expect(m.headers.rows().map((r) => r.name)).toEqual(['CONTACT', 'contact', 'cSeQ']);
  });

  it('MSG-02 finds compact forms under their long names (i m e l c f s k t v)', () => {
    const m = parseResponse(
      wire(
        [
          'SIP/2.0 200 OK',
          'v: SIP/2.0/UDP h;branch=z9hG4bKx',
          'f: <sip:a@b>;tag=1',
          't: <sip:a@b>',
          'i: abc@host',
          'm: <sip:a@192.0.2.1>',
          'e: gzip',
          'c: text/plain',
          's: hello',
          'k: path',
          'L: 2',
        ],
        'hi',
      ),
    );
    const h = m.headers;
    expect([h.get('Via'), h.get('From'), h.get('To'), h.get('Call-ID'), h.get('Contact')]).toEqual([
      'SIP/2.0/UDP h;branch=z9hG4bKx',
      '<sip:a@b>;tag=1',
      '<sip:a@b>',
      'abc@host',
      '<sip:a@192.0.2.1>',
    ]);
    expect([h.get('Content-Encoding'), h.get('Content-Type'), h.get('Subject'), h.get('Supported')]).toEqual([
      'gzip',
      'text/plain',
      'hello',
      'path',
    ]);
    expect(h.get('Content-Length')).toBe('2');
    expect(m.body).toBe('hi');
  });

  it('MSG-03 unfolds CRLF + SP, CRLF + HTAB and LF + SP into one SP', () => {
    const m = parseResponse(
      [
        'SIP/2.0 401 Unauthorized',
        'WWW-Authenticate: Digest realm="example.com",',
        '   nonce="abc",',
        '\tqop="auth"',
        'Subject: a',
        ' b \t',
        '\t c',
        '',
        '',
      ].join(CRLF),
    );
    expect(m.headers.get('WWW-Authenticate')).toBe('Digest realm="example.com", nonce="abc", qop="auth"');
    expect(m.headers.get('Subject')).toBe('a b c');
    const lf = parseResponse('SIP/2.0 200 OK\nX-Folded: one\n two\n\n');
    expect(lf.headers.get('X-Folded')).toBe('one two');
  });

  it('MSG-03 a value that starts on a continuation line and whitespace-only continuation lines', () => {
    const m = parseResponse(
      ['SIP/2.0 200 OK', 'To:', '  <sip:a@b>;tag=1', 'X-Empty: ', '   ', '', ''].join(CRLF),
    );
    expect(m.headers.get('To')).toBe('<sip:a@b>;tag=1');
    expect(m.headers.get('X-Empty')).toBe('');
    expect(m.headers.size).toBe(2);
  });

  it('MSG-03 rejects a continuation line right after the start line with BAD_HEADER', () => {
    const error = rejection(wire(['SIP/2.0 200 OK', ' folded: start', 'Via: x']));
    expect(error.reason).toBe('BAD_HEADER');
    expect(error.message).toContain('continuation');
  });

  it('MSG-04 accepts any SP/HTAB before and after the colon, and none', () => {
    const m = parseResponse(
      wire(['SIP/2.0 200 OK', 'Via  :  a', 'To\t:\tb', 'From:c', 'Call-ID :d', 'CSeq:   1 REGISTER   ']),
    );
    expect(m.headers.rows()).toEqual([
      { name: 'Via', value: 'a' },
      { name: 'To', value: 'b' },
      { name: 'From', value: 'c' },
      { name: 'Call-ID', value: 'd' },
      { name: 'CSeq', value: '1 REGISTER' },
    ]);
  });

  it('MSG-04 rejects a line break before the colon (the name line has no colon)', () => {
    const error = rejection(wire(['SIP/2.0 200 OK', 'Via', ' : x']));
    expect(error.reason).toBe('BAD_HEADER');
    expect(error.message).toContain('no colon');
  });

  it('MSG-05 keeps rows in order and a comma-joined row as one row (splitting is the grammar’s job)', () => {
    const m = parseResponse(
      wire(['SIP/2.0 200 OK', 'Contact: <sip:a@1>, <sip:a@2>', 'Via: v1', 'Contact: <sip:a@3>', 'Via: v2']),
    );
    expect(m.headers.getAll('Contact')).toEqual(['<sip:a@1>, <sip:a@2>', '<sip:a@3>']);
    expect(m.headers.getAll('Via')).toEqual(['v1', 'v2']);
    expect(m.headers.rows().map((r) => r.name)).toEqual(['Contact', 'Via', 'Contact', 'Via']);
  });

  it('MSG-06 keeps each WWW-Authenticate row as its own challenge', () => {
    const m = parseResponse(
      wire([
        'SIP/2.0 401 Unauthorized',
        'WWW-Authenticate: Digest realm="a", nonce="1", algorithm=SHA-256',
        'WWW-Authenticate: Digest realm="a", nonce="2", algorithm=MD5',
      ]),
    );
    expect(m.headers.getAll('www-authenticate')).toEqual([
      'Digest realm="a", nonce="1", algorithm=SHA-256',
      'Digest realm="a", nonce="2", algorithm=MD5',
    ]);
  });

  it('MSG-09 ABNF-10 keeps unknown headers as opaque strings, even ones no grammar would accept', () => {
    const m = parseResponse(
      wire([
        'SIP/2.0 200 OK',
        'X-Weird: ;;,,"unbalanced <quote',
        'P-Whatever: =;=;=',
        'Max-Breadth: \u0000nul',
      ]),
    );
    expect(m.headers.get('x-weird')).toBe(';;,,"unbalanced <quote');
    expect(m.headers.get('P-Whatever')).toBe('=;=;=');
    expect(m.headers.get('Max-Breadth')).toBe('\u0000nul');
  });

  it('ABNF-10 accepts long header values (up to the line limit)', () => {
    const long = 'x'.repeat(8000);
    expect(parseResponse(wire(['SIP/2.0 200 OK', `X-Long: ${long}`])).headers.get('X-Long')).toBe(long);
  });

  it('rejects a header name that is not a token, a line without a colon and an empty name with BAD_HEADER', () => {
    for (const line of ['Bad Name: x', 'Bad{Name}: x', 'NoColonHere', ': empty', 'Via\u0000: x', 'Vía: x']) {
      const error = rejection(wire(['SIP/2.0 200 OK', line]));
      expect(error.reason, line).toBe('BAD_HEADER');
    }
    expect(rejection(wire(['SIP/2.0 200 OK', ': empty'])).message).toContain('empty name');
  });

  it('accepts every token character in a header name', () => {
    const name = "aZ09-.!%*_+`'~";
    expect(parseResponse(wire(['SIP/2.0 200 OK', `${name}: v`])).headers.get(name)).toBe('v');
  });

  it('never puts a header value into a BAD_HEADER message (it could be a credential)', () => {
    const error = rejection(
      wire(['SIP/2.0 200 OK', 'Proxy Authorization: Digest response="0123456789abcdef"']),
    );
    expect(error.message).not.toContain('0123456789abcdef');
    expect(error.message).toContain('whitespace inside its name');
  });

  it('accepts a message whose header block has no blank line at the end (no body)', () => {
    const m = parseResponse('SIP/2.0 200 OK\r\nCall-ID: x\r\n');
    expect(m.headers.get('Call-ID')).toBe('x');
    expect(m.body).toBe('');
    expect(parseResponse('SIP/2.0 200 OK\r\nCall-ID: y').headers.get('Call-ID')).toBe('y');
  });

  it('accepts a message with no header fields at all', () => {
    const m = parseResponse('SIP/2.0 200 OK\r\n\r\n');
    expect(m.headers.size).toBe(0);
  });
});

describe('ABNF-13 bare LF line ends', () => {
  it('ABNF-13 parses a message written entirely with bare LF', () => {
    const m = parseResponse(wire([...OK_HEAD, 'Content-Length: 4'], 'body', '\n'));
    expect(m.headers.get('CSeq')).toBe('314159 REGISTER');
    expect(m.body).toBe('body');
  });

  it('ABNF-13 parses mixed CRLF and LF line ends, and a CRLF blank line after LF lines', () => {
    const m = parseResponse('SIP/2.0 200 OK\nVia: a\r\nTo: b\n\r\nxyz');
    expect(m.headers.rows()).toEqual([
      { name: 'Via', value: 'a' },
      { name: 'To', value: 'b' },
    ]);
    expect(m.body).toBe('xyz');
    const bytes = parseResponse(Buffer.from('SIP/2.0 200 OK\r\nVia: a\n\nxyz'));
    expect(bytes.body).toBe('xyz');
  });
});

describe('body framing', () => {
  it('TRN-09 takes exactly Content-Length bytes and discards the rest of the datagram', () => {
    const text = wire([...OK_HEAD, 'Content-Length: 5'], 'helloEXTRA BYTES');
    expect(parseResponse(text).body).toBe('hello');
    expect(parseResponse(Buffer.from(text)).body).toBe('hello');
  });

  it('TRN-09 rejects a datagram shorter than its Content-Length with TRUNCATED_BODY', () => {
    const text = wire([...OK_HEAD, 'Content-Length: 10'], 'short');
    for (const input of [text, Buffer.from(text)]) {
      const error = rejection(input);
      expect(error.reason).toBe('TRUNCATED_BODY');
      expect(error.header).toBe('Content-Length');
      expect(error.message).toContain('10');
    }
    expect(reasonFor(`${OK_HEAD.join(CRLF)}\r\nContent-Length: 3\r\n`)).toBe('TRUNCATED_BODY');
  });

  it('TRN-09 without Content-Length the body is the rest of the datagram', () => {
    const text = wire(OK_HEAD, 'all of\r\nthis');
    expect(parseResponse(text).body).toBe('all of\r\nthis');
    expect(parseResponse(Buffer.from(text)).body).toBe('all of\r\nthis');
  });

  it('TRN-09 Content-Length counts UTF-8 bytes, for bytes and for string input', () => {
    const body = 'héllo wörld ✓ 😀';
    const bytes = Buffer.byteLength(body, 'utf8');
    const text = wire([...OK_HEAD, `Content-Length: ${bytes}`], `${body}trailing`);
    expect(parseResponse(text).body).toBe(body);
    expect(parseResponse(Buffer.from(text)).body).toBe(body);
    const shortText = wire([...OK_HEAD, `Content-Length: ${Buffer.byteLength('héllo')}`], body);
    expect(parseResponse(shortText).body).toBe('héllo');
    expect(parseResponse(Buffer.from(shortText)).body).toBe('héllo');
    const tooLong = wire([...OK_HEAD, `Content-Length: ${bytes + 1}`], body);
    expect(reasonFor(tooLong)).toBe('TRUNCATED_BODY');
    expect(reasonFor(Buffer.from(tooLong))).toBe('TRUNCATED_BODY');
  });

  it('TRN-09 cuts by bytes when the header block itself holds multi-byte UTF-8', () => {
    const text = wire(['SIP/2.0 200 Ça va', 'Subject: 日本語', 'Content-Length: 2'], 'ééextra');
    const fromBytes = parseResponse(Buffer.from(text));
    expect(fromBytes.reason).toBe('Ça va');
    expect(fromBytes.headers.get('Subject')).toBe('日本語');
    expect(fromBytes.body).toBe('é');
    expect(parseResponse(text).body).toBe('é');
  });

  it('decodes invalid UTF-8 with U+FFFD instead of failing, keeping byte framing', () => {
    const head = Buffer.from('SIP/2.0 200 Caf');
    const rest = Buffer.from('\r\nContent-Length: 3\r\n\r\n');
    const m = parseResponse(
      Buffer.concat([head, Buffer.from([0xe9]), rest, Buffer.from([0x61, 0xff, 0x62, 0x63])]),
    );
    expect(m.reason).toBe('Caf\ufffd');
    expect(m.body).toBe('a\ufffdb');
  });

  it('accepts a Uint8Array view with an offset into a larger buffer', () => {
    const text = wire([...OK_HEAD, 'Content-Length: 2'], 'ok');
    const backing = new Uint8Array(100 + text.length);
    backing.set(Buffer.from(text), 50);
    const view = new Uint8Array(backing.buffer, 50, text.length);
    expect(parseResponse(view).body).toBe('ok');
  });

  it('ABNF-09 accepts Content-Length with leading zeros and surrounding whitespace', () => {
    expect(parseResponse(wire([...OK_HEAD, 'Content-Length:   0004  '], 'abcd')).body).toBe('abcd');
  });

  it('ABNF-09 rejects multiple Content-Length rows, even with equal values, with BAD_CONTENT_LENGTH', () => {
    for (const rows of [
      ['Content-Length: 4', 'Content-Length: 4'],
      ['Content-Length: 4', 'l: 3'],
      ['l: 0', 'content-length: 0'],
    ]) {
      const error = rejection(wire([...OK_HEAD, ...rows], 'abcd'));
      expect(error.reason).toBe('BAD_CONTENT_LENGTH');
      expect(error.header).toBe('Content-Length');
    }
  });

  it('ABNF-09 rejects negative, non-numeric, empty and comma-joined Content-Length values', () => {
    for (const value of ['-1', '+4', '4.0', '0x4', 'four', '4 4', '4, 4', '', '٤']) {
      const error = rejection(wire([...OK_HEAD, `Content-Length: ${value}`], 'abcd'));
      expect(error.reason, JSON.stringify(value)).toBe('BAD_CONTENT_LENGTH');
    }
  });

  it('ABNF-09 rejects a Content-Length larger than maxMessageBytes (or absurdly long) as BAD_CONTENT_LENGTH', () => {
    expect(reasonFor(wire([...OK_HEAD, 'Content-Length: 65537'], 'x'))).toBe('BAD_CONTENT_LENGTH');
    expect(reasonFor(wire([...OK_HEAD, `Content-Length: 1${'0'.repeat(40)}`], 'x'))).toBe(
      'BAD_CONTENT_LENGTH',
    );
    expect(reasonFor(wire([...OK_HEAD, 'Content-Length: 2000'], 'x'), { maxMessageBytes: 1000 })).toBe(
      'BAD_CONTENT_LENGTH',
    );
  });
});

describe('SEC-04 limits', () => {
  it('SEC-04 TRN-03 accepts a 65,535-byte datagram with the default limits', () => {
    const head = wire([...OK_HEAD, 'Content-Length: 00000']);
    const bodyLength = 65_535 - head.length;
    const text = wire(
      [...OK_HEAD, `Content-Length: ${String(bodyLength).padStart(5, '0')}`],
      'b'.repeat(bodyLength),
    );
    expect(Buffer.byteLength(text)).toBe(65_535);
    expect(parseResponse(Buffer.from(text)).body).toHaveLength(bodyLength);
    expect(parseResponse(text).body).toHaveLength(bodyLength);
  });

  it('SEC-04 rejects a message over maxMessageBytes with MESSAGE_TOO_LARGE naming the limit', () => {
    const text = wire(OK_HEAD, 'x'.repeat(65_537));
    for (const input of [text, Buffer.from(text)]) {
      const error = rejection(input);
      expect(error.reason).toBe('MESSAGE_TOO_LARGE');
      expect(error.message).toContain('maxMessageBytes (65536 bytes)');
    }
    const small = wire(OK_HEAD);
    expect(reasonFor(small, { maxMessageBytes: small.length - 1 })).toBe('MESSAGE_TOO_LARGE');
    expect(parseResponse(small, { maxMessageBytes: small.length }).status).toBe(200);
  });

  it('SEC-04 counts UTF-8 bytes, not string length, against maxMessageBytes', () => {
    const text = wire(OK_HEAD, 'é'.repeat(100));
    const bytes = Buffer.byteLength(text);
    expect(reasonFor(text, { maxMessageBytes: bytes - 1 })).toBe('MESSAGE_TOO_LARGE');
    expect(parseResponse(text, { maxMessageBytes: bytes }).body).toBe('é'.repeat(100));
  });

  it('SEC-04 accepts 256 header rows and rejects 257 with TOO_MANY_HEADERS naming the limit', () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => `X-H${i}: ${i}`);
    expect(parseResponse(wire(['SIP/2.0 200 OK', ...rows(256)])).headers.size).toBe(256);
    const error = rejection(wire(['SIP/2.0 200 OK', ...rows(257)]));
    expect(error.reason).toBe('TOO_MANY_HEADERS');
    expect(error.message).toContain('maxHeaders (256)');
    expect(reasonFor(wire(['SIP/2.0 200 OK', ...rows(4)]), { maxHeaders: 3 })).toBe('TOO_MANY_HEADERS');
  });

  it('SEC-04 a folded header counts as one row', () => {
    const folded = ['SIP/2.0 200 OK', 'X-A: 1', ' 2', ' 3', 'X-B: 4'];
    expect(parseResponse(wire(folded), { maxHeaders: 2 }).headers.size).toBe(2);
  });

  it('SEC-04 rejects a header field longer than maxHeaderLineBytes (8192) with HEADER_LINE_TOO_LONG', () => {
    const name = 'X-Long: ';
    const exact = `${name}${'a'.repeat(8192 - name.length)}`;
    expect(parseResponse(wire(['SIP/2.0 200 OK', exact])).headers.get('X-Long')).toHaveLength(
      8192 - name.length,
    );
    const error = rejection(wire(['SIP/2.0 200 OK', `${exact}a`]));
    expect(error.reason).toBe('HEADER_LINE_TOO_LONG');
    expect(error.header).toBe('X-Long');
    expect(error.message).toContain('maxHeaderLineBytes (8192 bytes)');
  });

  it('SEC-04 measures a folded header over all its lines, and multi-byte characters in bytes', () => {
    const folded = ['SIP/2.0 200 OK', `X-F: ${'a'.repeat(60)}`, ` ${'b'.repeat(60)}`];
    expect(reasonFor(wire(folded), { maxHeaderLineBytes: 100 })).toBe('HEADER_LINE_TOO_LONG');
    const wide = ['SIP/2.0 200 OK', `X-W: ${'€'.repeat(40)}`];
    expect(reasonFor(wire(wide), { maxHeaderLineBytes: 100 })).toBe('HEADER_LINE_TOO_LONG');
    expect(reasonFor(Buffer.from(wire(wide)), { maxHeaderLineBytes: 100 })).toBe('HEADER_LINE_TOO_LONG');
    expect(parseResponse(wire(wide), { maxHeaderLineBytes: 125 }).headers.get('X-W')).toBe('€'.repeat(40));
  });

  it('SEC-04 applies maxHeaderLineBytes to the start line too', () => {
    const error = rejection(wire([`SIP/2.0 200 ${'x'.repeat(9000)}`]));
    expect(error.reason).toBe('HEADER_LINE_TOO_LONG');
    expect(error.message).toContain('start line');
  });
});

describe('parse limits', () => {
  it('SEC-04 defaults: 64 KiB message, 256 headers, 8 KiB lines; frozen', () => {
    expect(DEFAULT_PARSE_LIMITS).toEqual({
      maxMessageBytes: 65_536,
      maxHeaders: 256,
      maxHeaderLineBytes: 8_192,
    });
    expect(Object.isFrozen(DEFAULT_PARSE_LIMITS)).toBe(true);
    expect(resolveParseLimits()).toBe(DEFAULT_PARSE_LIMITS);
  });

  it('merges partial limits over the defaults and returns a frozen, reusable object', () => {
    const limits = resolveParseLimits({ maxHeaders: 10 });
    expect(limits).toEqual({ ...DEFAULT_PARSE_LIMITS, maxHeaders: 10 });
    expect(Object.isFrozen(limits)).toBe(true);
    expect(resolveParseLimits(limits)).toBe(limits);
  });

  it('rejects invalid limits with SipInvalidArgumentError naming the option and the value', () => {
    const bad: [Partial<Record<keyof ParseLimits, unknown>>, string][] = [
      [{ maxHeaders: 0 }, 'maxHeaders'],
      [{ maxMessageBytes: -5 }, 'maxMessageBytes'],
      [{ maxHeaderLineBytes: 1.5 }, 'maxHeaderLineBytes'],
      [{ maxHeaders: Number.NaN }, 'maxHeaders'],
      [{ maxHeaders: '10' }, 'maxHeaders'],
      [{ maxMessageBytes: Number.POSITIVE_INFINITY }, 'maxMessageBytes'],
    ];
    for (const [limits, option] of bad) {
      expect(() => resolveParseLimits(limits as Partial<ParseLimits>)).toThrow(SipInvalidArgumentError);
      expect(() => resolveParseLimits(limits as Partial<ParseLimits>)).toThrow(`"${option}"`);
      expect(() => parseMessage('SIP/2.0 200 OK\r\n\r\n', limits as Partial<ParseLimits>)).toThrow(
        SipInvalidArgumentError,
      );
    }
    expect(() => resolveParseLimits({ maxHeaders: 0 })).toThrow('received 0');
    expect(() => resolveParseLimits({ maxHeader: 5 } as Partial<ParseLimits>)).toThrow(
      'unknown option "maxHeader"',
    );
    expect(() => resolveParseLimits(null as unknown as Partial<ParseLimits>)).toThrow(
      SipInvalidArgumentError,
    );
  });
});

describe('API contract', () => {
  it('tryParseMessage returns the message or the SipParseError without throwing', () => {
    const good = tryParseMessage(wire([...OK_HEAD, 'Content-Length: 0']));
    expect(good.ok).toBe(true);
    if (good.ok) expect(good.message.kind).toBe('response');
    const bad = tryParseMessage('SIP/2.0 999 Nope\r\n\r\n');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error).toBeInstanceOf(SipParseError);
      expect(bad.error.reason).toBe('BAD_STATUS_CODE');
    }
  });

  it('tryParseMessage still throws for caller bugs (invalid limits)', () => {
    expect(() => tryParseMessage('x', { maxHeaders: -1 })).toThrow(SipInvalidArgumentError);
  });

  it('rejects input that is neither a string nor a Uint8Array with SipInvalidArgumentError', () => {
    for (const input of [undefined, null, 42, {}, new ArrayBuffer(4)]) {
      expect(() => parseMessage(input as unknown as string)).toThrow(SipInvalidArgumentError);
    }
  });

  it('SipParseError carries code ERR_SIP_PARSE and a stable reason', () => {
    const error = rejection('SIP/2.0 abc OK\r\n\r\n');
    expect(error.code).toBe('ERR_SIP_PARSE');
    expect(error.name).toBe('SipParseError');
    expect(error.reason).toBe('BAD_STATUS_CODE');
  });

  it('returns independent messages: changing one parse result does not affect another', () => {
    const text = wire([...OK_HEAD, 'Content-Length: 0']);
    const a = parseResponse(text);
    const b = parseResponse(text);
    a.headers.set('Call-ID', 'changed');
    expect(b.headers.get('Call-ID')).toBe('a84b4c76e66710@pc33.example.com');
  });
});
