// A trivial stateless UDP registrar for the transaction benchmark, run in its own process
// (child_process.fork) so its CPU is not charged to the client being measured.
//
// It answers every REGISTER with 200 OK, copying Via/From/To/Call-ID/CSeq and filling in the top
// Via's received and rport (RFC 3261 §18.2.1, RFC 3581 §4) the way a real registrar would.
// Deliberately naive string handling: this is a load generator, not part of the library.
import dgram from 'node:dgram';

const ECHOED = new Set(['via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq']);
const host = process.env.RESPONDER_HOST ?? '127.0.0.1';
const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
let answered = 0;

socket.on('message', (buffer, rinfo) => {
  const text = buffer.toString('utf8');
  if (!text.startsWith('REGISTER ')) return;
  const end = text.indexOf('\r\n\r\n');
  const lines = text.slice(0, end === -1 ? text.length : end).split('\r\n');
  const out = ['SIP/2.0 200 OK'];
  let topVia = true;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!ECHOED.has(name)) continue;
    if ((name === 'via' || name === 'v') && topVia) {
      topVia = false;
      const value = line
        .slice(colon + 1)
        .trim()
        .replace(/;rport(?=;|$)/, `;rport=${rinfo.port}`);
      out.push(`Via: ${value};received=${rinfo.address}`);
    } else if ((name === 'to' || name === 't') && !line.includes(';tag=')) {
      out.push(`${line};tag=bench`);
    } else out.push(line);
  }
  out.push('Expires: 3600', 'Content-Length: 0', '', '');
  socket.send(out.join('\r\n'), rinfo.port, rinfo.address);
  answered++;
});

socket.bind(0, host, () => {
  // A burst of in-flight requests overflows the default ~200 KiB receive buffer and turns into
  // retransmissions; ask for more (the kernel caps it at net.core.rmem_max).
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
  } catch {}
  process.send?.({ port: socket.address().port });
});

process.on('message', (message) => {
  if (message === 'stop') {
    process.send?.({ answered });
    socket.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
