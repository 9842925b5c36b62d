/**
 * The adapter: sip-registrant's `Transport` interface implemented on top of the host's SIP stack,
 * so REGISTERs leave from the host's own signalling socket and come back to it.
 *
 * The numbered rules are those of the `Transport` TSDoc (src/transport/transport.ts); each part of
 * the class says which rule it is there for.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  type FlowFailureListener,
  type InboundMessageListener,
  type InboundSource,
  type Transport,
  type TransportAddress,
  TransportError,
  type TransportTarget,
} from 'sip-registrant';
import type { HostPeer, HostSipStack } from './host-stack.js';

/** Options of {@link HostStackTransport}. */
export interface HostStackTransportOptions {
  /**
   * Host to put in Via sent-by and Contact instead of the socket's address, e.g. the public address
   * of a host behind NAT.
   * @default the host socket's address
   */
  readonly advertisedHost?: string;
  /**
   * Ask the host to keep-alive-ping every destination sip-registrant sends to, so a registrar that
   * stops answering is reported as a flow failure (rule 6) instead of costing each REGISTER a full
   * Timer F (32 s).
   * @default true
   */
  readonly watchDestinations?: boolean;
}

/** Calls every listener; one that throws does not keep the others (or the host) from running. */
function emit<A extends unknown[]>(listeners: ReadonlySet<(...args: A) => void>, ...args: A): void {
  for (const listener of [...listeners]) {
    try {
      listener(...args);
    } catch {
      // The listeners are sip-registrant's; it reports its own failures through the manager.
    }
  }
}

export class HostStackTransport implements Transport {
  // Rule 5: `protocol` is the Via transport token of what goes on the wire.
  readonly protocol = 'UDP';
  // Rule 4: a datagram socket is unreliable, so sip-registrant's transaction layer retransmits
  // (Timer E, RFC 3261 §17.1.2.2). Rule 2 follows: the adapter itself never retransmits.
  readonly reliable = false;
  // Rule 5: where responses come back to. sip-registrant writes it into Via sent-by and Contact.
  readonly localAddress: TransportAddress;

  readonly #host: HostSipStack;
  readonly #watchDestinations: boolean;
  readonly #messageListeners = new Set<InboundMessageListener>();
  readonly #flowListeners = new Set<FlowFailureListener>();
  /** How to detach from the host; emptied by close() (rule 7). */
  readonly #detach: (() => void)[] = [];
  #closed = false;

  constructor(host: HostSipStack, options: HostStackTransportOptions = {}) {
    this.#host = host;
    this.#watchDestinations = options.watchDestinations ?? true;
    const bound = host.localAddress;
    this.localAddress = Object.freeze({ host: options.advertisedHost ?? bound.host, port: bound.port });

    // Rule 3: sip-registrant must see every response to its requests, as raw bytes, with their
    // source. The host's receive loop sees each datagram first, keeps requests (OPTIONS pings and
    // the like are the host's business; sip-registrant is a pure UAC and would only drop them) and
    // responses to its own requests, drops keep-alives and unparsable datagrams, and offers us the
    // rest. The transaction layer matches them by Via branch, so an unrelated response is harmless.
    this.#detach.push(
      host.onUnclaimedResponse((data, source) => {
        const from: InboundSource = { host: source.host, port: source.port, protocol: this.protocol };
        emit(this.#messageListeners, data, from);
      }),
    );

    // Rule 6: the host's keep-alive found a peer that stopped answering. Reporting it makes
    // sip-registrant fail the transactions towards that peer at once with a 503 (RFC 3261
    // §17.1.4), so the records concerned go to their retry back-off now rather than after Timer F.
    this.#detach.push(
      host.onPeerDown((peer, error) =>
        emit(this.#flowListeners, { host: peer.host, port: peer.port }, error),
      ),
    );
  }

  // Rule 1: resolve once the host's socket took the datagram; reject with a TransportError
  // (ERR_TRANSPORT_SEND, or ERR_TRANSPORT_CLOSED after close, rule 7); never throw synchronously
  // — `async` turns every throw below into a rejection.
  async send(target: TransportTarget, data: Uint8Array): Promise<void> {
    if (this.#closed) throw new TransportError('ERR_TRANSPORT_CLOSED', 'host stack transport is closed');
    if (
      typeof target?.host !== 'string' ||
      target.host === '' ||
      !Number.isInteger(target.port) ||
      target.port < 1 ||
      target.port > 65_535
    )
      throw new TransportError(
        'ERR_TRANSPORT_SEND',
        'host stack transport: target must be { host, port 1-65535 }',
      );
    if (!(data instanceof Uint8Array))
      throw new TransportError('ERR_TRANSPORT_SEND', 'host stack transport: data must be a Uint8Array');

    const peer: HostPeer = { host: await this.#address(target.host), port: target.port };
    if (this.#closed) throw new TransportError('ERR_TRANSPORT_CLOSED', 'host stack transport is closed');
    if (this.#watchDestinations) this.#host.watch(peer);
    await new Promise<void>((resolve, reject) => {
      this.#host.sendRaw(data, peer, (error) => {
        if (error === null) resolve();
        else
          reject(
            new TransportError(
              'ERR_TRANSPORT_SEND',
              `host stack transport: send to ${peer.host}:${peer.port} failed: ${error.message}`,
              { cause: error },
            ),
          );
      });
    });
  }

  // Rule 3: every listener gets every message; the returned function removes it.
  onMessage(listener: InboundMessageListener): () => void {
    if (this.#closed) return () => {};
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }

  // Rule 6: listeners of flow failures, fed by the host's keep-alive (see the constructor).
  onFlowFailure(listener: FlowFailureListener): () => void {
    if (this.#closed) return () => {};
    this.#flowListeners.add(listener);
    return () => this.#flowListeners.delete(listener);
  }

  // Rule 7: afterwards the adapter holds no listener and no hook into the host, and send()
  // rejects with ERR_TRANSPORT_CLOSED. It holds no socket or timer of its own: the socket and the
  // keep-alive timers belong to the host, which keeps running for its own traffic. Idempotent.
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const detach of this.#detach.splice(0)) detach();
    this.#messageListeners.clear();
    this.#flowListeners.clear();
  }

  /**
   * The IPv4 address to send to. sip-registrant normally hands over addresses it resolved itself;
   * a name is looked up here so the contract ("or a host name the transport can resolve") holds.
   */
  async #address(host: string): Promise<string> {
    const family = isIP(host);
    if (family === 4) return host;
    if (family === 6)
      throw new TransportError(
        'ERR_TRANSPORT_SEND',
        `host stack transport: ${host} is IPv6; the host socket is IPv4`,
      );
    try {
      return (await lookup(host, { family: 4 })).address;
    } catch (error) {
      throw new TransportError(
        'ERR_TRANSPORT_SEND',
        `host stack transport: cannot resolve ${JSON.stringify(host)}`,
        {
          cause: error,
        },
      );
    }
  }
}
