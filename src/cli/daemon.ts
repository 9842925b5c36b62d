/**
 * `sip-registrant run`: the daemon. Loads the config file, opens the transports, keeps the accounts
 * registered, serves the status port, and reacts to signals:
 * - SIGINT / SIGTERM: graceful stop (every binding un-REGISTERed, paced, within the stop deadline),
 *   then exit 0; a second one exits at once with 130 (an operator who presses Ctrl-C twice means it).
 * - SIGHUP: re-read the file and `reload` the accounts (a diff: unchanged accounts keep their
 *   registration); a bad file keeps the running set and says why. Listen, status and manager
 *   settings are read at start only; a change to them is reported as needing a restart.
 */
import { resolve as resolvePath } from 'node:path';
import { createRegistrantMetrics } from '../management/registrant-metrics.js';
import { RegistrantManager } from '../registrant/registrant-manager.js';
import type { RegistrantManagerOptions } from '../registrant/registrant-manager-options.js';
import type { Transport } from '../transport/transport.js';
import type { RunCommand } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import {
  type DaemonConfig,
  DaemonConfigError,
  loadDaemonConfig,
  parseListenSpec,
} from './config-file/index.js';
import { ExitCode } from './exit-codes.js';
import { createLogger, type Logger } from './logger.js';
import { logManagerEvents } from './manager-log.js';
import { describeTransport, openTransports, TransportOpenError } from './open-transports.js';
import { ProgressLine } from './progress-line.js';
import { summarizeProgress } from './progress-summary.js';
import { type StatusServer, type StatusServerManager, startStatusServer } from './status-server.js';
import { StatusTicker } from './status-ticker.js';

/** Listen address when neither the file nor a flag names one (OpenSIPS' default port). */
export const DEFAULT_LISTEN = 'udp:0.0.0.0:5060';

/** The settings read at start only, by name, to say which of them a reload saw changed. */
function settingsOf(config: DaemonConfig): Map<string, string> {
  const settings = new Map<string, string>([
    ['listen', JSON.stringify(config.listen?.map((l) => l.text) ?? null)],
    ['status', JSON.stringify(config.status ?? null)],
    ['log', JSON.stringify(config.log)],
  ]);
  const manager = config.manager;
  for (const key of Object.keys(manager).sort()) settings.set(`manager.${key}`, JSON.stringify(manager[key]));
  return settings;
}

function changedSettings(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => before.get(key) !== after.get(key)).sort();
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * A reload that would leave no account is refused: an empty or truncated file (caught mid-write, a
 * deploy mistake) must not un-REGISTER everything. Stopping the daemon is the way to remove all.
 */
function emptyReloadProblem(next: DaemonConfig, running: number): string | undefined {
  return next.accounts.length === 0 && running > 0
    ? `the file has no accounts; keeping the running ${running} (stop the daemon to remove them all)`
    : undefined;
}

/** Run until stopped; resolves with the exit code. */
export async function runDaemon(command: RunCommand, io: CliIo): Promise<number> {
  // A SIGHUP while starting (loading 100,000 accounts takes seconds) must not kill the process
  // (Node's default action): it is held and served as a reload once running.
  let earlyHangup = false;
  const offEarlyHangup = io.onSignal('SIGHUP', () => {
    earlyHangup = true;
  });
  try {
    return await runDaemonStarted(command, io, () => earlyHangup);
  } finally {
    offEarlyHangup();
  }
}

async function runDaemonStarted(command: RunCommand, io: CliIo, hungUpEarly: () => boolean): Promise<number> {
  const file = resolvePath(io.cwd, command.config);
  const load = (): Promise<DaemonConfig> =>
    loadDaemonConfig(file, {
      ...(command.format === undefined ? {} : { format: command.format }),
      env: io.env,
    });

  let config: DaemonConfig;
  try {
    config = await load();
  } catch (error) {
    if (error instanceof DaemonConfigError) {
      io.stderr.write(`sip-registrant: ${error.message}\n`);
      return ExitCode.USAGE;
    }
    throw error;
  }

  const progress = new ProgressLine(io.stderr, command.progress && io.stderr.isTTY === true);
  const log: Logger = createLogger({
    level: command.logLevel ?? config.log.level ?? 'info',
    format: command.logFormat ?? config.log.format ?? 'text',
    write: (line) => progress.writeAbove(line),
  });

  let listen: DaemonConfig['listen'];
  try {
    listen =
      command.listen.length > 0
        ? command.listen.map((text) =>
            parseListenSpec(text, '--listen', {
              cert: command.tlsCert,
              key: command.tlsKey,
              ca: command.tlsCa,
              baseDir: io.cwd,
            }),
          )
        : config.listen;
    listen ??= [parseListenSpec(DEFAULT_LISTEN, 'default listen')];
  } catch (error) {
    io.stderr.write(`sip-registrant: ${(error as Error).message}\n`);
    return ExitCode.USAGE;
  }

  let transports: Transport[];
  try {
    transports = await openTransports(listen);
  } catch (error) {
    if (error instanceof TransportOpenError) {
      log.error(error.message);
      return ExitCode.RUNTIME_FAILURE;
    }
    throw error;
  }
  const closeTransports = async (): Promise<void> => {
    await Promise.allSettled(transports.map((transport) => transport.close()));
  };

  let manager: RegistrantManager;
  try {
    const options = {
      ...config.manager,
      ...(command.stopTimeout === undefined ? {} : { stopTimeout: command.stopTimeout }),
      transport: transports,
    } as RegistrantManagerOptions;
    manager = new RegistrantManager(options);
    config.accounts.forEach((account, index) => {
      try {
        manager.add(account);
      } catch (error) {
        const line = config.accountLines[index];
        throw new DaemonConfigError(`${(error as Error).message}`, {
          file,
          ...(line === undefined ? {} : { line }),
          account: index,
        });
      }
    });
  } catch (error) {
    await closeTransports();
    io.stderr.write(`sip-registrant: ${(error as Error).message}\n`);
    return ExitCode.USAGE;
  }

  const unsubscribeLog = logManagerEvents(manager, log);
  if (config.accounts.length === 0)
    log.warn('the config file has no accounts: nothing to register', { config: file });
  const ticker = new StatusTicker({ manager, progress, log, startedAt: Date.now() });
  const metrics = createRegistrantMetrics(manager);
  const statusPort = command.statusPort ?? config.status?.port;
  const statusHost = command.statusHost ?? config.status?.host ?? '127.0.0.1';
  let status: StatusServer | undefined;
  if (statusPort !== undefined) {
    if (!isLoopback(statusHost))
      log.warn(
        `the status port listens on ${statusHost}: its MI can change and delete registrations and has no authentication; keep it behind a firewall or a proxy`,
      );
    try {
      status = await startStatusServer({
        manager: auditedForMi(manager, log, () => ticker.rearm()),
        metrics,
        host: statusHost,
        port: statusPort,
        mi: {
          // MI reg_reload re-reads the file, as OpenSIPS re-reads its table.
          loadConfigs: async () => {
            try {
              const next = await load();
              const refusal = emptyReloadProblem(next, manager.stats().records);
              if (refusal !== undefined) throw new Error(refusal);
              return [...next.accounts];
            } catch (error) {
              log.error(
                `MI reload failed, keeping the running accounts: ${(error as Error).message}`,
                problemsOf(error),
              );
              throw error;
            }
          },
          onError: (error) => log.error('management interface error', { error: String(error) }),
        },
      });
    } catch (error) {
      metrics.dispose();
      unsubscribeLog();
      await closeTransports();
      log.error((error as Error).message);
      return ExitCode.RUNTIME_FAILURE;
    }
  }

  manager.start();
  ticker.start();
  log.info('started', {
    config: file,
    accounts: config.accounts.length,
    transports: transports.map(describeTransport).join(','),
    status: status === undefined ? 'off' : `http://${status.address.host}:${status.address.port}`,
  });

  // What runs: a reload compares the file against these, not against the previous file.
  const runningSettings = settingsOf(config);
  return await new Promise<number>((resolveExit) => {
    let stopping = false;
    let reloading: Promise<void> | undefined;
    let reloadAgain = false;

    const reload = async (): Promise<void> => {
      try {
        const next = await load();
        if (stopping) return;
        const refusal = emptyReloadProblem(next, manager.stats().records);
        if (refusal !== undefined) {
          log.error(`reload refused: ${refusal}`, { config: file });
          return;
        }
        const result = manager.reload([...next.accounts]);
        log.info('reloaded', {
          config: file,
          added: result.added.length,
          updated: result.updated.length,
          removed: result.removed.length,
          unchanged: result.unchanged.length,
        });
        if (result.added.length + result.updated.length > 0) ticker.rearm();
        const nextSettings = settingsOf(next);
        const changed = changedSettings(runningSettings, nextSettings);
        if (changed.length > 0) {
          log.warn(`changed in the file, applied only at restart: ${changed.join(', ')}`, { config: file });
        }
      } catch (error) {
        log.error(
          `reload failed, keeping the running accounts: ${(error as Error).message}`,
          problemsOf(error),
        );
      }
    };
    const onHangup = (): void => {
      if (stopping) return;
      if (reloading !== undefined) {
        reloadAgain = true;
        return;
      }
      log.info('SIGHUP: reloading the config file', { config: file });
      reloading = (async () => {
        do {
          reloadAgain = false;
          await reload();
        } while (reloadAgain && !stopping);
        reloading = undefined;
      })();
    };

    const stop = async (signal: string): Promise<void> => {
      if (stopping) {
        log.warn(`second ${signal}: exiting without waiting for the un-REGISTERs`);
        ticker.stop();
        progress.clear();
        // Leave nothing behind for an in-process caller: handlers, status port, sockets (the
        // stop in progress then fails its remaining requests, which nobody waits for).
        for (const off of unsubscribeSignals) off();
        unsubscribeLog();
        metrics.dispose();
        await Promise.allSettled([status?.close(), closeTransports()]);
        resolveExit(ExitCode.INTERRUPTED);
        return;
      }
      stopping = true;
      const holding = manager.stats().recordsByState.REGISTERED;
      log.info(
        `${signal}: stopping, un-REGISTERing ${holding} registered ${holding === 1 ? 'account' : 'accounts'}`,
      );
      // A stop can take a while (pacing, or a REGISTER in flight that must end, up to Timer F,
      // before its un-REGISTER): say what it is waiting for rather than going quiet.
      const waiting = setInterval(() => {
        const s = summarizeProgress(manager.stats());
        log.info(
          `stopping: ${s.inFlight} ${s.inFlight === 1 ? 'request' : 'requests'} in flight, ${s.registered} still registered (a request in flight ends, at most after Timer F, before its un-REGISTER)`,
        );
      }, 5_000);
      waiting.unref();
      try {
        const result = await manager.stop();
        clearInterval(waiting);
        ticker.stop();
        progress.clear();
        log.info('stopped', {
          unregistered: result.unregistered,
          failed: result.failed,
          timedOut: result.timedOut,
        });
      } catch (error) {
        clearInterval(waiting);
        log.error('stop failed', { error: String(error) });
      }
      for (const off of unsubscribeSignals) off();
      unsubscribeLog();
      metrics.dispose();
      await status?.close();
      await closeTransports();
      resolveExit(ExitCode.OK);
    };
    const unsubscribeSignals = [
      io.onSignal('SIGINT', () => void stop('SIGINT')),
      io.onSignal('SIGTERM', () => void stop('SIGTERM')),
      io.onSignal('SIGHUP', onHangup),
    ];
    if (hungUpEarly()) onHangup();
  });
}

/** The problems of a config error as a list (JSON logs get an array, not text joined by newlines). */
function problemsOf(error: unknown): Record<string, unknown> | undefined {
  return error instanceof DaemonConfigError && error.problems.length > 1
    ? { problems: error.problems.map((problem) => problem.message) }
    : undefined;
}

function safeGet(manager: RegistrantManager, key: string): ReturnType<RegistrantManager['get']> | undefined {
  try {
    return manager.get(key);
  } catch {
    return undefined;
  }
}

/**
 * The manager as the MI sees it, with every change it makes logged at info: an audit trail of what
 * was changed through the management interface (the `reg_*` verbs), and a reload's outcome as
 * SIGHUP logs it.
 */
function auditedForMi(manager: RegistrantManager, log: Logger, onGrown: () => void): StatusServerManager {
  const who = (key: string): Record<string, unknown> => {
    const info = safeGet(manager, key);
    return info === undefined ? { key } : { aor: info.aor, contact: info.binding, registrar: info.registrar };
  };
  return {
    find: (aor, contact, registrar) => manager.find(aor, contact, registrar),
    list: () => manager.list(),
    stats: () => manager.stats(),
    get running() {
      return manager.running;
    },
    upsert(config) {
      const result = manager.upsert(config);
      log.info(`MI upsert: ${result.action}`, {
        aor: config.aor,
        contact: config.contact,
        registrar: config.registrar,
      });
      if (result.action !== 'unchanged') onGrown();
      return result;
    },
    delete(key) {
      const target = who(key);
      const result = manager.delete(key);
      log.info('MI delete', target);
      return result;
    },
    enable(key) {
      const result = manager.enable(key);
      log.info('MI enable', who(key));
      onGrown();
      return result;
    },
    disable(key) {
      const result = manager.disable(key);
      log.info('MI disable', who(key));
      return result;
    },
    forceRegister(key) {
      const result = manager.forceRegister(key);
      log.info(`MI force_register: ${result.result}`, who(key));
      return result;
    },
    reload(configs) {
      const result = manager.reload(configs);
      log.info('MI reload: reloaded', {
        added: result.added.length,
        updated: result.updated.length,
        removed: result.removed.length,
        unchanged: result.unchanged.length,
      });
      if (result.added.length + result.updated.length > 0) onGrown();
      return result;
    },
  };
}
