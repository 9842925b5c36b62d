/**
 * A request handed to the transaction layer already in wire form, but for its top Via (which the
 * layer writes: it owns the branch). A sender that builds the same kind of request over and over —
 * the registrant, 100,000 REGISTERs per sweep — writes its header lines as one string instead of a
 * {@link SipRequest} whose rows the serializer walks, classifies and re-checks one by one. The
 * layer still refuses anything that could break the framing (checklist SEC-06): the text is
 * scanned once, whole.
 */
import { isToken } from '../sip/lexer.js';

/** Everything {@link TransactionLayer.sendPrepared} needs; the wire form is derived from it. */
export interface PreparedRequest {
  /** Method token; INVITE and ACK are refused (this layer is non-INVITE only). */
  readonly method: string;
  /** Request-URI, written as is. */
  readonly uri: string;
  /** The Call-ID value as written in {@link headerLines}, kept for matching responses (SEC-01). */
  readonly callId: string;
  /** The From value as written in {@link headerLines}, kept for matching responses (SEC-01). */
  readonly from: string;
  /** The CSeq number as written in {@link headerLines} (with {@link method}). */
  readonly cseq: number;
  /**
   * Every header line that follows the top Via, each `Name: value\r\n`, without Content-Length
   * (the layer writes `Content-Length: 0` last: a prepared request has no body).
   */
  readonly headerLines: string;
}

/**
 * Why the fields of `prepared` cannot be sent, as a message naming the field, or `undefined`. The
 * header lines are checked once encoded, by {@link linesAreFramed}: scanning bytes is cheaper than
 * scanning the string, and the encoder flattens the string anyway.
 */
export function preparedRequestProblem(prepared: PreparedRequest): string | undefined {
  if (typeof prepared !== 'object' || prepared === null) return 'request: expected a PreparedRequest';
  const { method, uri, callId, from, cseq, headerLines } = prepared;
  if (typeof method !== 'string' || !isToken(method)) return 'request.method: expected a method token';
  if (method === 'INVITE' || method === 'ACK')
    return `request.method: expected a non-INVITE method (not INVITE or ACK), received ${JSON.stringify(method)}`;
  if (typeof uri !== 'string' || uri.length === 0 || !isPrintable(uri))
    return 'request.uri: expected a Request-URI without whitespace or control characters';
  // Call-ID and From are only compared with those of responses (never written by the layer):
  // anything odd in them just never matches.
  if (typeof callId !== 'string' || callId.length === 0)
    return 'request.callId: expected a non-empty Call-ID';
  if (typeof from !== 'string' || from.length === 0) return 'request.from: expected the From value';
  if (!Number.isInteger(cseq) || cseq < 0 || cseq > 0xffffffff)
    return 'request.cseq: expected an integer 0..2^32-1';
  if (typeof headerLines !== 'string') return 'request.headerLines: expected a string';
  return undefined;
}

/** The message when {@link linesAreFramed} refuses the encoded header lines. */
export const HEADER_LINES_PROBLEM =
  'request.headerLines: expected header lines each ending in CRLF, no empty or folded line, no other control characters';

/** No whitespace, no control characters. */
function isPrintable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return false;
  }
  return true;
}

/**
 * Whether bytes[start, end) (UTF-8 header lines) may be sent: CR only before LF, LF only after CR,
 * no line empty (which would end the header section early) or starting with whitespace (folded onto
 * the previous one, RFC 3261 §7.3.1), no other control character but HTAB, the last line ended.
 * Bytes of multi-byte characters are all ≥ 0x80, so they pass as they should.
 */
export function linesAreFramed(bytes: Uint8Array, start: number, end: number): boolean {
  let lineStart = start;
  for (let i = start; i < end; i++) {
    const code = bytes[i]!;
    if (code > 0x20) {
      if (code === 0x7f) return false;
      continue;
    }
    if (code === 0x20 || code === 0x09) {
      if (i === lineStart) return false;
      continue;
    }
    if (code !== 0x0d || bytes[i + 1] !== 0x0a || i === lineStart || i + 1 >= end) return false;
    i++;
    lineStart = i + 1;
  }
  return lineStart === end;
}
