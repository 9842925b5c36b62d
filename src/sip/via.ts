/**
 * The Via header (RFC 3261 §20.42, §18.2.1; RFC 3581):
 *
 *     via-parm    = sent-protocol LWS sent-by *( SEMI via-params )
 *     sent-protocol = protocol-name SLASH protocol-version SLASH transport
 *     sent-by     = host [ COLON port ]
 *
 * SLASH and COLON allow whitespace on both sides (`SIP / 2.0 / UDP host : 4000`, RFC 4475
 * §3.1.1.1; checklist ABNF-06) and any transport token is legal (`SIP/2.0/UNKNOWN`, RFC 4475
 * §3.1.1.10). `received` may hold IPv4, a bare IPv6 address (the RFC 3261 ABNF) or a bracketed one
 * (what many servers send, RFC 5118 §4.5); `rport` is a flag in requests and a port in responses
 * (RFC 3581 §4; TRN-07).
 */

import { SipInvalidArgumentError, SipParseError } from '../errors.js';
import { classifyHost, type HostType, parseIPv4, parseIPv6 } from './host.js';
import { isToken, isTokenChar, isWsp, splitOutside } from './lexer.js';
import type { SipMessage } from './message.js';
import { formatParams, type GenericParam, type GenericParams, parseParams } from './params.js';
import { scanUnsigned32 } from './unsigned-decimal.js';

/** One via-parm: a hop a request passed through. */
export interface Via {
  /** Protocol name in upper case, normally `SIP`. */
  readonly protocolName: string;
  /** Protocol version as received, normally `2.0`. */
  readonly protocolVersion: string;
  /** Transport in upper case: `UDP`, `TCP`, `TLS`, `SCTP`, `WS`, `WSS` or any other token. */
  readonly transport: string;
  /** sent-by host as received; IPv6 keeps its brackets. */
  readonly host: string;
  readonly hostType: HostType;
  /** sent-by port, `undefined` when not written. */
  readonly port: number | undefined;
  /** All via-params in order, including those also exposed as typed fields on {@link ParsedVia}. */
  readonly params: GenericParams;
}

/**
 * A Via from {@link parseVia}: the typed fields are read from `params` at parse time and checked
 * against their grammar. {@link formatVia} writes `params`, not these fields.
 */
export interface ParsedVia extends Via {
  /** `branch` (a token; `z9hG4bK…` from RFC 3261 elements). */
  readonly branch: string | undefined;
  /** `received` as written: IPv4, bare IPv6 or `[IPv6]`. */
  readonly received: string | undefined;
  /** `rport`: the port a server filled in, `true` for the valueless flag, `undefined` when absent. */
  readonly rport: number | true | undefined;
  /** `maddr` host. */
  readonly maddr: string | undefined;
  /** `ttl`, 0–255. */
  readonly ttl: number | undefined;
}

class ViaScanner {
  readonly text: string;
  i = 0;

  constructor(text: string) {
    this.text = text;
  }

  fail(what: string): never {
    throw new SipParseError('BAD_HEADER_VALUE', `Via: ${what}`, 'Via');
  }

  skipWsp(): void {
    while (this.i < this.text.length && isWsp(this.text.charCodeAt(this.i))) this.i++;
  }

  token(what: string): string {
    const start = this.i;
    while (this.i < this.text.length && isTokenChar(this.text.charCodeAt(this.i))) this.i++;
    if (this.i === start) this.fail(`missing or invalid ${what}`);
    return this.text.slice(start, this.i);
  }

  expect(code: number, what: string): void {
    this.skipWsp();
    if (this.text.charCodeAt(this.i) !== code) this.fail(`expected ${what}`);
    this.i++;
    this.skipWsp();
  }
}

function portValue(text: string, scanner: ViaScanner, what: string): number {
  const port = scanUnsigned32(text);
  if (port < 1 || port > 65535) scanner.fail(`${what} must be a number from 1 to 65535`);
  return port;
}

/** received = IPv4address / IPv6address, also accepted as `[IPv6]` (TRN-07). */
function isReceivedAddress(text: string): boolean {
  if (parseIPv4(text)) return true;
  if (text.charCodeAt(0) === 0x5b) return classifyHost(text) === 'ipv6';
  return parseIPv6(text) !== undefined;
}

function parseOneVia(text: string): ParsedVia {
  const s: ViaScanner = new ViaScanner(text);
  s.skipWsp();
  const protocolName = s.token('protocol name').toUpperCase();
  s.expect(0x2f, "'/' after the protocol name");
  const protocolVersion = s.token('protocol version');
  s.expect(0x2f, "'/' after the protocol version");
  const transport = s.token('transport').toUpperCase();
  const gap = s.i;
  s.skipWsp();
  if (s.i === gap) s.fail('expected whitespace between the transport and sent-by');

  const hostStart = s.i;
  if (text.charCodeAt(s.i) === 0x5b) {
    const close = text.indexOf(']', s.i);
    if (close === -1) s.fail('unterminated [IPv6] reference in sent-by');
    s.i = close + 1;
  } else {
    while (s.i < text.length) {
      const code = text.charCodeAt(s.i);
      if (code === 0x3a || code === 0x3b || isWsp(code)) break;
      s.i++;
    }
  }
  const hostType = classifyHost(text, hostStart, s.i);
  if (hostType === undefined) s.fail('sent-by host is not a hostname, IPv4 address or [IPv6] reference');
  const host = text.slice(hostStart, s.i);

  let port: number | undefined;
  s.skipWsp();
  if (text.charCodeAt(s.i) === 0x3a) {
    s.i++;
    s.skipWsp();
    const portStart = s.i;
    while (s.i < text.length && !isWsp(text.charCodeAt(s.i)) && text.charCodeAt(s.i) !== 0x3b) s.i++;
    port = portValue(text.slice(portStart, s.i), s, 'sent-by port');
  }

  const params = parseParams(text, 'Via', s.i);
  const branch = params.entry('branch');
  if (branch && (branch.value === undefined || branch.quoted)) s.fail('branch must have a token value');

  const received = params.entry('received');
  if (received && (received.value === undefined || received.quoted || !isReceivedAddress(received.value))) {
    s.fail('received must be an IPv4 or IPv6 address');
  }

  const rportParam = params.entry('rport');
  let rport: number | true | undefined;
  if (rportParam) {
    if (rportParam.quoted) s.fail('rport must be a port number or have no value');
    rport = rportParam.value === undefined ? true : portValue(rportParam.value, s, 'rport');
  }

  const maddr = params.entry('maddr');
  if (maddr && (maddr.value === undefined || maddr.quoted || classifyHost(maddr.value) === undefined)) {
    s.fail('maddr must be a host');
  }

  const ttlParam = params.entry('ttl');
  let ttl: number | undefined;
  if (ttlParam) {
    const value = ttlParam.value ?? '';
    ttl = value.length <= 3 && !ttlParam.quoted ? scanUnsigned32(value) : -1;
    if (ttl < 0 || ttl > 255) s.fail('ttl must be 1 to 3 digits, 0-255');
  }

  return {
    protocolName,
    protocolVersion,
    transport,
    host,
    hostType,
    port,
    params,
    branch: branch?.value,
    received: received?.value,
    rport,
    maddr: maddr?.value,
    ttl,
  };
}

/**
 * Parses one Via header row, which may hold several comma-separated via-parms (RFC 3261 §7.3.1),
 * in order.
 * @throws SipParseError (`BAD_HEADER_VALUE`, header `Via`) on any malformed via-parm, including an
 *   empty element (`;;,;,,` of RFC 4475 §3.1.2.1).
 */
export function parseVia(value: string): ParsedVia[] {
  const parts = splitOutside(value, ',');
  if (parts === undefined)
    throw new SipParseError('BAD_HEADER_VALUE', 'Via: unterminated quoted-string', 'Via');
  return parts.map((part) => {
    if (part === '') throw new SipParseError('BAD_HEADER_VALUE', 'Via: empty via-parm in the list', 'Via');
    return parseOneVia(part);
  });
}

/** Every Via of a message, top first: all rows in order, each split on commas (MSG-05). */
export function getVias(message: SipMessage): ParsedVia[] {
  const vias: ParsedVia[] = [];
  for (const row of message.headers.getAll('Via')) for (const via of parseVia(row)) vias.push(via);
  return vias;
}

/**
 * The topmost Via, or `undefined` when the message has none. Only the first row is parsed, and
 * only as far as its first via-parm.
 * @throws SipParseError when that via-parm is malformed.
 */
export function topVia(message: SipMessage): ParsedVia | undefined {
  const row = message.headers.get('Via');
  if (row === undefined) return undefined;
  const parts = splitOutside(row, ',');
  if (parts === undefined)
    throw new SipParseError('BAD_HEADER_VALUE', 'Via: unterminated quoted-string', 'Via');
  const first = parts[0]!;
  if (first === '') throw new SipParseError('BAD_HEADER_VALUE', 'Via: empty via-parm in the list', 'Via');
  return parseOneVia(first);
}

/** What {@link formatVia} writes. */
export interface ViaInit {
  /** @default 'SIP' */
  readonly protocolName?: string;
  /** @default '2.0' */
  readonly protocolVersion?: string;
  /** Transport token, written in upper case (`UDP`, `TCP`, `TLS`…). */
  readonly transport: string;
  /** sent-by host; an IPv6 address may be given with or without brackets. */
  readonly host: string;
  /** sent-by port; omitted when `undefined`. */
  readonly port?: number | undefined;
  /** via-params in order (`branch`, `rport`…). */
  readonly params?: Iterable<GenericParam> | undefined;
}

/**
 * Header text of one via-parm: `SIP/2.0/UDP host:port;params` (RFC 3261 §20.42, canonical spacing).
 * @throws SipInvalidArgumentError when the protocol parts are not tokens, the host is not a host, or
 *   the port is not an integer from 1 to 65535.
 */
export function formatVia(via: ViaInit): string {
  const name = via.protocolName ?? 'SIP';
  const version = via.protocolVersion ?? '2.0';
  for (const [field, value] of [
    ['protocolName', name],
    ['protocolVersion', version],
    ['transport', via.transport],
  ] as const) {
    if (!isToken(value))
      throw new SipInvalidArgumentError(`via.${field} must be a token, got ${JSON.stringify(value)}`);
  }
  let host = via.host;
  if (host.charCodeAt(0) !== 0x5b && parseIPv6(host)) host = `[${host}]`;
  if (classifyHost(host) === undefined) {
    throw new SipInvalidArgumentError(
      `via.host must be a hostname, IPv4 or IPv6 address, got ${JSON.stringify(via.host)}`,
    );
  }
  let out = `${name.toUpperCase()}/${version}/${via.transport.toUpperCase()} ${host}`;
  if (via.port !== undefined) {
    if (!Number.isInteger(via.port) || via.port < 1 || via.port > 65535) {
      throw new SipInvalidArgumentError(`via.port must be an integer from 1 to 65535, got ${via.port}`);
    }
    out += ':' + via.port;
  }
  if (via.params) out += formatParams(via.params);
  return out;
}
