import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SipParseError } from '../../src/errors.js';
import { canonicalHeaderName, headerKey } from '../../src/sip/header-names.js';
import { SipHeaders } from '../../src/sip/headers.js';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message.js';
import { resolveParseLimits } from '../../src/sip/parse-limits.js';
import { parseMessage, tryParseMessage } from '../../src/sip/parser.js';
import { encodeMessage, serializeMessage } from '../../src/sip/serializer.js';

const TOKEN_CHARS = "abcxyzABCXYZ0189-.!%*_+`'~";
const chars = (set: string) => fc.constantFrom(...set.split(''));
const token = (min = 1, max = 12) =>
  fc.array(chars(TOKEN_CHARS), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** Text a header value may carry: no controls but HTAB, any Unicode, no surrounding whitespace. */
const headerValue = fc.string({ unit: 'binary', maxLength: 40 }).map((s) =>
  Array.from(s)
    .filter((c) => {
      const code = c.codePointAt(0)!;
      return (code >= 0x20 || code === 0x09) && code !== 0x7f;
    })
    .join('')
    .replace(/^[ \t]+|[ \t]+$/g, ''),
);

const uri = fc
  .tuple(
    fc.constantFrom('sip', 'sips', 'tel', 'urn'),
    fc.array(chars('abcXYZ019@.;=:_-+%/?&'), { minLength: 1, maxLength: 30 }).map((a) => a.join('')),
  )
  .map(([scheme, rest]) => `${scheme}:${rest}`);

const MANDATORY: [string, string][] = [
  ['Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKprop'],
  ['Max-Forwards', '70'],
  ['To', '<sip:a@example.com>'],
  ['From', '<sip:a@example.com>;tag=1'],
  ['Call-ID', 'prop@192.0.2.1'],
  ['CSeq', '1 REGISTER'],
];

const extraRows = fc.array(fc.tuple(token(1, 16), headerValue), { maxLength: 12 });
const body = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('', '\r\n\r\n', 'v=0\r\n', '\u0000\u0001', 'é😀\r\nContent-Length: 0\r\n'),
);

const requests = fc.record({ method: token(), uri, extra: extraRows, body }).map(
  ({ method, uri, extra, body }): SipRequest => ({
    kind: 'request',
    method,
    uri,
    version: 'SIP/2.0',
    headers: new SipHeaders([...MANDATORY, ...extra]),
    body,
  }),
);

const responses = fc
  .record({ status: fc.integer({ min: 100, max: 699 }), reason: headerValue, extra: extraRows, body })
  .map(
    ({ status, reason, extra, body }): SipResponse => ({
      kind: 'response',
      status,
      reason,
      version: 'SIP/2.0',
      headers: new SipHeaders(extra),
      body,
    }),
  );

/** The rows the serializer writes: compact names long, no Content-Length rows. */
function expectedRows(message: SipMessage): { name: string; value: string }[] {
  return message.headers
    .rows()
    .filter((row) => headerKey(row.name) !== 'content-length')
    .map((row) => ({
      name: row.name.length === 1 ? canonicalHeaderName(row.name) : row.name,
      value: row.value,
    }));
}

function startLine(m: SipMessage): unknown[] {
  return m.kind === 'request' ? [m.kind, m.method, m.uri] : [m.kind, m.status, m.reason];
}

describe('parser properties', () => {
  it('MSG-10 TRN-09 serialize → parse gives back method, URI, header rows and body (string and bytes)', () => {
    fc.assert(
      fc.property(fc.oneof(requests, responses), (message) => {
        for (const wire of [serializeMessage(message), encodeMessage(message)]) {
          const parsed = parseMessage(wire);
          expect(startLine(parsed)).toEqual(startLine(message));
          const rows = parsed.headers.rows();
          expect(rows.at(-1)).toEqual({
            name: 'Content-Length',
            value: String(Buffer.byteLength(message.body, 'utf8')),
          });
          expect(rows.slice(0, -1)).toEqual(expectedRows(message));
          expect(parsed.body).toBe(message.body);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('ABNF-14 arbitrary strings and bytes give a message or a SipParseError, nothing else', () => {
    const check = (input: string | Uint8Array) => {
      let result: ReturnType<typeof tryParseMessage>;
      try {
        result = tryParseMessage(input);
      } catch (error) {
        throw new Error(`parser threw ${String(error)} for ${JSON.stringify(String(input).slice(0, 80))}`);
      }
      if (result.ok) {
        const m = result.message;
        expect(typeof m.body).toBe('string');
        if (m.kind === 'response') expect(m.status >= 100 && m.status <= 699).toBe(true);
        for (const row of m.headers) expect(row.name.length).toBeGreaterThan(0);
      } else {
        expect(result.error).toBeInstanceOf(SipParseError);
      }
    };
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), check), { numRuns: 1000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), { numRuns: 1000 });
    fc.assert(fc.property(nearSip, check), { numRuns: 2000 });
    fc.assert(
      fc.property(nearSip, (text) => check(Buffer.from(text, 'utf8'))),
      { numRuns: 1000 },
    );
  });

  it('ABNF-14 random corruptions of a valid REGISTER response never escape as another exception', () => {
    const base = Buffer.from(
      serializeMessage({
        kind: 'response',
        status: 200,
        reason: 'OK',
        version: 'SIP/2.0',
        headers: new SipHeaders([
          ...MANDATORY,
          ['Contact', '<sip:a@192.0.2.1:5060>;expires=3600, <sip:a@192.0.2.2>;expires=60'],
          ['WWW-Authenticate', 'Digest realm="r", nonce="n", qop="auth"'],
        ]),
        body: 'body é',
      }),
    );
    const edits = fc.array(
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')),
      { minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(edits, (list) => {
        let bytes = Array.from(base);
        for (const [at, value, op] of list) {
          const i = at % (bytes.length + 1);
          if (op === 'set' && i < bytes.length) bytes[i] = value;
          else if (op === 'insert') bytes.splice(i, 0, value);
          else bytes = bytes.filter((_, j) => j !== i);
        }
        const result = tryParseMessage(Uint8Array.from(bytes));
        expect(result.ok || result.error instanceof SipParseError).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('TRN-09 a valid UTF-8 message parses the same from bytes and from its string', () => {
    fc.assert(
      fc.property(nearSip, (text) => {
        const fromString = tryParseMessage(text);
        const fromBytes = tryParseMessage(Buffer.from(text, 'utf8'));
        expect(fromBytes.ok).toBe(fromString.ok);
        if (fromString.ok && fromBytes.ok) {
          expect(startLine(fromBytes.message)).toEqual(startLine(fromString.message));
          expect(fromBytes.message.headers.rows()).toEqual(fromString.message.headers.rows());
          expect(fromBytes.message.body).toBe(fromString.message.body);
        } else if (!fromString.ok && !fromBytes.ok) {
          expect(fromBytes.error.reason).toBe(fromString.error.reason);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

/** Fragments that look like SIP, joined with a mix of line ends: exercises every branch. */
const nearSip = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'SIP/2.0 200 OK',
        'SIP/2.0 401 Unauthorized',
        'sip/2.0 100 ',
        'SIP/2.0 99 x',
        'SIP/2.0 4294967301 big',
        'REGISTER sip:example.com SIP/2.0',
        'INVITE  sip:a@b  SIP/2.0',
        'OPTIONS <sip:a@b> SIP/2.0',
        'GET / HTTP/1.1',
        'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1',
        'v:x',
        'Content-Length: 0',
        'Content-Length: 5',
        'content-length : 99999999999999999999',
        'l: -1',
        'L:3',
        'To: "unterminated <sip:a@b>',
        'WWW-Authenticate: Digest realm="x",',
        ' nonce="y"',
        '\tqop=auth',
        ':',
        ' : ',
        'Bad Name: v',
        '',
        'é: ü',
        'X-Ü: 日本',
        '\u0000',
      ),
      token(0, 6),
      fc.string({ unit: 'binary', maxLength: 12 }),
    ),
    { maxLength: 14 },
  )
  .chain((parts) =>
    fc
      .array(fc.constantFrom('\r\n', '\n', '\r', '', ' ', '\r\n\r\n'), {
        minLength: parts.length,
        maxLength: parts.length,
      })
      .map((ends) => parts.map((part, i) => part + ends[i]).join('')),
  );

describe('linear time (checklist SEC-04: never hang)', () => {
  // Generous limits so the pathological inputs reach the parser's loops instead of a limit check.
  const limits = resolveParseLimits({
    maxMessageBytes: 32 * 1024 * 1024,
    maxHeaders: 10_000_000,
    maxHeaderLineBytes: 32 * 1024 * 1024,
  });

  /** Time for `reps` parses (or rejections) of the input, in ms. */
  function timeParse(input: string | Uint8Array, reps: number): number {
    const start = performance.now();
    for (let r = 0; r < reps; r++) tryParseMessage(input, limits);
    return performance.now() - start;
  }

  /**
   * Per-parse time of a small and an 8× larger input. Trials alternate between the two and each
   * does about the same total work, so a load spike on a shared machine hits both alike; the best
   * trial of each counts.
   */
  function perParse(small: string | Uint8Array, large: string | Uint8Array): [number, number] {
    timeParse(small, 3); // warm up the JIT
    const reps = Math.min(400, Math.max(1, Math.ceil(4 / Math.max(timeParse(large, 1), 0.01))));
    let bestSmall = Number.POSITIVE_INFINITY;
    let bestLarge = Number.POSITIVE_INFINITY;
    for (let trial = 0; trial < 7; trial++) {
      bestSmall = Math.min(bestSmall, timeParse(small, reps * 8) / (reps * 8));
      bestLarge = Math.min(bestLarge, timeParse(large, reps) / reps);
    }
    return [bestSmall, bestLarge];
  }

  // [name, input of size k, base k]. Families that keep one string or row per line use a smaller
  // base: past ~16k elements V8 moves a growing array to large-object space and garbage collection,
  // not the parser, dominates. (The default limits keep these arrays far smaller: 256 rows, 8 KiB
  // per field.)
  const families: [string, (k: number) => string | Uint8Array, number?][] = [
    ['many continuation lines', (k) => `SIP/2.0 200 OK\r\nX: a${'\r\n b'.repeat(k)}\r\n\r\n`, 1_000],
    ['whitespace-only continuation lines', (k) => `SIP/2.0 200 OK\r\nX: a${'\r\n  '.repeat(k)}\r\n\r\n`],
    ['many header rows', (k) => `SIP/2.0 200 OK\r\n${'X-A: a\r\n'.repeat(k)}\r\n`, 1_000],
    ['many bare-LF rows without a blank line', (k) => `SIP/2.0 200 OK\n${'X-B:\n'.repeat(k)}`, 1_000],
    ['colons in one value', (k) => `SIP/2.0 200 OK\r\nX: ${':'.repeat(k)}\r\n\r\n`],
    ['spaces before the colon', (k) => `SIP/2.0 200 OK\r\nX${' '.repeat(k)}: v\r\n\r\n`],
    ['a long unterminated quoted string', (k) => `SIP/2.0 200 OK\r\nTo: "${'a\\"'.repeat(k)}\r\n\r\n`],
    ['leading CRLFs', (k) => `${'\r\n'.repeat(k)}SIP/2.0 200 OK\r\n\r\n`],
    ['a start line with no spaces', (k) => `${'A'.repeat(k)}\r\nX: a b\r\n\r\n`],
    ['a long Request-URI', (k) => `INVITE sip:${'a'.repeat(k)} SIP/2.0\r\n\r\n`],
    ['stray CRs in a value', (k) => `SIP/2.0 200 OK\r\nX: ${'\r'.repeat(k)}\r\n\r\n`],
    ['LF CR pairs', (k) => `SIP/2.0 200 OK\r\nX: a${'\n\r'.repeat(k)}`],
    [
      'multi-byte header values as bytes',
      (k) => Buffer.from(`SIP/2.0 200 OK\r\nX: ${'é'.repeat(k)}\r\n\r\n`),
    ],
    ['a large body without Content-Length', (k) => Buffer.from(`SIP/2.0 200 OK\r\n\r\n${'é\r\n'.repeat(k)}`)],
  ];

  for (const [name, make, base = 5_000] of families) {
    it(`SEC-04 parse time grows linearly: ${name}`, () => {
      const [tSmall, tLarge] = perParse(make(base), make(base * 8));
      // 8× the input: linear work is ~8× the time, quadratic ~64×. The margin absorbs GC and a busy machine.
      expect(tLarge / tSmall, `${name}: ${tSmall.toFixed(3)} ms → ${tLarge.toFixed(3)} ms`).toBeLessThan(24);
      expect(tLarge).toBeLessThan(2_000);
    });
  }
});
