/**
 * Throughput of the registrar double: N accounts each do REGISTER → 401 → REGISTER with MD5 digest →
 * 200 over loopback UDP, with a window of W registrations in flight. The client is a minimal
 * hand-written one (fixed texts, one MD5 digest, no transactions or timers): its CPU per
 * registration is about the least any Node client can spend on the same exchanges, a floor to read
 * `bench:scale`'s figure against.
 *
 *     npm run bench:double                 # 20,000 accounts, 500 in flight
 *     npm run build && node bench/registrar-double/run.mjs 50000 1000
 *
 * `DOUBLE_PROFILE=/tmp/prof` writes a CPU profile of the double's process there.
 *
 * The double runs in a child process so its CPU time is measured apart from the client's. Prints wall
 * time, registrations per second, and the double's CPU per registration (two requests each).
 */
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { createRegistrarDouble } from '../../dist/testing/index.js';

const realm = 'load.test';

if (process.argv[2] === '--double') {
  // Child: run the double, report its address, report CPU and bindings when asked.
  const registrar = await createRegistrarDouble({ realm, users: (u) => `pw-${u}`, recordLimit: 0 });
  let cpuStart = process.cpuUsage();
  process.on('message', async (message) => {
    if (message === 'start') cpuStart = process.cpuUsage();
    if (message === 'report') {
      const cpu = process.cpuUsage(cpuStart);
      process.send?.({
        cpuUs: cpu.user + cpu.system,
        bindings: registrar.bindingCount(),
        heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      });
      await registrar.close();
      process.exit(0);
    }
  });
  process.send?.(registrar.address);
  await new Promise(() => {});
}

const accounts = Number(process.argv[2] ?? 20_000);
const window = Number(process.argv[3] ?? 500);
const md5 = (text) => createHash('md5').update(text).digest('hex');

const child = fork(fileURLToPath(import.meta.url), ['--double'], {
  execArgv: process.env.DOUBLE_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.DOUBLE_PROFILE}`] : [],
});
const address = await new Promise((resolve) => child.once('message', resolve));
const registrar = { address };
const socket = dgram.createSocket('udp4');
await new Promise((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, () => resolve()));
const port = socket.address().port;
try {
  socket.setRecvBufferSize(8 * 1024 * 1024);
} catch {}

function register(index, cseq, authorization) {
  const user = `u${index}`;
  return Buffer.from(
    `REGISTER sip:${realm} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport\r\n` +
      'Max-Forwards: 70\r\n' +
      `From: <sip:${user}@${realm}>;tag=t${index}\r\n` +
      `To: <sip:${user}@${realm}>\r\n` +
      `Call-ID: c${index}\r\n` +
      `CSeq: ${cseq} REGISTER\r\n` +
      `Contact: <sip:${user}@127.0.0.1:${port}>;expires=3600\r\n` +
      (authorization === undefined ? '' : `Authorization: ${authorization}\r\n`) +
      'Content-Length: 0\r\n\r\n',
  );
}

function answer(index, nonce) {
  const user = `u${index}`;
  const cnonce = randomBytes(4).toString('hex');
  const ha1 = md5(`${user}:${realm}:pw-${user}`);
  const ha2 = md5(`REGISTER:sip:${realm}`);
  const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`);
  return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="sip:${realm}", response="${response}", algorithm=MD5, cnonce="${cnonce}", qop=auth, nc=00000001`;
}

let next = 0;
let done = 0;
let failures = 0;
const send = (bytes) => socket.send(bytes, registrar.address.port, registrar.address.host);
child.send('start');
const started = performance.now();
const cpuBefore = process.cpuUsage();

const finished = new Promise((resolve) => {
  socket.on('message', (data) => {
    const text = data.toString('latin1');
    const callIdAt = text.indexOf('\r\nCall-ID: c') + 12;
    const index = Number(text.slice(callIdAt, text.indexOf('\r\n', callIdAt)));
    const status = text.slice(8, 11);
    if (status === '401') {
      const at = text.indexOf('nonce="') + 7;
      send(register(index, 2, answer(index, text.slice(at, text.indexOf('"', at)))));
      return;
    }
    if (status !== '200') failures++;
    done++;
    if (next < accounts) send(register(next++, 1));
    if (done === accounts) resolve();
  });
});
while (next < Math.min(window, accounts)) send(register(next++, 1));
await finished;

const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
child.send('report');
const double = await new Promise((resolve) => child.once('message', resolve));
console.log(
  JSON.stringify(
    {
      accounts,
      window,
      failures,
      bindings: double.bindings,
      elapsedMs: Math.round(elapsedMs),
      registrationsPerSecond: Math.round((accounts / elapsedMs) * 1000),
      doubleCpuMicrosPerRegistration: Math.round(double.cpuUs / accounts),
      clientCpuMicrosPerRegistration: Math.round((cpu.user + cpu.system) / accounts),
      doubleHeapUsedMiB: double.heapUsedMiB,
    },
    null,
    2,
  ),
);
socket.close();
