import type { Clock } from '../../src/clock.js';
import { TransportError } from '../../src/errors.js';
import { SipHeaders } from '../../src/sip/headers.js';
import type { SipRequest } from '../../src/sip/message.js';
import type {
  FlowFailureListener,
  InboundMessageListener,
  InboundSource,
  Transport,
  TransportAddress,
  TransportTarget,
} from '../../src/transport/transport.js';

/** One call to `send`, stamped with the fake clock's time. */
export interface RecordedSend {
  readonly at: number;
  readonly target: TransportTarget;
  readonly text: string;
}

/**
 * An in-memory Transport: records every send with the clock time, lets a test push inbound bytes
 * and flow failures, and can be told to fail sends.
 */
export class FakeTransport implements Transport {
  readonly protocol: string;
  readonly reliable: boolean;
  readonly localAddress: TransportAddress;
  readonly sends: RecordedSend[] = [];
  /** When set, every send rejects with it (or `send` throws it when `throwSync`). */
  failWith: Error | undefined;
  throwSync = false;
  #clock: Clock;
  #listeners = new Set<InboundMessageListener>();
  #flowListeners = new Set<FlowFailureListener>();
  #decoder = new TextDecoder();

  constructor(
    clock: Clock,
    options: { protocol?: string; reliable?: boolean; localAddress?: TransportAddress } = {},
  ) {
    this.#clock = clock;
    this.protocol = options.protocol ?? 'UDP';
    this.reliable = options.reliable ?? false;
    this.localAddress = options.localAddress ?? { host: '192.0.2.10', port: 5062 };
  }

  send(target: TransportTarget, data: Uint8Array): Promise<void> {
    this.sends.push({ at: this.#clock.now(), target, text: this.#decoder.decode(data) });
    const failure = this.failWith;
    if (failure !== undefined) {
      if (this.throwSync) throw failure;
      return Promise.reject(failure);
    }
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

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#flowListeners.clear();
  }

  get listenerCount(): number {
    return this.#listeners.size + this.#flowListeners.size;
  }

  /** Push inbound bytes (a string is UTF-8 encoded) to every listener. */
  deliver(message: string | Uint8Array, source: InboundSource = REGISTRAR_SOURCE): void {
    const bytes = typeof message === 'string' ? new TextEncoder().encode(message) : message;
    for (const listener of [...this.#listeners]) listener(bytes, source);
  }

  failFlow(
    target: TransportTarget,
    error = new TransportError('ERR_TRANSPORT_SEND', 'connection reset'),
  ): void {
    for (const listener of [...this.#flowListeners]) listener(target, error);
  }
}

export const REGISTRAR: TransportTarget = { host: '198.51.100.7', port: 5060 };
export const REGISTRAR_SOURCE: InboundSource = { host: '198.51.100.7', port: 5060, protocol: 'UDP' };

let counter = 0;

/** A fresh REGISTER without a Via: the layer adds it. */
export function makeRegister(
  overrides: { method?: string; cseq?: string; callId?: string } = {},
): SipRequest {
  counter++;
  const method = overrides.method ?? 'REGISTER';
  return {
    kind: 'request',
    method,
    uri: 'sip:example.com',
    version: 'SIP/2.0',
    headers: new SipHeaders([
      ['Max-Forwards', '70'],
      ['From', `<sip:alice@example.com>;tag=from${counter}`],
      ['To', '<sip:alice@example.com>'],
      ['Call-ID', overrides.callId ?? `call-${counter}@192.0.2.10`],
      ['CSeq', overrides.cseq ?? `${counter} ${method}`],
      ['Contact', '<sip:alice@192.0.2.10:5062>'],
      ['Expires', '3600'],
      ['Content-Length', '0'],
    ]),
    body: '',
  };
}

/** What to change in a response built by {@link respond}, to forge or break it. */
export interface ResponseTweaks {
  via?: string | string[];
  viaParams?: string;
  callId?: string;
  from?: string;
  cseq?: string;
  reason?: string;
}

/** Wire text of a response to `request` (which must carry the Via the layer wrote). */
export function respond(request: SipRequest, status: number, tweaks: ResponseTweaks = {}): string {
  const h = request.headers;
  const vias = tweaks.via ?? `${h.get('Via')}${tweaks.viaParams ?? ''}`;
  const lines = [`SIP/2.0 ${status} ${tweaks.reason ?? 'Whatever'}`];
  for (const via of Array.isArray(vias) ? vias : [vias]) lines.push(`Via: ${via}`);
  lines.push(
    `From: ${tweaks.from ?? h.get('From')}`,
    `To: ${h.get('To')};tag=registrar`,
    `Call-ID: ${tweaks.callId ?? h.get('Call-ID')}`,
    `CSeq: ${tweaks.cseq ?? h.get('CSeq')}`,
    'Content-Length: 0',
    '',
    '',
  );
  return lines.join('\r\n');
}
