/**
 * Which transport a record's request leaves through, and towards which port and protocol
 * (RFC 3263 §4.1–4.2 without NAPTR/SRV; RFC 3261 §18.1.1 for forced sockets; checklist DNS-01,
 * DNS-02, HDR-06):
 *
 * - The next hop is the outbound proxy when configured, else the Request-URI (DNS-01).
 * - Protocol: the URI's `transport=` parameter wins; a `sips:` URI means TLS (SEC-09); otherwise
 *   none is demanded and a UDP transport is preferred (DNS-02: no NAPTR/SRV here, so the A/AAAA
 *   default of UDP on 5060 applies), falling back to the first transport given.
 * - Port: the URI's port, else 5060 (5061 for TLS).
 * - A forced socket (`udp:127.0.0.1:5062`, OpenSIPS `forced_socket`) selects the one transport whose
 *   protocol and local address match; it must also be able to reach the resolved address family.
 */
import { isIP } from 'node:net';
import type { ForcedSocket } from '../config/registrant-config.js';
import { SipParseError } from '../errors.js';
import { parseSipUri } from '../sip/uri.js';
import type { Transport } from '../transport/transport.js';
import type { ResolvedAddress } from './destination-resolver.js';

/** Where a request goes before DNS: host, port and the protocol the URI demands. */
export interface NextHop {
  /** Host to resolve: a name, or an IP address without brackets. */
  readonly host: string;
  readonly port: number;
  /** `UDP`, `TCP` or `TLS` when the URI demands one; `undefined` when any will do. */
  readonly protocol: 'UDP' | 'TCP' | 'TLS' | undefined;
  /** For TLS: the domain the certificate must prove (RFC 3261 §26.3.1, SEC-08); a name only. */
  readonly servername: string | undefined;
}

/** The transport chosen and the address it sends to. */
export interface SelectedRoute {
  readonly index: number;
  readonly address: string;
}

const V4 = 1;
const V6 = 2;

/** Longest list of parsed next hops kept (records share a few registrar and proxy URIs). */
const MAX_CACHED_HOPS = 1024;

/**
 * The next hop of a `sip:`/`sips:` URI, or a problem text when it cannot be used (another scheme, a
 * transport this library has no implementation of).
 */
export function nextHopOf(uriText: string): NextHop | string {
  let uri: ReturnType<typeof parseSipUri>;
  try {
    uri = parseSipUri(uriText);
  } catch (error) {
    if (error instanceof SipParseError) return `${uriText} is not a usable SIP URI (${error.message})`;
    throw error;
  }
  const param = uri.params.get('transport')?.toLowerCase();
  let protocol: NextHop['protocol'];
  if (uri.scheme === 'sips') {
    // RFC 3261 §26.2.2: sips means TLS on every hop; `transport=tcp` is the TLS-over-TCP spelling.
    if (param !== undefined && param !== 'tcp' && param !== 'tls')
      return `${uriText} is a sips: URI with transport=${param}; only TLS can carry it`;
    protocol = 'TLS';
  } else if (param === undefined) protocol = undefined;
  else if (param === 'udp') protocol = 'UDP';
  else if (param === 'tcp') protocol = 'TCP';
  else if (param === 'tls') protocol = 'TLS';
  else return `${uriText} asks for transport=${param}, which this library does not implement`;
  const host = uri.hostType === 'ipv6' ? uri.host.slice(1, -1) : uri.host;
  return {
    host,
    port: uri.port ?? (protocol === 'TLS' ? 5061 : 5060),
    protocol,
    servername: uri.hostType === 'domain' ? uri.host : undefined,
  };
}

/** `udp:127.0.0.1:5060` for a transport (IPv6 in brackets), the forced-socket spelling. */
export function describeTransport(transport: Transport): string {
  const host = transport.localAddress.host;
  const hostText = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${transport.protocol.toLowerCase()}:${hostText}:${transport.localAddress.port}`;
}

/** Chooses transports for next hops; one per manager. */
export class SocketSelector {
  readonly #transports: readonly Transport[];
  readonly #hops = new Map<string, NextHop | string>();

  constructor(transports: readonly Transport[]) {
    this.#transports = transports;
  }

  /** The transports, in the order given. */
  get transports(): readonly Transport[] {
    return this.#transports;
  }

  /** {@link nextHopOf}, cached per URI text. */
  nextHop(uriText: string): NextHop | string {
    let hop = this.#hops.get(uriText);
    if (hop === undefined) {
      hop = nextHopOf(uriText);
      if (this.#hops.size >= MAX_CACHED_HOPS) this.#hops.clear();
      this.#hops.set(uriText, hop);
    }
    return hop;
  }

  /** Index of the transport a forced socket names (protocol and local address), or -1. */
  forcedIndex(socket: ForcedSocket): number {
    const wantedHost = normalizeHost(socket.host);
    for (let i = 0; i < this.#transports.length; i++) {
      const transport = this.#transports[i]!;
      if (transport.protocol.toLowerCase() !== socket.protocol) continue;
      if (transport.localAddress.port !== socket.port) continue;
      if (normalizeHost(transport.localAddress.host) === wantedHost) return i;
    }
    return -1;
  }

  /**
   * The transports that may carry a request to `hop`, best first, or a problem text. With a forced
   * socket only that transport, and only if its protocol is the one the URI demands.
   */
  candidates(hop: NextHop, forced: ForcedSocket | undefined): number[] | string {
    const transports = this.#transports;
    if (forced !== undefined) {
      const index = this.forcedIndex(forced);
      if (index === -1) return `forced socket ${forced.text} matches no transport of the manager`;
      const protocol = transports[index]!.protocol.toUpperCase();
      if (hop.protocol !== undefined && protocol !== hop.protocol)
        return `forced socket ${forced.text} is ${protocol} but the next hop needs ${hop.protocol}`;
      return [index];
    }
    const out: number[] = [];
    if (hop.protocol !== undefined) {
      for (let i = 0; i < transports.length; i++)
        if (transports[i]!.protocol.toUpperCase() === hop.protocol) out.push(i);
      if (out.length === 0) return `no ${hop.protocol} transport for ${hop.host}:${hop.port}`;
      return out;
    }
    for (let i = 0; i < transports.length; i++)
      if (transports[i]!.protocol.toUpperCase() === 'UDP') out.push(i);
    for (let i = 0; i < transports.length; i++)
      if (transports[i]!.protocol.toUpperCase() !== 'UDP') out.push(i);
    return out;
  }

  /**
   * The first candidate transport able to reach one of `addresses` (an IPv4-bound socket cannot
   * send to an IPv6 address and vice versa), or a problem text.
   */
  pick(
    candidates: readonly number[],
    addresses: ReadonlyArray<ResolvedAddress>,
    hop: NextHop,
  ): SelectedRoute | string {
    for (const index of candidates) {
      const families = this.#families(index);
      for (const entry of addresses)
        if ((families & (entry.family === 6 ? V6 : V4)) !== 0) return { index, address: entry.address };
    }
    const shown = addresses.map((entry) => entry.address).join(', ');
    const via = candidates.map((index) => describeTransport(this.#transports[index]!)).join(', ');
    return `${hop.host} resolved to ${shown}, which ${candidates.length === 1 ? 'transport' : 'no transport of'} ${via} cannot reach (address family)`;
  }

  /** Bit set ({@link V4}, {@link V6}) of the address families a transport can send to. */
  #families(index: number): number {
    const host = stripBrackets(this.#transports[index]!.localAddress.host);
    const family = isIP(host);
    // A `::` socket is dual-stack by default (IPv4-mapped addresses); a name tells us nothing.
    if (family === 0 || host === '::') return V4 | V6;
    return family === 6 ? V6 : V4;
  }
}

function stripBrackets(host: string): string {
  return host.length > 1 && host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Host text for comparing a forced socket with a transport address (IPv6 by value, names by case). */
function normalizeHost(host: string): string {
  const bare = stripBrackets(host).toLowerCase();
  if (isIP(bare) !== 6) return bare;
  // Expand `::` so `::1` and `0:0:0:0:0:0:0:1` compare equal.
  const [head = '', tail] = bare.split('::', 2) as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill('0'), ...right];
  return groups
    .map((group) => (group.includes('.') ? group : Number.parseInt(group, 16).toString(16)))
    .join(':');
}
