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
import {
  classifyHost,
  type HostType,
  isAddressLiteral,
  parseIPv6,
  SCANNED_DOMAIN,
  SCANNED_IPV4,
  scanHostname,
} from './host.js';
import { isToken, isTokenCode, isWsp, splitOutside } from './lexer.js';
import type { SipMessage } from './message.js';
import { formatParams, type GenericParam, type GenericParams, paramList, parseParams } from './params.js';
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

function viaFail(what: string): never {
  throw new SipParseError('BAD_HEADER_VALUE', `Via: ${what}`, 'Via');
}

function skipWsp(text: string, i: number): number {
  while (i < text.length && isWsp(text.charCodeAt(i))) i++;
  return i;
}

/** End of the token starting at `start`; fails naming `what` when there is none. */
function tokenEnd(text: string, start: number, what: string): number {
  let i = start;
  while (i < text.length && isTokenCode(text.charCodeAt(i))) i++;
  if (i === start) viaFail(`missing or invalid ${what}`);
  return i;
}

/** Index past `code` and the whitespace around it; fails naming `what` when `code` is not there. */
function expectAt(text: string, i: number, code: number, what: string): number {
  i = skipWsp(text, i);
  if (text.charCodeAt(i) !== code) viaFail(`expected ${what}`);
  return skipWsp(text, i + 1);
}

/** `text[start, end)` in upper case; sliced without case mapping when it has no lower-case letter. */
function upperSlice(text: string, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x61 && code <= 0x7a) return text.slice(start, end).toUpperCase();
  }
  return text.slice(start, end);
}

function portValue(text: string, start: number, end: number, what: string): number {
  const port = scanUnsigned32(text, start, end);
  if (port < 1 || port > 65535) viaFail(`${what} must be a number from 1 to 65535`);
  return port;
}

function parseOneVia(text: string): ParsedVia {
  let protocolName: string;
  let protocolVersion: string;
  let i: number;
  let end: number;
  if (text.startsWith('SIP/2.0/')) {
    // What every element sends; the general path below reads it the same way.
    protocolName = 'SIP';
    protocolVersion = '2.0';
    i = skipWsp(text, 8);
  } else {
    i = skipWsp(text, 0);
    end = tokenEnd(text, i, 'protocol name');
    protocolName = upperSlice(text, i, end);
    i = expectAt(text, end, 0x2f, "'/' after the protocol name");
    end = tokenEnd(text, i, 'protocol version');
    protocolVersion = text.slice(i, end);
    i = expectAt(text, end, 0x2f, "'/' after the protocol version");
  }
  end = tokenEnd(text, i, 'transport');
  const transport = upperSlice(text, i, end);
  i = skipWsp(text, end);
  if (i === end) viaFail('expected whitespace between the transport and sent-by');

  const hostStart = i;
  let hostType: HostType | undefined;
  if (text.charCodeAt(i) === 0x5b) {
    const close = text.indexOf(']', i);
    if (close === -1) viaFail('unterminated [IPv6] reference in sent-by');
    i = close + 1;
    hostType = classifyHost(text, hostStart, i);
  } else {
    // sent-by's host ends at ':', ';', whitespace or the end; read and classified in one pass unless
    // something else stops the scan, in which case the whole extent is classified as before.
    const scanned = scanHostname(text, i);
    i = scanned >>> 2;
    const code = text.charCodeAt(i);
    if (i === text.length || code === 0x3a || code === 0x3b || isWsp(code)) {
      const kind = scanned & 3;
      hostType = kind === SCANNED_DOMAIN ? 'domain' : kind === SCANNED_IPV4 ? 'ipv4' : undefined;
    } else {
      while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c === 0x3a || c === 0x3b || isWsp(c)) break;
        i++;
      }
      hostType = classifyHost(text, hostStart, i);
    }
  }
  if (hostType === undefined) viaFail('sent-by host is not a hostname, IPv4 address or [IPv6] reference');
  const host = text.slice(hostStart, i);

  let port: number | undefined;
  i = skipWsp(text, i);
  if (text.charCodeAt(i) === 0x3a) {
    // 1*DIGIT up to whitespace, ';' or the end, read in the same pass; the value stops growing
    // past 65535, which is an error anyway.
    const portStart = skipWsp(text, i + 1);
    let value = 0;
    let digits = true;
    for (i = portStart; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x3b || isWsp(code)) break;
      const digit = code - 0x30;
      if (digit < 0 || digit > 9) digits = false;
      else if (value <= 65535) value = value * 10 + digit;
    }
    if (!digits || i === portStart || value < 1 || value > 65535) {
      viaFail('sent-by port must be a number from 1 to 65535');
    }
    port = value;
  }

  const params = parseParams(text, 'Via', i);
  // One pass picks out the parameters with a grammar of their own; they are then checked in a
  // fixed order so the first error reported does not depend on the order they were written in.
  let branch: GenericParam | undefined;
  let received: GenericParam | undefined;
  let rportParam: GenericParam | undefined;
  let maddr: GenericParam | undefined;
  let ttlParam: GenericParam | undefined;
  const list = paramList(params);
  for (let k = 0; k < list.length; k++) {
    const param = list[k]!;
    switch (param.name) {
      case 'branch':
        branch = param;
        break;
      case 'received':
        received = param;
        break;
      case 'rport':
        rportParam = param;
        break;
      case 'maddr':
        maddr = param;
        break;
      case 'ttl':
        ttlParam = param;
        break;
    }
  }
  if (branch && (branch.value === undefined || branch.quoted)) viaFail('branch must have a token value');

  if (received && (received.value === undefined || received.quoted || !isAddressLiteral(received.value))) {
    viaFail('received must be an IPv4 or IPv6 address');
  }

  let rport: number | true | undefined;
  if (rportParam) {
    if (rportParam.quoted) viaFail('rport must be a port number or have no value');
    const value = rportParam.value;
    rport = value === undefined ? true : portValue(value, 0, value.length, 'rport');
  }

  if (maddr && (maddr.value === undefined || maddr.quoted || classifyHost(maddr.value) === undefined)) {
    viaFail('maddr must be a host');
  }

  let ttl: number | undefined;
  if (ttlParam) {
    const value = ttlParam.value ?? '';
    ttl = value.length <= 3 && !ttlParam.quoted ? scanUnsigned32(value) : -1;
    if (ttl < 0 || ttl > 255) viaFail('ttl must be 1 to 3 digits, 0-255');
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
 * The row parsed as a single via-parm, or `undefined` when it is not one valid via-parm (several
 * comma-separated ones, an empty or malformed one). A via-parm that parses holds no `,`, `<` or
 * `>` outside a quoted-string and no open quote, so splitting the row first would have returned
 * exactly this trimmed row: the common one-Via row is scanned once, not split and rescanned.
 * Callers take the splitting path when this returns `undefined`, so errors are the same.
 */
function parseSingleVia(row: string): ParsedVia | undefined {
  const part = row.trim();
  if (part === '') return undefined;
  try {
    return parseOneVia(part);
  } catch {
    return undefined;
  }
}

function splitVias(value: string): string[] {
  const parts = splitOutside(value, ',');
  if (parts === undefined) viaFail('unterminated quoted-string');
  return parts;
}

/**
 * Parses one Via header row, which may hold several comma-separated via-parms (RFC 3261 §7.3.1),
 * in order.
 * @throws SipParseError (`BAD_HEADER_VALUE`, header `Via`) on any malformed via-parm, including an
 *   empty element (`;;,;,,` of RFC 4475 §3.1.2.1).
 */
export function parseVia(value: string): ParsedVia[] {
  const single = parseSingleVia(value);
  if (single !== undefined) return [single];
  return splitVias(value).map((part) => {
    if (part === '') viaFail('empty via-parm in the list');
    return parseOneVia(part);
  });
}

/** Every Via of a message, top first: all rows in order, each split on commas (MSG-05). */
export function getVias(message: SipMessage): ParsedVia[] {
  const vias: ParsedVia[] = [];
  const rows = message.headers.getAll('Via');
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const single = parseSingleVia(row);
    if (single !== undefined) vias.push(single);
    else for (const via of parseVia(row)) vias.push(via);
  }
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
  const single = parseSingleVia(row);
  if (single !== undefined) return single;
  const first = splitVias(row)[0]!;
  if (first === '') viaFail('empty via-parm in the list');
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
