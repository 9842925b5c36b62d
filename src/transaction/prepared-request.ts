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
 * Why `prepared` cannot be sent, as a message naming the field, or `undefined` when it can. The
 * header lines may hold CR only as the CRLF that ends a line, no empty line (which would end the
 * header section early), no other control character but HTAB.
 */
export function preparedRequestProblem(prepared: PreparedRequest): string | undefined {
  if (typeof prepared !== 'object' || prepared === null) return 'request: expected a PreparedRequest';
  const { method, uri, callId, from, cseq, headerLines } = prepared;
  if (typeof method !== 'string' || !isToken(method)) return 'request.method: expected a method token';
  if (method === 'INVITE' || method === 'ACK')
    return `request.method: expected a non-INVITE method (not INVITE or ACK), received ${JSON.stringify(method)}`;
  if (typeof uri !== 'string' || uri.length === 0 || !isPrintable(uri, false))
    return 'request.uri: expected a Request-URI without whitespace or control characters';
  if (typeof callId !== 'string' || callId.length === 0 || !isPrintable(callId, false))
    return 'request.callId: expected a non-empty Call-ID without whitespace or control characters';
  if (typeof from !== 'string' || from.length === 0 || !isPrintable(from, true))
    return 'request.from: expected a From value without control characters';
  if (!Number.isInteger(cseq) || cseq < 0 || cseq > 0xffffffff)
    return 'request.cseq: expected an integer 0..2^32-1';
  if (typeof headerLines !== 'string' || !linesAreFramed(headerLines))
    return 'request.headerLines: expected header lines each ending in CRLF, no empty line, no other control characters';
  return undefined;
}

/** No control characters; spaces (and HTAB) only where `spaces` allows them. */
function isPrintable(text: string, spaces: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x7f) return false;
    if (code <= 0x20 && !(spaces && (code === 0x20 || code === 0x09))) return false;
  }
  return true;
}

/** One scan: CR only before LF, LF only after CR, no line empty or folded, the text ends a line. */
function linesAreFramed(text: string): boolean {
  const length = text.length;
  if (length === 0) return true;
  let lineStart = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    // A line starting with whitespace would fold onto the previous one (RFC 3261 §7.3.1).
    if (i === lineStart && (code === 0x20 || code === 0x09)) return false;
    if (code >= 0x20 && code !== 0x7f) continue;
    if (code === 0x09) continue;
    if (code !== 0x0d || text.charCodeAt(i + 1) !== 0x0a || i === lineStart) return false;
    i++;
    lineStart = i + 1;
  }
  return lineStart === length;
}
