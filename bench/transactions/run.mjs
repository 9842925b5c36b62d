// Transaction-layer benchmark: REGISTER transactions per second over loopback UDP, and client CPU
// per transaction, with the responder in a separate process.
//
//   npm run build && node bench/transactions/run.mjs [--n 50000] [--window 500]
//
// SR_DIST=<dir> points at another build of the package (default: ../../dist).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '50000' },
    window: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '5000' },
  },
});
const N = Number(values.n);
const WINDOW = Number(values.window);
const WARMUP = Number(values.warmup);
for (const [name, value] of [
  ['n', N],
  ['window', WINDOW],
  ['warmup', WARMUP],
])
  if (!Number.isSafeInteger(value) || value < (name === 'warmup' ? 0 : 1)) {
    console.error(`--${name}: expected a positive integer, received ${value}`);
    process.exit(2);
  }

const dist = resolve(process.env.SR_DIST ?? join(here, '../../dist'));
const lib = await loadLibrary(dist);

/** The package index, or (before the index exports them) the modules themselves. */
async function loadLibrary(dir) {
  const load = (file) => import(pathToFileURL(join(dir, file)).href);
  const index = await load('index.js').catch(() => ({}));
  const pick = async (name, file) => index[name] ?? (await load(file))[name];
  return {
    TransactionLayer: await pick('TransactionLayer', 'transaction/transaction-layer.js'),
    SipHeaders: await pick('SipHeaders', 'sip/headers.js'),
    createUdpTransport: await pick('createUdpTransport', 'transport/udp-transport.js'),
  };
}

const responder = fork(join(here, 'responder.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const [{ port: responderPort }] = await once(responder, 'message');
const target = { host: '127.0.0.1', port: responderPort };

const transport = await lib.createUdpTransport({ host: '127.0.0.1', port: 0 });
const layer = new lib.TransactionLayer({ transport });
const local = transport.localAddress;

/** Build the n-th REGISTER (a distinct account each time, as 100k accounts would). */
function buildRegister(n) {
  const user = `u${n}`;
  return {
    kind: 'request',
    method: 'REGISTER',
    uri: 'sip:bench.invalid',
    version: 'SIP/2.0',
    headers: new lib.SipHeaders([
      ['Max-Forwards', '70'],
      ['From', `<sip:${user}@bench.invalid>;tag=f${n}`],
      ['To', `<sip:${user}@bench.invalid>`],
      ['Call-ID', `c${n}-bench@${local.host}`],
      ['CSeq', '1 REGISTER'],
      ['Contact', `<sip:${user}@${local.host}:${local.port}>`],
      ['Expires', '3600'],
      ['Content-Length', '0'],
    ]),
    body: '',
  };
}

// Per-transaction start times, indexed by the transaction id, for latency percentiles.
const startedAt = new Float64Array(WARMUP + N);

/** Run `count` transactions with at most `window` in flight; resolves with outcome counts. */
function runBatch(count, window, offset) {
  return new Promise((resolveBatch) => {
    const outcome = { ok: 0, other: 0, synthetic: 0, withReceived: 0, latencies: new Float64Array(count) };
    let started = 0;
    let finished = 0;
    // One handler object for every transaction: routing is by id, no closure per request.
    const handler = {
      onFinal(event) {
        if (event.synthetic) outcome.synthetic++;
        else if (event.response.status === 200) outcome.ok++;
        else outcome.other++;
        if (event.received !== undefined && event.rport !== undefined) outcome.withReceived++;
        outcome.latencies[finished] = performance.now() - startedAt[event.id];
        finished++;
        if (started < count) launch();
        else if (finished === count) resolveBatch(outcome);
      },
    };
    const launch = () => {
      const n = offset + started++;
      startedAt[n] = performance.now();
      layer.sendRequest(buildRegister(n), target, handler, n);
    };
    for (let i = 0; i < Math.min(window, count); i++) launch();
  });
}

/**
 * Linux only: datagrams the kernel dropped host-wide because a UDP receive buffer was full
 * (`RcvbufErrors` in /proc/net/snmp). Explains retransmissions on loopback; undefined elsewhere.
 */
function udpReceiveBufferDrops() {
  try {
    const rows = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('Udp:'));
    const names = rows[0].split(/\s+/);
    return Number(rows[1].split(/\s+/)[names.indexOf('RcvbufErrors')]);
  } catch {
    return undefined;
  }
}

if (WARMUP > 0) await runBatch(WARMUP, WINDOW, 0);
const drops0 = udpReceiveBufferDrops();
const before = layer.stats();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const outcome = await runBatch(N, WINDOW, WARMUP);
const elapsedMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const after = layer.stats();
const drops1 = udpReceiveBufferDrops();

responder.send('stop');
const [{ answered }] = await once(responder, 'message');
layer.close();
await transport.close();

const cpuUs = cpu.user + cpu.system;
const sorted = outcome.latencies.sort();
const percentile = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const rows = [
  ['transactions', N.toLocaleString('en-US')],
  ['window (in flight)', WINDOW.toLocaleString('en-US')],
  ['wall time', `${(elapsedMs / 1000).toFixed(2)} s`],
  ['transactions / s', Math.round((N / elapsedMs) * 1000).toLocaleString('en-US')],
  [
    'client CPU / transaction',
    `${(cpuUs / N).toFixed(1)} µs (user ${(cpu.user / N).toFixed(1)}, system ${(cpu.system / N).toFixed(1)})`,
  ],
  [
    'latency p50 / p99 / max',
    `${percentile(50).toFixed(1)} / ${percentile(99).toFixed(1)} / ${sorted[sorted.length - 1].toFixed(1)} ms`,
  ],
  ['200 OK / other / synthetic', `${outcome.ok} / ${outcome.other} / ${outcome.synthetic}`],
  ['received+rport reported', String(outcome.withReceived)],
  ['retransmissions', String(after.retransmissions - before.retransmissions)],
  [
    'kernel UDP receive-buffer drops',
    drops0 === undefined || drops1 === undefined ? 'n/a' : String(drops1 - drops0),
  ],
  ['dropped (all reasons)', String(Object.values(after.dropped).reduce((a, b) => a + b, 0))],
  ['responder answered (incl. warm-up)', String(answered)],
  ['node', process.version],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log('\nnon-INVITE client transactions over loopback UDP (responder in a separate process)');
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
console.log('  (client CPU includes building each REGISTER; layer overhead is a part of it)\n');
