import { quote } from '../sip/lexer.js';

/** The fields of one Digest challenge the double sends. */
export interface ChallengeFields {
  readonly realm: string;
  readonly nonce: string;
  /** Sent as given (so a test can send `md5` in lower case, PIT-08). */
  readonly algorithm: string;
  /** qop options; empty sends no `qop` (RFC 2069-style challenge). */
  readonly qop: readonly string[];
  readonly stale: boolean;
  readonly opaque: string | undefined;
}

/**
 * A WWW-Authenticate / Proxy-Authenticate value (RFC 2617 §3.2.1, RFC 7616 §3.3): `realm`, `nonce`,
 * `opaque` and `qop` quoted, `algorithm` and `stale` as tokens, as Kamailio and Asterisk write them.
 */
export function formatChallenge(fields: ChallengeFields): string {
  let value = `Digest realm=${quote(fields.realm)}, nonce=${quote(fields.nonce)}`;
  if (fields.opaque !== undefined) value += `, opaque=${quote(fields.opaque)}`;
  value += `, algorithm=${fields.algorithm}`;
  if (fields.qop.length > 0) value += `, qop=${quote(fields.qop.join(','))}`;
  if (fields.stale) value += ', stale=true';
  return value;
}
