/** Options of {@link createMiHandler}, validated up front. */
import type { Clock } from '../clock.js';
import { realClock } from '../clock.js';
import type { RegistrantConfig } from '../config/registrant-config.js';
import { SipInvalidArgumentError } from '../errors.js';
import type { MiTimeFormat } from './mi-record-view.js';

/** Options of `createMiHandler`. */
export interface MiHandlerOptions {
  /**
   * Where `reload` reads the records from (OpenSIPS reads its `registrant` table), e.g. rows turned
   * into configs with `parseRegistrantRow`. Without it, `reload` answers 500 "Reload not available".
   * @default undefined
   */
  readonly loadConfigs?: (() => RegistrantConfig[] | Promise<RegistrantConfig[]>) | undefined;
  /**
   * Longest wait for `loadConfigs()`; past it `reload` answers 500 "Failed to load registrants"
   * (a stuck database must not hang the management interface).
   * @default 30000
   */
  readonly loadTimeoutMs?: number | undefined;
  /** Time source for `loadTimeoutMs` (tests pass a `FakeClock`). @default realClock */
  readonly clock?: Clock | undefined;
  /** How `list` shows times (see {@link MiTimeFormat}). @default 'ctime' */
  readonly timeFormat?: MiTimeFormat | undefined;
  /** `list` adds our fields OpenSIPS lacks (key, last_code, …, never a password). @default false */
  readonly extendedFields?: boolean | undefined;
  /**
   * `upsert` with a non-empty `cluster_shtag` registers the record ignoring the tag, instead of
   * answering Invalid params (this library has no clustering).
   * @default false
   */
  readonly ignoreClusterShtag?: boolean | undefined;
  /** Largest accepted HTTP request body in bytes; a larger one gets 413. @default 1048576 (1 MiB) */
  readonly maxBodyBytes?: number | undefined;
  /** Most requests in one JSON-RPC batch; a larger batch is an Invalid Request. @default 100 */
  readonly maxBatchSize?: number | undefined;
  /**
   * Called with unexpected errors (answered as -32603 Internal error without details), for logging.
   * @default undefined
   */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** Options with defaults applied. */
export interface ResolvedMiHandlerOptions {
  readonly loadConfigs: (() => RegistrantConfig[] | Promise<RegistrantConfig[]>) | undefined;
  readonly loadTimeoutMs: number;
  readonly clock: Clock;
  readonly timeFormat: MiTimeFormat;
  readonly extendedFields: boolean;
  readonly ignoreClusterShtag: boolean;
  readonly maxBodyBytes: number;
  readonly maxBatchSize: number;
  readonly onError: ((error: unknown) => void) | undefined;
}

function received(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'string'
    ? `string ${JSON.stringify(value.slice(0, 40))}`
    : `${typeof value} ${String(value)}`;
}

function optionalFunction<T>(options: Record<string, unknown>, name: string): T | undefined {
  const value = options[name];
  if (value !== undefined && typeof value !== 'function')
    throw new SipInvalidArgumentError(
      `createMiHandler: option ${name} must be a function, received ${received(value)}`,
    );
  return value as T | undefined;
}

function optionalBoolean(options: Record<string, unknown>, name: string): boolean {
  const value = options[name] ?? false;
  if (typeof value !== 'boolean')
    throw new SipInvalidArgumentError(
      `createMiHandler: option ${name} must be a boolean, received ${received(value)}`,
    );
  return value;
}

function positiveInteger(options: Record<string, unknown>, name: string, fallback: number): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw new SipInvalidArgumentError(
      `createMiHandler: option ${name} must be a positive integer, received ${received(value)}`,
    );
  return value;
}

function clockOption(value: unknown): Clock {
  if (value === undefined) return realClock;
  const c = value as Partial<Clock>;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof c.now !== 'function' ||
    typeof c.setTimeout !== 'function' ||
    typeof c.clearTimeout !== 'function'
  )
    throw new SipInvalidArgumentError(
      'createMiHandler: option clock must be a Clock (now, setTimeout, clearTimeout), received ' +
        (value === null ? 'null' : typeof value),
    );
  return value as Clock;
}

export function resolveMiHandlerOptions(input: unknown): ResolvedMiHandlerOptions {
  if (input === undefined) input = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new SipInvalidArgumentError(
      `createMiHandler: options must be an object, received ${received(input)}`,
    );
  const options = input as Record<string, unknown>;
  const timeFormat = options.timeFormat ?? 'ctime';
  if (timeFormat !== 'ctime' && timeFormat !== 'iso' && timeFormat !== 'epoch')
    throw new SipInvalidArgumentError(
      `createMiHandler: option timeFormat must be 'ctime', 'iso' or 'epoch', received ${received(timeFormat)}`,
    );
  return {
    loadConfigs: optionalFunction(options, 'loadConfigs'),
    loadTimeoutMs: positiveInteger(options, 'loadTimeoutMs', 30_000),
    clock: clockOption(options.clock),
    timeFormat,
    extendedFields: optionalBoolean(options, 'extendedFields'),
    ignoreClusterShtag: optionalBoolean(options, 'ignoreClusterShtag'),
    maxBodyBytes: positiveInteger(options, 'maxBodyBytes', 1024 * 1024),
    maxBatchSize: positiveInteger(options, 'maxBatchSize', 100),
    onError: optionalFunction(options, 'onError'),
  };
}
