// The library's own CPU per authenticated registration, without sockets: the scale benchmark's
// traffic (N records, Digest MD5 qop=auth, REGISTER → 401 → REGISTER → 200) through an in-memory
// transport answered by a minimal responder, on a FakeClock. No kernel, no event-loop wake-ups, no
// other process: on a shared, noisy VM this resolves changes of a few percent that `run.mjs`
// (real loopback UDP, 100 s of pacing) cannot.
//
//   npm run build && node --expose-gc bench/scale/library-cost.mjs [--n 20000] [--rounds 5]
//
// Each round registers N fresh records; the first rounds warm the JIT. Reported per round:
//   - library main-thread time per registration (wall time of the loop minus the responder's);
//   - process CPU per registration (all threads, so V8's GC helpers count) minus the responder's;
//   - whole-heap bytes per record after the round (includes the Node baseline; compare builds).
// SR_DIST=<dir> points at another build (default ../../dist), to compare two builds side by side.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { n: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } },
});
const N = Number(values.n);
const ROUNDS = Number(values.rounds);
if (!Number.isSafeInteger(N) || N < 1 || !Number.isSafeInteger(ROUNDS) || ROUNDS < 1) {
  console.error('--n and --rounds must be positive integers');
  process.exit(2);
}
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const dist = resolve(process.env.SR_DIST ?? join(here, '../../dist'));
const { RegistrantManager, RegistrantState, FakeClock } = await import(
  pathToFileURL(join(dist, 'index.js')).href
);

const REGISTRAR = { host: '127.0.0.1', port: 5060, protocol: 'UDP' };
const LOCAL = { host: '127.0.0.1', port: 5070 };

/** An in-memory transport: sends are queued, the loop below answers them. */
function memoryTransport(queue) {
  const listeners = [];
  const sent = Promise.resolve();
  return {
    protocol: 'UDP',
    reliable: false,
    localAddress: LOCAL,
    send(_target, bytes) {
      queue.push(bytes);
      return sent;
    },
    onMessage(listener) {
      listeners.push(listener);
      return () => {};
    },
    onFlowFailure: () => () => {},
    close: async () => {},
    deliver: (bytes) => {
      for (const listener of listeners) listener(bytes, REGISTRAR);
    },
  };
}

/** The value of header `name` in `text` (first occurrence), as its whole line. */
function line(text, name) {
  const start = text.indexOf(`\r\n${name}:`) + 2;
  return text.slice(start, text.indexOf('\r\n', start));
}

/** A registrar that challenges every REGISTER without credentials and accepts every one with. */
function responder() {
  let nonces = 0;
  let ms = 0;
  const answer = (bytes) => {
    const t = performance.now();
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    const via = line(text, 'Via').replace(';rport', `;rport=${LOCAL.port};received=${LOCAL.host}`);
    const head =
      `${via}\r\n${line(text, 'From')}\r\n${line(text, 'To')};tag=r${nonces & 7}\r\n` +
      `${line(text, 'Call-ID')}\r\n${line(text, 'CSeq')}\r\nServer: library-cost\r\n`;
    const out = text.includes('\r\nAuthorization:')
      ? `SIP/2.0 200 OK\r\n${head}${line(text, 'Contact')}\r\nContent-Length: 0\r\n\r\n`
      : `SIP/2.0 401 Unauthorized\r\n${head}WWW-Authenticate: Digest realm="bench.test", ` +
        `nonce="${(nonces++).toString(36)}.0.1rn29yt0727c6l", algorithm=MD5, qop="auth"\r\nContent-Length: 0\r\n\r\n`;
    const reply = Buffer.from(out, 'latin1');
    ms += performance.now() - t;
    return reply;
  };
  return { answer, elapsedMs: () => ms };
}

const fmt = (n) => n.toFixed(1).padStart(6);
console.log(`library cost per registration, ${N} records, in-memory transport (µs; heap in B/record)`);
for (let round = 0; round < ROUNDS; round++) {
  const clock = new FakeClock(0);
  const queue = [];
  const transport = memoryTransport(queue);
  const timerInterval = Math.max(1, Math.round(N / 1000));
  const manager = new RegistrantManager({ transport, clock, hashSize: 10, timerInterval });
  let registered = 0;
  manager.on('stateChange', (event) => {
    if (event.to === RegistrantState.REGISTERED) registered++;
  });
  for (let i = 1; i <= N; i++)
    manager.add({
      registrar: 'sip:127.0.0.1:5060',
      aor: `sip:user${i}@bench.test`,
      username: `user${i}`,
      password: `pw${i}`,
      contact: `sip:user${i}@127.0.0.1:5070`,
      expiry: 3600,
    });
  const registrar = responder();
  const tickMs = (timerInterval * 1000) / 1024;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  manager.start();
  while (registered < N) {
    clock.advance(tickMs);
    while (queue.length > 0) transport.deliver(registrar.answer(queue.shift()));
    await null; // promise reactions of the sends
  }
  const wallUs = (performance.now() - t0) * 1000;
  const cpu = process.cpuUsage(cpu0);
  const responderUs = registrar.elapsedMs() * 1000;
  for (let i = 0; i < 3; i++) globalThis.gc();
  const heap = process.memoryUsage().heapUsed / N;
  console.log(
    `round ${round}: main thread ${fmt((wallUs - responderUs) / N)}   all threads ${fmt((cpu.user + cpu.system - responderUs) / N)}` +
      `   (responder ${fmt(responderUs / N)})   heap ${heap.toFixed(0)}`,
  );
  manager.removeAllListeners();
}
process.exit(0);
