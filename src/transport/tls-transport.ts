/**
 * The built-in TLS transport (RFC 3261 §18, §26.3.1): the TCP transport's connection handling over
 * node:tls, with the server certificate verified against the SIP domain by default
 * (checklist SEC-08) and no silent fallback to an unverified connection.
 */
import { isIP } from 'node:net';
import tls from 'node:tls';
import { SipInvalidArgumentError } from '../errors.js';
import {
  hostPortKey,
  resolveStreamOptions,
  type StreamDialer,
  type StreamTransport,
  StreamTransportImpl,
  type StreamTransportOptions,
  startListening,
} from './stream-transport.js';
import { checkSipServerIdentity } from './tls-identity.js';
import type { TransportTarget } from './transport.js';
import { OptionChecker } from './transport-options.js';

/** PEM text or its bytes, or several of them. */
export type PemInput = string | Buffer | Array<string | Buffer>;

/** Options of {@link createTlsTransport}: the stream options plus the TLS material. */
export interface TlsTransportOptions extends StreamTransportOptions {
  /**
   * Trusted CA certificates (PEM). Replaces Node's default root store, e.g. for a private CA or a
   * self-signed registrar certificate.
   * @default Node's bundled Mozilla root store
   */
  ca?: PemInput;
  /**
   * Our certificate chain (PEM): the client certificate on connections we open (when a registrar
   * asks for one) and the server certificate when `listen` is set (then required, with `key`).
   * @default undefined (no client certificate)
   */
  cert?: PemInput;
  /**
   * The private key of `cert` (PEM).
   * @default undefined
   */
  key?: PemInput;
  /**
   * Verify the server certificate chain and that it names the target (`target.servername`, else
   * `target.host`). `false` is an explicit, insecure opt-out for tests and lab registrars; there is
   * never a silent fallback to it.
   * @default true
   */
  rejectUnauthorized?: boolean;
}

/** A TLS transport made by {@link createTlsTransport}. */
export interface TlsTransport extends StreamTransport {
  readonly protocol: 'TLS';
}

/**
 * Creates a TLS transport. Connections are opened on the first send to a target and reused
 * (TRN-04). The certificate must prove `target.servername ?? target.host`: a subjectAltName URI
 * `sip:<domain>` (RFC 5922 §7.1), a dNSName or an iPAddress entry. The name is also sent as SNI
 * unless it is an IP address. A verification failure rejects the send with ERR_TRANSPORT_SEND
 * whose message carries the reason (e.g. `self-signed certificate`), and is reported to
 * `onFlowFailure` listeners.
 *
 * Rejects with SipInvalidArgumentError for bad options and TransportError ERR_TRANSPORT_OPEN
 * when the listening socket cannot be bound.
 */
export async function createTlsTransport(options?: TlsTransportOptions): Promise<TlsTransport> {
  const check = new OptionChecker('createTlsTransport');
  const opts = check.object('options', options);
  const resolved = resolveStreamOptions(check, opts);
  const ca = check.pem('ca', opts.ca);
  const cert = check.pem('cert', opts.cert);
  const key = check.pem('key', opts.key);
  const rejectUnauthorized = check.boolean('rejectUnauthorized', opts.rejectUnauthorized, true);
  if ((cert === undefined) !== (key === undefined))
    throw new SipInvalidArgumentError(
      `createTlsTransport: options cert and key go together, received ${cert === undefined ? 'key without cert' : 'cert without key'}`,
    );
  if (resolved.listen !== undefined && cert === undefined)
    throw new SipInvalidArgumentError(
      'createTlsTransport: option listen needs cert and key (the server certificate), received neither',
    );

  // A bad PEM makes tls.createSecureContext throw: check it once here, not on every connection.
  let secureContext: tls.SecureContext;
  try {
    secureContext = tls.createSecureContext({ ca, cert, key });
  } catch (error) {
    throw new SipInvalidArgumentError(
      `createTlsTransport: options ca/cert/key are not usable PEM material: ${(error as Error).message}`,
    );
  }

  const dialer: StreamDialer = {
    protocol: 'TLS',
    acceptEvent: 'secureConnection',
    aliasByPeerAddress: false,
    dial(target: TransportTarget) {
      const identity = target.servername ?? target.host;
      const socket = tls.connect({
        host: target.host,
        port: target.port,
        secureContext,
        // RFC 6066 §3: SNI carries a host name, never an IP address.
        servername: isIP(identity) === 0 ? identity : undefined,
        rejectUnauthorized,
        checkServerIdentity: (_host, peer) => checkSipServerIdentity(identity, peer),
      });
      return { socket, readyEvent: 'secureConnect' };
    },
    // The identity is part of the key: a connection verified for one domain is not reused for
    // another that happens to share the address.
    keyOf: (target) => `tls|${hostPortKey(target)}|${(target.servername ?? target.host).toLowerCase()}`,
  };

  let server: tls.Server | undefined;
  if (resolved.listen !== undefined) {
    server = tls.createServer({ ca, cert, key });
    await startListening(server, resolved.listen, 'TLS');
  }
  return new StreamTransportImpl(dialer, resolved, server) as TlsTransport;
}
