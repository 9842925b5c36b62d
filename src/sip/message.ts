import type { SipHeaders } from './headers.js';

/** The only SIP version this library speaks (RFC 3261 §7.1). */
export const SIP_VERSION = 'SIP/2.0';

/** A SIP request (RFC 3261 §7.1). */
export interface SipRequest {
  readonly kind: 'request';
  /** Method token as received (case-sensitive, RFC 3261 §7.1), e.g. `REGISTER`. */
  method: string;
  /** Request-URI exactly as on the request line; the digest `uri` is this string (DIG-26). */
  uri: string;
  /** Always `SIP/2.0` after a successful parse. */
  version: string;
  headers: SipHeaders;
  /** Body decoded as UTF-8; Content-Length counts its UTF-8 bytes. Empty string when absent. */
  body: string;
}

/** A SIP response (RFC 3261 §7.2). */
export interface SipResponse {
  readonly kind: 'response';
  /** Status code, 100–699. */
  status: number;
  /** Reason phrase as received (may be empty). */
  reason: string;
  version: string;
  headers: SipHeaders;
  body: string;
}

/** A parsed or built SIP message: a request or a response (`kind` tells which). */
export type SipMessage = SipRequest | SipResponse;

/** Narrow a message to a request. */
export function isRequest(message: SipMessage): message is SipRequest {
  return message.kind === 'request';
}

/** Narrow a message to a response. */
export function isResponse(message: SipMessage): message is SipResponse {
  return message.kind === 'response';
}
