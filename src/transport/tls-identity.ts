/**
 * Server identity check for SIP over TLS (RFC 3261 §26.3.1, RFC 5922 §7; checklist SEC-08). The
 * certificate must name the SIP domain we meant to reach: a subjectAltName URI `sip:<domain>`
 * (RFC 5922 §7.1) or, as for any TLS server, a dNSName / iPAddress entry (checked by Node's own
 * `tls.checkServerIdentity`).
 */
import { isIP } from 'node:net';
import tls, { type PeerCertificate } from 'node:tls';

/** Undefined when `cert` proves `identity`, else the error that fails the handshake. */
export function checkSipServerIdentity(identity: string, cert: PeerCertificate): Error | undefined {
  if (isIP(identity) === 0) {
    const wanted = `sip:${identity.toLowerCase().replace(/\.$/, '')}`;
    for (const entry of (cert.subjectaltname ?? '').split(', ')) {
      if (entry.startsWith('URI:') && entry.slice(4).toLowerCase() === wanted) return undefined;
    }
  }
  return tls.checkServerIdentity(identity, cert);
}
