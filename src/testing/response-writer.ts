/**
 * Responses of the registrar double, built as message models and serialized by the library's own
 * serializer (RFC 3261 §8.2.6.2: Via, From, To, Call-ID and CSeq copied from the request, a To tag
 * added).
 */
import { SipHeaders } from '../sip/headers.js';
import { splitOutside } from '../sip/lexer.js';
import { SIP_VERSION, type SipRequest, type SipResponse } from '../sip/message.js';
import { formatParams, type GenericParam } from '../sip/params.js';
import type { ParsedVia } from '../sip/via.js';
import { reasonPhrase } from './reason-phrases.js';
import type { ExtraHeader } from './scripted-behaviour.js';

/** What every response to one request shares. */
export interface ResponseContext {
  readonly request: SipRequest;
  readonly topVia: ParsedVia;
  readonly source: { readonly host: string; readonly port: number };
  /** Tag to add to To when the request's To has none. */
  readonly toTag: string;
  /** Whether the request's To already carries a tag (then it is kept as is). */
  readonly toHasTag: boolean;
  /** `Server` header value; '' for none. */
  readonly serverHeader: string;
}

function withoutBrackets(host: string): string {
  return host.charCodeAt(0) === 0x5b ? host.slice(1, -1) : host;
}

/**
 * The top Via as the response carries it: `received` when the packet came from another address than
 * sent-by says (RFC 3261 §18.2.1), and, when the client asked with a bare `rport`, `rport=<source
 * port>` plus `received` in any case (RFC 3581 §4). Other parameters keep their order.
 */
function stampTopVia(via: ParsedVia, source: ResponseContext['source']): string {
  const asked = via.rport !== undefined;
  const addReceived = asked || withoutBrackets(via.host).toLowerCase() !== source.host.toLowerCase();
  const params: GenericParam[] = [];
  for (const param of via.params) {
    if (param.name === 'received' && addReceived) continue;
    params.push(
      asked && param.name === 'rport' ? { name: 'rport', value: String(source.port), quoted: false } : param,
    );
  }
  if (addReceived) params.push({ name: 'received', value: source.host, quoted: false });
  // The sent-protocol and sent-by are the parser's, already validated: written back without a second check.
  const sentBy = via.port === undefined ? via.host : `${via.host}:${via.port}`;
  return `${via.protocolName}/${via.protocolVersion}/${via.transport} ${sentBy}${formatParams(params)}`;
}

/** The Via rows of the response: every row of the request in order, the top via-parm stamped. */
function responseVias(context: ResponseContext): string[] {
  const rows = context.request.headers.getAll('Via');
  const stamped = stampTopVia(context.topVia, context.source);
  const first = rows[0] ?? '';
  if (first.indexOf(',') === -1) rows[0] = stamped;
  else {
    const parts = splitOutside(first, ',') ?? [first];
    parts[0] = stamped;
    rows[0] = parts.join(', ');
  }
  return rows;
}

/**
 * A response to `context.request` with `status`, the copied headers, `Server`, then `extra` in order.
 * `Content-Length` is left to the serializer.
 */
export function buildResponse(
  context: ResponseContext,
  status: number,
  reason: string | undefined,
  extra: readonly ExtraHeader[],
  body = '',
): SipResponse {
  const headers = new SipHeaders();
  for (const via of responseVias(context)) headers.append('Via', via);
  const request = context.request.headers;
  headers.append('From', request.get('From') ?? '');
  const to = request.get('To') ?? '';
  // §8.2.6.2: a To tag on every response except 100 Trying.
  headers.append('To', context.toHasTag || status === 100 ? to : `${to};tag=${context.toTag}`);
  headers.append('Call-ID', request.get('Call-ID') ?? '');
  headers.append('CSeq', request.get('CSeq') ?? '');
  if (context.serverHeader !== '') headers.append('Server', context.serverHeader);
  for (const [name, value] of extra) headers.append(name, value);
  return {
    kind: 'response',
    status,
    reason: reason ?? reasonPhrase(status),
    version: SIP_VERSION,
    headers,
    body,
  };
}
