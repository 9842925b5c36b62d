/**
 * Authorization / Proxy-Authorization values for the Digest scheme (RFC 3261 §20.7, §20.28, §25.1;
 * RFC 2617 §3.2.2; RFC 7616 §3.4): formatting what a UAC sends and parsing it back (for registrar
 * test doubles and tests).
 */
import { SipInvalidArgumentError, SipParseError } from '../errors.js';
import { parseAuthHeaderValue } from './challenge.js';
import { isToken, quote } from './lexer.js';

/** The fields of a Digest credentials value. */
export interface DigestCredentialsFields {
  /** Username as it goes on the wire: the plain name, or H(username ":" realm) when `userhash` (DIG-10). */
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  /** The Request-URI exactly as on the request line (DIG-26). */
  readonly uri: string;
  /** The request-digest, lowercase hex. */
  readonly response: string;
  /** The algorithm token as the server spelled it (DIG-31); omitted when `undefined`. */
  readonly algorithm?: string | undefined;
  /** `auth` or `auth-int`; when set, `cnonce` and `nc` are required; when absent they must be too (DIG-27). */
  readonly qop?: string | undefined;
  readonly cnonce?: string | undefined;
  /** 8 lowercase hex digits (DIG-28). */
  readonly nc?: string | undefined;
  /** Echoed only when the challenge had one (DIG-08). */
  readonly opaque?: string | undefined;
  /** Adds `userhash=true` (RFC 7616 §3.4.4). */
  readonly userhash?: boolean | undefined;
}

/** A parsed Digest credentials value: the named fields plus every auth-param. */
export interface ParsedDigestCredentials extends DigestCredentialsFields {
  /** The scheme as sent. */
  readonly scheme: string;
  /** All auth-params keyed by lower-cased name (null-prototype object). */
  readonly params: Readonly<Record<string, string>>;
}

const NC_LENGTH = 8;

function isLowerHex(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!((code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66))) return false;
  }
  return true;
}

/** True when `text` has a C0 control other than HTAB, or DEL (SEC-06: never emit them). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

function quotedField(name: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new SipInvalidArgumentError(
      `Digest credentials field "${name}" must be a string, received ${typeof value}`,
    );
  }
  // A quoted-pair cannot carry CR or LF (RFC 3261 §25.1); other controls are refused as policy (SEC-06).
  // The value itself is not echoed: `response` must not reach logs (SEC-07).
  if (hasControlCharacter(value)) {
    throw new SipInvalidArgumentError(`Digest credentials field "${name}" contains a control character`);
  }
  return `${name}=${quote(value)}`;
}

function tokenField(name: string, value: unknown): string {
  if (typeof value !== 'string' || !isToken(value)) {
    throw new SipInvalidArgumentError(`Digest credentials field "${name}" must be a token`);
  }
  return `${name}=${value}`;
}

/**
 * Format a Digest Authorization / Proxy-Authorization value.
 *
 * Quoting follows RFC 7616 §3.4 and RFC 3261 §25.1 (DIG-30): `username`, `realm`, `nonce`, `uri`,
 * `response`, `cnonce` and `opaque` are quoted-strings with `"` and `\` escaped; `algorithm`, `qop`
 * and `nc` are tokens. `opaque` appears only when given (DIG-08); `qop`, `nc` and `cnonce` appear
 * together or not at all (DIG-27).
 *
 * @throws SipInvalidArgumentError when a field is missing, not a string, holds a control character,
 *   or `qop`/`nc`/`cnonce` are inconsistent
 */
export function formatDigestCredentials(fields: DigestCredentialsFields): string {
  if (typeof fields !== 'object' || fields === null) {
    throw new SipInvalidArgumentError('Digest credentials fields must be an object');
  }
  const parts = [
    quotedField('username', fields.username),
    quotedField('realm', fields.realm),
    quotedField('nonce', fields.nonce),
    quotedField('uri', fields.uri),
    quotedField('response', fields.response),
  ];
  if (fields.algorithm !== undefined) parts.push(tokenField('algorithm', fields.algorithm));
  const hasQop = fields.qop !== undefined;
  if (hasQop !== (fields.cnonce !== undefined) || hasQop !== (fields.nc !== undefined)) {
    throw new SipInvalidArgumentError(
      'Digest credentials fields "qop", "cnonce" and "nc" must be given together or not at all',
    );
  }
  if (hasQop) parts.push(quotedField('cnonce', fields.cnonce));
  if (fields.opaque !== undefined) parts.push(quotedField('opaque', fields.opaque));
  if (hasQop) {
    parts.push(tokenField('qop', fields.qop));
    if (typeof fields.nc !== 'string' || fields.nc.length !== NC_LENGTH || !isLowerHex(fields.nc)) {
      throw new SipInvalidArgumentError('Digest credentials field "nc" must be 8 lowercase hex digits');
    }
    parts.push(`nc=${fields.nc}`);
  }
  if (fields.userhash === true) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

/**
 * Parse a Digest Authorization / Proxy-Authorization value.
 *
 * @param value - one header row's value
 * @param header - header name for errors
 * @default header `'Authorization'`
 * @throws SipParseError `BAD_HEADER_VALUE` when malformed, not Digest, or missing `username`,
 *   `realm`, `nonce`, `uri` or `response`. Messages never contain the `response` value.
 */
export function parseDigestCredentials(value: string, header = 'Authorization'): ParsedDigestCredentials {
  const { scheme, params, token68 } = parseAuthHeaderValue(value, header);
  if (scheme.toLowerCase() !== 'digest' || token68 !== undefined) {
    throw new SipParseError('BAD_HEADER_VALUE', `${header}: not Digest credentials`, header);
  }
  for (const required of ['username', 'realm', 'nonce', 'uri', 'response'] as const) {
    if (params[required] === undefined) {
      throw new SipParseError('BAD_HEADER_VALUE', `${header}: Digest credentials lack "${required}"`, header);
    }
  }
  return {
    scheme,
    params,
    username: params.username!,
    realm: params.realm!,
    nonce: params.nonce!,
    uri: params.uri!,
    response: params.response!,
    algorithm: params.algorithm,
    qop: params.qop,
    cnonce: params.cnonce,
    nc: params.nc,
    opaque: params.opaque,
    userhash: params.userhash?.toLowerCase() === 'true',
  };
}
