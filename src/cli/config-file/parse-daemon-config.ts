/**
 * Text → validated {@link DaemonConfig}, for each of the three formats.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConfigNode } from './config-node.js';
import { ConfigSyntaxError } from './config-syntax-error.js';
import type { DaemonConfig, DaemonConfigFormat } from './daemon-config.js';
import { DaemonConfigError } from './daemon-config-error.js';
import { buildDaemonConfig } from './daemon-config-schema.js';
import { parseJson } from './json-reader.js';
import { parseUacLines } from './uac-lines.js';
import { parseYaml } from './yaml-parser.js';

/** Options of {@link parseDaemonConfig}. */
export interface ParseDaemonConfigOptions {
  /** The file the text came from: named in every message; relative TLS paths are resolved against its directory. */
  readonly file: string;
  /** How to read the text (see `detectDaemonConfigFormat`). */
  readonly format: DaemonConfigFormat;
  /**
   * Where `passwordEnv` variables are looked up.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Reads the TLS files a `listen` entry names (absolute paths).
   * @default fs.readFileSync
   */
  readonly readFile?: ((path: string) => Buffer) | undefined;
}

const FORMATS: readonly DaemonConfigFormat[] = ['yaml', 'json', 'uac'];

/**
 * Parse and validate a daemon config from its text. Throws {@link DaemonConfigError}
 * (`ERR_DAEMON_CONFIG`) naming the file, line, account and field of every problem (syntax errors
 * included); never another error type for bad text, and never a password in a message.
 */
export function parseDaemonConfig(text: string, options: ParseDaemonConfigOptions): DaemonConfig {
  const file = typeof options?.file === 'string' && options.file !== '' ? options.file : '(config)';
  if (typeof text !== 'string')
    throw new DaemonConfigError(`expected the config text as a string, received ${typeof text}`, { file });
  if (!FORMATS.includes(options.format))
    throw new DaemonConfigError(
      `format must be one of ${FORMATS.join(', ')}, received ${JSON.stringify(String(options.format))}`,
      {
        file,
      },
    );
  const env = options.env ?? process.env;
  if (options.format === 'uac') {
    const list = parseUacLines(text, file);
    return Object.freeze({
      file,
      format: 'uac',
      accounts: Object.freeze(list.accounts),
      accountLines: Object.freeze(list.lines),
      listen: undefined,
      status: undefined,
      log: Object.freeze({}),
      manager: list.manager,
    });
  }
  let root: ConfigNode;
  try {
    root = options.format === 'yaml' ? parseYaml(text) : parseJson(text);
  } catch (error) {
    if (!(error instanceof ConfigSyntaxError)) throw error;
    const where = error.column === undefined ? '' : ` (column ${error.column})`;
    throw new DaemonConfigError(
      `${options.format === 'yaml' ? 'YAML' : 'JSON'} syntax error${where}: ${error.problem}`,
      {
        file,
        line: error.line,
      },
      { cause: error },
    );
  }
  return buildDaemonConfig(root, {
    file,
    format: options.format,
    env,
    baseDir: dirname(resolve(file)),
    readFile: options.readFile ?? ((path) => readFileSync(path)),
  });
}
