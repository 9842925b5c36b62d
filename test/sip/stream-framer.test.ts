import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError, SipParseError } from '../../src/errors.js';
import { type StreamFrame, StreamFramer } from '../../src/sip/stream-framer.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A SIP message with a correct Content-Length (byte length of the UTF-8 body). */
function sipMessage(startLine: string, body = '', extraHeaders: string[] = []): string {
  const headers = [
    'Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK776',
    'Call-ID: a84b4c76e66710',
    'CSeq: 1 REGISTER',
    ...extraHeaders,
    `Content-Length: ${encoder.encode(body).length}`,
  ];
  return `${startLine}\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
}

const OK = sipMessage('SIP/2.0 200 OK');
const REGISTER = sipMessage('REGISTER sip:example.com SIP/2.0', 'héllo wörld ☎ 𝄞');

function messages(frames: StreamFrame[]): string[] {
  return frames.flatMap((frame) => (frame.type === 'message' ? [decoder.decode(frame.data)] : []));
}

function types(frames: StreamFrame[]): string[] {
  return frames.map((frame) => frame.type);
}

function errorOf(frames: StreamFrame[]): SipParseError {
  const last = frames.at(-1);
  if (last?.type !== 'error') throw new Error(`expected an error frame, got ${types(frames).join(',')}`);
  return last.error;
}

/** Feeds `data` cut at the given offsets and collects every frame. */
function feed(framer: StreamFramer, data: Uint8Array, cuts: number[] = []): StreamFrame[] {
  const frames: StreamFrame[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    frames.push(...framer.push(data.subarray(from, cut)));
    from = cut;
  }
  frames.push(...framer.push(data.subarray(from)));
  return frames;
}

describe('StreamFramer: framing by Content-Length', () => {
  it('TRN-10 frames one message and keeps its exact bytes', () => {
    const framer = new StreamFramer();
    const frames = framer.push(bytes(REGISTER));
    expect(types(frames)).toEqual(['message']);
    expect(messages(frames)).toEqual([REGISTER]);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('TRN-10 several messages in one chunk come out in order', () => {
    const framer = new StreamFramer();
    const frames = framer.push(bytes(OK + REGISTER + OK));
    expect(messages(frames)).toEqual([OK, REGISTER, OK]);
  });

  it('TRN-10 a message split byte by byte (inside CRLFCRLF and inside UTF-8) is reassembled', () => {
    const framer = new StreamFramer();
    const data = bytes(REGISTER + OK);
    const frames: StreamFrame[] = [];
    for (let i = 0; i < data.length; i++) {
      const out = framer.push(data.subarray(i, i + 1));
      // Nothing may be delivered before its last byte arrives.
      if (i < bytes(REGISTER).length - 1) expect(out).toEqual([]);
      frames.push(...out);
    }
    expect(messages(frames)).toEqual([REGISTER, OK]);
    expect(types(frames)).toEqual(['message', 'message']);
  });

  it('TRN-10 a message whose body is still missing is held, not delivered', () => {
    const framer = new StreamFramer();
    const data = bytes(REGISTER);
    expect(framer.push(data.subarray(0, data.length - 3))).toEqual([]);
    expect(framer.bufferedBytes).toBe(data.length - 3);
    expect(messages(framer.push(data.subarray(data.length - 3)))).toEqual([REGISTER]);
  });

  it('TRN-10 Content-Length is required on a stream', () => {
    const framer = new StreamFramer();
    const error = errorOf(framer.push(bytes('SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n')));
    expect(error).toBeInstanceOf(SipParseError);
    expect(error.reason).toBe('BAD_CONTENT_LENGTH');
    expect(error.header).toBe('Content-Length');
  });

  it('TRN-10 accepts the compact form l, any case, WSP before the colon, a folded value', () => {
    const variants = [
      'SIP/2.0 200 OK\r\nl: 3\r\n\r\nabc',
      'SIP/2.0 200 OK\r\nL:3\r\n\r\nabc',
      'SIP/2.0 200 OK\r\nCONTENT-length \t: 3 \r\n\r\nabc',
      'SIP/2.0 200 OK\r\ncontent-LENGTH:\r\n 3\r\n\r\nabc',
      'SIP/2.0 200 OK\r\nContent-Length: 003\r\n\r\nabc',
    ];
    for (const text of variants) {
      const framer = new StreamFramer();
      expect(messages(framer.push(bytes(`${text}SIP/2.0 200 OK\r\nl: 0\r\n\r\n`)))).toEqual([
        text,
        'SIP/2.0 200 OK\r\nl: 0\r\n\r\n',
      ]);
    }
  });

  it('TRN-10 a Reason-Phrase may hold HTAB (RFC 3261 §25.1)', () => {
    const framer = new StreamFramer();
    const text = 'SIP/2.0 200 All\tfine\r\nl: 0\r\n\r\n';
    expect(messages(framer.push(bytes(text)))).toEqual([text]);
  });

  it('TRN-10 a header whose name merely contains content-length is not Content-Length', () => {
    const framer = new StreamFramer();
    const text = 'SIP/2.0 200 OK\r\nX-Content-Length: 99\r\nContent-Lengthy: 7\r\nl: 0\r\n\r\n';
    expect(messages(framer.push(bytes(text)))).toEqual([text]);
  });

  it('ABNF-13 accepts LF-only and mixed line ends', () => {
    for (const text of [
      'SIP/2.0 200 OK\nContent-Length: 2\n\nok',
      'SIP/2.0 200 OK\r\nContent-Length: 2\n\nok',
      'SIP/2.0 200 OK\nContent-Length: 2\n\r\nok',
    ]) {
      const framer = new StreamFramer();
      expect(messages(feed(framer, bytes(text + text), [3, 20, 31]))).toEqual([text, text]);
    }
  });
});

describe('StreamFramer: bad Content-Length (ABNF-09)', () => {
  const cases: Array<[string, string, string]> = [
    ['negative', 'Content-Length: -1', 'BAD_CONTENT_LENGTH'],
    ['not a number', 'Content-Length: ten', 'BAD_CONTENT_LENGTH'],
    ['empty', 'Content-Length:', 'BAD_CONTENT_LENGTH'],
    ['a list', 'Content-Length: 1, 1', 'BAD_CONTENT_LENGTH'],
    ['a fraction', 'Content-Length: 1.5', 'BAD_CONTENT_LENGTH'],
    ['conflicting duplicates', 'Content-Length: 1\r\nl: 2', 'BAD_CONTENT_LENGTH'],
    ['too large', 'Content-Length: 65537', 'MESSAGE_TOO_LARGE'],
    ['absurdly large', `Content-Length: ${'9'.repeat(400)}`, 'MESSAGE_TOO_LARGE'],
  ];
  for (const [name, header, reason] of cases) {
    it(`ABNF-09 ${name} → framing error ${reason}`, () => {
      const framer = new StreamFramer();
      const error = errorOf(framer.push(bytes(`SIP/2.0 200 OK\r\n${header}\r\n\r\nx`)));
      expect(error.reason).toBe(reason);
      expect(error.code).toBe('ERR_SIP_PARSE');
      expect(error.message.length).toBeLessThan(200);
    });
  }

  it('ABNF-09 identical duplicates frame normally (they agree on the boundary)', () => {
    const framer = new StreamFramer();
    const text = 'SIP/2.0 200 OK\r\nContent-Length: 2\r\nl: 02\r\n\r\nok';
    expect(messages(framer.push(bytes(text)))).toEqual([text]);
  });
});

describe('StreamFramer: keep-alives (RFC 5626 §4.4.1)', () => {
  it('OB-06 a CRLFCRLF between messages is a ping', () => {
    const framer = new StreamFramer();
    expect(types(framer.push(bytes('\r\n\r\n')))).toEqual(['ping']);
    expect(types(framer.push(bytes(`\r\n\r\n${OK}`)))).toEqual(['ping', 'message']);
  });

  it('OB-10 a lone CRLF is a pong, reported at once', () => {
    const framer = new StreamFramer();
    expect(types(framer.push(bytes('\r\n')))).toEqual(['pong']);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('PIT-19 a pong before a response never corrupts the response (same chunk and separate chunks)', () => {
    const together = new StreamFramer();
    const frames = together.push(bytes(`\r\n${OK}`));
    expect(types(frames)).toEqual(['pong', 'message']);
    expect(messages(frames)).toEqual([OK]);

    const apart = new StreamFramer();
    expect(types(apart.push(bytes('\r\n')))).toEqual(['pong']);
    const later = apart.push(bytes(OK));
    expect(messages(later)).toEqual([OK]);
    expect(decoder.decode((later[0] as { data: Uint8Array }).data).startsWith('SIP/2.0 200')).toBe(true);
  });

  it('PIT-19 a pong right after a message (same chunk) is reported and not kept', () => {
    const framer = new StreamFramer();
    expect(types(framer.push(bytes(`${OK}\r\n`)))).toEqual(['message', 'pong']);
    expect(framer.bufferedBytes).toBe(0);
    expect(messages(framer.push(bytes(REGISTER)))).toEqual([REGISTER]);
  });

  it('TRN-10 any run of line ends before a start line is skipped (LF-only too)', () => {
    const framer = new StreamFramer();
    const frames = framer.push(bytes(`\r\n\r\n\r\n\n\n\n${OK}`));
    expect(types(frames)).toEqual(['ping', 'ping', 'ping', 'message']);
    expect(messages(frames)).toEqual([OK]);
  });
});

describe('StreamFramer: limits and garbage (SEC-04, SEC-05)', () => {
  it('SEC-04 a header block over 64 KiB is a MESSAGE_TOO_LARGE framing error', () => {
    const framer = new StreamFramer();
    const big = `SIP/2.0 200 OK\r\nX-Pad: ${'a'.repeat(70_000)}\r\n`;
    const error = errorOf(feed(framer, bytes(big), [1000, 30_000, 60_000]));
    expect(error.reason).toBe('MESSAGE_TOO_LARGE');
  });

  it('SEC-04 the error comes before the end of the header block, without waiting for it', () => {
    const framer = new StreamFramer({ maxHeaderBytes: 100 });
    expect(framer.push(bytes('SIP/2.0 200 OK\r\nX-Pad: '))).toEqual([]);
    expect(errorOf(framer.push(bytes('b'.repeat(100)))).reason).toBe('MESSAGE_TOO_LARGE');
  });

  it('SEC-04 limits are options: a block of exactly maxHeaderBytes passes, one more byte fails', () => {
    const text = 'SIP/2.0 200 OK\r\nl: 0\r\n\r\n';
    const exact = new StreamFramer({ maxHeaderBytes: text.length });
    expect(messages(exact.push(bytes(text)))).toEqual([text]);
    const short = new StreamFramer({ maxHeaderBytes: text.length - 1 });
    expect(errorOf(short.push(bytes(text))).reason).toBe('MESSAGE_TOO_LARGE');
  });

  it('SEC-04 a Content-Length above maxBodyBytes fails before the body arrives', () => {
    const framer = new StreamFramer({ maxBodyBytes: 10 });
    expect(messages(framer.push(bytes('SIP/2.0 200 OK\r\nl: 10\r\n\r\n0123456789')))).toHaveLength(1);
    expect(errorOf(framer.push(bytes('SIP/2.0 200 OK\r\nl: 11\r\n\r\n'))).reason).toBe('MESSAGE_TOO_LARGE');
  });

  it('SEC-05 garbage fails at its first byte, and the framer stays failed with its buffer released', () => {
    const framer = new StreamFramer();
    const error = errorOf(framer.push(new Uint8Array([0x16, 0x03, 0x01, 0x00])));
    expect(error.reason).toBe('BAD_START_LINE');
    expect(framer.failed).toBe(true);
    expect(framer.bufferedBytes).toBe(0);
    expect(errorOf(framer.push(bytes(OK)))).toBe(error);
  });

  it('SEC-05 a start line that is neither request nor status line is a framing error', () => {
    for (const text of [
      'GET / HTTP/1.1\r\nl: 0\r\n\r\n',
      'hello\r\n\r\n',
      'SIP 200 OK\r\n\r\n',
      'A\x01B SIP/2.0\r\n',
    ]) {
      const framer = new StreamFramer();
      expect(errorOf(framer.push(bytes(text))).reason).toBe('BAD_START_LINE');
    }
  });

  it('SEC-05 messages before the garbage are still delivered, the error comes last', () => {
    const framer = new StreamFramer();
    const frames = framer.push(bytes(`${OK}\r\n<garbage>`));
    expect(types(frames)).toEqual(['message', 'pong', 'error']);
  });

  it('rejects bad options with SipInvalidArgumentError naming the option', () => {
    expect(() => new StreamFramer({ maxHeaderBytes: 0 })).toThrow(SipInvalidArgumentError);
    expect(() => new StreamFramer({ maxBodyBytes: -1 })).toThrow(/maxBodyBytes/);
    expect(() => new StreamFramer({ maxHeaderBytes: 1.5 })).toThrow(/maxHeaderBytes.*1\.5/);
  });
});

describe('StreamFramer: properties', () => {
  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9.!%*_+`'~-]{0,15}$/);
  const headerValue = fc.stringMatching(/^[ -~]{0,40}$/).map((v) => v.trim());
  const startLine = fc.oneof(
    fc.tuple(token, token).map(([method, user]) => `${method} sip:${user}@example.com SIP/2.0`),
    fc.integer({ min: 100, max: 699 }).map((code) => `SIP/2.0 ${code} Reason`),
  );
  const message = fc
    .record({
      startLine,
      headers: fc.array(fc.tuple(token, headerValue), { maxLength: 6 }),
      body: fc.string({ unit: 'grapheme', maxLength: 60 }),
      compact: fc.boolean(),
      lfOnly: fc.boolean(),
    })
    .map(({ startLine, headers, body, compact, lfOnly }) => {
      const eol = lfOnly ? '\n' : '\r\n';
      const rows = headers
        .filter(([name]) => name.toLowerCase() !== 'content-length' && name.toLowerCase() !== 'l')
        .map(([name, value]) => `${name}: ${value}`);
      rows.push(`${compact ? 'l' : 'Content-Length'}: ${encoder.encode(body).length}`);
      return `${startLine}${eol}${rows.join(eol)}${eol}${eol}${body}`;
    });

  it('TRN-10 random messages with keep-alives between them, cut anywhere, reframe to the same messages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(message, fc.constantFrom('', '\r\n', '\r\n\r\n')), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (parts, rawCuts) => {
          const data = bytes(parts.map(([msg, keepAlive]) => keepAlive + msg).join(''));
          const cuts = rawCuts.map((cut) => cut % (data.length + 1));
          const frames = feed(new StreamFramer(), data, cuts);
          expect(messages(frames)).toEqual(parts.map(([msg]) => msg));
          expect(frames.some((frame) => frame.type === 'error')).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('SEC-05 random bytes give messages, keep-alives or a SipParseError, never another exception', () => {
    const noisy = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 40 }),
        fc.constantFrom(bytes('\r\n'), bytes('\r\n\r\n'), bytes('l: 3\r\n'), bytes(OK), bytes('SIP/2.0 ')),
      ),
      { maxLength: 20 },
    );
    fc.assert(
      fc.property(noisy, (chunks) => {
        const framer = new StreamFramer({ maxHeaderBytes: 256, maxBodyBytes: 64 });
        for (const chunk of chunks) {
          const frames = framer.push(chunk);
          for (const frame of frames)
            if (frame.type === 'error') expect(frame.error).toBeInstanceOf(SipParseError);
          expect(framer.bufferedBytes).toBeLessThanOrEqual(256 + 64 + 40 + OK.length);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('SEC-05 linear time: a 64 KiB header block fed one byte at a time is framed quickly', () => {
    // Short lines: rescanning from the start on every byte would visit ~10^4 line ends per byte,
    // ~6·10^8 steps in all, and take seconds instead of milliseconds.
    const pad = 'a: b\r\n'.repeat(10_500);
    const text = `SIP/2.0 200 OK\r\n${pad}l: 0\r\n\r\n`;
    const data = bytes(text);
    expect(data.length).toBeGreaterThan(60_000);
    const framer = new StreamFramer();
    const started = performance.now();
    const frames: StreamFrame[] = [];
    for (let i = 0; i < data.length; i++) frames.push(...framer.push(data.subarray(i, i + 1)));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(messages(frames)).toEqual([text]);
  });

  it('SEC-05 linear time: many tiny header lines without colons do not make the scan quadratic', () => {
    const text = `SIP/2.0 200 OK\r\n${'a\r\n'.repeat(20_000)}l: 0\r\n\r\n`;
    const framer = new StreamFramer();
    const started = performance.now();
    const frames = framer.push(bytes(text));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(messages(frames)).toEqual([text]);
  });
});
