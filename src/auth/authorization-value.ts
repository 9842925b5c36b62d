/**
 * The Authorization / Proxy-Authorization value the default authenticator sends, written in one
 * pass. It is exactly what {@link formatDigestCredentials} writes (same fields, order and quoting:
 * RFC 7616 §3.4, RFC 3261 §25.1, DIG-30), without re-checking fields the authenticator has checked
 * already (control characters in username, realm, nonce, opaque and uri; hex response, cnonce and
 * nc). Anything unusual — a value needing a quoted-pair, an algorithm token that is not a token —
 * goes through {@link formatDigestCredentials} itself, so the output and the errors stay the same.
 */
import { type DigestCredentialsFields, formatDigestCredentials } from '../sip/credentials.js';
import { isToken } from '../sip/lexer.js';

/** Fields of one answer; every string already free of control characters. */
export interface CheckedCredentialsFields extends DigestCredentialsFields {
  readonly qop?: 'auth' | 'auth-int' | undefined;
}

/** `"text"` when nothing inside needs escaping, else `undefined`. */
function plainQuoted(text: string): string | undefined {
  return text.indexOf('"') === -1 && text.indexOf('\\') === -1 ? `"${text}"` : undefined;
}

/** The credentials value, identical to `formatDigestCredentials(fields)`. */
export function formatCheckedCredentials(fields: CheckedCredentialsFields): string {
  const username = plainQuoted(fields.username);
  const realm = plainQuoted(fields.realm);
  const nonce = plainQuoted(fields.nonce);
  const uri = plainQuoted(fields.uri);
  const opaque = fields.opaque === undefined ? '' : plainQuoted(fields.opaque);
  const algorithm = fields.algorithm;
  if (
    username === undefined ||
    realm === undefined ||
    nonce === undefined ||
    uri === undefined ||
    opaque === undefined ||
    (algorithm !== undefined && !isToken(algorithm))
  ) {
    return formatDigestCredentials(fields);
  }
  // response, cnonce (hex) and nc (8 hex digits) never need escaping.
  let out = `Digest username=${username}, realm=${realm}, nonce=${nonce}, uri=${uri}, response="${fields.response}"`;
  if (algorithm !== undefined) out += `, algorithm=${algorithm}`;
  const qop = fields.qop;
  if (qop !== undefined) out += `, cnonce="${fields.cnonce}"`;
  if (fields.opaque !== undefined) out += `, opaque=${opaque}`;
  if (qop !== undefined) out += `, qop=${qop}, nc=${fields.nc}`;
  if (fields.userhash === true) out += ', userhash=true';
  return out;
}
