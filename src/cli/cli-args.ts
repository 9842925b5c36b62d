/**
 * The command line: `sip-registrant <command> [options]`, read with node:util `parseArgs` (strict:
 * an unknown flag or a missing value is a usage error naming it, never silently ignored).
 */
import { parseArgs } from 'node:util';
import { MAX_EXPIRY } from '../config/registrant-config.js';
import { CliUsageError } from './exit-codes.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './logger.js';

export type DaemonConfigFormatFlag = 'yaml' | 'json' | 'uac';

/** Flags shared by the commands that log. */
export interface LogFlags {
  readonly logFormat: LogFormat | undefined;
  readonly logLevel: LogLevel | undefined;
  readonly progress: boolean;
}

export interface RunCommand extends LogFlags {
  readonly command: 'run';
  readonly config: string;
  readonly format: DaemonConfigFormatFlag | undefined;
  /** `--listen` values in order (they replace the file's `listen`), empty when none. */
  readonly listen: readonly string[];
  readonly statusPort: number | undefined;
  readonly statusHost: string | undefined;
  /** Seconds. */
  readonly stopTimeout: number | undefined;
  /** PEM files served by every TLS `--listen`. */
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly tlsCa: string | undefined;
}

export interface CheckCommand {
  readonly command: 'check';
  readonly config: string;
  readonly format: DaemonConfigFormatFlag | undefined;
  /** `--listen` values, as `run` would take them (they replace the file's `listen`). */
  readonly listen: readonly string[];
}

export interface DemoCommand extends LogFlags {
  readonly command: 'demo';
  readonly count: number;
  /** A registrar URI to use instead of the built-in test double. */
  readonly registrar: string | undefined;
  readonly userPrefix: string;
  readonly passwordPrefix: string;
  /** Domain of the AORs; defaults to the registrar's host. */
  readonly domain: string | undefined;
  /** Local UDP address `host:port` (or `udp:host:port`). */
  readonly listen: string;
  /** Seconds for one sweep of all buckets. */
  readonly timerInterval: number;
  readonly maxRegistersPerSecond: number | undefined;
  readonly expiry: number;
  /** Rows of the final table; `Infinity` for all. */
  readonly tableRows: number;
  readonly statusPort: number | undefined;
}

export interface HelpCommand {
  readonly command: 'help';
  readonly topic: string | undefined;
}

export interface VersionCommand {
  readonly command: 'version';
}

export type CliCommand = RunCommand | CheckCommand | DemoCommand | HelpCommand | VersionCommand;

export const COMMANDS = ['run', 'check', 'demo'] as const;

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new CliUsageError(
      `--${flag}: expected an integer from ${min} to ${max}, received ${JSON.stringify(value)}`,
    );
  return Number(value);
}

function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new CliUsageError(`--${flag}: expected a positive number, received ${JSON.stringify(value)}`);
  return n;
}

function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new CliUsageError(
      `--${flag}: expected one of ${allowed.join(', ')}, received ${JSON.stringify(value)}`,
    );
  return value as T;
}

const LOG_OPTIONS = {
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
  'no-progress': { type: 'boolean' },
} as const;

function logFlags(values: {
  'log-format'?: string;
  'log-level'?: string;
  'no-progress'?: boolean;
}): LogFlags {
  return {
    logFormat: oneOf('log-format', values['log-format'], LOG_FORMATS),
    logLevel: oneOf('log-level', values['log-level'], LOG_LEVELS),
    progress: values['no-progress'] !== true,
  };
}

type FlagSpec = Readonly<
  Record<
    string,
    { readonly type: 'string' | 'boolean'; readonly short?: string; readonly multiple?: boolean }
  >
>;
type FlagValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

function parse(command: string, args: string[], options: FlagSpec): FlagValues {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
      strict: true,
    }).values;
  } catch (error) {
    // parseArgs' messages name the flag ("Unknown option '--x'"); keep them, say which command.
    throw new CliUsageError(`${command}: ${(error as Error).message}`);
  }
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.trim() === '')
    throw new CliUsageError(
      `--${flag}: expected an address (e.g. 127.0.0.1 or ::1), received an empty value`,
    );
  return value;
}

function requireConfig(command: string, config: string | undefined): string {
  if (config === undefined || config === '')
    throw new CliUsageError(
      `${command}: --config FILE is required (a YAML, JSON or OpenSIPS uac-lines file)`,
    );
  return config;
}

/** Read `argv` (without node and the script). @throws CliUsageError */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic !== undefined && !(COMMANDS as readonly string[]).includes(topic))
      throw new CliUsageError(
        `help: unknown command ${JSON.stringify(topic)} (commands: ${COMMANDS.join(', ')})`,
      );
    return { command: 'help', topic };
  }
  if (first === '--version' || first === '-V' || first === 'version') return { command: 'version' };
  if (first === 'run') {
    const values = parse('run', rest, {
      config: { type: 'string', short: 'c' },
      format: { type: 'string' },
      listen: { type: 'string', multiple: true },
      'status-port': { type: 'string' },
      'status-host': { type: 'string' },
      'stop-timeout': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      ...LOG_OPTIONS,
    });
    if (values.help === true) return { command: 'help', topic: 'run' };
    return {
      command: 'run',
      config: requireConfig('run', values.config as string | undefined),
      format: oneOf('format', values.format as string | undefined, ['yaml', 'json', 'uac'] as const),
      listen: (values.listen as string[] | undefined) ?? [],
      statusPort: integer('status-port', values['status-port'] as string | undefined, 0, 65535),
      statusHost: nonEmpty('status-host', values['status-host'] as string | undefined),
      stopTimeout: positiveNumber('stop-timeout', values['stop-timeout'] as string | undefined),
      tlsCert: values['tls-cert'] as string | undefined,
      tlsKey: values['tls-key'] as string | undefined,
      tlsCa: values['tls-ca'] as string | undefined,
      ...logFlags(values as Parameters<typeof logFlags>[0]),
    };
  }
  if (first === 'check') {
    const values = parse('check', rest, {
      config: { type: 'string', short: 'c' },
      format: { type: 'string' },
      listen: { type: 'string', multiple: true },
    });
    if (values.help === true) return { command: 'help', topic: 'check' };
    return {
      command: 'check',
      config: requireConfig('check', values.config as string | undefined),
      format: oneOf('format', values.format as string | undefined, ['yaml', 'json', 'uac'] as const),
      listen: (values.listen as string[] | undefined) ?? [],
    };
  }
  if (first === 'demo') {
    const values = parse('demo', rest, {
      count: { type: 'string', short: 'n' },
      registrar: { type: 'string' },
      'user-prefix': { type: 'string' },
      'password-prefix': { type: 'string' },
      domain: { type: 'string' },
      listen: { type: 'string' },
      'timer-interval': { type: 'string' },
      rate: { type: 'string' },
      expiry: { type: 'string' },
      'table-rows': { type: 'string' },
      'status-port': { type: 'string' },
      ...LOG_OPTIONS,
    });
    if (values.help === true) return { command: 'help', topic: 'demo' };
    const tableRows = values['table-rows'] as string | undefined;
    return {
      command: 'demo',
      count: integer('count', values.count as string | undefined, 1, 1_000_000) ?? 1000,
      registrar: values.registrar as string | undefined,
      userPrefix: (values['user-prefix'] as string | undefined) ?? 'user',
      passwordPrefix: (values['password-prefix'] as string | undefined) ?? 'pass',
      domain: values.domain as string | undefined,
      listen: (values.listen as string | undefined) ?? '127.0.0.1:0',
      timerInterval: positiveNumber('timer-interval', values['timer-interval'] as string | undefined) ?? 4,
      maxRegistersPerSecond: positiveNumber('rate', values.rate as string | undefined),
      expiry: integer('expiry', values.expiry as string | undefined, 1, MAX_EXPIRY) ?? 3600,
      tableRows:
        tableRows === 'all'
          ? Number.POSITIVE_INFINITY
          : (integer('table-rows', tableRows, 0, 1_000_000) ?? 20),
      statusPort: integer('status-port', values['status-port'] as string | undefined, 0, 65535),
      ...logFlags(values as Parameters<typeof logFlags>[0]),
    };
  }
  throw new CliUsageError(`unknown command ${JSON.stringify(first)} (commands: ${COMMANDS.join(', ')})`);
}
