/**
 * One TCP or TLS connection of a stream transport: the socket, its framer, the sends waiting for
 * it to open, and its timers (connect timeout, idle close, RFC 5626 keep-alive). The transport
 * owns the map of flows; a flow tells its owner when it is gone and whether that was a failure.
 */
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../clock.js';
import { TransportError } from '../errors.js';
import { StreamFramer, type StreamFramerOptions } from '../sip/stream-framer.js';
import type { InboundSource, TransportTarget } from './transport.js';
import { formatHostPort, unmapIPv4 } from './transport-address.js';

/** Settings every flow of one transport shares (validated options). */
export interface FlowSettings {
  readonly clock: Clock;
  /** ms without a SIP message before the connection is closed; 0 = never. */
  readonly idleTimeout: number;
  /** ms between keep-alive pings on outbound flows (jittered to 80–100 %); 0 = off. */
  readonly keepAliveInterval: number;
  /** ms to wait for the pong after a ping. */
  readonly keepAlivePongTimeout: number;
  /** ms an outbound connection may take to open (TLS handshake included). */
  readonly connectTimeout: number;
  /** Bytes a flow may hold unsent (queued before open plus the socket's write buffer). */
  readonly maxPendingWriteBytes: number;
  readonly framer: StreamFramerOptions;
}

/** Mutable counters shared by the flows of one transport. */
export interface FlowCounters {
  connectionsOpened: number;
  connectionsAccepted: number;
  connectionsClosed: number;
  connectFailures: number;
  messagesSent: number;
  messagesReceived: number;
  sendErrors: number;
  framingErrors: number;
  truncatedMessages: number;
  idleCloses: number;
  keepAlivePingsSent: number;
  keepAlivePongsReceived: number;
  keepAliveTimeouts: number;
  keepAlivePingsReceived: number;
}

/** What a flow needs from its transport. */
export interface FlowOwner {
  readonly protocol: 'TCP' | 'TLS';
  readonly counters: FlowCounters;
  deliver(data: Uint8Array, source: InboundSource): void;
  /** The flow is gone; `failure` is set unless the transport closed it on purpose. */
  flowClosed(flow: StreamFlow, failure: TransportError | undefined): void;
}

interface PendingWrite {
  readonly data: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

type FlowState = 'connecting' | 'open' | 'closed';

/** RFC 5626 §4.4.1: the client pings with a double CRLF and the server pongs with a single one. */
const PING = new Uint8Array([0x0d, 0x0a, 0x0d, 0x0a]);
const PONG = new Uint8Array([0x0d, 0x0a]);

export class StreamFlow {
  /** The target the flow was opened for (outbound) or the peer's address (inbound). */
  readonly target: TransportTarget;
  readonly outbound: boolean;
  readonly #owner: FlowOwner;
  readonly #settings: FlowSettings;
  readonly #socket: Socket;
  readonly #framer: StreamFramer;
  #state: FlowState;
  #source: InboundSource;
  readonly #queued: PendingWrite[] = [];
  #queuedBytes = 0;
  readonly #inFlight = new Set<PendingWrite>();
  #lastActivity: number;
  #connectTimer: TimerHandle | undefined;
  #idleTimer: TimerHandle | undefined;
  #pingTimer: TimerHandle | undefined;
  #pongTimer: TimerHandle | undefined;
  /** Set when the transport closes the flow on purpose (idle, close()): not a failure. */
  #deliberate: TransportError | undefined;
  /** Set when the flow is found dead (framing error, keep-alive timeout, connect timeout). */
  #failure: TransportError | undefined;
  #socketError: Error | undefined;
  readonly #closed: Promise<void>;
  #markClosed!: () => void;

  /**
   * `readyEvent` is the socket event that means "open" (`connect`, `secureConnect`) for an outbound
   * connection still opening; undefined for an accepted (already open) one.
   */
  constructor(
    owner: FlowOwner,
    settings: FlowSettings,
    socket: Socket,
    target: TransportTarget,
    readyEvent: 'connect' | 'secureConnect' | undefined,
  ) {
    this.#owner = owner;
    this.#settings = settings;
    this.#socket = socket;
    this.target = target;
    this.outbound = readyEvent !== undefined;
    this.#framer = new StreamFramer(settings.framer);
    this.#lastActivity = settings.clock.now();
    this.#source = { host: target.host, port: target.port, protocol: owner.protocol };
    this.#closed = new Promise<void>((resolve) => {
      this.#markClosed = resolve;
    });
    socket.setNoDelay(true); // SIP messages are small and latency-bound: no Nagle delay
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (error) => {
      this.#socketError ??= error;
    });
    socket.on('close', () => this.#onClose());
    if (readyEvent === undefined) {
      this.#state = 'open';
      this.#opened();
    } else {
      this.#state = 'connecting';
      socket.once(readyEvent, () => this.#opened());
      this.#connectTimer = settings.clock.setTimeout(() => {
        this.#connectTimer = undefined;
        this.#fail(this.#error(`did not open within ${settings.connectTimeout} ms (connectTimeout)`));
      }, settings.connectTimeout);
    }
  }

  /** Resolves once the socket is closed and the owner was told. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Bytes of an inbound message not yet complete. */
  get bufferedBytes(): number {
    return this.#framer.bufferedBytes;
  }

  get isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** False once the flow is closed or closing (failed, idle, transport closing): open a new one. */
  get usable(): boolean {
    return this.#state !== 'closed' && this.#deliberate === undefined && this.#failure === undefined;
  }

  /** The peer's address as messages from it are reported (IPv4-mapped addresses unmapped). */
  get source(): InboundSource {
    return this.#source;
  }

  /** Writes one message; queued until the connection is open. */
  send(data: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const write: PendingWrite = { data, resolve, reject };
      if (this.#state === 'closed') {
        reject(this.#deliberate ?? this.#failure ?? this.#error('is closed'));
        return;
      }
      const pending = this.#queuedBytes + this.#socket.writableLength;
      if (pending + data.length > this.#settings.maxPendingWriteBytes) {
        this.#owner.counters.sendErrors++;
        reject(
          this.#error(
            `has ${pending} bytes unsent; another ${data.length} would pass maxPendingWriteBytes (${this.#settings.maxPendingWriteBytes})`,
          ),
        );
        return;
      }
      this.#lastActivity = this.#settings.clock.now();
      if (this.#state === 'connecting') {
        // RFC 3261 §18.1.1: the request goes on the connection being opened; hold it until then.
        this.#queued.push(write);
        this.#queuedBytes += data.length;
      } else {
        this.#write(write);
      }
    });
  }

  /** Closes the flow on purpose (no flow failure is reported); pending sends reject with `reason`. */
  close(reason: TransportError): void {
    if (this.#state === 'closed' || this.#deliberate !== undefined || this.#failure !== undefined) return;
    this.#deliberate = reason;
    this.#socket.destroy();
  }

  #opened(): void {
    const clock = this.#settings.clock;
    if (this.#connectTimer !== undefined) clock.clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    if (this.#deliberate !== undefined || this.#failure !== undefined) return;
    this.#state = 'open';
    const socket = this.#socket;
    this.#source = {
      host: unmapIPv4(socket.remoteAddress ?? this.target.host),
      port: socket.remotePort ?? this.target.port,
      protocol: this.#owner.protocol,
    };
    this.#lastActivity = clock.now();
    if (this.#settings.idleTimeout > 0) this.#armIdle(this.#settings.idleTimeout);
    if (this.outbound && this.#settings.keepAliveInterval > 0) this.#schedulePing();
    const queued = this.#queued.splice(0);
    this.#queuedBytes = 0;
    for (const write of queued) this.#write(write);
  }

  #write(write: PendingWrite): void {
    this.#inFlight.add(write);
    this.#socket.write(write.data, (error) => {
      if (!this.#inFlight.delete(write)) return; // already rejected by #onClose
      if (error) {
        this.#owner.counters.sendErrors++;
        write.reject(
          this.#failure ?? this.#deliberate ?? this.#error(`write failed: ${error.message}`, error),
        );
      } else {
        this.#owner.counters.messagesSent++;
        write.resolve();
      }
    });
  }

  #receive(chunk: Buffer): void {
    if (this.#state !== 'open') return;
    const counters = this.#owner.counters;
    let pinged = false;
    for (const frame of this.#framer.push(chunk)) {
      if (frame.type === 'message') {
        counters.messagesReceived++;
        this.#lastActivity = this.#settings.clock.now();
        this.#owner.deliver(frame.data, this.#source);
        // A listener may have closed the transport; deliver nothing more from this chunk then.
        if (this.#deliberate !== undefined || this.#state !== 'open') return;
      } else if (frame.type === 'pong') {
        this.#onPong();
      } else if (frame.type === 'ping') {
        counters.keepAlivePingsReceived++;
        pinged = true;
      } else {
        // ABNF-09, SEC-05: a stream that cannot be framed cannot be resynchronised; close it.
        counters.framingErrors++;
        this.#fail(this.#error(`sent bytes that cannot be framed: ${frame.error.message}`, frame.error));
        return;
      }
    }
    // RFC 5626 §4.4.1: answer pings with a pong. One pong per chunk however many pings it held,
    // so a peer flooding line ends cannot make us write as much back.
    if (pinged) this.#socket.write(PONG);
  }

  #schedulePing(): void {
    const interval = this.#settings.keepAliveInterval;
    // RFC 5626 §4.4.1: a random 80–100 % of the interval, so many flows do not ping in lockstep.
    const delay = Math.max(1, Math.round(interval * (0.8 + 0.2 * Math.random())));
    this.#pingTimer = this.#settings.clock.setTimeout(() => {
      this.#pingTimer = undefined;
      if (this.#state !== 'open') return;
      this.#owner.counters.keepAlivePingsSent++;
      this.#socket.write(PING);
      this.#pongTimer = this.#settings.clock.setTimeout(() => {
        this.#pongTimer = undefined;
        // RFC 5626 §4.4.1 (checklist OB-07): no pong in time means the flow has failed.
        this.#owner.counters.keepAliveTimeouts++;
        this.#fail(
          this.#error(
            `is dead: no keep-alive pong within ${this.#settings.keepAlivePongTimeout} ms (RFC 5626 §4.4.1)`,
          ),
        );
      }, this.#settings.keepAlivePongTimeout);
    }, delay);
  }

  #onPong(): void {
    this.#owner.counters.keepAlivePongsReceived++;
    // A pong nobody waits for (the peer's own keep-alive habit) changes nothing.
    if (this.#pongTimer === undefined) return;
    this.#settings.clock.clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    this.#schedulePing();
  }

  #armIdle(delay: number): void {
    this.#idleTimer = this.#settings.clock.setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#state !== 'open') return;
      // One timer per flow, re-armed for the remainder, instead of a new timer per message.
      const idleFor = this.#settings.clock.now() - this.#lastActivity;
      const remaining = this.#settings.idleTimeout - idleFor;
      if (remaining > 0) {
        this.#armIdle(remaining);
        return;
      }
      this.#owner.counters.idleCloses++;
      this.close(
        this.#error(`was closed after ${this.#settings.idleTimeout} ms without traffic (idleTimeout)`),
      );
    }, delay);
  }

  #fail(error: TransportError): void {
    if (this.#state === 'closed' || this.#deliberate !== undefined || this.#failure !== undefined) return;
    this.#failure = error;
    this.#socket.destroy();
  }

  #onClose(): void {
    const wasConnecting = this.#state === 'connecting';
    this.#state = 'closed';
    const clock = this.#settings.clock;
    for (const timer of [this.#connectTimer, this.#idleTimer, this.#pingTimer, this.#pongTimer])
      if (timer !== undefined) clock.clearTimeout(timer);
    this.#connectTimer = this.#idleTimer = this.#pingTimer = this.#pongTimer = undefined;
    const counters = this.#owner.counters;
    counters.connectionsClosed++;
    // A message cut off by the close is dropped, never delivered (Transport rule 3).
    if (this.#framer.bufferedBytes > 0 && !this.#framer.failed) counters.truncatedMessages++;

    let failure: TransportError | undefined;
    if (this.#deliberate === undefined) {
      failure = this.#failure;
      if (failure === undefined && this.#socketError !== undefined)
        failure = wasConnecting
          ? this.#error(`failed: ${describeSocketError(this.#socketError)}`, this.#socketError)
          : this.#error(`was lost: ${describeSocketError(this.#socketError)}`, this.#socketError);
      failure ??= this.#error(
        wasConnecting ? 'was closed by the peer while opening' : 'was closed by the peer',
      );
      if (wasConnecting) counters.connectFailures++;
    }
    const rejection = failure ?? this.#deliberate!;
    const pending = [...this.#queued, ...this.#inFlight];
    this.#queued.length = 0;
    this.#queuedBytes = 0;
    this.#inFlight.clear();
    if (pending.length > 0) counters.sendErrors += pending.length;
    for (const write of pending) write.reject(rejection);
    this.#socket.removeAllListeners('data');
    this.#owner.flowClosed(this, failure);
    this.#markClosed();
  }

  #error(problem: string, cause?: unknown): TransportError {
    const what = `${this.#owner.protocol} connection ${this.outbound ? 'to' : 'from'} ${formatHostPort(this.target.host, this.target.port)}`;
    return new TransportError(
      'ERR_TRANSPORT_SEND',
      `${what} ${problem}`,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** `message (CODE)`: TLS verification errors carry the reason in `code` (e.g. CERT_HAS_EXPIRED). */
function describeSocketError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
