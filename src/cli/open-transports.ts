/**
 * Open the transports a daemon config asks for. All or nothing: when one cannot be opened (port in
 * use, address not local, unreadable key), the ones already open are closed again and the error
 * names the listen spec and the operating system's reason, so the operator knows what to change.
 */
import { createTcpTransport } from '../transport/tcp-transport.js';
import { createTlsTransport } from '../transport/tls-transport.js';
import type { Transport } from '../transport/transport.js';
import { createUdpTransport } from '../transport/udp-transport.js';

/** What {@link openTransports} needs of a listen spec (the config loader's `ListenSpec` fits). */
export interface TransportSpec {
  readonly protocol: 'udp' | 'tcp' | 'tls';
  readonly host: string;
  readonly port: number;
  readonly advertisedHost?: string | undefined;
  readonly tls?:
    | {
        readonly ca?: Buffer | string | undefined;
        readonly cert?: Buffer | string | undefined;
        readonly key?: Buffer | string | undefined;
        readonly rejectUnauthorized?: boolean | undefined;
      }
    | undefined;
  /** `proto:host:port` as written, for messages. */
  readonly text: string;
}

/** A transport that could not be opened. */
export class TransportOpenError extends Error {
  override readonly name = 'TransportOpenError';
  constructor(
    readonly spec: string,
    reason: string,
  ) {
    super(`cannot listen on ${spec}: ${reason}`);
  }
}

function reasonOf(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code} ${message}` : message;
}

async function openOne(spec: TransportSpec): Promise<Transport> {
  const advertised = spec.advertisedHost === undefined ? {} : { advertisedHost: spec.advertisedHost };
  if (spec.protocol === 'udp') return createUdpTransport({ host: spec.host, port: spec.port, ...advertised });
  const listen = { listen: { host: spec.host, port: spec.port } };
  if (spec.protocol === 'tcp') return createTcpTransport({ ...listen, ...advertised });
  const tls = spec.tls ?? {};
  return createTlsTransport({
    ...listen,
    ...advertised,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
  });
}

/** Open every spec in order. @throws TransportOpenError (nothing is left open) */
export async function openTransports(specs: readonly TransportSpec[]): Promise<Transport[]> {
  const opened: Transport[] = [];
  for (const spec of specs) {
    try {
      opened.push(await openOne(spec));
    } catch (error) {
      await Promise.allSettled(opened.map((transport) => transport.close()));
      throw new TransportOpenError(spec.text, reasonOf(error));
    }
  }
  return opened;
}

/** `udp:127.0.0.1:5070` for a bound transport (IPv6 hosts in brackets). */
export function describeTransport(transport: Transport): string {
  const { host, port } = transport.localAddress;
  return `${transport.protocol.toLowerCase()}:${host.includes(':') ? `[${host}]` : host}:${port}`;
}
