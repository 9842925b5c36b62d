/**
 * The connection-oriented side of RFC 3261 §18 shared by the TCP and TLS transports: one
 * connection per target, reused for every request to it (checklist TRN-04), opened on demand,
 * framed by Content-Length (TRN-10), optionally kept alive with RFC 5626 §4.4.1 CRLF pings
 * (OB-06, OB-07), closed when idle, and forgotten when it fails so the next send reconnects.
 * The TCP and TLS factories differ only in how a connection and the listening server are made.
 */
import type { Server, Socket } from 'node:net';
import type { Clock } from '../clock.js';
import { TransportError } from '../errors.js';
import { ListenerSet } from './listener-set.js';
import { type FlowCounters, type FlowOwner, type FlowSettings, StreamFlow } from './stream-flow.js';
import type {
  FlowFailureListener,
  InboundMessageListener,
  InboundSource,
  Transport,
  TransportAddress,
  TransportTarget,
} from './transport.js';
import { formatHostPort, targetProblem, unmapIPv4 } from './transport-address.js';
import type { OptionChecker } from './transport-options.js';

/** Options the TCP and TLS transports share. */
export interface StreamTransportOptions {
  /**
   * Accept inbound connections on this address, so the registrar (or anyone) can open a connection
   * to us; `localAddress` is then the bound address. Without it the transport only connects out:
   * responses come back on the connection the request used (RFC 3261 §18.2.2) and `localAddress`
   * has port 0, meaning "nothing listens: leave the port out of Via sent-by".
   * `host` defaults to `0.0.0.0`, `port` to 0 (a free port, reported by `localAddress`).
   * @default undefined (no listening socket)
   */
  listen?: { host?: string; port?: number };
  /**
   * Host to report in `localAddress` (Via sent-by, Contact) instead of the listening address, e.g.
   * a public address in front of a wildcard bind.
   * @default the listening address, or `0.0.0.0` when not listening
   */
  advertisedHost?: string;
  /**
   * Time source for the connect, idle and keep-alive timers.
   * @default realClock
   */
  clock?: Clock;
  /**
   * Milliseconds without a SIP message on a connection (either direction; keep-alives do not count)
   * after which it is closed. The next send to that target opens a new one. 0 keeps connections
   * until the peer closes them.
   * @default 300000 (5 minutes) when keepAliveInterval is 0, else 0 (a kept-alive flow stays open)
   */
  idleTimeout?: number;
  /**
   * Milliseconds between RFC 5626 §4.4.1 keep-alive pings (CRLFCRLF) on connections we opened;
   * each ping is sent after a random 80–100 % of it. 0 turns keep-alives off. RFC 5626 §4.4.1
   * suggests 95–120 s on TCP/TLS, or 80–100 % of the registrar's Flow-Timer (checklist OB-05); use
   * it only towards servers that answer pings (RFC 5626 outbound), or the flow will be declared dead.
   * @default 0
   */
  keepAliveInterval?: number;
  /**
   * Milliseconds to wait for the pong (CRLF) after a ping; without it the connection is closed and
   * reported to `onFlowFailure` listeners (RFC 5626 §4.4.1, checklist OB-07).
   * @default 10000
   */
  keepAlivePongTimeout?: number;
  /**
   * Milliseconds an outbound connection may take to open (TLS handshake included); sends waiting
   * for it then reject with ERR_TRANSPORT_SEND.
   * @default 10000
   */
  connectTimeout?: number;
  /**
   * Largest header block accepted from a peer; larger closes the connection (SEC-04, SEC-05).
   * @default 65536
   */
  maxHeaderBytes?: number;
  /**
   * Largest body (Content-Length) accepted from a peer; larger closes the connection.
   * @default 65536
   */
  maxBodyBytes?: number;
  /**
   * Bytes one connection may hold unsent (waiting for it to open, or for a slow peer to read);
   * a send beyond it rejects with ERR_TRANSPORT_SEND instead of growing memory.
   * @default 1048576
   */
  maxPendingWriteBytes?: number;
}

/** Counters of a TCP or TLS transport, for monitoring. */
export interface StreamTransportStats extends Readonly<FlowCounters> {
  /** Connections currently open or opening. */
  readonly openConnections: number;
  /** Bytes of incomplete inbound messages held by all connections (bounded per connection). */
  readonly bufferedInboundBytes: number;
  /** Listener calls that threw. */
  readonly listenerErrors: number;
  /** Inbound connections that failed before becoming usable (TLS handshake errors). */
  readonly inboundHandshakeErrors: number;
}

/** A TCP or TLS transport made by `createTcpTransport` / `createTlsTransport`. */
export interface StreamTransport extends Transport {
  readonly protocol: 'TCP' | 'TLS';
  readonly reliable: true;
  /** A snapshot of the counters. */
  readonly stats: StreamTransportStats;
}

/** Validated common options. */
export interface ResolvedStreamOptions {
  readonly settings: FlowSettings;
  readonly listen: { readonly host: string; readonly port: number } | undefined;
  readonly advertisedHost: string | undefined;
}

const MAX_DELAY_MS = 2_147_483_647;

/** Validates the options shared by TCP and TLS (see {@link StreamTransportOptions}). */
export function resolveStreamOptions(
  check: OptionChecker,
  options: StreamTransportOptions,
): ResolvedStreamOptions {
  const listenOption = options.listen === undefined ? undefined : check.object('listen', options.listen);
  const listen =
    listenOption === undefined
      ? undefined
      : {
          host: check.ip('listen.host', listenOption.host, '0.0.0.0'),
          port: check.integer('listen.port', listenOption.port, 0, 65_535, 0),
        };
  const keepAliveInterval = check.integer('keepAliveInterval', options.keepAliveInterval, 0, MAX_DELAY_MS, 0);
  const settings: FlowSettings = {
    clock: check.clock('clock', options.clock),
    keepAliveInterval,
    idleTimeout: check.integer(
      'idleTimeout',
      options.idleTimeout,
      0,
      MAX_DELAY_MS,
      keepAliveInterval > 0 ? 0 : 300_000,
    ),
    keepAlivePongTimeout: check.integer(
      'keepAlivePongTimeout',
      options.keepAlivePongTimeout,
      1,
      MAX_DELAY_MS,
      10_000,
    ),
    connectTimeout: check.integer('connectTimeout', options.connectTimeout, 1, MAX_DELAY_MS, 10_000),
    maxPendingWriteBytes: check.integer(
      'maxPendingWriteBytes',
      options.maxPendingWriteBytes,
      1,
      Number.MAX_SAFE_INTEGER,
      1_048_576,
    ),
    framer: {
      maxHeaderBytes: check.integer(
        'maxHeaderBytes',
        options.maxHeaderBytes,
        1,
        Number.MAX_SAFE_INTEGER,
        65_536,
      ),
      maxBodyBytes: check.integer('maxBodyBytes', options.maxBodyBytes, 0, Number.MAX_SAFE_INTEGER, 65_536),
    },
  };
  return { settings, listen, advertisedHost: check.host('advertisedHost', options.advertisedHost) };
}

/** How one protocol opens connections and names them. */
export interface StreamDialer {
  readonly protocol: 'TCP' | 'TLS';
  /** Starts a connection to `target`; the socket emits `readyEvent` once it is usable. */
  dial(target: TransportTarget): { socket: Socket; readyEvent: 'connect' | 'secureConnect' };
  /** The connection-reuse key of a target (TRN-04): same key, same connection. */
  keyOf(target: TransportTarget): string;
  /** The socket event of `server` that hands over an accepted, usable connection. */
  readonly acceptEvent: 'connection' | 'secureConnection';
  /**
   * Also file an outbound connection under the peer's address once open, so a send to the source
   * of a message that came on it reuses it. Not for TLS: there the key carries the verified
   * identity, and a connection verified for one domain must not serve a target without it.
   */
  readonly aliasByPeerAddress: boolean;
}

/** The Transport over a pool of stream connections. Built by the TCP and TLS factories. */
export class StreamTransportImpl implements StreamTransport, FlowOwner {
  readonly protocol: 'TCP' | 'TLS';
  readonly reliable = true as const;
  readonly localAddress: TransportAddress;
  readonly counters: FlowCounters = {
    connectionsOpened: 0,
    connectionsAccepted: 0,
    connectionsClosed: 0,
    connectFailures: 0,
    messagesSent: 0,
    messagesReceived: 0,
    sendErrors: 0,
    framingErrors: 0,
    truncatedMessages: 0,
    idleCloses: 0,
    keepAlivePingsSent: 0,
    keepAlivePongsReceived: 0,
    keepAliveTimeouts: 0,
    keepAlivePingsReceived: 0,
  };
  readonly #dialer: StreamDialer;
  readonly #settings: FlowSettings;
  readonly #server: Server | undefined;
  /** Every open or opening flow under its key, and under its peer address key once open. */
  readonly #flows = new Map<string, StreamFlow>();
  readonly #allFlows = new Set<StreamFlow>();
  /** Every socket the server accepted, also those still in a TLS handshake (closed on close()). */
  readonly #acceptedSockets = new Set<Socket>();
  readonly #messageListeners = new ListenerSet<Parameters<InboundMessageListener>>();
  readonly #flowListeners = new ListenerSet<Parameters<FlowFailureListener>>();
  #inboundHandshakeErrors = 0;
  #closing: Promise<void> | undefined;

  constructor(dialer: StreamDialer, options: ResolvedStreamOptions, server: Server | undefined) {
    this.#dialer = dialer;
    this.protocol = dialer.protocol;
    this.#settings = options.settings;
    this.#server = server;
    if (server !== undefined) {
      const bound = server.address();
      const port = typeof bound === 'object' && bound !== null ? bound.port : 0;
      const host = typeof bound === 'object' && bound !== null ? bound.address : '0.0.0.0';
      this.localAddress = Object.freeze({ host: options.advertisedHost ?? host, port });
      server.on('connection', (socket: Socket) => {
        this.#acceptedSockets.add(socket);
        socket.once('close', () => this.#acceptedSockets.delete(socket));
      });
      server.on(dialer.acceptEvent, (socket: Socket) => this.#accept(socket));
      // Failed inbound handshakes and accept errors must not crash the process.
      server.on('tlsClientError', (_error: Error, socket: Socket) => {
        this.#inboundHandshakeErrors++;
        socket.destroy();
      });
      server.on('error', () => {
        this.#inboundHandshakeErrors++;
      });
    } else {
      this.localAddress = Object.freeze({ host: options.advertisedHost ?? '0.0.0.0', port: 0 });
    }
  }

  get stats(): StreamTransportStats {
    return {
      ...this.counters,
      openConnections: this.#allFlows.size,
      bufferedInboundBytes: [...this.#allFlows].reduce((sum, flow) => sum + flow.bufferedBytes, 0),
      listenerErrors: this.#messageListeners.errors + this.#flowListeners.errors,
      inboundHandshakeErrors: this.#inboundHandshakeErrors,
    };
  }

  onMessage(listener: InboundMessageListener): () => void {
    return this.#messageListeners.add(listener);
  }

  onFlowFailure(listener: FlowFailureListener): () => void {
    return this.#flowListeners.add(listener);
  }

  send(target: TransportTarget, data: Uint8Array): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError());
    const problem =
      targetProblem(target, this.protocol) ??
      (data instanceof Uint8Array
        ? undefined
        : new TransportError('ERR_TRANSPORT_SEND', `${this.protocol} send: data must be a Uint8Array`));
    if (problem !== undefined) {
      this.counters.sendErrors++;
      return Promise.reject(problem);
    }
    const key = this.#dialer.keyOf(target);
    let flow = this.#flows.get(key);
    if (flow === undefined || !flow.usable) {
      try {
        flow = this.#open(target, key);
      } catch (error) {
        // net/tls throw synchronously for a few arguments; Transport rule 1 wants a rejection.
        this.counters.sendErrors++;
        this.counters.connectFailures++;
        return Promise.reject(
          new TransportError(
            'ERR_TRANSPORT_SEND',
            `${this.protocol} connection to ${formatHostPort(target.host, target.port)} failed: ${(error as Error).message}`,
            { cause: error },
          ),
        );
      }
    }
    return flow.send(data);
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  deliver(data: Uint8Array, source: InboundSource): void {
    this.#messageListeners.emit(data, source);
  }

  flowClosed(flow: StreamFlow, failure: TransportError | undefined): void {
    this.#allFlows.delete(flow);
    for (const [key, value] of [...this.#flows]) if (value === flow) this.#flows.delete(key);
    // Only connections we opened are flows we depend on; a peer closing a connection it opened to
    // us is its own business.
    if (failure !== undefined && flow.outbound && this.#closing === undefined)
      this.#flowListeners.emit(flow.target, failure);
  }

  #open(target: TransportTarget, key: string): StreamFlow {
    const { socket, readyEvent } = this.#dialer.dial(target);
    const flow = new StreamFlow(this, this.#settings, socket, target, readyEvent);
    this.counters.connectionsOpened++;
    this.#flows.set(key, flow);
    this.#allFlows.add(flow);
    if (this.#dialer.aliasByPeerAddress) {
      socket.once(readyEvent, () => {
        // Also find this connection by the peer's address, so a reply to a request that arrived
        // on it (sent to the reported source) goes back on it (RFC 3261 §18.2.2).
        const alias = this.#dialer.keyOf({ host: flow.source.host, port: flow.source.port });
        if (!flow.isClosed && !this.#flows.has(alias)) this.#flows.set(alias, flow);
      });
    }
    return flow;
  }

  #accept(socket: Socket): void {
    if (
      this.#closing !== undefined ||
      socket.remoteAddress === undefined ||
      socket.remotePort === undefined
    ) {
      socket.destroy();
      return;
    }
    const target = { host: unmapIPv4(socket.remoteAddress), port: socket.remotePort };
    const flow = new StreamFlow(this, this.#settings, socket, target, undefined);
    this.counters.connectionsAccepted++;
    this.#allFlows.add(flow);
    this.#flows.set(this.#dialer.keyOf(target), flow);
  }

  async #closeAll(): Promise<void> {
    const reason = this.#closedError();
    const flows = [...this.#allFlows];
    for (const flow of flows) flow.close(reason);
    for (const socket of this.#acceptedSockets) socket.destroy();
    const serverClosed =
      this.#server === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => this.#server!.close(() => resolve()));
    await Promise.all([...flows.map((flow) => flow.closed), serverClosed]);
    this.#flows.clear();
    this.#messageListeners.clear();
    this.#flowListeners.clear();
  }

  #closedError(): TransportError {
    return new TransportError('ERR_TRANSPORT_CLOSED', `${this.protocol} transport is closed`);
  }
}

/**
 * Starts `server` listening on `listen`; rejects with ERR_TRANSPORT_OPEN when it cannot.
 * Used by both factories.
 */
export function startListening(
  server: Server,
  listen: { host: string; port: number },
  protocol: string,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      server.close();
      reject(
        new TransportError(
          'ERR_TRANSPORT_OPEN',
          `${protocol} listen on ${formatHostPort(listen.host, listen.port)} failed: ${error.message}`,
          { cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.listen({ host: listen.host, port: listen.port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** The reuse key: protocol-independent part `host|port`, host lower-cased. */
export function hostPortKey(target: TransportTarget): string {
  return `${target.host.toLowerCase()}|${target.port}`;
}
