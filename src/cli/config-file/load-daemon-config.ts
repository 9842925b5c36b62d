/**
 * Reading a daemon config file from disk.
 */
import { readFile } from 'node:fs/promises';
import type { DaemonConfig, DaemonConfigFormat } from './daemon-config.js';
import { detectDaemonConfigFormat } from './daemon-config.js';
import { DaemonConfigError } from './daemon-config-error.js';
import { parseDaemonConfig } from './parse-daemon-config.js';

/** Options of {@link loadDaemonConfig}. */
export interface LoadDaemonConfigOptions {
  /**
   * How to read the file.
   * @default detectDaemonConfigFormat(file) (by extension)
   */
  readonly format?: DaemonConfigFormat | undefined;
  /**
   * Where `passwordEnv` variables are looked up.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/**
 * Read, parse and validate a daemon config file (UTF-8). Throws {@link DaemonConfigError} when the
 * file cannot be read (naming it and the system's reason) or is invalid (see `parseDaemonConfig`).
 */
export async function loadDaemonConfig(
  file: string,
  options: LoadDaemonConfigOptions = {},
): Promise<DaemonConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : typeof code === 'string'
              ? code
              : 'read failed';
    throw new DaemonConfigError(`cannot read the config file (${reason})`, { file }, { cause: error });
  }
  return parseDaemonConfig(text, {
    file,
    format: options.format ?? detectDaemonConfigFormat(file),
    env: options.env,
  });
}
