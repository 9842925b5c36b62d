/**
 * A stand-in for "the host's own SIP stack": the application that embeds sip-registrant already
 * owns a signalling socket and handles its own traffic on it. This one is deliberately small:
 *
 * - it owns one node:dgram socket and its receive loop;
 * - it answers OPTIONS requests itself (neighbours use them as keep-alive pings) and refuses the
 *   other methods it does not implement;
 * - it pings the peers it is asked to watch with OPTIONS (as an SBC pings its trunks) and says so
 *   when one stops answering;
 * - responses to its own requests (recognised by its branch prefix) are its own; every other
 *   response is offered to whoever asked for "unclaimed" responses — the sip-registrant adapter.
 *
 * A real stack has its own parser; this one borrows sip-registrant's to stay short.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { parseFromTo, type SipRequest, topVia, tryParseMessage } from 'sip-registrant';

/** Where a datagram came from, or where to send one. */
export interface HostPeer {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link HostSipStack.open}. */
export interface HostSipStackOptions {
  /** Local IPv4 address to bind. @default '127.0.0.1' */
  readonly host?: string;
  /** Local port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Milliseconds between two OPTIONS pings to a watched peer. @default 5000 */
  readonly keepAliveInterval?: number;
  /** Milliseconds a ping may go unanswered before its peer is declared down. @default 2000 */
  readonly keepAliveTimeout?: number;
}

/** Counters, to show who handled what. */
export interface HostSipStackStats {
  /** OPTIONS requests received and answered with 200 by the host. */
  readonly optionsAnswered: number;
  /** Other requests, answered 501 by the host (ACK gets no answer, RFC 3261 §17.1.1.3). */
  readonly requestsRefused: number;
  /** OPTIONS pings the host sent. */
  readonly pingsSent: number;
  /** Responses to the host's own requests. */
  readonly ownResponses: number;
  /** Responses the host did not claim and offered to the unclaimed-response handlers. */
  readonly handedOver: number;
  /** Datagrams dropped: unparsable, or a response whose Via cannot be read. */
  readonly dropped: number;
}

export type UnclaimedResponseHandler = (data: Uint8Array, source: HostPeer) => void;
export type PeerDownHandler = (peer: HostPeer, error: Error) => void;

/**
 * The host's branch prefix. sip-registrant's branches are `z9hG4bK` + hex digits, so a `-` right
 * after the magic cookie can never be one of them: the prefix alone tells whose response it is.
 */
const HOST_BRANCH_PREFIX = 'z9hG4bK-host-';

/** A ping waiting for its answer. */
interface PendingPing {
  readonly settle: (status: number | undefined) => void;
}

/** A peer being pinged. */
interface Watch {
  readonly timer: NodeJS.Timeout;
  /** Down already reported: report again only after it answered once more. */
  down: boolean;
}

function token(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}

function peerKey(peer: HostPeer): string {
  return `${peer.host}:${peer.port}`;
}

/** True for a datagram of only CR/LF/whitespace: a keep-alive, not a message. */
function isKeepAlive(data: Uint8Array): boolean {
  for (const byte of data) if (byte !== 0x0d && byte !== 0x0a && byte !== 0x20 && byte !== 0x09) return false;
  return true;
}

export class HostSipStack {
  readonly #socket: dgram.Socket;
  readonly #keepAliveInterval: number;
  readonly #keepAliveTimeout: number;
  readonly #unclaimed = new Set<UnclaimedResponseHandler>();
  readonly #peerDown = new Set<PeerDownHandler>();
  readonly #pings = new Map<string, PendingPing>();
  readonly #watches = new Map<string, Watch>();
  readonly #counts = {
    optionsAnswered: 0,
    requestsRefused: 0,
    pingsSent: 0,
    ownResponses: 0,
    handedOver: 0,
    dropped: 0,
  };
  #closing: Promise<void> | undefined;

  /** Bind the host's socket. */
  static async open(options: HostSipStackOptions = {}): Promise<HostSipStack> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (error) => {
        socket.close();
        reject(error);
      });
      socket.bind(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        socket.removeAllListeners('error');
        resolve();
      });
    });
    return new HostSipStack(socket, options);
  }

  private constructor(socket: dgram.Socket, options: HostSipStackOptions) {
    this.#socket = socket;
    this.#keepAliveInterval = options.keepAliveInterval ?? 5000;
    this.#keepAliveTimeout = options.keepAliveTimeout ?? 2000;
    socket.on('message', (data, remote) => this.#receive(data, { host: remote.address, port: remote.port }));
    // Without a listener an 'error' event would end the process; none of them closes the socket.
    socket.on('error', () => {});
  }

  /** Where the host's socket receives. */
  get localAddress(): HostPeer {
    const { address, port } = this.#socket.address();
    return { host: address, port };
  }

  get stats(): HostSipStackStats {
    return { ...this.#counts };
  }

  /**
   * Send raw bytes from the host's socket. Everything the host sends goes through here, and it is
   * what the host lends to the sip-registrant adapter. The callback gets the socket's error, if any.
   */
  sendRaw(data: Uint8Array, peer: HostPeer, callback: (error: Error | null) => void): void {
    if (this.#closing !== undefined) {
      callback(new Error('host SIP stack is closed'));
      return;
    }
    try {
      this.#socket.send(data, peer.port, peer.host, (error) => callback(error ?? null));
    } catch (error) {
      // dgram throws synchronously for some bad arguments and after the socket was closed.
      callback(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Receive every response the host does not claim. Returns a function that removes the handler. */
  onUnclaimedResponse(handler: UnclaimedResponseHandler): () => void {
    this.#unclaimed.add(handler);
    return () => this.#unclaimed.delete(handler);
  }

  /** Hear about watched peers that stopped answering pings. Returns a function that removes it. */
  onPeerDown(handler: PeerDownHandler): () => void {
    this.#peerDown.add(handler);
    return () => this.#peerDown.delete(handler);
  }

  /** Ping `peer` now and every `keepAliveInterval` ms until the host closes. Idempotent. */
  watch(peer: HostPeer): void {
    const key = peerKey(peer);
    if (this.#closing !== undefined || this.#watches.has(key)) return;
    const watch: Watch = {
      // unref: a watch alone never keeps the process alive; close() clears it anyway.
      timer: setInterval(() => this.#checkPeer(peer, watch), this.#keepAliveInterval).unref(),
      down: false,
    };
    this.#watches.set(key, watch);
    this.#checkPeer(peer, watch);
  }

  /**
   * Send one OPTIONS to `peer`; resolves with the status of its final answer, or `undefined` after
   * `keepAliveTimeout` without one. (A full stack would run a non-INVITE client transaction with
   * retransmissions, RFC 3261 §17.1.2; one datagram is enough for a keep-alive example.)
   */
  ping(peer: HostPeer): Promise<number | undefined> {
    const branch = HOST_BRANCH_PREFIX + token();
    const { host, port } = this.localAddress;
    const request =
      `OPTIONS sip:${peer.host}:${peer.port} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP ${host}:${port};branch=${branch};rport\r\n` +
      'Max-Forwards: 70\r\n' +
      `From: <sip:keepalive@${host}:${port}>;tag=${token(4)}\r\n` +
      `To: <sip:${peer.host}:${peer.port}>\r\n` +
      `Call-ID: ${token()}@${host}\r\n` +
      'CSeq: 1 OPTIONS\r\n' +
      'Content-Length: 0\r\n\r\n';
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), this.#keepAliveTimeout);
      const settle = (status: number | undefined) => {
        clearTimeout(timer);
        this.#pings.delete(branch);
        resolve(status);
      };
      this.#pings.set(branch, { settle });
      this.#counts.pingsSent++;
      this.sendRaw(Buffer.from(request, 'latin1'), peer, (error) => {
        if (error) settle(undefined);
      });
    });
  }

  /** Stop pinging, fail the pings in flight, close the socket. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const watch of this.#watches.values()) clearInterval(watch.timer);
      this.#watches.clear();
      for (const ping of [...this.#pings.values()]) ping.settle(undefined);
      this.#unclaimed.clear();
      this.#peerDown.clear();
      this.#socket.close(() => resolve());
    });
    return this.#closing;
  }

  async #checkPeer(peer: HostPeer, watch: Watch): Promise<void> {
    const status = await this.ping(peer);
    if (this.#closing !== undefined) return;
    if (status !== undefined) {
      watch.down = false;
      return;
    }
    if (watch.down) return;
    watch.down = true;
    const error = new Error(`no answer to OPTIONS within ${this.#keepAliveTimeout} ms`);
    for (const handler of [...this.#peerDown]) {
      try {
        handler(peer, error);
      } catch {
        // A handler's failure is its own; the host stack keeps running.
      }
    }
  }

  /** The host's receive loop: its own traffic first, then unclaimed responses to the adapter. */
  #receive(data: Buffer, source: HostPeer): void {
    if (this.#closing !== undefined || isKeepAlive(data)) return;
    const parsed = tryParseMessage(data);
    if (!parsed.ok) {
      this.#counts.dropped++;
      return;
    }
    const message = parsed.message;
    if (message.kind === 'request') {
      this.#answer(message, source);
      return;
    }
    let branch: string | undefined;
    try {
      branch = topVia(message)?.branch;
    } catch {
      this.#counts.dropped++; // nobody could match a response whose Via cannot be read
      return;
    }
    if (branch?.startsWith(HOST_BRANCH_PREFIX)) {
      // Ours, even when late (the ping already timed out): never handed over.
      this.#counts.ownResponses++;
      this.#pings.get(branch)?.settle(message.status);
      return;
    }
    this.#counts.handedOver++;
    for (const handler of [...this.#unclaimed]) {
      try {
        handler(data, source);
      } catch {
        // As above: a handler's failure does not stop the receive loop.
      }
    }
  }

  /** The host's UAS side: 200 to OPTIONS, 501 to the rest, nothing to ACK. */
  #answer(request: SipRequest, source: HostPeer): void {
    if (request.method === 'ACK') return;
    const status = request.method === 'OPTIONS' ? 200 : 501;
    if (status === 200) this.#counts.optionsAnswered++;
    else this.#counts.requestsRefused++;
    const lines = [`SIP/2.0 ${status} ${status === 200 ? 'OK' : 'Not Implemented'}`];
    // RFC 3261 §8.2.6.2: the response copies Via (all of them, in order), From, Call-ID and CSeq,
    // and To with a tag added when the request's had none.
    for (const via of request.headers.getAll('Via')) lines.push(`Via: ${via}`);
    const to = request.headers.get('To') ?? '';
    let toHasTag = false;
    try {
      toHasTag = parseFromTo(to, 'To').tag !== undefined;
    } catch {
      return; // a request we cannot answer sensibly is dropped
    }
    lines.push(`From: ${request.headers.get('From') ?? ''}`);
    lines.push(`To: ${to}${toHasTag ? '' : `;tag=${token(4)}`}`);
    lines.push(`Call-ID: ${request.headers.get('Call-ID') ?? ''}`);
    lines.push(`CSeq: ${request.headers.get('CSeq') ?? ''}`);
    lines.push('Allow: OPTIONS, ACK');
    lines.push('Content-Length: 0', '', '');
    // Back to where it came from (RFC 3581 symmetric response routing), which is what our
    // neighbours expect behind NAT.
    this.sendRaw(Buffer.from(lines.join('\r\n'), 'latin1'), source, () => {});
  }
}
