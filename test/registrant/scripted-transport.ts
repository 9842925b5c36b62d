/**
 * An in-memory Transport for manager unit tests: it records every request sent (parsed, with its
 * target) and answers through a test-provided responder, asynchronously, as a socket would.
 */
import { TransportError } from '../../src/errors.js';
import type { SipRequest } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import type {
  FlowFailureListener,
  InboundMessageListener,
  Transport,
  TransportAddress,
  TransportTarget,
} from '../../src/transport/transport.js';

export interface SentRequest {
  readonly target: TransportTarget;
  readonly request: SipRequest;
}

/** Returns the response text for a request, or undefined to stay silent. */
export type Responder = (request: SipRequest, target: TransportTarget) => string | undefined;

export class ScriptedTransport implements Transport {
  readonly protocol: string;
  readonly reliable: boolean;
  readonly localAddress: TransportAddress;
  readonly sent: SentRequest[] = [];
  responder: Responder | undefined;
  /** When set, send() rejects with it. */
  failWith: Error | undefined;
  #listeners = new Set<InboundMessageListener>();
  #flowListeners = new Set<FlowFailureListener>();

  constructor(
    options: {
      protocol?: string;
      reliable?: boolean;
      localAddress?: TransportAddress;
      responder?: Responder;
    } = {},
  ) {
    this.protocol = options.protocol ?? 'UDP';
    this.reliable = options.reliable ?? this.protocol !== 'UDP';
    this.localAddress = options.localAddress ?? { host: '192.0.2.10', port: 5062 };
    this.responder = options.responder;
  }

  send(target: TransportTarget, data: Uint8Array): Promise<void> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    const message = parseMessage(data);
    if (message.kind !== 'request') throw new Error('expected a request');
    this.sent.push({ target, request: message });
    const answer = this.responder?.(message, target);
    if (answer !== undefined)
      setImmediate(() => {
        const bytes = new TextEncoder().encode(answer);
        for (const listener of this.#listeners)
          listener(bytes, { host: target.host, port: target.port, protocol: this.protocol });
      });
    return Promise.resolve();
  }

  onMessage(listener: InboundMessageListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onFlowFailure(listener: FlowFailureListener): () => void {
    this.#flowListeners.add(listener);
    return () => this.#flowListeners.delete(listener);
  }

  failFlow(target: TransportTarget): void {
    for (const listener of this.#flowListeners)
      listener(target, new TransportError('ERR_TRANSPORT_SEND', 'connection reset by peer'));
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#flowListeners.clear();
  }
}

/**
 * Text of a response to `request`: Via, From, Call-ID and CSeq copied, To with a tag; a 2xx to a
 * REGISTER echoes its Contact with `expires` (RFC 3261 §10.3 step 8) unless `contact` says otherwise.
 */
export function answer(
  request: SipRequest,
  status: number,
  extra: readonly (readonly [string, string])[] = [],
  options: { contact?: string | null } = {},
): string {
  const h = request.headers;
  const lines = [`SIP/2.0 ${status} Whatever`];
  for (const via of h.getAll('Via')) lines.push(`Via: ${via}`);
  lines.push(
    `From: ${h.get('From')}`,
    `To: ${h.get('To')};tag=reg`,
    `Call-ID: ${h.get('Call-ID')}`,
    `CSeq: ${h.get('CSeq')}`,
  );
  if (status >= 200 && status < 300 && options.contact !== null) {
    const contact = options.contact ?? h.get('Contact');
    if (contact !== undefined) lines.push(`Contact: ${contact}`);
  }
  for (const [name, value] of extra) lines.push(`${name}: ${value}`);
  lines.push('Content-Length: 0', '', '');
  return lines.join('\r\n');
}
