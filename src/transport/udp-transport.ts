/**
 * The built-in UDP transport (RFC 3261 §18) on one node:dgram socket. Requests leave from the
 * socket that listens, so responses sent back to the source address and port reach us
 * (checklist TRN-05, RFC 3581 symmetric response routing).
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { TransportError } from '../errors.js';
import { isTokenChar } from '../sip/lexer.js';
import { ListenerSet } from './listener-set.js';
import type {
  FlowFailureListener,
  InboundMessageListener,
  InboundSource,
  Transport,
  TransportAddress,
  TransportTarget,
} from './transport.js';
import { formatHostPort, targetProblem, unmapIPv4 } from './transport-address.js';
import { OptionChecker } from './transport-options.js';

/** Options of {@link createUdpTransport}. */
export interface UdpTransportOptions {
  /**
   * Local IP address to bind (a literal, no brackets). An IPv6 address opens an IPv6 socket; `::`
   * is dual-stack and also reaches IPv4 targets.
   * @default '0.0.0.0'
   */
  host?: string;
  /**
   * Local port to bind; 0 lets the system pick a free one (`localAddress.port` tells which).
   * @default 0
   */
  port?: number;
  /**
   * Host to report in `localAddress` (for Via sent-by and Contact) instead of the bound address,
   * e.g. the public address in front of a wildcard bind. A bound wildcard (`0.0.0.0`, `::`) is not a
   * reachable address; with `rport` (RFC 3581) responses still come back to the source port.
   * @default the bound address
   */
  advertisedHost?: string;
  /**
   * Kernel receive buffer to ask for, in bytes (`SO_RCVBUF`; Linux caps it at `net.core.rmem_max`).
   * A refresh burst of thousands of accounts answered at once overflows a small default buffer, and
   * every dropped response costs a Timer E retransmission.
   * @default 4194304 (4 MiB)
   */
  receiveBufferSize?: number;
  /**
   * Kernel send buffer to ask for, in bytes (`SO_SNDBUF`).
   * @default 1048576 (1 MiB)
   */
  sendBufferSize?: number;
}

/** Counters of a UDP transport, for monitoring. */
export interface UdpTransportStats {
  /** Datagrams passed to `onMessage` listeners. */
  readonly datagramsReceived: number;
  /** Datagrams handed to the kernel. */
  readonly datagramsSent: number;
  /** `send()` calls that rejected with ERR_TRANSPORT_SEND. */
  readonly sendErrors: number;
  /**
   * Datagrams not passed up: empty or only line ends (keep-alives), or starting with a byte no SIP
   * message starts with (STUN keep-alives, RFC 5626 §4.4.2, and garbage).
   */
  readonly droppedDatagrams: number;
  /** `error` events of the socket itself (not tied to one send). */
  readonly socketErrors: number;
  /** Listener calls that threw. */
  readonly listenerErrors: number;
}

/** A UDP transport made by {@link createUdpTransport}. */
export interface UdpTransport extends Transport {
  readonly protocol: 'UDP';
  readonly reliable: false;
  /** A snapshot of the counters. */
  readonly stats: UdpTransportStats;
  /** Receive buffer the kernel granted, in bytes (Linux reports twice the usable size). */
  readonly receiveBufferSize: number;
}

/** Largest UDP payload over IPv6 (jumbograms aside); no datagram we accept can be larger (TRN-03). */
const MAX_DATAGRAM_BYTES = 65_535;

/** Distinct IP-literal targets remembered for the send fast path; the cache restarts beyond. */
const MAX_CACHED_LITERALS = 1024;

/**
 * Opens a UDP transport bound to `host:port`.
 *
 * - Receives datagrams up to 65,535 bytes (checklist TRN-03) and passes each to the listeners raw,
 *   as one message: datagram framing by Content-Length (TRN-09) is the parser's job.
 * - Targets: an IP literal is used as is. A host name is resolved with the system resolver
 *   (`dns.lookup`: hosts file, then A/AAAA), first address of the socket's family; SRV/NAPTR
 *   (RFC 3263) is the caller's job. An IPv4 target is reached from a `::` socket through its
 *   IPv4-mapped form, and IPv4 peers of a dual-stack socket are reported as plain IPv4.
 * - Send errors the kernel reports reject `send()` with ERR_TRANSPORT_SEND. ICMP errors (TRN-11):
 *   Linux reports them only on connected UDP sockets, and this socket must stay unconnected to
 *   talk to any peer (TRN-05); an unreachable registrar therefore shows as a transaction timeout.
 *
 * Rejects with SipInvalidArgumentError for bad options and TransportError ERR_TRANSPORT_OPEN when
 * the socket cannot be bound.
 */
export async function createUdpTransport(options?: UdpTransportOptions): Promise<UdpTransport> {
  const check = new OptionChecker('createUdpTransport');
  const opts = check.object('options', options);
  const host = check.ip('host', opts.host, '0.0.0.0');
  const port = check.integer('port', opts.port, 0, 65_535, 0);
  const advertisedHost = check.host('advertisedHost', opts.advertisedHost);
  const receiveBufferSize = check.integer(
    'receiveBufferSize',
    opts.receiveBufferSize,
    1024,
    2 ** 30,
    4 * 1024 * 1024,
  );
  const sendBufferSize = check.integer('sendBufferSize', opts.sendBufferSize, 1024, 2 ** 30, 1024 * 1024);

  const family = isIP(host) === 6 ? 'udp6' : 'udp4';
  // libuv reads up to 64 KiB per datagram, enough for TRN-03; the buffer sizes only bound bursts.
  const socket = dgram.createSocket({
    type: family,
    recvBufferSize: receiveBufferSize,
    sendBufferSize,
    // send() hands dgram only IP literals (names are resolved above it): answering the lookup at
    // once spares dns.lookup's deferred callback, so the datagram is written within send().
    lookup: literalLookup,
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      socket.close();
      reject(
        new TransportError(
          'ERR_TRANSPORT_OPEN',
          `UDP bind to ${formatHostPort(host, port)} failed: ${error.message}`,
          {
            cause: error,
          },
        ),
      );
    };
    socket.once('error', onError);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  return new UdpTransportImpl(socket, host, advertisedHost);
}

class UdpTransportImpl implements UdpTransport {
  readonly protocol = 'UDP' as const;
  readonly reliable = false as const;
  readonly localAddress: TransportAddress;
  readonly #socket: dgram.Socket;
  readonly #receiveBufferSize: number;
  readonly #ipv6: boolean;
  readonly #dualStack: boolean;
  readonly #messageListeners = new ListenerSet<Parameters<InboundMessageListener>>();
  // UDP has no flow to fail; kept so the Transport contract holds (Transport rule 6).
  readonly #flowListeners = new ListenerSet<Parameters<FlowFailureListener>>();
  #closing: Promise<void> | undefined;
  /** The source of the last datagram, and the address dgram reported for it. */
  #lastSource: InboundSource | undefined;
  #lastAddress = '';
  /** IP-literal target hosts already checked, and the address dgram gets for each (send fast path). */
  readonly #literals = new Map<string, string>();
  #datagramsReceived = 0;
  #datagramsSent = 0;
  #sendErrors = 0;
  #droppedDatagrams = 0;
  #socketErrors = 0;

  constructor(socket: dgram.Socket, boundHost: string, advertisedHost: string | undefined) {
    this.#socket = socket;
    // Read once while bound: the socket handle is gone after close(), and the size never changes.
    this.#receiveBufferSize = socket.getRecvBufferSize();
    this.#ipv6 = isIP(boundHost) === 6;
    this.#dualStack = this.#ipv6 && isUnspecified(boundHost);
    const bound = socket.address();
    this.localAddress = Object.freeze({ host: advertisedHost ?? bound.address, port: bound.port });
    socket.on('message', (data, remote) => this.#receive(data, remote));
    // An 'error' event without a listener would crash the process; none of them ends the socket.
    socket.on('error', () => {
      this.#socketErrors++;
    });
  }

  get receiveBufferSize(): number {
    return this.#receiveBufferSize;
  }

  get stats(): UdpTransportStats {
    return {
      datagramsReceived: this.#datagramsReceived,
      datagramsSent: this.#datagramsSent,
      sendErrors: this.#sendErrors,
      droppedDatagrams: this.#droppedDatagrams,
      socketErrors: this.#socketErrors,
      listenerErrors: this.#messageListeners.errors + this.#flowListeners.errors,
    };
  }

  onMessage(listener: InboundMessageListener): () => void {
    return this.#messageListeners.add(listener);
  }

  onFlowFailure(listener: FlowFailureListener): () => void {
    return this.#flowListeners.add(listener);
  }

  send(target: TransportTarget, data: Uint8Array): Promise<void> {
    if (this.#closing !== undefined) return Promise.reject(closedError());
    // Fast path, the registrant's case: an IP literal already checked and mapped (once per host
    // string), a valid port, bytes. dgram is handed the address with a lookup that answers at once,
    // so the datagram reaches the kernel inside this call: one promise, no DNS tick, no await chain.
    const address =
      typeof target === 'object' && target !== null ? this.#literals.get(target.host) : undefined;
    const port = address === undefined ? 0 : target.port;
    if (
      address !== undefined &&
      typeof port === 'number' &&
      port >= 1 &&
      port <= 65_535 &&
      Number.isInteger(port) &&
      data instanceof Uint8Array &&
      (target.servername === undefined || targetProblem(target, 'UDP') === undefined)
    )
      return new Promise<void>((resolve, reject) => this.#transmit(target, address, data, resolve, reject));
    return this.#sendSlow(target, data);
  }

  /** Any target: validated, resolved when it is a name, then sent. */
  async #sendSlow(target: TransportTarget, data: Uint8Array): Promise<void> {
    const problem =
      targetProblem(target, 'UDP') ??
      (data instanceof Uint8Array
        ? undefined
        : new TransportError('ERR_TRANSPORT_SEND', 'UDP send: data must be a Uint8Array'));
    if (problem !== undefined) {
      this.#sendErrors++;
      throw problem;
    }
    const address = await this.#resolve(target);
    if (this.#closing !== undefined) throw closedError();
    await new Promise<void>((resolve, reject) => this.#transmit(target, address, data, resolve, reject));
  }

  /** Hands one datagram to dgram; settles through `resolve` / `reject` once dgram reports. */
  #transmit(
    target: TransportTarget,
    address: string,
    data: Uint8Array,
    resolve: () => void,
    reject: (error: TransportError) => void,
  ): void {
    const fail = (error: unknown) => {
      this.#sendErrors++;
      const reason = error instanceof Error ? error.message : String(error);
      reject(
        new TransportError(
          'ERR_TRANSPORT_SEND',
          `UDP send to ${formatHostPort(target.host, target.port)} failed: ${reason}`,
          { cause: error },
        ),
      );
    };
    try {
      this.#socket.send(data, target.port, address, (error) => {
        if (error) fail(error);
        else {
          this.#datagramsSent++;
          resolve();
        }
      });
    } catch (error) {
      // dgram throws synchronously for some arguments and on a socket closed meanwhile.
      fail(error);
    }
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#messageListeners.clear();
      this.#flowListeners.clear();
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
    return this.#closing;
  }

  /** The address to hand to dgram for `target`, in the family of our socket. */
  async #resolve(target: TransportTarget): Promise<string> {
    let address = target.host;
    let family = isIP(address);
    if (family !== 0) {
      const mapped = this.#mapFamily(address, family);
      // Remembered for the fast path of send(): a literal always maps the same way.
      if (this.#literals.size >= MAX_CACHED_LITERALS) this.#literals.clear();
      this.#literals.set(address, mapped);
      return mapped;
    }
    try {
      const found = await lookup(address, { family: this.#dualStack ? 0 : this.#ipv6 ? 6 : 4 });
      address = found.address;
      family = found.family;
    } catch (error) {
      this.#sendErrors++;
      throw new TransportError(
        'ERR_TRANSPORT_SEND',
        `UDP send: cannot resolve ${JSON.stringify(target.host)}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return this.#mapFamily(address, family);
  }

  /** `address` (of IP `family`) as dgram must be given it on our socket; throws when unreachable. */
  #mapFamily(address: string, family: number): string {
    if (family === 4 && this.#ipv6) {
      if (this.#dualStack) return `::ffff:${address}`;
      this.#sendErrors++;
      throw new TransportError(
        'ERR_TRANSPORT_SEND',
        `UDP send: IPv4 target ${address} from an IPv6-only socket`,
      );
    }
    if (family === 6 && !this.#ipv6) {
      this.#sendErrors++;
      throw new TransportError('ERR_TRANSPORT_SEND', `UDP send: IPv6 target ${address} from an IPv4 socket`);
    }
    return address;
  }

  #receive(data: Buffer, remote: dgram.RemoteInfo): void {
    if (this.#closing !== undefined) return;
    if (data.length > MAX_DATAGRAM_BYTES || !mayBeSipMessage(data)) {
      this.#droppedDatagrams++;
      return;
    }
    this.#datagramsReceived++;
    // A registrar answers from one address: its source object is made once and shared (frozen)
    // while it keeps answering. Only an IPv6 socket sees IPv4-mapped addresses to unmap.
    let source = this.#lastSource;
    if (source === undefined || source.port !== remote.port || this.#lastAddress !== remote.address) {
      const host = this.#ipv6 ? unmapIPv4(remote.address) : remote.address;
      source = Object.freeze({ host, port: remote.port, protocol: 'UDP' });
      this.#lastSource = source;
      this.#lastAddress = remote.address;
    }
    this.#messageListeners.emit(data, source);
  }
}

/**
 * False for datagrams that cannot hold a SIP message: empty, only whitespace and line ends (CRLF
 * keep-alives), or a first byte that starts no request method and no `SIP/` (STUN, garbage).
 */
function mayBeSipMessage(data: Uint8Array): boolean {
  for (const byte of data) {
    if (byte === 0x0d || byte === 0x0a || byte === 0x20 || byte === 0x09) continue;
    return isTokenChar(byte);
  }
  return false;
}

/** dgram's lookup for addresses that are already IP literals: answers synchronously. */
function literalLookup(
  address: string,
  _options: unknown,
  callback: (error: Error | null, address: string, family: number) => void,
): void {
  const family = isIP(address);
  if (family === 0) callback(new Error(`not an IP address: ${JSON.stringify(address)}`), address, 4);
  else callback(null, address, family);
}

function isUnspecified(address: string): boolean {
  return address === '::' || /^[0:]+$/.test(address);
}

function closedError(): TransportError {
  return new TransportError('ERR_TRANSPORT_CLOSED', 'UDP transport is closed');
}
