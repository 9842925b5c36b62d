/**
 * Cuts SIP messages out of a TCP/TLS byte stream (RFC 3261 §18.3). On a stream the only message
 * boundary is the Content-Length header, so it is required here (checklist TRN-10), and the
 * RFC 5626 §4.4.1 keep-alive line ends that share the stream are recognised and reported instead of
 * being left in the buffer to corrupt the next message (OB-10, PIT-19).
 *
 * The framer does no I/O and keeps no timers: the transport pushes every chunk it reads and acts on
 * the returned frames. Work per chunk is proportional to the chunk (the search for the end of the
 * header block resumes where it stopped) and the buffer is bounded by the options (SEC-04, SEC-05).
 */
import { SipInvalidArgumentError, SipParseError } from '../errors.js';
import { isTokenChar, isWsp } from './lexer.js';

/** Options of {@link StreamFramer}. */
export interface StreamFramerOptions {
  /**
   * Largest header block accepted, start line and terminating empty line included. A longer one is a
   * framing error (`MESSAGE_TOO_LARGE`) and the transport must close the connection (SEC-04).
   * @default 65536
   */
  maxHeaderBytes?: number;
  /**
   * Largest body accepted (the Content-Length value). A larger Content-Length is a framing error
   * (`MESSAGE_TOO_LARGE`) raised as soon as the header block is read, before any body byte is kept.
   * @default 65536
   */
  maxBodyBytes?: number;
}

/**
 * What {@link StreamFramer.push} found in the stream, in stream order.
 * - `message`: one complete SIP message (header block and exactly Content-Length body bytes), a
 *   copy the caller owns.
 * - `ping`: a double line end (CRLFCRLF) between messages, an RFC 5626 §4.4.1 keep-alive ping.
 * - `pong`: a single line end between messages, an RFC 5626 §4.4.1 keep-alive pong.
 * - `error`: the stream cannot be framed; always the last frame. The connection must be closed
 *   (ABNF-09, SEC-05); every later push returns the same error.
 */
export type StreamFrame =
  | { readonly type: 'message'; readonly data: Uint8Array }
  | { readonly type: 'ping' }
  | { readonly type: 'pong' }
  | { readonly type: 'error'; readonly error: SipParseError };

const CR = 0x0d;
const LF = 0x0a;
const DEFAULT_MAX_HEADER_BYTES = 65_536;
const DEFAULT_MAX_BODY_BYTES = 65_536;
/** Small on purpose: a registrant may hold thousands of mostly idle connections. */
const INITIAL_CAPACITY = 4_096;
/** More digits than this cannot be a sane Content-Length, whatever the limit (avoids float loss). */
const MAX_CONTENT_LENGTH_DIGITS = 9;

const PING: StreamFrame = Object.freeze({ type: 'ping' });
const PONG: StreamFrame = Object.freeze({ type: 'pong' });

type FramerState = 'between' | 'headers' | 'body' | 'failed';

/**
 * Incremental framer for one TCP/TLS connection. Create one per connection and feed it every chunk
 * read from the socket, in order.
 *
 * Line ends: CRLF is the rule, but a bare LF is accepted as well (checklist ABNF-13), so the header
 * block ends at CRLFCRLF, LFLF or a mix of the two.
 *
 * Keep-alives (RFC 5626 §4.4.1): line ends before a start line are skipped (RFC 3261 §7.5). Each pair
 * is reported as a `ping`; a single one left when the next message starts or when the chunk ends is
 * reported as a `pong` at once, so a pong is never held back waiting for more data. (A ping split
 * between its two CRLFs across chunks therefore reads as two pongs; a client that only sends pings
 * loses nothing by that.)
 */
export class StreamFramer {
  readonly #maxHeaderBytes: number;
  readonly #maxBodyBytes: number;
  #buffer = new Uint8Array(INITIAL_CAPACITY);
  /** First byte not yet consumed; positions below are relative to it while a message is read. */
  #start = 0;
  /** End of the valid bytes in #buffer. */
  #end = 0;
  #state: FramerState = 'between';
  /** Line feeds seen in the current run of line ends between messages. */
  #lineEnds = 0;
  /** Relative offset where the search for the end of the header block resumes. */
  #scanFrom = 0;
  #startLineSeen = false;
  /** Relative length of the whole message once the header block has been read. */
  #messageLength = 0;
  #error: SipParseError | undefined;

  constructor(options: StreamFramerOptions = {}) {
    this.#maxHeaderBytes = positiveInteger(
      options.maxHeaderBytes,
      DEFAULT_MAX_HEADER_BYTES,
      'maxHeaderBytes',
    );
    this.#maxBodyBytes = nonNegativeInteger(options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes');
  }

  /** Bytes held for a message not yet complete (0 between messages). */
  get bufferedBytes(): number {
    return this.#end - this.#start;
  }

  /** True once a framing error was found; the connection must then be closed. */
  get failed(): boolean {
    return this.#state === 'failed';
  }

  /** Add the next chunk of the stream; returns what it completed, in stream order. Never throws. */
  push(chunk: Uint8Array): StreamFrame[] {
    if (this.#error !== undefined) return [{ type: 'error', error: this.#error }];
    if (chunk.length === 0) return [];
    this.#append(chunk);
    const frames: StreamFrame[] = [];
    for (;;) {
      if (this.#state === 'between' && !this.#skipLineEnds(frames)) break;
      if (this.#state === 'headers') {
        const failure = this.#readHeaderBlock();
        if (failure !== undefined) {
          this.#fail(failure);
          frames.push({ type: 'error', error: failure });
          break;
        }
        if (this.#state === 'headers') break;
      }
      if (this.#state === 'body') {
        if (this.#end - this.#start < this.#messageLength) break;
        const messageEnd = this.#start + this.#messageLength;
        frames.push({ type: 'message', data: this.#buffer.slice(this.#start, messageEnd) });
        this.#start = messageEnd;
        this.#state = 'between';
      }
    }
    this.#releaseIfEmpty();
    return frames;
  }

  /**
   * Consumes line ends before a start line, reporting pings and pongs. Returns true when a start
   * line begins (state is then `headers`), false when the buffer ran out.
   */
  #skipLineEnds(frames: StreamFrame[]): boolean {
    const buffer = this.#buffer;
    while (this.#start < this.#end) {
      const byte = buffer[this.#start]!;
      if (byte === LF) {
        this.#start++;
        if (++this.#lineEnds === 2) {
          frames.push(PING);
          this.#lineEnds = 0;
        }
      } else if (byte === CR) {
        this.#start++;
      } else {
        break;
      }
    }
    if (this.#lineEnds === 1) {
      frames.push(PONG);
      this.#lineEnds = 0;
    }
    if (this.#start === this.#end) return false;
    // Every start line begins with a method token or `SIP/`: anything else is garbage, and catching
    // it here closes a garbage stream at its first byte instead of after 64 KiB (SEC-05).
    if (!isTokenChar(buffer[this.#start]!)) {
      const error = new SipParseError(
        'BAD_START_LINE',
        `stream framing: a message cannot start with byte 0x${hex(buffer[this.#start]!)}`,
      );
      this.#fail(error);
      frames.push({ type: 'error', error });
      return false;
    }
    this.#state = 'headers';
    this.#scanFrom = 0;
    this.#startLineSeen = false;
    return true;
  }

  /**
   * Looks for the end of the header block from where the last search stopped. When found, reads
   * Content-Length and moves to state `body`. Returns the framing error, if any.
   */
  #readHeaderBlock(): SipParseError | undefined {
    // A view ending at #end: bytes past it are stale, and a search must never wander into them.
    const buffer = this.#buffer.subarray(0, this.#end);
    const start = this.#start;
    const end = this.#end;
    let index = start + this.#scanFrom;
    let headerEnd = -1;
    while (index < end) {
      const lf = buffer.indexOf(LF, index);
      if (lf < 0) {
        index = end;
        break;
      }
      if (!this.#startLineSeen) {
        this.#startLineSeen = true;
        const problem = startLineProblem(buffer, start, lf);
        if (problem !== undefined) return new SipParseError('BAD_START_LINE', `stream framing: ${problem}`);
      }
      // Decide whether this LF is followed by an empty line: LF or CR LF.
      if (lf + 1 >= end) {
        index = lf;
        break;
      }
      const next = buffer[lf + 1];
      if (next === LF) {
        headerEnd = lf + 2;
        break;
      }
      if (next === CR) {
        if (lf + 2 >= end) {
          index = lf;
          break;
        }
        if (buffer[lf + 2] === LF) {
          headerEnd = lf + 3;
          break;
        }
      }
      index = lf + 1;
    }
    if (headerEnd < 0) {
      this.#scanFrom = index - start;
      if (end - start > this.#maxHeaderBytes) return headerTooLarge(this.#maxHeaderBytes);
      return undefined;
    }
    const headerLength = headerEnd - start;
    if (headerLength > this.#maxHeaderBytes) return headerTooLarge(this.#maxHeaderBytes);
    const contentLength = readContentLength(buffer, start, headerEnd, this.#maxBodyBytes);
    if (typeof contentLength !== 'number') return contentLength;
    this.#messageLength = headerLength + contentLength;
    this.#state = 'body';
    return undefined;
  }

  #fail(error: SipParseError): void {
    this.#error = error;
    this.#state = 'failed';
    // Nothing more will be framed: drop the bytes now rather than when the socket is gone.
    this.#buffer = new Uint8Array(0);
    this.#start = 0;
    this.#end = 0;
  }

  /** Appends a chunk, compacting or growing the buffer (growth keeps at least half of it free). */
  #append(chunk: Uint8Array): void {
    if (this.#end + chunk.length > this.#buffer.length) {
      const kept = this.#end - this.#start;
      const needed = kept + chunk.length;
      if (needed * 2 <= this.#buffer.length) {
        this.#buffer.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = new Uint8Array(Math.max(needed * 2, INITIAL_CAPACITY));
        grown.set(this.#buffer.subarray(this.#start, this.#end));
        this.#buffer = grown;
      }
      this.#start = 0;
      this.#end = kept;
    }
    this.#buffer.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** Between messages with nothing buffered: rewind, and give back memory a large chunk took. */
  #releaseIfEmpty(): void {
    if (this.#start !== this.#end || this.#state === 'failed') return;
    this.#start = 0;
    this.#end = 0;
    if (this.#buffer.length > INITIAL_CAPACITY * 4) this.#buffer = new Uint8Array(INITIAL_CAPACITY);
  }
}

/**
 * Why the start line `[from, to)` (to = index of its LF) cannot begin a SIP message, or undefined.
 * Only the shape framing relies on is checked; the parser validates the rest. A response starts
 * with `SIP/`; a request line ends with a `SIP/` version token (RFC 3261 §7.1, §7.2; the version is
 * compared case-insensitively as §7.1 allows).
 */
function startLineProblem(buffer: Uint8Array, from: number, to: number): string | undefined {
  let last = to;
  if (last > from && buffer[last - 1] === CR) last--;
  for (let i = from; i < last; i++) {
    const byte = buffer[i]!;
    // HTAB may appear in a Reason-Phrase (RFC 3261 §25.1); no other control byte may.
    if ((byte < 0x20 && byte !== 0x09) || byte === 0x7f)
      return `control byte 0x${hex(byte)} in the start line`;
  }
  if (startsWithSipVersion(buffer, from, last)) return undefined;
  let lastSpace = last - 1;
  while (lastSpace > from && buffer[lastSpace] !== 0x20) lastSpace--;
  if (lastSpace > from && startsWithSipVersion(buffer, lastSpace + 1, last)) return undefined;
  return 'the start line is neither a request line nor a status line';
}

function startsWithSipVersion(buffer: Uint8Array, from: number, to: number): boolean {
  return (
    to - from >= 4 &&
    (buffer[from]! | 0x20) === 0x73 && // s
    (buffer[from + 1]! | 0x20) === 0x69 && // i
    (buffer[from + 2]! | 0x20) === 0x70 && // p
    buffer[from + 3] === 0x2f // /
  );
}

/**
 * The Content-Length of the header block `[from, to)` (RFC 3261 §20.14, compact form `l`, §7.3.3),
 * or the framing error: missing (required on streams, §18.3), not `1*DIGIT`, present twice with
 * different values (RFC 4475 §3.1.2.2), or above `maxBody` (SEC-04). Folded values are unfolded.
 */
function readContentLength(
  buffer: Uint8Array,
  from: number,
  to: number,
  maxBody: number,
): number | SipParseError {
  const block = buffer.subarray(0, to);
  let found: string | undefined;
  let current: string | undefined;
  let lineStart = block.indexOf(LF, from) + 1; // skip the start line
  const values: string[] = [];
  while (lineStart < to) {
    let lineEnd = block.indexOf(LF, lineStart);
    if (lineEnd < 0) lineEnd = to;
    const contentEnd = lineEnd > lineStart && buffer[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    if (contentEnd === lineStart) break; // the empty line ending the block
    if (isWsp(buffer[lineStart]!)) {
      // A continuation line belongs to the header above it (RFC 3261 §7.3.1).
      if (current !== undefined) current += ` ${latin1(buffer, lineStart, contentEnd)}`;
    } else {
      if (current !== undefined) values.push(current);
      current = contentLengthValue(buffer, lineStart, contentEnd);
    }
    lineStart = lineEnd + 1;
  }
  if (current !== undefined) values.push(current);

  for (const raw of values) {
    const value = raw.trim();
    if (!isDigits(value)) {
      return new SipParseError(
        'BAD_CONTENT_LENGTH',
        `stream framing: Content-Length must be a non-negative decimal integer, received "${printable(value)}"`,
        'Content-Length',
      );
    }
    if (found !== undefined && Number(found) !== Number(value)) {
      return new SipParseError(
        'BAD_CONTENT_LENGTH',
        `stream framing: conflicting Content-Length values ${found} and ${value}`,
        'Content-Length',
      );
    }
    found = value;
  }
  if (found === undefined) {
    return new SipParseError(
      'BAD_CONTENT_LENGTH',
      'stream framing: Content-Length is required on TCP/TLS (RFC 3261 §18.3) and is missing',
      'Content-Length',
    );
  }
  const digits = stripLeadingZeros(found);
  const length = Number(digits);
  if (digits.length > MAX_CONTENT_LENGTH_DIGITS || length > maxBody) {
    return new SipParseError(
      'MESSAGE_TOO_LARGE',
      `stream framing: Content-Length ${digits.length > 20 ? `${digits.slice(0, 20)}…` : digits} exceeds the ${maxBody}-byte body limit`,
      'Content-Length',
    );
  }
  return length;
}

/** The raw value when the header line `[from, to)` is Content-Length (or `l`), else undefined. */
function contentLengthValue(buffer: Uint8Array, from: number, to: number): string | undefined {
  const offset = buffer.subarray(from, to).indexOf(0x3a); // bounded to this line: stays linear
  if (offset < 0) return undefined;
  const colon = from + offset;
  let nameEnd = colon;
  while (nameEnd > from && isWsp(buffer[nameEnd - 1]!)) nameEnd--; // HCOLON allows WSP before ':'
  const length = nameEnd - from;
  if (length === 1) {
    if ((buffer[from]! | 0x20) !== 0x6c) return undefined; // l
  } else if (length === CONTENT_LENGTH.length) {
    for (let i = 0; i < length; i++) {
      const byte = buffer[from + i]!;
      const lower = byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
      if (lower !== CONTENT_LENGTH.charCodeAt(i)) return undefined;
    }
  } else {
    return undefined;
  }
  return latin1(buffer, colon + 1, to);
}

const CONTENT_LENGTH = 'content-length';

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

function stripLeadingZeros(digits: string): string {
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 0x30) i++;
  return digits.slice(i);
}

function latin1(buffer: Uint8Array, from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i++) text += String.fromCharCode(buffer[i]!);
  return text;
}

/** Keeps an error message to one printable line of bounded length whatever the peer sent. */
function printable(text: string): string {
  let out = '';
  for (let i = 0; i < text.length && out.length < 40; i++) {
    const code = text.charCodeAt(i);
    out += code >= 0x20 && code < 0x7f ? text[i] : '?';
  }
  return text.length > 40 ? `${out}…` : out;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function headerTooLarge(limit: number): SipParseError {
  return new SipParseError(
    'MESSAGE_TOO_LARGE',
    `stream framing: header block longer than the ${limit}-byte limit (maxHeaderBytes)`,
  );
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw invalidOption(name, 'a positive integer', value);
  return value;
}

function nonNegativeInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw invalidOption(name, 'an integer >= 0', value);
  return value;
}

function invalidOption(name: string, expected: string, value: unknown): SipInvalidArgumentError {
  return new SipInvalidArgumentError(
    `StreamFramer option ${name} must be ${expected}, received ${String(value)}`,
  );
}
