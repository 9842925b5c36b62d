import { SipHeaders } from '../sip/headers.js';
import { SIP_VERSION, type SipRequest, type SipResponse } from '../sip/message.js';

/** Headers a response copies from its request (RFC 3261 §8.2.6.2); a local response does too. */
const COPIED_HEADERS = ['Via', 'From', 'To', 'Call-ID', 'CSeq'] as const;

/** Longest reason phrase a synthetic response carries; error messages can be long. */
const MAX_REASON_LENGTH = 200;

/**
 * A response made up locally for a request that got no real answer: 408 when Timer F fired,
 * 503 when the transport failed (RFC 3261 §8.1.3.1: the TU treats these exactly like received ones,
 * so the registrant has a single failure path; checklist RSP-01, RSP-02, TXN-07, TXN-08).
 *
 * It carries the request's Via, From, To, Call-ID and CSeq rows, so it looks like an answer to that
 * request, and an empty body. The reason phrase is reduced to printable characters so an error
 * message can never inject a line into anything that serializes it.
 */
export function createSyntheticResponse(request: SipRequest, status: number, reason: string): SipResponse {
  const headers = new SipHeaders();
  for (const name of COPIED_HEADERS)
    for (const value of request.headers.getAll(name)) headers.append(name, value);
  headers.append('Content-Length', '0');
  return {
    kind: 'response',
    status,
    reason: printableReason(reason),
    version: SIP_VERSION,
    headers,
    body: '',
  };
}

/** Replace control characters (CR, LF, NUL, …) with spaces and cap the length. */
function printableReason(reason: string): string {
  let out = '';
  const length = Math.min(reason.length, MAX_REASON_LENGTH);
  for (let i = 0; i < length; i++) {
    const code = reason.charCodeAt(i);
    out += code < 0x20 || code === 0x7f ? ' ' : reason[i];
  }
  return out;
}
