import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SipParseError } from '../../src/errors.js';
import { parseCallId } from '../../src/sip/call-id.js';
import { parseContactList } from '../../src/sip/contact.js';
import { parseCSeq } from '../../src/sip/cseq.js';
import { parseExpires, parseExpiresStrict } from '../../src/sip/expires.js';
import { formatNameAddr, parseFromTo, parseNameAddr } from '../../src/sip/name-addr.js';
import { parseParams } from '../../src/sip/params.js';
import { parseRetryAfter } from '../../src/sip/retry-after.js';
import { formatUri, parseUri } from '../../src/sip/uri.js';
import { uriEquals } from '../../src/sip/uri-compare.js';
import { formatVia, parseVia } from '../../src/sip/via.js';

const chars = (set: string) => fc.constantFrom(...set.split(''));
const pctEscape = fc
  .tuple(chars('0123456789abcdefABCDEF'), chars('0123456789abcdefABCDEF'))
  .map(([a, b]) => `%${a}${b}`);
const piece = (set: string, min = 1) =>
  fc
    .array(fc.oneof({ weight: 5, arbitrary: chars(set) }, { weight: 1, arbitrary: pctEscape }), {
      minLength: min,
      maxLength: 12,
    })
    .map((a) => a.join(''));

const UNRESERVED = "abcXYZ019-_.!~*'()";
const userPart = piece(UNRESERVED + '&=+$,;?/');
const password = piece(UNRESERVED + '&=+$,', 0);
const paramChars = UNRESERVED + '[]/:&+$';
const headerChars = UNRESERVED + '[]/?:+$';

const host = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.ipV6().map((a) => `[${a}]`),
);

const knownParam = fc.oneof(
  fc.constantFrom('udp', 'TCP', 'tls', 'sctp', 'ws').map((v) => `transport=${v}`),
  fc.constantFrom('phone', 'ip').map((v) => `user=${v}`),
  fc.integer({ min: 0, max: 255 }).map((v) => `ttl=${v}`),
  fc.constantFrom('REGISTER', 'INVITE').map((v) => `method=${v}`),
  fc.ipV4().map((v) => `maddr=${v}`),
  fc.constant('lr'),
);
const otherParam = fc
  .tuple(piece(paramChars), fc.option(piece(paramChars), { nil: undefined }))
  .map(([name, value]) => `x${name}${value === undefined ? '' : `=${value}`}`);
const header = fc.tuple(piece(headerChars), piece(headerChars, 0)).map(([n, v]) => `${n}=${v}`);

/** Valid SIP URIs built from the RFC 3261 §25.1 character classes, escapes included. */
const sipUriText = fc
  .record({
    scheme: fc.constantFrom('sip', 'sips', 'SIP', 'Sips'),
    user: fc.option(userPart, { nil: undefined }),
    password: fc.option(password, { nil: undefined }),
    host,
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    params: fc.uniqueArray(fc.oneof(knownParam, otherParam), {
      maxLength: 5,
      selector: (p) => p.split('=')[0]!.toLowerCase(),
    }),
    headers: fc.array(header, { maxLength: 3 }),
  })
  .map(({ scheme, user, password: pw, host: h, port, params, headers }) => {
    let text = `${scheme}:`;
    if (user !== undefined) text += user + (pw === undefined ? '' : `:${pw}`) + '@';
    text += h + (port === undefined ? '' : `:${port}`);
    for (const p of params) text += `;${p}`;
    if (headers.length > 0) text += `?${headers.join('&')}`;
    return text;
  });

/** True when `fn` returns or throws a SipParseError; anything else escaping fails the property. */
function onlyParseErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    if (error instanceof SipParseError) return true;
    throw error;
  }
}

// Strings over the characters that matter to these grammars, so random input reaches deep paths.
const sipish = fc.string({
  unit: fc.oneof(
    chars('sip:@;=,<>"\\[]?&%/.0123456789abcdefABF- \t()*+'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 80,
});
const anyText = fc.oneof(sipish, fc.string({ unit: 'binary', maxLength: 60 }));

describe('property: URIs', () => {
  it('EXP-04 formatUri(parseUri(x)) reparses to an equal URI and formatting is idempotent', () => {
    fc.assert(
      fc.property(sipUriText, (text) => {
        const parsed = parseUri(text);
        const formatted = formatUri(parsed);
        const reparsed = parseUri(formatted);
        expect(uriEquals(parsed, reparsed)).toBe(true);
        expect(uriEquals(reparsed, parsed)).toBe(true);
        expect(formatUri(reparsed)).toBe(formatted);
      }),
      { numRuns: 1000 },
    );
  });

  it('EXP-04 uriEquals is reflexive and symmetric, and a changed port or user breaks equality', () => {
    fc.assert(
      fc.property(sipUriText, sipUriText, (a, b) => {
        expect(uriEquals(a, a)).toBe(true);
        expect(uriEquals(a, b)).toBe(uriEquals(b, a));
        const uri = parseUri(a);
        if (uri.kind !== 'sip') return;
        expect(uriEquals(uri, { ...uri, port: uri.port === undefined ? 5060 : undefined })).toBe(false);
        expect(uriEquals(uri, { ...uri, user: (uri.user ?? '') + 'Z' })).toBe(false);
        expect(uriEquals(uri, { ...uri, scheme: uri.scheme === 'sip' ? 'sips' : 'sip' })).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('formatNameAddr of a generated URI parses back to the same URI', () => {
    fc.assert(
      fc.property(
        sipUriText,
        fc.string({ maxLength: 20 }).filter((s) => !/[\x00-\x08\x0a-\x1f\x7f]/.test(s)),
        (text, name) => {
          const address = parseNameAddr(formatNameAddr({ displayName: name, uri: parseUri(text) }));
          expect(uriEquals(address.uri, text)).toBe(true);
          expect(address.displayName).toBe(name === '' ? undefined : name);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('property: arbitrary input yields a value or SipParseError, never another exception', () => {
  it('ABNF-14 every header-value parser', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(onlyParseErrors(() => parseUri(text))).toBe(true);
        expect(onlyParseErrors(() => uriEquals(text, 'sip:a@b'))).toBe(true);
        expect(onlyParseErrors(() => parseParams(text, 'X'))).toBe(true);
        expect(onlyParseErrors(() => parseNameAddr(text))).toBe(true);
        expect(onlyParseErrors(() => parseFromTo(text))).toBe(true);
        expect(onlyParseErrors(() => parseContactList([text]))).toBe(true);
        expect(onlyParseErrors(() => parseVia(text))).toBe(true);
        expect(onlyParseErrors(() => parseCSeq(text))).toBe(true);
        expect(onlyParseErrors(() => parseCallId(text))).toBe(true);
        expect(onlyParseErrors(() => parseExpiresStrict(text))).toBe(true);
        expect(onlyParseErrors(() => parseRetryAfter(text))).toBe(true);
        expect(() => parseExpires(text)).not.toThrow();
        expect(() => parseContactList([text, text], { tolerant: true })).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });

  it('PIT-24 tolerant Contact parsing never throws and never loses a valid value', () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 4 }), sipUriText, (junk, uri) => {
        const rows = [
          ...junk.filter((j) => !j.includes(',') && !j.includes('"') && !j.includes('<')),
          `<${uri}>;expires=77`,
        ];
        const list = parseContactList(rows, { tolerant: true });
        expect(list.star).toBe(false);
        if (list.star) return;
        expect(list.contacts.some((c) => c.expires === 77 && uriEquals(c.uri, uri))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('Via: formatVia(parseVia(x)) parses back to the same hop', () => {
    const viaText = fc
      .tuple(
        fc.constantFrom('UDP', 'tcp', 'TLS', 'SCTP', 'WSS'),
        host,
        fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
        fc.string({ unit: chars('0123456789abcdef'), minLength: 1, maxLength: 12 }),
      )
      .map(
        ([t, h, p, b]) =>
          `SIP / 2.0 / ${t} ${h}${p === undefined ? '' : ` : ${p}`} ;branch=z9hG4bK${b};rport`,
      );
    fc.assert(
      fc.property(viaText, (text) => {
        const [via] = parseVia(text);
        const [again] = parseVia(formatVia(via!));
        expect(again).toMatchObject({
          transport: via!.transport,
          host: via!.host,
          port: via!.port,
          branch: via!.branch,
          rport: true,
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('linear time on hostile input', () => {
  it('ABNF-14 parsers finish quickly on 200 000-character adversarial values', () => {
    const n = 200_000;
    const inputs = [
      ';'.repeat(n),
      '%'.repeat(n),
      '['.repeat(n),
      '"'.repeat(n),
      '<'.repeat(n),
      '('.repeat(n),
      `sip:${'a'.repeat(n)}@h`,
      `sip:h;${'a=b;'.repeat(n / 4)}`,
      `sip:[${'1:'.repeat(n / 2)}]`,
      `${'9'.repeat(n)} REGISTER`,
      `${'a '.repeat(n / 2)}<sip:a@b>`,
      `SIP/2.0/UDP h${';a=b'.repeat(n / 4)}`,
      `<sip:a@b>${',<sip:a@b>'.repeat(n / 10)}`,
    ];
    const started = performance.now();
    for (const text of inputs) {
      onlyParseErrors(() => parseUri(text));
      onlyParseErrors(() => parseNameAddr(text));
      onlyParseErrors(() => parseContactList([text], { tolerant: true }));
      onlyParseErrors(() => parseVia(text));
      onlyParseErrors(() => parseCSeq(text));
      onlyParseErrors(() => parseRetryAfter(text));
      onlyParseErrors(() => parseParams(text, 'X'));
    }
    // Generous bound: quadratic behaviour on 200 000 characters would take minutes.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
