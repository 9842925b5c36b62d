/**
 * Addresses and targets as the built-in transports handle them: validating a send target,
 * printing `host:port` (brackets around IPv6, RFC 3986 §3.2.2), and reporting IPv4 peers of a
 * dual-stack IPv6 socket as plain IPv4 so the same peer always has the same address.
 */
import { isIP } from 'node:net';
import { describeReceived, TransportError } from '../errors.js';
import type { TransportTarget } from './transport.js';

const MAPPED_IPV4_PREFIX = '::ffff:';

/** `192.0.2.1:5060`, `[2001:db8::1]:5060`, `sip.example.com:5061`. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `::ffff:192.0.2.1` → `192.0.2.1`; every other address unchanged. */
export function unmapIPv4(address: string): string {
  if (address.length > MAPPED_IPV4_PREFIX.length && address.toLowerCase().startsWith(MAPPED_IPV4_PREFIX)) {
    const rest = address.slice(MAPPED_IPV4_PREFIX.length);
    if (isIP(rest) === 4) return rest;
  }
  return address;
}

/**
 * Why `target` cannot be sent to, as the `ERR_TRANSPORT_SEND` error `send()` rejects with, or
 * undefined when it is usable. Checked before any socket work so a bad target never throws
 * synchronously out of `send()` (Transport rule 1).
 */
export function targetProblem(target: unknown, protocol: string): TransportError | undefined {
  if (typeof target !== 'object' || target === null)
    return sendError(
      protocol,
      `target must be an object { host, port }, received ${describeReceived(target, 60)}`,
    );
  const { host, port, servername } = target as Partial<TransportTarget>;
  if (typeof host !== 'string' || host.length === 0 || host.length > 253 || hasSpaceOrControl(host))
    return sendError(
      protocol,
      `target.host must be an IP address or host name, received ${describeReceived(host, 60)}`,
    );
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535)
    return sendError(
      protocol,
      `target.port must be an integer 1-65535, received ${describeReceived(port, 60)}`,
    );
  if (
    servername !== undefined &&
    (typeof servername !== 'string' || servername.length === 0 || hasSpaceOrControl(servername))
  )
    return sendError(
      protocol,
      `target.servername must be a host name, received ${describeReceived(servername, 60)}`,
    );
  return undefined;
}

function sendError(protocol: string, message: string): TransportError {
  return new TransportError('ERR_TRANSPORT_SEND', `${protocol} send: ${message}`);
}

function hasSpaceOrControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A short, single-line description of a value for an error message. */
