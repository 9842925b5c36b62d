/**
 * `sip-registrant check`: load the file exactly as `run` would and say what it holds, so a config
 * can be validated in CI or before a SIGHUP, without opening a socket.
 */
import { resolve as resolvePath } from 'node:path';
import { parseSipUri } from '../sip/uri.js';
import type { CheckCommand } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import { DaemonConfigError, loadDaemonConfig } from './config-file/index.js';
import { listenSpecOf } from './config-file/listen-spec.js';
import { DEFAULT_LISTEN } from './daemon.js';
import { ExitCode } from './exit-codes.js';

function registrarHost(uri: string): string {
  try {
    const parsed = parseSipUri(uri);
    return parsed.port === undefined ? parsed.host : `${parsed.host}:${parsed.port}`;
  } catch {
    return uri;
  }
}

/** Validate and summarize; resolves with the exit code. */
export async function runCheck(command: CheckCommand, io: CliIo): Promise<number> {
  const file = resolvePath(io.cwd, command.config);
  let config: Awaited<ReturnType<typeof loadDaemonConfig>>;
  try {
    config = await loadDaemonConfig(file, {
      ...(command.format === undefined ? {} : { format: command.format }),
      env: io.env,
    });
  } catch (error) {
    if (error instanceof DaemonConfigError) {
      io.stderr.write(`sip-registrant: ${error.message}\n`);
      return ExitCode.USAGE;
    }
    throw error;
  }
  // Only the addresses matter here (forced sockets are checked against them), so a tls --listen is
  // taken without its certificate files.
  let listenSpecs: readonly { readonly text: string }[] | undefined = config.listen;
  if (command.listen.length > 0) {
    const specs = command.listen.map((text) => listenSpecOf(text));
    const problem = specs.find((spec): spec is string => typeof spec === 'string');
    if (problem !== undefined) {
      io.stderr.write(`sip-registrant: --listen: ${problem}\n`);
      return ExitCode.USAGE;
    }
    listenSpecs = specs as { readonly text: string }[];
  }
  const accounts = config.accounts;
  const disabled = accounts.filter((a) => a.enabled === false).length;
  const registrars = new Set(accounts.map((a) => registrarHost(a.registrar)));
  const withAuth = accounts.filter((a) => a.username !== undefined && a.username !== '').length;
  const listen = (listenSpecs ?? []).map((l) => l.text);
  const sockets = new Set(accounts.flatMap((a) => (a.socket === undefined ? [] : [a.socket])));
  const lines = [
    `${command.config}: OK (${config.format})`,
    `  accounts    ${accounts.length}${disabled > 0 ? ` (${disabled} disabled)` : ''}, ${withAuth} with credentials`,
    `  registrars  ${registrars.size === 0 ? '-' : [...registrars].slice(0, 5).join(', ') + (registrars.size > 5 ? `, … (${registrars.size})` : '')}`,
    `  listen      ${listen.length === 0 ? `${DEFAULT_LISTEN} (default)` : listen.join(', ')}`,
    `  status      ${config.status === undefined ? 'off' : `${config.status.host}:${config.status.port}`}`,
    `  manager     ${
      Object.keys(config.manager).length === 0
        ? 'defaults'
        : Object.entries(config.manager)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(', ')
    }`,
  ];
  if (accounts.length === 0)
    lines.push('  warning     no accounts: "run" would start with nothing to register');
  // A forced socket no listen spec opens would leave its account in INTERNAL_ERROR at run time.
  // Compared as the manager does: protocol in any case, the same host and port.
  const canonical = (text: string): string => {
    const spec = listenSpecOf(text);
    return typeof spec === 'string' ? text : spec.text;
  };
  const listening = new Set(listen.map(canonical));
  const unmatched = [...sockets].filter((socket) => !listening.has(canonical(socket)));
  for (const socket of unmatched)
    lines.push(
      `  warning     socket ${socket} is used by an account but is not in "listen" (it must match exactly)`,
    );
  io.stdout.write(`${lines.join('\n')}\n`);
  return ExitCode.OK;
}
