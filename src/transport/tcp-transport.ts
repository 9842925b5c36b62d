/**
 * The built-in TCP transport (RFC 3261 §18): connections opened on demand and reused per target
 * (checklist TRN-04), messages framed by Content-Length (TRN-10). Behaviour shared with TLS is in
 * stream-transport.ts.
 */
import net from 'node:net';
import {
  hostPortKey,
  resolveStreamOptions,
  type StreamDialer,
  type StreamTransport,
  StreamTransportImpl,
  type StreamTransportOptions,
  startListening,
} from './stream-transport.js';
import type { TransportTarget } from './transport.js';
import { OptionChecker } from './transport-options.js';

/** Options of {@link createTcpTransport}; see {@link StreamTransportOptions}. */
export type TcpTransportOptions = StreamTransportOptions;

/** A TCP transport made by {@link createTcpTransport}. */
export interface TcpTransport extends StreamTransport {
  readonly protocol: 'TCP';
}

const TCP_DIALER: StreamDialer = {
  protocol: 'TCP',
  acceptEvent: 'connection',
  aliasByPeerAddress: true,
  // A host name target is resolved by net.connect (system resolver, hosts file then A/AAAA).
  dial: (target: TransportTarget) => ({
    socket: net.connect({ host: target.host, port: target.port }),
    readyEvent: 'connect',
  }),
  keyOf: (target) => `tcp|${hostPortKey(target)}`,
};

/**
 * Creates a TCP transport. Without `listen` it opens no socket until the first send; with
 * `listen` it also accepts connections (e.g. from a registrar that connects back) and resolves once
 * listening.
 *
 * Rejects with SipInvalidArgumentError for bad options and TransportError ERR_TRANSPORT_OPEN
 * when the listening socket cannot be bound.
 */
export async function createTcpTransport(options?: TcpTransportOptions): Promise<TcpTransport> {
  const check = new OptionChecker('createTcpTransport');
  const resolved = resolveStreamOptions(check, check.object('options', options));
  let server: net.Server | undefined;
  if (resolved.listen !== undefined) {
    server = net.createServer({ noDelay: true });
    await startListening(server, resolved.listen, 'TCP');
  }
  return new StreamTransportImpl(TCP_DIALER, resolved, server) as TcpTransport;
}
