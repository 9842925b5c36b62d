/**
 * SIP message parser (RFC 3261 §7, §25) for one datagram or one message already cut out of a stream.
 *
 * It frames and splits; it does not interpret header values. The start line is validated, header
 * rows are unfolded and kept as opaque strings with their original names (checklist ABNF-10), and
 * the body is cut by Content-Length. Values are parsed on demand by the header grammar modules, so a
 * response pays only for the headers its reader looks at.
 *
 * Every scan is an index walk or a native `indexOf`; nothing backtracks, so work is linear in the
 * input and bounded by {@link ParseLimits}.
 */
import { Buffer } from 'node:buffer';
import { SipInvalidArgumentError, SipParseError, type SipParseErrorReason } from '../errors.js';
import { SipHeaders } from './headers.js';
import { isToken, isTokenChar, isWsp } from './lexer.js';
import { SIP_VERSION, type SipMessage, type SipRequest, type SipResponse } from './message.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits, resolveParseLimits } from './parse-limits.js';

/** Outcome of {@link tryParseMessage}: the message, or the reason it was rejected. */
export type ParseResult =
  | { readonly ok: true; readonly message: SipMessage }
  | { readonly ok: false; readonly error: SipParseError };

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

// Needles for finding the blank line that ends the header block. `\n\r\n` also covers `\r\n\r\n`;
// `\n\n` is a blank line after bare-LF line ends (checklist ABNF-13).
const BLANK_CRLF_BYTES = Buffer.from('\n\r\n', 'latin1');
const BLANK_LF_BYTES = Buffer.from('\n\n', 'latin1');

// isTokenChar as a table: header names are scanned once per row on the hot path.
const TOKEN_CHAR = new Uint8Array(128);
for (let code = 0; code < 128; code++) TOKEN_CHAR[code] = isTokenChar(code) ? 1 : 0;

/**
 * Parse one SIP message: a whole UDP datagram, or one message a stream framer has cut out.
 *
 * - Leading CRLFs (keep-alives) before the start line are skipped (RFC 3261 §7.5, TRN-10); bare LF
 *   line ends are accepted (ABNF-13).
 * - Header rows keep their order and original names; continuation lines are unfolded into one SP
 *   (RFC 3261 §7.3.1, MSG-03); whitespace around the colon is dropped (MSG-04). Values are not parsed.
 * - The body is `Content-Length` bytes long (`l` accepted); bytes beyond it are discarded, fewer is
 *   `TRUNCATED_BODY` (RFC 3261 §18.3, TRN-09). Without Content-Length the body is the rest of the
 *   input. The body is decoded as UTF-8.
 * - A Uint8Array is decoded as UTF-8; invalid sequences become U+FFFD rather than failing, so a
 *   registrar's Latin-1 reason phrase cannot cost a 200 OK.
 *
 * @param input the message as bytes (preferred: Content-Length is counted in bytes) or as a string.
 * @param limits bounds on size; see {@link ParseLimits}. Pass the result of `resolveParseLimits` on
 *   hot paths to skip re-validation.
 * @throws SipParseError for any problem with the input (and only that); its `reason` says which rule
 *   was broken.
 * @throws SipInvalidArgumentError when `input` is not a string or Uint8Array, or `limits` is invalid.
 */
export function parseMessage(input: string | Uint8Array, limits?: Partial<ParseLimits>): SipMessage {
  const bounds = limits === undefined ? DEFAULT_PARSE_LIMITS : resolveParseLimits(limits);
  const isString = typeof input === 'string';
  if (!isString && !(input instanceof Uint8Array)) {
    throw new SipInvalidArgumentError(
      `parseMessage: input must be a string or a Uint8Array, received ${input === null ? 'null' : typeof input}`,
    );
  }
  try {
    return isString ? parseText(input, bounds) : parseBytes(toBuffer(input), bounds);
  } catch (error) {
    throw asParseError(error);
  }
}

/**
 * Like {@link parseMessage}, but reports a rejected message as a value instead of throwing, for
 * receive loops that only count and drop bad datagrams.
 *
 * @throws SipInvalidArgumentError when `input` is not a string or Uint8Array, or `limits` is invalid
 *   (a caller bug, not a bad message).
 */
export function tryParseMessage(input: string | Uint8Array, limits?: Partial<ParseLimits>): ParseResult {
  try {
    return { ok: true, message: parseMessage(input, limits) };
  } catch (error) {
    if (error instanceof SipParseError) return { ok: false, error };
    throw error;
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function asParseError(error: unknown): SipParseError {
  if (error instanceof SipParseError) return error;
  // Defensive: nothing below is expected to throw anything else, but the contract is that callers
  // only ever see SipParseError for bad input.
  const detail = error instanceof Error ? error.message : String(error);
  return new SipParseError('BAD_HEADER', `unexpected failure while parsing the message: ${detail}`);
}

function fail(reason: SipParseErrorReason, message: string, header?: string): never {
  throw new SipParseError(reason, message, header);
}

// ---------------------------------------------------------------------------------------------
// Framing: input → start line, header fields, body
// ---------------------------------------------------------------------------------------------

function parseText(text: string, limits: ParseLimits): SipMessage {
  if (exceedsBytes(text, 0, text.length, limits.maxMessageBytes)) {
    fail('MESSAGE_TOO_LARGE', `message is larger than maxMessageBytes (${limits.maxMessageBytes} bytes)`);
  }
  return parseDecoded(text, limits, false);
}

function parseBytes(bytes: Buffer, limits: ParseLimits): SipMessage {
  const length = bytes.length;
  if (length > limits.maxMessageBytes) {
    fail(
      'MESSAGE_TOO_LARGE',
      `message is ${length} bytes, larger than maxMessageBytes (${limits.maxMessageBytes} bytes)`,
    );
  }
  // One UTF-8 decode of the whole datagram. When it yields one UTF-16 unit per byte (the usual
  // all-ASCII message), string offsets are byte offsets and Content-Length can be applied to the
  // string directly; otherwise headers and body are decoded apart, split at the byte level.
  const text = bytes.toString('utf8');
  if (text.length === length) return parseDecoded(text, limits, true);
  return parseMultibyte(bytes, limits);
}

/**
 * Parse a decoded message. `unitsAreBytes` says each UTF-16 unit of `text` stands for exactly one
 * byte of the original, so Content-Length can be counted in units.
 */
function parseDecoded(text: string, limits: ParseLimits, unitsAreBytes: boolean): SipMessage {
  const length = text.length;
  const start = skipLineEnds(text, length);
  const head = parseHead(text, start, length, limits);
  const message = head.message;
  const contentLength = head.contentLength;
  const bodyStart = head.bodyStart;
  if (contentLength === 0 || bodyStart >= length) {
    if (contentLength > 0) truncatedBody(contentLength, 0);
    return message;
  }
  if (contentLength < 0) {
    message.body = text.slice(bodyStart);
  } else if (unitsAreBytes) {
    if (contentLength > length - bodyStart) truncatedBody(contentLength, length - bodyStart);
    message.body = text.slice(bodyStart, bodyStart + contentLength);
  } else {
    // Content-Length counts UTF-8 bytes (RFC 3261 §20.14), a string counts UTF-16 units. When the
    // rest is ASCII both agree (a non-ASCII unit always takes more than one byte); otherwise cut on
    // the encoded bytes.
    const rest = text.slice(bodyStart);
    const restBytes = Buffer.byteLength(rest, 'utf8');
    if (contentLength > restBytes) truncatedBody(contentLength, restBytes);
    message.body =
      restBytes === rest.length
        ? rest.slice(0, contentLength)
        : Buffer.from(rest, 'utf8').toString('utf8', 0, contentLength);
  }
  return message;
}

/** Bytes input with multi-byte UTF-8 somewhere: split head and body on bytes, decode each. */
function parseMultibyte(bytes: Buffer, limits: ParseLimits): SipMessage {
  const length = bytes.length;
  let start = 0;
  while (start < length && (bytes[start] === CR || bytes[start] === LF)) start++;
  const headEnd = firstOf(bytes.indexOf(BLANK_CRLF_BYTES, start), bytes.indexOf(BLANK_LF_BYTES, start));
  const end = headEnd === -1 ? length : headEnd;
  const bodyStart = headEnd === -1 ? length : headEnd + (bytes[headEnd + 1] === LF ? 2 : 3);
  const text = bytes.toString('utf8', start, end);
  const head = parseHead(text, 0, text.length, limits);
  const message = head.message;
  const contentLength = head.contentLength;
  const available = length - bodyStart;
  if (contentLength < 0) {
    if (available > 0) message.body = bytes.toString('utf8', bodyStart, length);
  } else if (contentLength > 0) {
    if (contentLength > available) truncatedBody(contentLength, available);
    message.body = bytes.toString('utf8', bodyStart, bodyStart + contentLength);
  }
  return message;
}

/** Index of the first character that is not CR or LF: keep-alive CRLFs before the start line. */
function skipLineEnds(text: string, length: number): number {
  let start = 0;
  while (start < length) {
    const code = text.charCodeAt(start);
    if (code !== CR && code !== LF) return start;
    start++;
  }
  return fail('EMPTY', 'message is empty (nothing but line ends)');
}

/** Earlier of two indexOf results, each -1 when absent. */
function firstOf(a: number, b: number): number {
  if (a === -1) return b;
  if (b === -1) return a;
  return Math.min(a, b);
}

function truncatedBody(contentLength: number, available: number): never {
  // RFC 3261 §18.3: a datagram shorter than its Content-Length is discarded (TRN-09).
  return fail(
    'TRUNCATED_BODY',
    `Content-Length is ${contentLength} but only ${available} body bytes follow the header block`,
    'Content-Length',
  );
}

/** True when text[from, to) is more than `max` bytes in UTF-8; exact, and cheap when clearly not. */
function exceedsBytes(text: string, from: number, to: number, max: number): boolean {
  const units = to - from;
  if (units > max) return true;
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short text cannot exceed the limit.
  if (units * 3 <= max) return false;
  return Buffer.byteLength(from === 0 && to === text.length ? text : text.slice(from, to), 'utf8') > max;
}

// ---------------------------------------------------------------------------------------------
// Start line and header fields
// ---------------------------------------------------------------------------------------------

interface Head {
  readonly message: SipMessage;
  /** -1 when the message has no Content-Length. */
  contentLength: number;
  /** Index just past the blank line ending the header block, or the end of the text. */
  bodyStart: number;
}

/**
 * Parse the start line and the header fields of text[pos, end), stopping after the first empty line
 * (`CRLF` or bare `LF`). A text that ends without one is taken as all header (and no body).
 */
function parseHead(text: string, pos: number, end: number, limits: ParseLimits): Head {
  let nl = text.indexOf('\n', pos);
  if (nl === -1 || nl > end) nl = end;
  const lineEnd = nl > pos && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
  if (exceedsBytes(text, pos, lineEnd, limits.maxHeaderLineBytes)) {
    fail(
      'HEADER_LINE_TOO_LONG',
      `start line is longer than maxHeaderLineBytes (${limits.maxHeaderLineBytes} bytes)`,
    );
  }
  const headers = new SipHeaders();
  const message = isStatusLine(text, pos, lineEnd)
    ? parseStatusLine(text, pos, lineEnd, headers)
    : parseRequestLine(text, pos, lineEnd, headers);
  const head: Head = { message, contentLength: -1, bodyStart: end };
  parseHeaderFields(text, nl + 1, end, headers, limits, head);
  return head;
}

/** A status line starts with `SIP/` (case-insensitive); `/` cannot occur in a method token. */
function isStatusLine(text: string, pos: number, lineEnd: number): boolean {
  return (
    lineEnd - pos >= 4 &&
    (text.charCodeAt(pos) | 0x20) === 0x73 && // s
    (text.charCodeAt(pos + 1) | 0x20) === 0x69 && // i
    (text.charCodeAt(pos + 2) | 0x20) === 0x70 && // p
    text.charCodeAt(pos + 3) === 0x2f // /
  );
}

/**
 * RFC 3261 §7.1: "The SIP-Version string is case-insensitive, but implementations MUST send
 * upper-case." Only 2.0 is spoken; anything else is BAD_VERSION (RFC 4475 §3.1.2.16).
 */
function isSipVersion(text: string, from: number, to: number): boolean {
  return (
    to - from === 7 &&
    (text.charCodeAt(from) | 0x20) === 0x73 &&
    (text.charCodeAt(from + 1) | 0x20) === 0x69 &&
    (text.charCodeAt(from + 2) | 0x20) === 0x70 &&
    text.startsWith('/2.0', from + 3)
  );
}

/** `Status-Line = SIP-Version SP Status-Code SP Reason-Phrase` (RFC 3261 §7.2). */
function parseStatusLine(text: string, pos: number, lineEnd: number, headers: SipHeaders): SipResponse {
  let sp1 = text.indexOf(' ', pos);
  if (sp1 === -1 || sp1 > lineEnd) sp1 = lineEnd;
  if (!isSipVersion(text, pos, sp1)) {
    fail(
      'BAD_VERSION',
      `status line has version ${excerpt(text.slice(pos, sp1))}; only SIP/2.0 is supported`,
    );
  }
  if (sp1 === lineEnd) fail('BAD_START_LINE', 'status line has no status code');
  let sp2 = text.indexOf(' ', sp1 + 1);
  if (sp2 === -1 || sp2 > lineEnd) sp2 = lineEnd;
  // Status-Code = 3DIGIT; only 100–699 exist (RFC 3261 §21, RFC 4475 §3.1.2.19, ABNF-08).
  let status = -1;
  if (sp2 - sp1 === 4) {
    const d0 = text.charCodeAt(sp1 + 1) - 0x30;
    const d1 = text.charCodeAt(sp1 + 2) - 0x30;
    const d2 = text.charCodeAt(sp1 + 3) - 0x30;
    if (d0 >= 1 && d0 <= 6 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) status = d0 * 100 + d1 * 10 + d2;
  }
  if (status === -1) {
    fail(
      'BAD_STATUS_CODE',
      `status code ${excerpt(text.slice(sp1 + 1, sp2))} is not a three-digit code from 100 to 699`,
    );
  }
  // The reason phrase may be empty (RFC 4475 §3.1.1.13) and may hold UTF-8 (§3.1.1.12); the SP
  // before an empty one is tolerated when missing.
  const reason = sp2 < lineEnd ? text.slice(sp2 + 1, lineEnd) : '';
  return { kind: 'response', status, reason, version: SIP_VERSION, headers, body: '' };
}

/** `Request-Line = Method SP Request-URI SP SIP-Version` — exactly one SP each (RFC 3261 §7.1). */
function parseRequestLine(text: string, pos: number, lineEnd: number, headers: SipHeaders): SipRequest {
  const sp1 = text.indexOf(' ', pos);
  if (sp1 === -1 || sp1 >= lineEnd) {
    fail(
      'BAD_START_LINE',
      `start line ${excerpt(text.slice(pos, lineEnd))} is neither a request nor a status line`,
    );
  }
  const last = text.charCodeAt(lineEnd - 1);
  if (last === SP || last === HTAB) {
    // RFC 4475 §3.1.2.10 (trws): SP after the version is not allowed by the grammar.
    fail('BAD_START_LINE', 'request line ends with whitespace after the SIP version');
  }
  const spLast = text.lastIndexOf(' ', lineEnd - 1);
  if (sp1 === pos) fail('BAD_START_LINE', 'request line starts with whitespace');
  if (spLast === sp1) fail('BAD_START_LINE', 'request line needs a method, a Request-URI and a SIP version');
  const method = text.slice(pos, sp1);
  if (!isToken(method)) fail('BAD_METHOD', `method ${excerpt(method)} is not a token (RFC 3261 §25.1)`);
  if (!isSipVersion(text, spLast + 1, lineEnd)) {
    fail(
      'BAD_VERSION',
      `request line has version ${excerpt(text.slice(spLast + 1, lineEnd))}; only SIP/2.0 is supported`,
    );
  }
  if (text.charCodeAt(sp1 + 1) === SP || text.charCodeAt(spLast - 1) === SP) {
    // RFC 4475 §3.1.2.9 (lwsstart): elements are separated by exactly one SP.
    fail('BAD_START_LINE', 'request line elements are separated by more than one SP');
  }
  const uri = text.slice(sp1 + 1, spLast);
  checkRequestUri(uri);
  return { kind: 'request', method, uri, version: SIP_VERSION, headers, body: '' };
}

/**
 * The Request-URI is `scheme ":" something` with no whitespace, controls or raw non-ASCII
 * (RFC 3261 §25.1 absoluteURI / SIP-URI; RFC 4475 §3.1.2.7 `<…>` and §3.1.2.8 embedded LWS are
 * rejected). Its inner syntax is checked by the URI parser when someone reads it.
 */
function checkRequestUri(uri: string): void {
  for (let i = 0; i < uri.length; i++) {
    const code = uri.charCodeAt(i);
    if (code <= SP || code >= 0x7f) {
      fail(
        'BAD_REQUEST_URI',
        `Request-URI ${excerpt(uri)} contains ${code === SP ? 'whitespace' : `the character 0x${code.toString(16)}`}`,
      );
    }
  }
  let i = 0;
  while (i < uri.length && isSchemeChar(uri.charCodeAt(i), i === 0)) i++;
  if (i === 0 || i >= uri.length - 1 || uri.charCodeAt(i) !== COLON) {
    fail('BAD_REQUEST_URI', `Request-URI ${excerpt(uri)} does not start with a URI scheme followed by ":"`);
  }
}

/** `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (RFC 3261 §25.1). */
function isSchemeChar(code: number, first: boolean): boolean {
  const alpha = (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
  if (first) return alpha;
  return alpha || (code >= 0x30 && code <= 0x39) || code === 0x2b || code === 0x2d || code === 0x2e;
}

/**
 * Parse header fields from text[pos, end) into `headers` up to the blank line, recording the
 * Content-Length and where the body starts in `head`.
 * `message-header = field-name HCOLON field-value CRLF`; continuation lines start with SP/HTAB.
 */
function parseHeaderFields(
  text: string,
  pos: number,
  end: number,
  headers: SipHeaders,
  limits: ParseLimits,
  head: Head,
): void {
  let count = 0;
  while (pos < end) {
    const first = text.charCodeAt(pos);
    if (first === LF) {
      head.bodyStart = pos + 1;
      return;
    }
    if (first === CR && text.charCodeAt(pos + 1) === LF) {
      head.bodyStart = pos + 2;
      return;
    }
    let nl = text.indexOf('\n', pos);
    if (nl === -1 || nl > end) nl = end;
    const lineEnd = nl > pos && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    if (++count > limits.maxHeaders) {
      fail('TOO_MANY_HEADERS', `message has more than maxHeaders (${limits.maxHeaders}) header fields`);
    }

    // field-name: a token (RFC 3261 §7.3.1); any SP/HTAB may precede the colon (HCOLON, MSG-04).
    let i = pos;
    while (i < lineEnd && TOKEN_CHAR[text.charCodeAt(i)] === 1) i++;
    const nameEnd = i;
    while (i < lineEnd && isWsp(text.charCodeAt(i))) i++;
    if (nameEnd === pos || i >= lineEnd || text.charCodeAt(i) !== COLON)
      badHeaderLine(text, pos, lineEnd, nameEnd, i, count);
    const name = text.slice(pos, nameEnd);

    i++;
    while (i < lineEnd && isWsp(text.charCodeAt(i))) i++;
    let valueEnd = lineEnd;
    while (valueEnd > i && isWsp(text.charCodeAt(valueEnd - 1))) valueEnd--;
    let value = text.slice(i, valueEnd);

    // Continuation lines: the line end and the whitespace around it are one SP (RFC 3261 §7.3.1,
    // MSG-03). Trailing whitespace of each part goes too, so the value carries no line structure.
    // Parts are joined once at the end: repeated concatenation would build deep rope strings.
    let fieldEnd = lineEnd; // end of the field's last line, without its line end
    let next = nl + 1;
    let parts: string[] | undefined;
    while (next < end) {
      const lead = text.charCodeAt(next);
      if (lead !== SP && lead !== HTAB) break;
      let cnl = text.indexOf('\n', next);
      if (cnl === -1 || cnl > end) cnl = end;
      fieldEnd = cnl > next && text.charCodeAt(cnl - 1) === CR ? cnl - 1 : cnl;
      let cs = next;
      let ce = fieldEnd;
      while (cs < ce && isWsp(text.charCodeAt(cs))) cs++;
      while (ce > cs && isWsp(text.charCodeAt(ce - 1))) ce--;
      if (cs < ce) {
        if (parts === undefined) parts = value.length === 0 ? [] : [value];
        parts.push(text.slice(cs, ce));
      }
      next = cnl + 1;
    }
    if (parts !== undefined) value = parts.join(' ');

    if (exceedsBytes(text, pos, fieldEnd, limits.maxHeaderLineBytes)) {
      fail(
        'HEADER_LINE_TOO_LONG',
        `header field ${name} is longer than maxHeaderLineBytes (${limits.maxHeaderLineBytes} bytes)`,
        name,
      );
    }
    if (isContentLengthName(name)) {
      // RFC 3261 §18.3 / RFC 4475 §3.3.9: several Content-Length rows leave the framing ambiguous.
      if (head.contentLength !== -1) {
        fail('BAD_CONTENT_LENGTH', 'message has more than one Content-Length header field', 'Content-Length');
      }
      head.contentLength = parseContentLength(value, limits);
    }
    headers.append(name, value);
    pos = next;
  }
}

function badHeaderLine(
  text: string,
  pos: number,
  lineEnd: number,
  nameEnd: number,
  at: number,
  index: number,
): never {
  const first = text.charCodeAt(pos);
  if (pos === lineEnd) {
    return fail('BAD_HEADER', `header field #${index} is an empty line fragment (a stray CR?)`);
  }
  if (first === SP || first === HTAB) {
    return fail('BAD_HEADER', 'continuation line (starting with whitespace) follows the start line');
  }
  if (at === pos && first === COLON) {
    return fail('BAD_HEADER', `header field #${index} has an empty name before ":"`);
  }
  if (at >= lineEnd) {
    return fail(
      'BAD_HEADER',
      `header field #${index} ${excerpt(text.slice(pos, Math.min(lineEnd, pos + 40)))} has no colon`,
    );
  }
  // Show only the name part: values may hold credentials.
  if (at > nameEnd) {
    return fail(
      'BAD_HEADER',
      `header field #${index} has whitespace inside its name after ${excerpt(text.slice(pos, nameEnd))}; a name is one token followed by ":"`,
    );
  }
  const code = text.charCodeAt(at);
  return fail(
    'BAD_HEADER',
    `header field #${index} has the character 0x${code.toString(16).padStart(2, '0')} in its name ${excerpt(text.slice(pos, at))}, which must be a token followed by ":"`,
  );
}

/** `Content-Length` or its compact form `l`, any case (RFC 3261 §7.3.3, MSG-01/02). */
function isContentLengthName(name: string): boolean {
  const length = name.length;
  if (length === 1) return (name.charCodeAt(0) | 0x20) === 0x6c;
  return length === 14 && (name.charCodeAt(0) | 0x20) === 0x63 && name.toLowerCase() === 'content-length';
}

/** `Content-Length = 1*DIGIT` (RFC 3261 §20.14); leading zeros allowed, sign and junk not (ABNF-09). */
function parseContentLength(value: string, limits: ParseLimits): number {
  if (value.length === 0 || value.length > 15) {
    fail(
      'BAD_CONTENT_LENGTH',
      value.length === 0 ? 'Content-Length is empty' : `Content-Length ${excerpt(value)} is too large`,
      'Content-Length',
    );
  }
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const digit = value.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) {
      fail(
        'BAD_CONTENT_LENGTH',
        `Content-Length ${excerpt(value)} is not a non-negative integer`,
        'Content-Length',
      );
    }
    n = n * 10 + digit;
  }
  if (n > limits.maxMessageBytes) {
    fail(
      'BAD_CONTENT_LENGTH',
      `Content-Length ${n} is larger than maxMessageBytes (${limits.maxMessageBytes} bytes)`,
      'Content-Length',
    );
  }
  return n;
}

/** A short, quoted, control-safe rendering of offending text for error messages. */
function excerpt(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
