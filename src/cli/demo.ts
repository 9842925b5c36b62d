/**
 * `sip-registrant demo` (`npm run demo`): the library's main job on a laptop, with nothing to set
 * up. A registrar test double is started on loopback UDP (or `--registrar` names a real one, such
 * as a local Kamailio), N accounts register with digest authentication through the real UDP
 * transport and the real manager, a progress line shows them arrive, the reg_list view is printed
 * as a table, and the manager stops with un-REGISTER, so the registrar is left empty.
 */
import { createRegistrantMetrics } from '../management/registrant-metrics.js';
import { RegistrantManager } from '../registrant/registrant-manager.js';
import { parseSipUri } from '../sip/uri.js';
import { createRegistrarDouble, type RegistrarDouble } from '../testing/index.js';
import { createUdpTransport } from '../transport/udp-transport.js';
import type { DemoCommand } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import { listenSpecOf } from './config-file/listen-spec.js';
import { ExitCode } from './exit-codes.js';
import { createLogger } from './logger.js';
import { logManagerEvents } from './manager-log.js';
import { describeTransport } from './open-transports.js';
import { ProgressLine } from './progress-line.js';
import { summarizeProgress } from './progress-summary.js';
import { formatRegListTable } from './reg-list-table.js';
import { type StatusServer, startStatusServer } from './status-server.js';
import { StatusTicker } from './status-ticker.js';

/** Realm of the built-in registrar. */
const DEMO_REALM = 'demo.sip-registrant.test';

/** `host:port`, `udp:host:port` or `[v6]:port` → host and port, read as a `--listen` of `run` is. */
function parseLocal(text: string): { host: string; port: number } {
  const spec = listenSpecOf(text.startsWith('udp:') ? text : `udp:${text}`);
  if (typeof spec === 'string') throw new Error(`--listen: ${spec}`);
  return { host: spec.host, port: spec.port };
}

/** Buckets so that one tick handles a few dozen accounts: a smooth start, not a burst. */
export function demoHashSize(count: number): number {
  return Math.min(16, Math.max(0, Math.ceil(Math.log2(count / 32))));
}

function hostOf(uri: string): string {
  return parseSipUri(uri).host;
}

/** Run the demo; resolves with the exit code (0 when every account registered). */
export async function runDemo(command: DemoCommand, io: CliIo): Promise<number> {
  const progress = new ProgressLine(io.stderr, command.progress && io.stderr.isTTY === true);
  const log = createLogger({
    level: command.logLevel ?? 'info',
    format: command.logFormat ?? 'text',
    write: (line) => progress.writeAbove(line),
  });
  let local: { host: string; port: number };
  let registrar: string;
  try {
    local = parseLocal(command.listen);
    if (command.registrar !== undefined) hostOf(command.registrar);
  } catch (error) {
    io.stderr.write(`sip-registrant demo: ${(error as Error).message}\n`);
    return ExitCode.USAGE;
  }

  let double: RegistrarDouble | undefined;
  if (command.registrar === undefined) {
    const { userPrefix, passwordPrefix } = command;
    double = await createRegistrarDouble({
      host: local.host.includes(':') ? '::1' : '127.0.0.1',
      realm: DEMO_REALM,
      // userN has the password passwordPrefixN, like the Kamailio test users.
      users: (username) =>
        username.startsWith(userPrefix) && /^\d+$/.test(username.slice(userPrefix.length))
          ? `${passwordPrefix}${username.slice(userPrefix.length)}`
          : undefined,
      recordLimit: 0,
    });
    const { host, port } = double.address;
    registrar = `sip:${host.includes(':') ? `[${host}]` : host}:${port}`;
  } else registrar = command.registrar;
  const domain = command.domain ?? hostOf(registrar);

  const transport = await createUdpTransport({ host: local.host, port: local.port });
  const manager = new RegistrantManager({
    transport,
    hashSize: demoHashSize(command.count),
    timerInterval: command.timerInterval,
    ...(command.maxRegistersPerSecond === undefined
      ? {}
      : { maxRegistersPerSecond: command.maxRegistersPerSecond }),
  });
  const { host: contactHost, port: contactPort } = transport.localAddress;
  const contactHostText = contactHost.includes(':') ? `[${contactHost}]` : contactHost;
  for (let i = 1; i <= command.count; i++) {
    const user = `${command.userPrefix}${i}`;
    manager.add({
      registrar,
      aor: `sip:${user}@${domain}`,
      contact: `sip:${user}@${contactHostText}:${contactPort}`,
      username: user,
      password: `${command.passwordPrefix}${i}`,
      expiry: command.expiry,
    });
  }
  const unsubscribeLog = logManagerEvents(manager, log);
  const metrics = createRegistrantMetrics(manager);
  let status: StatusServer | undefined;
  if (command.statusPort !== undefined)
    status = await startStatusServer({ manager, metrics, host: '127.0.0.1', port: command.statusPort });

  log.info(
    `demo: registering ${command.count} accounts at ${registrar}${double === undefined ? '' : ' (built-in test registrar, digest MD5)'}`,
    {
      local: describeTransport(transport),
      ...(status === undefined ? {} : { status: `http://${status.address.host}:${status.address.port}` }),
    },
  );
  const startedAt = Date.now();
  manager.start();
  const ticker = new StatusTicker({ manager, progress, log, startedAt });
  ticker.start();

  // Done when every account has had its first outcome (registered or failed) and nothing is in
  // flight; bounded by one sweep plus a full transaction timeout (Timer F) and some slack.
  const limitMs = command.timerInterval * 1000 + 32_000 + 5_000;
  // The first signal ends the wait (the table is printed, then the stop runs); a signal during
  // the stop gives up waiting for the un-REGISTERs, as the daemon does.
  let interrupted = false;
  let stopping = false;
  let abandonStop: (() => void) | undefined;
  const onSignal = (): void => {
    if (stopping) abandonStop?.();
    interrupted = true;
  };
  const offSignals = [io.onSignal('SIGINT', onSignal), io.onSignal('SIGTERM', onSignal)];
  // Idle records may be disabled (through the MI while the demo runs): those are not waited for.
  // Telling them apart walks the records, so it is done only when nothing is in flight, twice a
  // second at most.
  let lastWalk = 0;
  const settled = (): boolean => {
    const s = summarizeProgress(manager.stats());
    if (s.inFlight > 0) return false;
    if (s.idle === 0) return true;
    if (Date.now() - lastWalk < 500) return false;
    lastWalk = Date.now();
    return manager.list({ state: 'NOT_REGISTERED', enabled: true }).length === 0;
  };
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (settled() || interrupted || Date.now() - startedAt > limitMs) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
  });
  if (interrupted) log.warn('interrupted: showing what is registered so far, then stopping');
  ticker.tick();
  ticker.stop();
  progress.clear();
  const summary = summarizeProgress(manager.stats());
  const enabled = manager.list({ enabled: true }).length;
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(2);
  if (command.tableRows > 0)
    io.stdout.write(`\n${formatRegListTable(manager.list(), { maxRows: command.tableRows })}\n`);
  const disabled = summary.total - enabled;
  io.stdout.write(
    `${summary.registered} of ${enabled} ${enabled === 1 ? 'account' : 'accounts'} registered in ${elapsed} s with ${summary.registersSent} REGISTERs` +
      `${disabled > 0 ? ` (${disabled} disabled)` : ''}` +
      `${summary.failing > 0 ? `; ${summary.failing} failing${command.tableRows > 0 ? " (see the table's last reply)" : ''}` : ''}\n`,
  );

  io.stdout.write(`stopping: un-REGISTERing ${summary.registered} bindings…\n`);
  stopping = true;
  const abandoned = new Promise<'abandoned'>((resolve) => {
    abandonStop = () => resolve('abandoned');
  });
  const result = await Promise.race([manager.stop(), abandoned]);
  if (result === 'abandoned') {
    log.warn('interrupted again: exiting without waiting for the un-REGISTERs');
    for (const off of offSignals) off();
    unsubscribeLog();
    metrics.dispose();
    await Promise.allSettled([status?.close(), transport.close(), double?.close()]);
    return ExitCode.INTERRUPTED;
  }
  io.stdout.write(
    `un-REGISTERed ${result.unregistered}, failed ${result.failed}, timed out ${result.timedOut}` +
      `${double === undefined ? '' : `; the test registrar now holds ${double.bindingCount()} bindings`}\n`,
  );
  for (const off of offSignals) off();
  unsubscribeLog();
  metrics.dispose();
  await status?.close();
  await transport.close();
  await double?.close();
  return summary.registered === enabled ? ExitCode.OK : ExitCode.RUNTIME_FAILURE;
}
