/**
 * SIP message serializer (RFC 3261 §7). Output is always the canonical wire form: CRLF line ends,
 * `Name: value` with one SP after the colon, long header names, no folding (checklist MSG-10), and a
 * Content-Length computed from the body (REG-18).
 *
 * Everything that would let a value break out of its line is refused: a header value or reason
 * phrase with CR, LF, NUL or another control character, a header name that is not a token, a
 * Request-URI with whitespace (header injection, checklist SEC-06).
 */
import { Buffer } from 'node:buffer';
import { describeReceived, SipInvalidArgumentError } from '../errors.js';
import { canonicalHeaderName, headerKey } from './header-names.js';
import { isToken } from './lexer.js';
import { SIP_VERSION, type SipMessage, type SipRequest } from './message.js';

/** Headers every request must carry (RFC 3261 §8.1.1, checklist HDR-01). */
const MANDATORY_REQUEST_HEADERS: readonly string[] = ['To', 'From', 'CSeq', 'Call-ID', 'Max-Forwards', 'Via'];
/** A bit per mandatory header key, to note them during the single pass over the rows. */
const MANDATORY_BITS: ReadonlyMap<string, number> = new Map(
  MANDATORY_REQUEST_HEADERS.map((name, i) => [headerKey(name), 1 << i]),
);
const ALL_MANDATORY = (1 << MANDATORY_REQUEST_HEADERS.length) - 1;

/**
 * Serialize a request or response to its wire form.
 *
 * - Header rows are emitted in order; a compact-form name (`v`, `i`, `m`, …) is written in its long
 *   form (`Via`, `Call-ID`, `Contact`), other names as given.
 * - Any Content-Length row is dropped and one `Content-Length` with the UTF-8 byte length of the
 *   body is written last, so the framing is always right.
 * - For a request, To, From, CSeq, Call-ID, Max-Forwards and Via must be present.
 *
 * @throws SipInvalidArgumentError naming the header (or start-line element) that cannot be sent.
 */
export function serializeMessage(message: SipMessage): string {
  let out: string;
  const request = message.kind === 'request' ? message : undefined;
  if (request !== undefined) out = requestLine(request);
  else if (message.kind === 'response') out = statusLine(message.status, message.reason);
  else {
    throw new SipInvalidArgumentError(
      `message.kind must be "request" or "response", received ${JSON.stringify((message as { kind?: unknown }).kind)}`,
    );
  }
  const body: unknown = message.body;
  if (typeof body !== 'string') {
    if (request !== undefined) checkMandatoryHeaders(request);
    throw new SipInvalidArgumentError(`message.body must be a string, received ${typeof body}`);
  }
  // One pass over the rows themselves (no copies). The mandatory request headers are noted on the
  // way; the check that names a missing one runs before any row error, as it always has.
  let seen = 0;
  const rows = message.headers.keyedRows();
  for (let r = 0; r < rows.length; r++) {
    const { name, value, key } = rows[r]!;
    const problem = rowProblem(name, value);
    if (problem !== undefined) {
      if (request !== undefined) checkMandatoryHeaders(request);
      throw problem;
    }
    if (key === 'content-length') continue;
    seen |= MANDATORY_BITS.get(key) ?? 0;
    out += `${name.length === 1 ? canonicalHeaderName(name) : name}: ${value}\r\n`;
  }
  if (request !== undefined && seen !== ALL_MANDATORY) checkMandatoryHeaders(request);
  return `${out}Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}`;
}

/** Why a row cannot be sent, or `undefined`. */
function rowProblem(name: string, value: unknown): SipInvalidArgumentError | undefined {
  if (!isToken(name)) {
    return new SipInvalidArgumentError(
      `header name ${describeReceived(name, 60)} is not a token (RFC 3261 §7.3.1); it cannot be sent`,
    );
  }
  if (typeof value !== 'string') {
    return new SipInvalidArgumentError(`header ${name} has a ${typeof value} value; expected a string`);
  }
  // A Content-Length row is dropped (one is written last), so its value is not checked.
  if (headerKey(name) === 'content-length') return undefined;
  const bad = firstControl(value);
  if (bad !== -1) {
    return new SipInvalidArgumentError(
      `header ${name} value contains ${controlName(value.charCodeAt(bad))} at index ${bad}; ` +
        'CR, LF, NUL and other control characters would break the message framing (header injection)',
    );
  }
  return undefined;
}

/**
 * Serialize a request, refusing anything that is not one.
 * @throws SipInvalidArgumentError as {@link serializeMessage}, or when `request.kind` is not "request".
 */
export function serializeRequest(request: SipRequest): string {
  if (request.kind !== 'request') {
    throw new SipInvalidArgumentError(
      `serializeRequest: expected a request, received kind ${JSON.stringify((request as { kind?: unknown }).kind)}`,
    );
  }
  return serializeMessage(request);
}

/**
 * The wire bytes of a message (UTF-8 of {@link serializeMessage}), ready for `Transport.send`.
 * @throws SipInvalidArgumentError as {@link serializeMessage}.
 */
export function encodeMessage(message: SipMessage): Uint8Array {
  return Buffer.from(serializeMessage(message), 'utf8');
}

function requestLine(request: SipRequest): string {
  const { method, uri } = request;
  if (typeof method !== 'string' || !isToken(method)) {
    throw new SipInvalidArgumentError(
      `request method ${describeReceived(method, 60)} is not a token (RFC 3261 §7.1, §25.1)`,
    );
  }
  if (typeof uri !== 'string' || uri.length === 0) {
    throw new SipInvalidArgumentError(
      `request URI must be a non-empty string, received ${typeof uri === 'string' ? 'an empty string' : typeof uri}`,
    );
  }
  for (let i = 0; i < uri.length; i++) {
    const code = uri.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) {
      throw new SipInvalidArgumentError(
        // The URI itself is not echoed: its userinfo could hold a password (RFC 3261 §19.1.1).
        `request URI contains ${controlName(code)} at index ${i}; a Request-URI has no whitespace or control characters`,
      );
    }
  }
  return `${method} ${uri} ${SIP_VERSION}\r\n`;
}

/** Throws naming the first mandatory header the request lacks (RFC 3261 §8.1.1, HDR-01). */
function checkMandatoryHeaders(request: SipRequest): void {
  for (const name of MANDATORY_REQUEST_HEADERS) {
    if (!request.headers.has(name)) {
      throw new SipInvalidArgumentError(
        `${request.method} request has no ${name} header; every request needs To, From, CSeq, Call-ID, Max-Forwards and Via (RFC 3261 §8.1.1)`,
      );
    }
  }
}

function statusLine(status: number, reason: string): string {
  if (!Number.isInteger(status) || status < 100 || status > 699) {
    throw new SipInvalidArgumentError(
      `response status must be an integer from 100 to 699, received ${describeReceived(status, 60)}`,
    );
  }
  if (typeof reason !== 'string') {
    throw new SipInvalidArgumentError(
      `response reason must be a string, received ${describeReceived(reason, 60)}`,
    );
  }
  const bad = firstControl(reason);
  if (bad !== -1) {
    throw new SipInvalidArgumentError(
      `response reason phrase contains ${controlName(reason.charCodeAt(bad))} at index ${bad}; control characters cannot be sent`,
    );
  }
  return `${SIP_VERSION} ${status} ${reason}\r\n`;
}

/**
 * Index of the first character that may not appear in a header value or reason phrase: 0x00–0x1F
 * except HTAB, and DEL (RFC 3261 §25.1 TEXT-UTF8; CR and LF only ever occur as line folding, which
 * this serializer never emits). -1 when clean.
 */
function firstControl(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return i;
  }
  return -1;
}

function controlName(code: number): string {
  if (code === 0x0d) return 'CR';
  if (code === 0x0a) return 'LF';
  if (code === 0x00) return 'NUL';
  if (code === 0x20) return 'a space';
  return `the control character 0x${code.toString(16).padStart(2, '0')}`;
}
