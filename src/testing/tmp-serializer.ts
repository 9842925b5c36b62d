// TEMPORARY until src/sip/serializer.ts lands.
import type { SipMessage } from '../sip/message.js';
export function serializeMessage(m: SipMessage): string {
  const start =
    m.kind === 'request' ? `${m.method} ${m.uri} ${m.version}` : `${m.version} ${m.status} ${m.reason}`;
  let out = start + '\r\n';
  for (const row of m.headers.rows())
    if (row.name.toLowerCase() !== 'content-length') out += `${row.name}: ${row.value}\r\n`;
  out += `Content-Length: ${Buffer.byteLength(m.body)}\r\n\r\n${m.body}`;
  return out;
}
export function encodeMessage(m: SipMessage): Uint8Array {
  return Buffer.from(serializeMessage(m), 'utf8');
}
