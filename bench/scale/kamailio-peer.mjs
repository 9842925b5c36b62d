// The peer of the scale benchmark: Kamailio's uac_reg client registering the same N accounts
// (user<i> / pw<i>, Digest MD5 qop=auth) against the same registrar double, in the same run, with
// its client CPU read from /proc for every Kamailio process (the main one and all its children).
//
// Everything it needs is here: the config (uacreg-client.cfg next to this file) and the db_text
// tables it writes into a temporary runtime directory. It is skipped, with the reason returned,
// when the `kamailio` binary is missing or cannot load the modules the config needs (uac,
// db_text, tm, sl, pv).
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const CONFIG = join(here, 'uacreg-client.cfg');
const TICKS_PER_SECOND = 100; // USER_HZ: Linux reports /proc/PID/stat times in 1/100 s
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free UDP port on 127.0.0.1 (bound and released; the peer binds it right after). */
async function freeUdpPort() {
  const socket = dgram.createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  await new Promise((r) => socket.close(r));
  return port;
}

/** utime, stime (ticks, reaped children included) and on-CPU ns of one process, or undefined. */
function processCpu(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime = 14, stime = 15, cutime = 16, cstime = 17, ppid = 4.
    const ppid = Number(fields[1]);
    const user = Number(fields[11]) + Number(fields[13]);
    const system = Number(fields[12]) + Number(fields[14]);
    let onCpuNs = 0;
    try {
      onCpuNs = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // schedstat needs CONFIG_SCHEDSTATS; the tick counts still stand.
    }
    return { ppid, user, system, onCpuNs };
  } catch {
    return undefined;
  }
}

/** CPU of a Kamailio instance: its main process plus every direct child (all its workers). */
function treeCpu(mainPid) {
  const total = { user: 0, system: 0, onCpuNs: 0, processes: 0 };
  const add = (cpu) => {
    total.user += cpu.user;
    total.system += cpu.system;
    total.onCpuNs += cpu.onCpuNs;
    total.processes++;
  };
  const main = processCpu(mainPid);
  if (main === undefined) return total;
  add(main);
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) < 0x30 || entry.charCodeAt(0) > 0x39) continue;
    const cpu = processCpu(entry);
    if (cpu !== undefined && cpu.ppid === mainPid) add(cpu);
  }
  return total;
}

/** Why the peer cannot run here, or undefined when Kamailio and its modules are available. */
function unavailable(dbDir) {
  const check = spawnSync('kamailio', ['-c', '-f', CONFIG, '-A', `DBURL="text://${dbDir}"`], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (check.error?.code === 'ENOENT') return 'kamailio is not installed (no `kamailio` in PATH)';
  if (check.error !== undefined) return `kamailio -c failed: ${check.error.message}`;
  if (check.status !== 0) {
    const lines = `${check.stderr}${check.stdout}`.trim().split('\n');
    const why = lines.find((l) => /ERROR|CRITICAL|could not|cannot/i.test(l)) ?? lines.at(-1) ?? '';
    return `kamailio cannot load bench/scale/uacreg-client.cfg (modules uac, db_text, tm, sl, pv needed): ${why.trim()}`;
  }
  return undefined;
}

/**
 * Register `n` accounts with Kamailio uac_reg against the double at 127.0.0.1:`registrarPort`.
 *
 * @param options.bindings async () => number of bindings the double holds
 * @param options.spreadSeconds first REGISTERs spread over this many seconds (reg_random_delay,
 *   walked every second): the load the library's sweep offers. 0 sends them all at once.
 * @returns { skipped } or { registered, wallMs (exec → all registered), registeringMs (first binding
 *   → all), startup (CPU until the first binding), cpu (CPU from then until all registered),
 *   cpuDrained (the same `drainSeconds` later, tm's finished transactions freed), processes,
 *   udpPort, settings }; CPU figures in µs: user, system (ticks of 10 ms), onCpu (schedstat, ns
 *   precision)
 */
export async function runKamailioPeer({
  n,
  registrarPort,
  domain,
  bindings,
  spreadSeconds,
  children = 4,
  allocator = 'fm',
  deadlineSeconds = 300,
  drainSeconds = 6,
}) {
  const run = mkdtempSync(join(tmpdir(), 'sr-bench-uacreg-'));
  let child;
  try {
    const db = join(run, 'db');
    writeTables(db, 0, registrarPort, domain);
    const why = unavailable(db);
    if (why !== undefined) return { skipped: why };
    writeTables(db, n, registrarPort, domain);

    const port = await freeUdpPort();
    // Shared memory: tm keeps each finished transaction ~5 s (about 10 KB); the table and the
    // records add ~1.5 KB per account. Generous, it is only reserved address space until touched.
    const shmMb = Math.max(256, Math.ceil(n / 1000) * 20);
    const settings = `uac_reg, ${children} UDP children, ${allocator} allocator, reg_timer_interval 1 s, reg_random_delay ${spreadSeconds} s`;
    const log = openSync(join(run, 'kamailio.log'), 'w');
    const t0 = performance.now();
    child = spawn(
      'kamailio',
      [
        '-DD',
        '-E',
        '-f',
        CONFIG,
        '-Y',
        run,
        '-P',
        join(run, 'kamailio.pid'),
        '-m',
        String(shmMb),
        '-M',
        '64',
        '-x',
        allocator,
        '-A',
        `CLIENT_PORT=${port}`,
        '-A',
        `CONTACT_ADDR="127.0.0.1:${port}"`,
        '-A',
        `DBURL="text://${db}"`,
        '-A',
        'REG_TIMER=1',
        '-A',
        `REG_RANDOM=${spreadSeconds}`,
        '-A',
        `CLIENT_CHILDREN=${children}`,
      ],
      { stdio: ['ignore', log, log] },
    );
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    // Until the first binding shows, Kamailio is starting and loading the table (our own figure
    // likewise starts at start(), after add()): the last CPU sample taken while the double held
    // nothing is the baseline, and the clock starts there.
    let held = 0;
    let base = { user: 0, system: 0, onCpuNs: 0, processes: 0 };
    let tFirst = t0;
    while (!exited && performance.now() - t0 < deadlineSeconds * 1000) {
      const sample = held === 0 ? treeCpu(child.pid) : undefined;
      const sampledAt = performance.now();
      held = await bindings();
      if (held === 0 && sample !== undefined) {
        base = sample;
        tFirst = sampledAt;
      }
      if (held >= n) break;
      await sleep(50);
    }
    const wallMs = performance.now() - t0;
    if (exited) {
      const tail = readFileSync(join(run, 'kamailio.log'), 'utf8').trim().split('\n').slice(-5).join(' | ');
      return { skipped: `kamailio exited early: ${tail}` };
    }
    const cpu = treeCpu(child.pid);
    await sleep(drainSeconds * 1000);
    const cpuDrained = treeCpu(child.pid);
    return {
      registered: held,
      wallMs,
      registeringMs: wallMs - (tFirst - t0),
      startup: toMicroseconds(base),
      cpu: toMicroseconds(minus(cpu, base)),
      cpuDrained: toMicroseconds(minus(cpuDrained, base)),
      processes: cpu.processes,
      udpPort: port,
      settings,
    };
  } finally {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const gone = once(child, 'exit');
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(run, { recursive: true, force: true });
  }
}

function minus(a, b) {
  return { user: a.user - b.user, system: a.system - b.system, onCpuNs: a.onCpuNs - b.onCpuNs };
}

function toMicroseconds(cpu) {
  const us = 1e6 / TICKS_PER_SECOND;
  return { user: cpu.user * us, system: cpu.system * us, onCpu: cpu.onCpuNs / 1000 };
}

/** The db_text tables: version, and uacreg with `n` accounts user<i> / pw<i> (l_uuid acc<i>). */
function writeTables(db, n, registrarPort, domain) {
  rmSync(db, { recursive: true, force: true });
  mkdirSync(db, { recursive: true });
  writeFileSync(join(db, 'version'), 'id(int,auto) table_name(string) table_version(int) \n0:uacreg:5\n');
  const columns =
    'id(int,auto) l_uuid(string) l_username(string) l_domain(string) r_username(string) r_domain(string) ' +
    'realm(string,null) auth_username(string) auth_password(string) auth_ha1(string,null) auth_proxy(string) ' +
    'expires(int) flags(int) reg_delay(int) contact_addr(string,null) socket(string,null) \n';
  // db_text escapes ':' inside values with a backslash.
  const proxy = `sip\\:127.0.0.1\\:${registrarPort}`;
  const rows = [columns];
  for (let i = 1; i <= n; i++)
    rows.push(`${i}:acc${i}:user${i}:${domain}:user${i}:${domain}::user${i}:pw${i}::${proxy}:3600:0:0::\n`);
  writeFileSync(join(db, 'uacreg'), rows.join(''));
}
