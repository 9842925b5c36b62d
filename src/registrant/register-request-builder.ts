/**
 * Building the REGISTER and un-REGISTER requests of a registrant record (RFC 3261 §10.2). Pure: the
 * manager decides every value (the state machine says when and with which CSeq and expiry) and this
 * file only writes them in SIP form. The transaction layer adds the top Via and serializes.
 *
 * Wire rules applied here (ids from the project's RFC checklist):
 * - Request-URI = the registrar, or the target of a followed 3xx (REG-01, RSP-06).
 * - To = the AOR without tag; From = the third-party registrant or the AOR, with our tag (REG-03..05).
 * - Every mandatory header but Via: To, From, Call-ID, CSeq, Max-Forwards: 70 (HDR-01, HDR-02).
 * - Exactly one Contact, always in name-addr form `<uri>` so the binding params and `expires` after
 *   `>` are header params (REG-11, REG-14); `;expires=N` on it, N the configured (or 423-learned)
 *   value, never the shrunk grant (EXP-08).
 * - un-REGISTER: the same Contact with `;expires=0` plus `Expires: 0` (EXP-02, EXP-10), never
 *   `Contact: *`, which would remove other devices' bindings of a shared AOR (EXP-11, PIT-27).
 * - Outbound proxy: a pre-loaded route set of one loose-routing URI, `Route: <proxy;lr>`
 *   (RFC 3261 §8.1.1.1, §8.1.2; REG-15). OpenSIPS only sends to the proxy without a Route header;
 *   RFC 3261 calls that "NOT RECOMMENDED", and a loose-routing proxy receiving the Route pops it and
 *   forwards by Request-URI either way, so the Route is the interoperable choice.
 * - Content-Length: 0 (REG-18).
 */
import type { DigestAuthorization } from '../auth/digest-authenticator.js';
import { SipHeaders } from '../sip/headers.js';
import { SIP_VERSION, type SipRequest } from '../sip/message.js';
import type { PreparedRequest } from '../transaction/prepared-request.js';

/** Value of Max-Forwards on every request (RFC 3261 §8.1.1.6: SHOULD be 70). */
export const MAX_FORWARDS = '70';

/** Everything a REGISTER or un-REGISTER is made of. All URIs are validated config values. */
export interface RegisterRequestSpec {
  /** Request-URI: the registrar, or a 3xx target (written byte for byte; it is the digest `uri`). */
  readonly requestUri: string;
  /** Address-of-record: the To URI. */
  readonly aor: string;
  /** From URI: the third-party registrant, or the AOR. */
  readonly from: string;
  readonly fromTag: string;
  readonly callId: string;
  readonly cseq: number;
  /** Binding URI (our Contact). */
  readonly contact: string;
  /** Binding params appended after `>` (`;name=value…`), or `''`. */
  readonly contactParams: string;
  /** Requested expiry in seconds; 0 makes an un-REGISTER. */
  readonly expires: number;
  /** Outbound proxy URI; when set, a `Route: <proxy;lr>` is added. */
  readonly proxy: string | undefined;
  /** User-Agent value; omitted when `''`. */
  readonly userAgent: string;
  /** Answers to the challenge just received (one per realm, DIG-40); none on a first request. */
  readonly authorizations?: readonly DigestAuthorization[] | undefined;
}

/**
 * The Route value for an outbound proxy: `<proxy;lr>`, adding `;lr` unless the URI already has it
 * (RFC 3261 §19.1.1: `lr` marks a loose router). Validated proxy URIs carry no `?headers`, so the
 * parameter can be appended to the text.
 */
export function proxyRoute(proxy: string): string {
  return hasLrParam(proxy) ? `<${proxy}>` : `<${proxy};lr>`;
}

/** True when the URI text has an `lr` URI parameter (any case, with or without a value). */
function hasLrParam(uri: string): boolean {
  let i = uri.indexOf(';');
  while (i !== -1) {
    const end = nextParamEnd(uri, i + 1);
    const name = uri.slice(i + 1, end);
    const eq = name.indexOf('=');
    if ((eq === -1 ? name : name.slice(0, eq)).toLowerCase() === 'lr') return true;
    i = uri.charCodeAt(end) === 0x3b ? end : -1;
  }
  return false;
}

function nextParamEnd(uri: string, from: number): number {
  for (let j = from; j < uri.length; j++) {
    const code = uri.charCodeAt(j);
    if (code === 0x3b || code === 0x3f) return j;
  }
  return uri.length;
}

/** Build the request. Header order: Route, Max-Forwards, To, From, Call-ID, CSeq, Contact, … */
export function buildRegisterRequest(spec: RegisterRequestSpec): SipRequest {
  const headers = new SipHeaders();
  if (spec.proxy !== undefined) headers.append('Route', proxyRoute(spec.proxy));
  headers.append('Max-Forwards', MAX_FORWARDS);
  headers.append('To', `<${spec.aor}>`);
  headers.append('From', `<${spec.from}>;tag=${spec.fromTag}`);
  headers.append('Call-ID', spec.callId);
  headers.append('CSeq', `${spec.cseq} REGISTER`);
  headers.append('Contact', `<${spec.contact}>${spec.contactParams};expires=${spec.expires}`);
  // EXP-10: an un-REGISTER also says Expires: 0, so a registrar that ignores the Contact parameter
  // still removes the binding; the two never contradict each other (EXP-02).
  if (spec.expires === 0) headers.append('Expires', '0');
  if (spec.userAgent !== '') headers.append('User-Agent', spec.userAgent);
  const authorizations = spec.authorizations;
  if (authorizations !== undefined)
    for (const authorization of authorizations) headers.append(authorization.headerName, authorization.value);
  headers.append('Content-Length', '0');
  return {
    kind: 'request',
    method: 'REGISTER',
    uri: spec.requestUri,
    version: SIP_VERSION,
    headers,
    body: '',
  };
}

/**
 * The same request as {@link buildRegisterRequest}, in the wire form the transaction layer sends
 * directly ({@link PreparedRequest}): the header lines are written as one string, in the same order
 * and spelling, so the bytes on the wire are identical. This is the engine's path: one template per
 * request instead of a header table that the serializer walks row by row.
 */
export function prepareRegisterRequest(spec: RegisterRequestSpec): PreparedRequest {
  const from = `<${spec.from}>;tag=${spec.fromTag}`;
  let lines = spec.proxy === undefined ? '' : `Route: ${proxyRoute(spec.proxy)}\r\n`;
  lines +=
    `Max-Forwards: ${MAX_FORWARDS}\r\nTo: <${spec.aor}>\r\nFrom: ${from}\r\nCall-ID: ${spec.callId}\r\n` +
    `CSeq: ${spec.cseq} REGISTER\r\nContact: <${spec.contact}>${spec.contactParams};expires=${spec.expires}\r\n`;
  // EXP-10, as in buildRegisterRequest.
  if (spec.expires === 0) lines += 'Expires: 0\r\n';
  if (spec.userAgent !== '') lines += `User-Agent: ${spec.userAgent}\r\n`;
  const authorizations = spec.authorizations;
  if (authorizations !== undefined)
    for (const authorization of authorizations)
      lines += `${authorization.headerName}: ${authorization.value}\r\n`;
  return {
    method: 'REGISTER',
    uri: spec.requestUri,
    callId: spec.callId,
    from,
    cseq: spec.cseq,
    headerLines: lines,
  };
}
