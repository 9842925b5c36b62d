import { parseUri, percentDecode, type Uri } from '../sip/uri.js';

/**
 * The address-of-record a registrar files bindings under, from the To URI (RFC 3261 §10.3 step 5):
 * URI parameters and headers removed, escapes undone, scheme and host in lower case, the port kept
 * when written. `sip:Alice@EXAMPLE.com;user=phone` → `sip:Alice@example.com` (the user part stays
 * case-sensitive, §19.1.4).
 */
export function canonicalAorOf(uri: Uri): string {
  if (uri.kind === 'sip') {
    const user = uri.user === undefined ? '' : `${percentDecode(uri.user)}@`;
    const port = uri.port === undefined ? '' : `:${uri.port}`;
    return `${uri.scheme}:${user}${uri.host.toLowerCase()}${port}`;
  }
  if (uri.kind === 'tel') return `tel:${uri.number}`;
  return `${uri.scheme}:${uri.value}`;
}

/**
 * The canonical AOR (scheme, user and host, lower-cased where case does not matter) of a URI given as text (`<…>` brackets allowed), for looking bindings up.
 * @throws SipParseError `BAD_URI` when `text` is not a URI
 */
export function canonicalAor(text: string): string {
  const trimmed = text.trim();
  const bare = trimmed.startsWith('<') && trimmed.endsWith('>') ? trimmed.slice(1, -1) : trimmed;
  return canonicalAorOf(parseUri(bare));
}
