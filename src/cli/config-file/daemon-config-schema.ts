/**
 * The schema of YAML and JSON daemon configs: top-level keys `listen`, `status`, `log`, `manager`,
 * `defaults`, `accounts`, `uac`, each checked by its section reader; every problem is collected
 * with its line, then all are thrown as one {@link DaemonConfigError}.
 */
import { isIP } from 'node:net';
import { classifyHost } from '../../sip/host.js';
import { newAccountList, readAccounts, readDefaults, readUacSection } from './accounts-section.js';
import { type ConfigMappingEntry, type ConfigNode, findEntry } from './config-node.js';
import { ConfigProblems } from './config-problems.js';
import type { DaemonConfig, DaemonConfigFormat, DaemonLogFormat, DaemonLogLevel } from './daemon-config.js';
import { unknownKeyProblem } from './did-you-mean.js';
import { type ListenSpec, readListenSection } from './listen-spec.js';
import { readManagerSection } from './manager-section.js';
import { describeNode } from './node-text.js';

/** The top-level keys of a YAML / JSON daemon config. */
export const DAEMON_CONFIG_KEYS = [
  'listen',
  'status',
  'log',
  'manager',
  'defaults',
  'accounts',
  'uac',
] as const;

const LOG_FORMATS: readonly DaemonLogFormat[] = ['text', 'json'];
const LOG_LEVELS: readonly DaemonLogLevel[] = ['debug', 'info', 'warn', 'error'];

/** Default host of the status endpoint: loopback (it has no authentication). */
export const DEFAULT_STATUS_HOST = '127.0.0.1';

/** What schema validation needs besides the tree. */
export interface DaemonConfigSchemaContext {
  readonly file: string;
  readonly format: DaemonConfigFormat;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative TLS file paths are resolved against. */
  readonly baseDir: string;
  readonly readFile: (path: string) => Buffer;
}

function isNull(node: ConfigNode): boolean {
  return node.kind === 'scalar' && node.value === null;
}

/**
 * Validate a parsed YAML / JSON document against the daemon config schema. Throws
 * {@link DaemonConfigError} listing every problem with its line.
 */
export function buildDaemonConfig(root: ConfigNode, ctx: DaemonConfigSchemaContext): DaemonConfig {
  const problems = new ConfigProblems(ctx.file);
  if (root.kind !== 'mapping' && !isNull(root)) {
    problems.add(
      root.line,
      `expected a mapping with keys ${DAEMON_CONFIG_KEYS.join(', ')} at the top of the file, received ${describeNode(root)}`,
    );
    problems.throwIfAny();
  }
  const entries = root.kind === 'mapping' ? root.entries : [];
  for (const entry of entries)
    if (!(DAEMON_CONFIG_KEYS as readonly string[]).includes(entry.key))
      problems.add(entry.keyLine, unknownKeyProblem(entry.key, DAEMON_CONFIG_KEYS, 'top-level key'), {
        field: entry.key,
      });
  const section = (key: (typeof DAEMON_CONFIG_KEYS)[number]): ConfigMappingEntry | undefined => {
    const entry = root.kind === 'mapping' ? findEntry(root, key) : undefined;
    return entry === undefined || isNull(entry.value) ? undefined : entry;
  };

  const listenEntry = section('listen');
  let listen: ListenSpec[] | undefined;
  if (listenEntry !== undefined)
    listen = readListenSection(listenEntry.value, listenEntry.keyLine, {
      problems,
      baseDir: ctx.baseDir,
      readFile: ctx.readFile,
    });

  const statusEntry = section('status');
  const status = statusEntry === undefined ? undefined : readStatus(statusEntry, problems);
  const logEntry = section('log');
  const log = logEntry === undefined ? {} : readLog(logEntry, problems);
  const managerEntry = section('manager');
  const manager =
    managerEntry === undefined
      ? Object.freeze({})
      : readManagerSection(managerEntry.value, managerEntry.keyLine, problems);

  const accountsCtx = { problems, env: ctx.env };
  const defaultsEntry = section('defaults');
  const defaults =
    defaultsEntry === undefined
      ? new Map()
      : readDefaults(defaultsEntry.value, defaultsEntry.keyLine, problems);
  const list = newAccountList();
  const accountsEntry = section('accounts');
  if (accountsEntry !== undefined)
    readAccounts(accountsEntry.value, accountsEntry.keyLine, defaults, list, accountsCtx);
  const uacEntry = section('uac');
  if (uacEntry !== undefined) readUacSection(uacEntry.value, uacEntry.keyLine, list, accountsCtx);

  problems.throwIfAny();
  return Object.freeze({
    file: ctx.file,
    format: ctx.format,
    accounts: Object.freeze(list.accounts),
    accountLines: Object.freeze(list.lines),
    listen: listen === undefined ? undefined : Object.freeze(listen),
    status,
    log: Object.freeze(log),
    manager,
  });
}

/** The mapping of a section, reporting anything else; unknown keys reported too. */
function sectionMapping(
  entry: ConfigMappingEntry,
  known: readonly string[],
  what: string,
  problems: ConfigProblems,
): Map<string, { readonly node: ConfigNode; readonly line: number }> | undefined {
  if (entry.value.kind !== 'mapping') {
    problems.add(
      entry.keyLine,
      `${entry.key}: expected a mapping (${known.join(', ')}), received ${describeNode(entry.value)}`,
      {
        field: entry.key,
      },
    );
    return undefined;
  }
  const out = new Map<string, { readonly node: ConfigNode; readonly line: number }>();
  for (const item of entry.value.entries) {
    if (known.includes(item.key)) {
      if (!isNull(item.value)) out.set(item.key, { node: item.value, line: item.keyLine });
    } else
      problems.add(item.keyLine, `${entry.key}: ${unknownKeyProblem(item.key, known, what)}`, {
        field: `${entry.key}.${item.key}`,
      });
  }
  return out;
}

function readStatus(entry: ConfigMappingEntry, problems: ConfigProblems): DaemonConfig['status'] {
  const before = problems.count;
  const values = sectionMapping(entry, ['host', 'port'], 'status key', problems);
  if (values === undefined) return undefined;
  let host = DEFAULT_STATUS_HOST;
  const hostValue = values.get('host');
  if (hostValue !== undefined) {
    const scalar = hostValue.node.kind === 'scalar' ? hostValue.node : undefined;
    const text = scalar?.plainText ?? scalar?.value;
    const bare =
      typeof text === 'string' && text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
    if (
      typeof text === 'string' &&
      typeof bare === 'string' &&
      (isIP(bare) !== 0 || classifyHost(text) !== undefined)
    )
      host = bare;
    else
      problems.add(
        hostValue.line,
        `status.host: expected an IP address or host name to bind, received ${describeNode(hostValue.node)}`,
        {
          field: 'status.host',
        },
      );
  }
  const portValue = values.get('port');
  let port: number | undefined;
  if (portValue === undefined)
    problems.add(entry.keyLine, 'status.port: is required (0..65535; 0 picks a free port)', {
      field: 'status.port',
    });
  else {
    const value = portValue.node.kind === 'scalar' ? portValue.node.value : undefined;
    // 0 lets the system pick a free port (tests, and one-off runs that log the bound address).
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535) port = value;
    else
      problems.add(
        portValue.line,
        `status.port: expected an integer 0..65535, received ${describeNode(portValue.node)}`,
        {
          field: 'status.port',
        },
      );
  }
  if (port === undefined || problems.count !== before) return undefined;
  return Object.freeze({ host, port });
}

function readLog(entry: ConfigMappingEntry, problems: ConfigProblems): DaemonConfig['log'] {
  const values = sectionMapping(entry, ['format', 'level'], 'log key', problems);
  const out: { format?: DaemonLogFormat; level?: DaemonLogLevel } = {};
  if (values === undefined) return out;
  const pick = <T extends string>(key: 'format' | 'level', allowed: readonly T[]): T | undefined => {
    const found = values.get(key);
    if (found === undefined) return undefined;
    const value = found.node.kind === 'scalar' ? found.node.value : undefined;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    problems.add(
      found.line,
      `log.${key}: expected one of ${allowed.join(', ')}, received ${describeNode(found.node)}`,
      {
        field: `log.${key}`,
      },
    );
    return undefined;
  };
  const format = pick('format', LOG_FORMATS);
  const level = pick('level', LOG_LEVELS);
  if (format !== undefined) out.format = format;
  if (level !== undefined) out.level = level;
  return out;
}
