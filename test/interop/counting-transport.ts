/**
 * A {@link Transport} wrapper for interop tests: forwards everything to a real transport and counts
 * what goes out, so a test can say how many REGISTERs (retransmissions included) reached the wire,
 * and can wait until every send it caused has been handed to the kernel before reading the
 * registrar's counters.
 */
import type {
  FlowFailureListener,
  InboundMessageListener,
  Transport,
  TransportAddress,
  TransportProtocol,
  TransportTarget,
} from '../../src/transport/transport.js';

/** One REGISTER datagram as sent: its text (requests here are ASCII) and the fake-clock time. */
export interface SentRegister {
  readonly text: string;
  readonly at: number;
}

const REGISTER_PREFIX = 'REGISTER ';

/** Counts the sends of an inner transport; see the file comment. */
export class CountingTransport implements Transport {
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  readonly localAddress: TransportAddress;
  readonly #inner: Transport;
  readonly #now: () => number;
  /** `send()` calls made. */
  requested = 0;
  /** `send()` calls settled (written, or rejected). */
  settled = 0;
  /** REGISTER requests handed to `send()`, retransmissions included, in order. */
  readonly registers: SentRegister[] = [];

  /** @param now reading of the test's clock, stamped on each REGISTER */
  constructor(inner: Transport, now: () => number) {
    this.#inner = inner;
    this.#now = now;
    this.protocol = inner.protocol;
    this.reliable = inner.reliable;
    this.localAddress = inner.localAddress;
  }

  send(target: TransportTarget, data: Uint8Array): Promise<void> {
    this.requested++;
    if (startsWith(data, REGISTER_PREFIX))
      this.registers.push({ text: Buffer.from(data).toString('latin1'), at: this.#now() });
    return this.#inner.send(target, data).finally(() => {
      this.settled++;
    });
  }

  onMessage(listener: InboundMessageListener): () => void {
    return this.#inner.onMessage(listener);
  }

  onFlowFailure(listener: FlowFailureListener): () => void {
    return this.#inner.onFlowFailure(listener);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  /** REGISTERs whose To header names `user` (as `sip:<user>@`). */
  registersTo(user: string): SentRegister[] {
    const needle = `sip:${user}@`;
    return this.registers.filter((sent) => headerValue(sent.text, 'To')?.includes(needle) === true);
  }
}

function startsWith(data: Uint8Array, prefix: string): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/** Value of the first header called `name` (full form, as this library writes it) in a message text. */
export function headerValue(text: string, name: string): string | undefined {
  const wanted = `${name.toLowerCase()}:`;
  const end = text.indexOf('\r\n\r\n');
  for (const line of text.slice(0, end < 0 ? text.length : end).split('\r\n')) {
    if (line.toLowerCase().startsWith(wanted)) return line.slice(wanted.length).trim();
  }
  return undefined;
}
