/**
 * What the daemon reads from its config file, and how the file's format is chosen.
 */
import { extname } from 'node:path';
import type { RegistrantConfig } from '../../config/registrant-config.js';
import type { ListenSpec } from './listen-spec.js';

/** The three config file formats: YAML and JSON share one schema; `uac` is OpenSIPS `uac` lines. */
export type DaemonConfigFormat = 'yaml' | 'json' | 'uac';

/** Log line format. */
export type DaemonLogFormat = 'text' | 'json';

/** Lowest level that is logged. */
export type DaemonLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A loaded, validated daemon config. */
export interface DaemonConfig {
  /** The file as given to the loader. */
  readonly file: string;
  readonly format: DaemonConfigFormat;
  /**
   * The accounts to register, validated (ready for `manager.add` / `reload`): those of `accounts`
   * (with `defaults` merged under them and `passwordEnv` resolved) followed by those of `uac`.
   */
  readonly accounts: readonly RegistrantConfig[];
  /** The 1-based line of each account in the file (same order as `accounts`). */
  readonly accountLines: readonly (number | undefined)[];
  /** Addresses to listen on; `undefined` when the file names none (the caller's default applies). */
  readonly listen: readonly ListenSpec[] | undefined;
  /** The status endpoint; `undefined` when the file has none. */
  readonly status: { readonly host: string; readonly port: number } | undefined;
  /** Logging settings given in the file (each optional). */
  readonly log: { readonly format?: DaemonLogFormat; readonly level?: DaemonLogLevel };
  /** Plain-data `RegistrantManager` options, validated by the manager's own rules. */
  readonly manager: Readonly<Record<string, unknown>>;
}

/**
 * The format of a config file by its extension: `.yaml` / `.yml` → `yaml`, `.json` → `json`,
 * anything else (`.uac`, `.cfg`, `.txt`, `.csv`, none) → `uac` lines. Case-insensitive.
 */
export function detectDaemonConfigFormat(file: string): DaemonConfigFormat {
  const extension = extname(file).toLowerCase();
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  if (extension === '.json') return 'json';
  return 'uac';
}
