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
import { type StatusServer, startStatusServer } from './status-server.js';
import { StatusTicker } from './status-ticker.js';

/** Listen address when neither the file nor a flag names one (OpenSIPS' default port). */
export const DEFAULT_LISTEN = 'udp:0.0.0.0:5060';

function settingsOf(config: DaemonConfig): string {
  return JSON.stringify({
    listen: config.listen?.map((l) => l.text),
    status: config.status,
    manager: config.manager,
  });
}

/** Run until stopped; resolves with the exit code. */
export async function runDaemon(command: RunCommand, io: CliIo): Promise<number> {
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
        ? command.listen.map((text) => parseListenSpec(text, '--listen'))
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
  const metrics = createRegistrantMetrics(manager);
  const statusPort = command.statusPort ?? config.status?.port;
  const statusHost = command.statusHost ?? config.status?.host ?? '127.0.0.1';
  let status: StatusServer | undefined;
  if (statusPort !== undefined) {
    try {
      status = await startStatusServer({
        manager,
        metrics,
        host: statusHost,
        port: statusPort,
        mi: {
          // MI reg_reload re-reads the file, as OpenSIPS re-reads its table.
          loadConfigs: async () => [...(await load()).accounts],
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

  const startedAt = Date.now();
  manager.start();
  const ticker = new StatusTicker({ manager, progress, log, startedAt });
  ticker.start();
  log.info('started', {
    config: file,
    accounts: config.accounts.length,
    transports: transports.map(describeTransport).join(','),
    status: status === undefined ? 'off' : `http://${status.address.host}:${status.address.port}`,
  });

  let settings = settingsOf(config);
  return await new Promise<number>((resolveExit) => {
    let stopping = false;
    let reloading: Promise<void> | undefined;
    let reloadAgain = false;

    const reload = async (): Promise<void> => {
      try {
        const next = await load();
        if (stopping) return;
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
        if (nextSettings !== settings) {
          log.warn('listen, status or manager settings changed in the file: restart to apply them');
          settings = nextSettings;
        }
      } catch (error) {
        log.error(`reload failed, keeping the running accounts: ${(error as Error).message}`);
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
        resolveExit(ExitCode.INTERRUPTED);
        return;
      }
      stopping = true;
      const holding = manager.stats().recordsByState.REGISTERED;
      log.info(`${signal}: stopping, un-REGISTERing ${holding} registered accounts`);
      try {
        const result = await manager.stop();
        ticker.stop();
        progress.clear();
        log.info('stopped', {
          unregistered: result.unregistered,
          failed: result.failed,
          timedOut: result.timedOut,
        });
      } catch (error) {
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
  });
}
