/**
 * The SIP transport layer (RFC 3261 §18) as the rest of the library sees it. The built-in UDP, TCP
 * and TLS transports implement it, and so can a host application over its own SIP stack's sockets.
 *
 * Rules every implementation MUST follow:
 * 1. `send()` hands one complete serialized SIP message to the network towards `target`. It resolves
 *    once the message is written (or queued to the kernel) and rejects with a `TransportError` whose
 *    `code` is `ERR_TRANSPORT_SEND` when it cannot be sent (no route, connect refused, TLS
 *    verification failure, closed transport). It never throws synchronously.
 * 2. It never retransmits. On unreliable transports retransmission belongs to the transaction layer
 *    (RFC 3261 §17.1.2.2); a transport that retransmitted would double every request.
 * 3. Every SIP message received (datagram, or a frame cut from a stream by Content-Length) is passed
 *    as raw bytes to every listener registered with `onMessage`, together with where it came from.
 *    Keep-alive CRLFs are not messages and are not passed up. Bytes that cannot be framed are
 *    dropped (and a stream that cannot be framed is closed), never passed up.
 * 4. `reliable` is true for connection-oriented transports (TCP, TLS) and false for UDP; it decides
 *    whether the transaction layer retransmits (RFC 3261 §17.1.2.2, Timer E).
 * 5. `localAddress` is where the transport receives (used for Via sent-by and Contact,
 *    RFC 3261 §18.1.1); `protocol` is the Via transport token.
 * 6. A flow failure the transport detects on its own (a stream closed by the peer, a keep-alive
 *    without answer) is reported to `onFlowFailure` listeners with the remote target.
 * 7. After `close()` resolves the transport holds no socket, timer or listener, and `send()` rejects
 *    with `ERR_TRANSPORT_CLOSED`.
 */
export interface Transport {
  /** Via transport token: `UDP`, `TCP` or `TLS` (or another token a host stack uses). */
  readonly protocol: TransportProtocol;
  /** Connection-oriented and reliable (TCP, TLS): no retransmissions above it. */
  readonly reliable: boolean;
  /** The address this transport receives on, for Via sent-by and Contact. */
  readonly localAddress: TransportAddress;
  /** Send one serialized message. See rule 1. */
  send(target: TransportTarget, data: Uint8Array): Promise<void>;
  /** Register a receiver of every inbound message; returns a function that removes it. */
  onMessage(listener: InboundMessageListener): () => void;
  /** Register a receiver of flow failures; returns a function that removes it. */
  onFlowFailure(listener: FlowFailureListener): () => void;
  /** Release every socket, timer and listener. Idempotent. */
  close(): Promise<void>;
}

/** The transport name as written in Via (`SIP/2.0/UDP`); other stacks may report their own. */
export type TransportProtocol = 'UDP' | 'TCP' | 'TLS' | (string & {});

/** An IP address (no brackets around IPv6) and port. */
export interface TransportAddress {
  readonly host: string;
  readonly port: number;
}

/** Where to send: an IP address (or a host name the transport can resolve) and port. */
export interface TransportTarget {
  readonly host: string;
  readonly port: number;
  /**
   * TLS only: the SIP domain the server certificate must prove (RFC 3261 §26.3.1, RFC 5922 §7;
   * checklist SEC-08), also sent as SNI. Set it when `host` is an address or SRV target resolved
   * from that domain: the certificate names the domain of the URI, not the SRV target. Defaults to
   * `host`. Other transports ignore it.
   */
  readonly servername?: string;
}

/** Where an inbound message came from. */
export interface InboundSource {
  readonly host: string;
  readonly port: number;
  readonly protocol: TransportProtocol;
}

/** Receives every inbound message raw, with where it came from (see `Transport.onMessage`). */
export type InboundMessageListener = (data: Uint8Array, source: InboundSource) => void;

/** Told when a connection-oriented flow to `target` failed (see `Transport.onFlowFailure`). */
export type FlowFailureListener = (target: TransportTarget, error: Error) => void;
