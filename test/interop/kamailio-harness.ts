/**
 * Test harness that runs a real Kamailio registrar on loopback for the interop tests.
 *
 * Each {@link startKamailioRegistrar} call copies `kamailio/registrar.cfg` (the project's own config)
 * into a fresh temp dir, starts `kamailio` in the foreground on a free 127.0.0.1 UDP+TCP port with
 * the knobs passed as `-A` pre-processor defines, waits until its ctl socket answers, and hands back
 * a handle that reads the usrloc `location` table through `kamcmd` and stops the process.
 *
 * Every wait is bounded. Started instances are SIGKILLed (with their whole process group) when the
 * Node process exits or is interrupted, so a failing or forgotten test leaves no Kamailio behind.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';
import {
  KamcmdRpcError,
  kamcmdRpcError,
  type LocationContact,
  parseKamcmdStatistics,
  parseLocationAors,
  parseLocationDump,
  parseLocationLookup,
} from './kamcmd-reply.js';
import { pickLoopbackPort } from './loopback-port.js';

export type { LocationContact } from './kamcmd-reply.js';

/** The only address the registrar listens on. */
const HOST = '127.0.0.1';
/** Our config, shipped beside this file; copied into each instance's temp dir. */
const CONFIG_URL = new URL('./kamailio/registrar.cfg', import.meta.url);
/** Where Debian puts the binaries; searched after PATH because a non-root PATH often lacks sbin. */
const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];
const POLL_MS = 25;
const KILL_WAIT_MS = 2_000;
const LOG_TAIL_BYTES = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Availability and the skipping policy
// ---------------------------------------------------------------------------------------------

/** Whether Kamailio can be run on this machine, and why not. */
export interface KamailioAvailability {
  readonly available: boolean;
  /** Human-readable: the version found, or what is missing. */
  readonly reason: string;
  /** Absolute path of the `kamailio` binary, when found. */
  readonly kamailioPath: string | undefined;
  /** Absolute path of `kamcmd`, when found. */
  readonly kamcmdPath: string | undefined;
  /** e.g. `5.6.3`, when `kamailio -v` ran. */
  readonly version: string | undefined;
}

/** Where to look for the binaries. */
export interface KamailioBinaryOptions {
  /**
   * `kamailio` binary: a path, or a name searched in PATH and the sbin directories.
   * @default process.env.KAMAILIO_BIN, else 'kamailio'
   */
  kamailioPath?: string;
  /**
   * `kamcmd` binary: a path, or a name searched in PATH and the sbin directories.
   * @default process.env.KAMCMD_BIN, else 'kamcmd'
   */
  kamcmdPath?: string;
}

const availabilityCache = new Map<string, KamailioAvailability>();

/**
 * Checks that `kamailio` and `kamcmd` exist and that `kamailio -v` runs (bounded to 5 s). The result
 * is cached per binary pair. Synchronous so that test files can decide at collection time.
 */
export function kamailioAvailability(options: KamailioBinaryOptions = {}): KamailioAvailability {
  const kamailioName = options.kamailioPath ?? process.env.KAMAILIO_BIN ?? 'kamailio';
  const kamcmdName = options.kamcmdPath ?? process.env.KAMCMD_BIN ?? 'kamcmd';
  const cacheKey = `${kamailioName}\0${kamcmdName}`;
  const cached = availabilityCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const result = probeAvailability(kamailioName, kamcmdName);
  availabilityCache.set(cacheKey, result);
  return result;
}

function probeAvailability(kamailioName: string, kamcmdName: string): KamailioAvailability {
  const kamailioPath = findExecutable(kamailioName);
  const kamcmdPath = findExecutable(kamcmdName);
  const missing = (what: string): KamailioAvailability => ({
    available: false,
    reason: what,
    kamailioPath,
    kamcmdPath,
    version: undefined,
  });
  if (kamailioPath === undefined) return missing(notFound(kamailioName));
  if (kamcmdPath === undefined) return missing(notFound(kamcmdName));
  const run = spawnSync(kamailioPath, ['-v'], {
    encoding: 'utf8',
    timeout: 5_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (run.error !== undefined) return missing(`'${kamailioPath} -v' could not run: ${run.error.message}`);
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  const marker = 'version: kamailio ';
  const at = output.indexOf(marker);
  if (run.status !== 0 || at < 0) {
    return missing(`'${kamailioPath} -v' exited with status ${String(run.status)} and no version line`);
  }
  const version = output.slice(at + marker.length).split(/\s/, 1)[0] ?? '';
  return {
    available: true,
    reason: `kamailio ${version} at ${kamailioPath}`,
    kamailioPath,
    kamcmdPath,
    version,
  };
}

function notFound(name: string): string {
  return name.includes('/')
    ? `no executable file at ${name}`
    : `no executable '${name}' in PATH or ${SBIN_DIRS.join(', ')}`;
}

function findExecutable(name: string): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : [...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== ''), ...SBIN_DIRS].map((dir) =>
        join(dir, name),
      );
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not there or not executable: try the next candidate
    }
  }
  return undefined;
}

/**
 * What an interop suite does with this availability: `run`; `skip` (with a visible notice) on a
 * developer machine without Kamailio; `fail` when `CI=true` and Kamailio is missing, because CI
 * installs it and a silent skip there would hide a broken install.
 */
export function kamailioTestPolicy(
  availability: Pick<KamailioAvailability, 'available'>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): 'run' | 'skip' | 'fail' {
  if (availability.available) return 'run';
  return env.CI === 'true' ? 'fail' : 'skip';
}

/**
 * `describe` for suites that need Kamailio. Runs `fn` when Kamailio is available; otherwise prints a
 * `console.warn` line naming the suite and the reason and skips it — except when `CI=true`, where
 * it registers one failing test instead, so a missing Kamailio never passes silently in CI.
 */
export function describeWithKamailio(name: string, fn: () => void): void {
  const availability = kamailioAvailability();
  const policy = kamailioTestPolicy(availability);
  if (policy === 'fail') {
    describe(name, () => {
      it('Kamailio is installed and runnable (required when CI=true)', () => {
        throw new Error(
          `Kamailio is required when CI=true but is not usable: ${availability.reason}. ` +
            `.ci/run installs the Debian package 'kamailio'.`,
        );
      });
    });
    return;
  }
  if (policy === 'skip') {
    console.warn(
      `[interop] SKIPPING "${name}": Kamailio is not available (${availability.reason}). ` +
        `Install the Debian package 'kamailio' to run the interop tests.`,
    );
  }
  describe.skipIf(policy === 'skip')(name, fn);
}

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/** Knobs of {@link startKamailioRegistrar}. Each one below a define of `registrar.cfg`. */
export interface KamailioRegistrarOptions extends KamailioBinaryOptions {
  /**
   * Digest realm of the challenges (define `REALM`). Letters, digits, `.`, `-`, `_` only.
   * @default '127.0.0.1'
   */
  realm?: string;
  /**
   * A REGISTER with 0 < Expires below this gets `423` + `Min-Expires` (define `MIN_EXPIRES`).
   * @default 60
   */
  minExpires?: number;
  /**
   * Granted expiries are capped to this (define `MAX_EXPIRES`).
   * @default 3600
   */
  maxExpires?: number;
  /**
   * Expiry granted when the REGISTER asks none (define `DEF_EXPIRES`).
   * @default 3600
   */
  defaultExpires?: number;
  /**
   * Nonce lifetime in seconds; an older nonce gets `401 … stale=true` (define `NONCE_EXPIRE`).
   * @default 30
   */
  nonceExpire?: number;
  /**
   * `Retry-After` of the `503` sent to `busy*` users (define `RETRY_AFTER`).
   * @default 30
   */
  retryAfter?: number;
  /**
   * Expiry granted to `short*` users whatever they ask (define `SHORT_EXPIRES`); at least
   * `minExpires`, or Kamailio answers those users 423.
   * @default 60, or `minExpires` when that is larger
   */
  shortExpires?: number;
  /**
   * UDP worker processes, and as many TCP workers (define `REG_CHILDREN`).
   * @default 2
   */
  children?: number;
  /**
   * Kamailio `debug=` level, 0 to 3 (define `DEBUG_LEVEL`).
   * @default 2
   */
  debugLevel?: number;
  /**
   * A wrong password gets `403` instead of a new `401` (define `WRONGPW_403`).
   * @default false
   */
  wrongPassword403?: boolean;
  /**
   * Shared memory in MiB (`-m`). 64 MiB holds thousands of bindings.
   * @default 64
   */
  shmMegabytes?: number;
  /**
   * Private memory per process in MiB (`-M`).
   * @default 8
   */
  pkgMegabytes?: number;
  /**
   * Bound on the start: process up and ctl socket answering.
   * @default 10000
   */
  startTimeoutMs?: number;
  /**
   * Bound on the wait after SIGTERM before SIGKILL.
   * @default 5000
   */
  stopTimeoutMs?: number;
  /**
   * Bound on each `kamcmd` call.
   * @default 5000
   */
  rpcTimeoutMs?: number;
  /**
   * How many ports to try when another process takes the chosen port before Kamailio binds it.
   * @default 5
   */
  portAttempts?: number;
}

/** The defines and limits an instance runs with, after defaults. */
export interface KamailioRegistrarSettings {
  readonly realm: string;
  readonly minExpires: number;
  readonly maxExpires: number;
  readonly defaultExpires: number;
  readonly nonceExpire: number;
  readonly retryAfter: number;
  readonly shortExpires: number;
  readonly children: number;
  readonly debugLevel: number;
  readonly wrongPassword403: boolean;
  readonly shmMegabytes: number;
  readonly pkgMegabytes: number;
  readonly startTimeoutMs: number;
  readonly stopTimeoutMs: number;
  readonly rpcTimeoutMs: number;
  readonly portAttempts: number;
}

/** Thrown when the harness cannot do what was asked; the message carries the log tail if any. */
export class KamailioHarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KamailioHarnessError';
  }
}

function integerOption(
  options: KamailioRegistrarOptions,
  name: keyof KamailioRegistrarOptions,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new KamailioHarnessError(
      `startKamailioRegistrar: option ${name} must be an integer from ${min} to ${max}, received ${describeValue(value)}`,
    );
  }
  return value;
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function resolveOptions(options: KamailioRegistrarOptions): KamailioRegistrarSettings {
  if (options === null || typeof options !== 'object') {
    throw new KamailioHarnessError(
      `startKamailioRegistrar: options must be an object, received ${String(options)}`,
    );
  }
  const realm = options.realm ?? '127.0.0.1';
  // The realm lands inside a quoted define and in every challenge: keep it a plain host-like token.
  if (typeof realm !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(realm)) {
    throw new KamailioHarnessError(
      `startKamailioRegistrar: option realm must be 1 to 64 letters, digits, '.', '-' or '_', received ${describeValue(realm)}`,
    );
  }
  const wrongPassword403 = options.wrongPassword403 ?? false;
  if (typeof wrongPassword403 !== 'boolean') {
    throw new KamailioHarnessError(
      `startKamailioRegistrar: option wrongPassword403 must be a boolean, received ${describeValue(wrongPassword403)}`,
    );
  }
  const day = 86_400;
  const minExpires = integerOption(options, 'minExpires', 60, 0, day);
  const settings: KamailioRegistrarSettings = {
    realm,
    minExpires,
    maxExpires: integerOption(options, 'maxExpires', 3600, 1, 10 * day),
    defaultExpires: integerOption(options, 'defaultExpires', 3600, 1, 10 * day),
    nonceExpire: integerOption(options, 'nonceExpire', 30, 1, day),
    retryAfter: integerOption(options, 'retryAfter', 30, 0, day),
    shortExpires: integerOption(options, 'shortExpires', Math.max(60, minExpires), 1, 10 * day),
    children: integerOption(options, 'children', 2, 1, 16),
    debugLevel: integerOption(options, 'debugLevel', 2, 0, 3),
    wrongPassword403,
    shmMegabytes: integerOption(options, 'shmMegabytes', 64, 16, 4096),
    pkgMegabytes: integerOption(options, 'pkgMegabytes', 8, 4, 256),
    startTimeoutMs: integerOption(options, 'startTimeoutMs', 10_000, 100, 120_000),
    stopTimeoutMs: integerOption(options, 'stopTimeoutMs', 5_000, 100, 60_000),
    rpcTimeoutMs: integerOption(options, 'rpcTimeoutMs', 5_000, 100, 60_000),
    portAttempts: integerOption(options, 'portAttempts', 5, 1, 50),
  };
  if (settings.maxExpires < settings.minExpires) {
    throw new KamailioHarnessError(
      `startKamailioRegistrar: option maxExpires must be at least minExpires (${settings.minExpires}), received ${settings.maxExpires}`,
    );
  }
  // registrar's save() checks the expiry granted to short* users against min_expires too, and would
  // answer them 423.
  if (settings.shortExpires < settings.minExpires) {
    throw new KamailioHarnessError(
      `startKamailioRegistrar: option shortExpires must be at least minExpires (${settings.minExpires}), received ${settings.shortExpires}`,
    );
  }
  return settings;
}

function definesOf(settings: KamailioRegistrarSettings, port: number): string[] {
  const defines = [
    `REG_PORT=${port}`,
    // String defines keep their quotes: the cfg uses REALM as a string literal.
    `REALM="${settings.realm}"`,
    `MIN_EXPIRES=${settings.minExpires}`,
    `MAX_EXPIRES=${settings.maxExpires}`,
    `DEF_EXPIRES=${settings.defaultExpires}`,
    `NONCE_EXPIRE=${settings.nonceExpire}`,
    `RETRY_AFTER=${settings.retryAfter}`,
    `SHORT_EXPIRES=${settings.shortExpires}`,
    `REG_CHILDREN=${settings.children}`,
    `DEBUG_LEVEL=${settings.debugLevel}`,
  ];
  if (settings.wrongPassword403) defines.push('WRONGPW_403');
  return defines.flatMap((define) => ['-A', define]);
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

/** The registrar's users, which need no provisioning: the config computes each password. */
export interface KamailioUsers {
  /** The rule, for messages. */
  readonly rule: string;
  /** `user<n>`. */
  name(n: number): string;
  /** `pass<n>`, the password of `user<n>` and `short<n>`. */
  password(n: number): string;
  /**
   * The password the registrar expects for `username`, or undefined when it accepts none
   * (unknown names, and the `bad*`, `busy*`, `mute*` users that are never challenged).
   */
  passwordFor(username: string): string | undefined;
}

/** Derivation shared with route[CREDENTIALS] of registrar.cfg. */
export const kamailioUsers: KamailioUsers = {
  rule: 'user<N> and short<N> authenticate with password pass<N>; bad*, busy* and mute* are never challenged',
  name: (n) => `user${checkedIndex(n)}`,
  password: (n) => `pass${checkedIndex(n)}`,
  passwordFor(username) {
    for (const prefix of ['user', 'short']) {
      if (!username.startsWith(prefix)) continue;
      const digits = username.slice(prefix.length);
      if (/^[0-9]{1,18}$/.test(digits)) return `pass${digits}`;
    }
    return undefined;
  },
};

function checkedIndex(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new KamailioHarnessError(
      `kamailioUsers: index must be a non-negative integer, received ${String(n)}`,
    );
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: nothing survives the Node process
// ---------------------------------------------------------------------------------------------

const liveInstances = new Map<number, string>(); // pid → rundir
let cleanupInstalled = false;

/** SIGKILLs every started instance's process group and removes its dir. Synchronous: runs at exit. */
function killAllInstancesNow(): void {
  for (const [pid, rundir] of liveInstances) {
    killGroup(pid, 'SIGKILL');
    try {
      rmSync(rundir, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  }
  liveInstances.clear();
}

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAllInstancesNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllInstancesNow();
      // Our listener is gone (once); if nobody else handles the signal, let it do what it would
      // have done without us.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

/** Signals the whole process group led by `pid` (Kamailio runs detached, as its own group). */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readLogTail(path: string, lines: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = statSync(path).size;
    const length = Math.min(size, LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const all = buffer.toString('utf8').split('\n');
    if (all[all.length - 1] === '') all.pop();
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// The running registrar
// ---------------------------------------------------------------------------------------------

/** A Kamailio registrar started by {@link startKamailioRegistrar}. */
export interface KamailioRegistrar {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** UDP and TCP port. */
  readonly port: number;
  /** `sip:127.0.0.1:<port>`: the Request-URI / registrar of a REGISTER. */
  readonly uri: string;
  /** Digest realm of the challenges. */
  readonly realm: string;
  /** Temp dir with the config, pid file, ctl socket and `kamailio.log`; removed by stop(). */
  readonly rundir: string;
  /** Main Kamailio process (leader of its own process group). */
  readonly pid: number;
  /** `unix:<rundir>/kamailio_ctl`, for `kamcmd -s`. */
  readonly ctlSocket: string;
  /** The settings this instance runs with. */
  readonly settings: KamailioRegistrarSettings;
  /** How passwords are derived from user names. */
  readonly users: KamailioUsers;
  /** Milliseconds from spawn to the ctl socket answering (last attempt). */
  readonly startupMs: number;
  /** Whether the main process is still running. */
  isRunning(): boolean;
  /**
   * The bindings Kamailio holds for a user (`user7`) or an AoR (`sip:user7@127.0.0.1`; only the user
   * part counts: usrloc runs without domains). Empty when it holds none.
   */
  locationContacts(aorOrUser: string): Promise<LocationContact[]>;
  /** usrloc `registered_users`: AoRs with at least one binding. Cheap at any N. */
  registeredCount(): Promise<number>;
  /** usrloc `location_contacts`: bindings in the table. Cheap at any N. */
  contactCount(): Promise<number>;
  /**
   * Every AoR in the table (`ul.dump brief`), about 17 bytes of reply each: fine for a few thousand
   * AoRs, beyond that kamcmd's ~128 KB reply cap is hit (use registeredCount()).
   */
  locationAors(): Promise<string[]>;
  /**
   * The whole table, AoR → bindings (`ul.dump`), about 700 bytes of reply per binding: kamcmd's
   * ~128 KB reply cap limits it to about 150 bindings.
   */
  dumpLocation(): Promise<Map<string, LocationContact[]>>;
  /** Runs `kamcmd -s <ctl> ...args` (bounded) and returns its output; RPC errors reject. */
  rpc(...args: string[]): Promise<string>;
  /** Last `lines` lines of the Kamailio log (kept after stop()). */
  logTail(lines?: number): string;
  /**
   * SIGTERM, bounded wait, SIGKILL of the process group if needed, then removes the temp dir.
   * Idempotent; resolves once the process is gone.
   */
  stop(): Promise<void>;
}

interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error: Error | undefined;
}

class RunningKamailio implements KamailioRegistrar {
  readonly host = HOST;
  readonly port: number;
  readonly uri: string;
  readonly realm: string;
  readonly rundir: string;
  readonly pid: number;
  readonly ctlSocket: string;
  readonly settings: KamailioRegistrarSettings;
  readonly users = kamailioUsers;
  startupMs = 0;
  readonly #kamcmdPath: string;
  readonly #logPath: string;
  readonly #exited: Promise<ExitStatus>;
  #exitStatus: ExitStatus | undefined;
  #stopping: Promise<void> | undefined;
  #finalLogTail: string | undefined;

  constructor(init: {
    port: number;
    rundir: string;
    pid: number;
    settings: KamailioRegistrarSettings;
    kamcmdPath: string;
    exited: Promise<ExitStatus>;
  }) {
    this.port = init.port;
    this.uri = `sip:${HOST}:${init.port}`;
    this.realm = init.settings.realm;
    this.rundir = init.rundir;
    this.pid = init.pid;
    this.ctlSocket = `unix:${join(init.rundir, 'kamailio_ctl')}`;
    this.settings = init.settings;
    this.#kamcmdPath = init.kamcmdPath;
    this.#logPath = join(init.rundir, 'kamailio.log');
    this.#exited = init.exited.then((status) => {
      this.#exitStatus = status;
      return status;
    });
  }

  isRunning(): boolean {
    return this.#exitStatus === undefined;
  }

  exitStatus(): ExitStatus | undefined {
    return this.#exitStatus;
  }

  /** Resolves with the exit status, or undefined after `ms`. */
  async waitExit(ms: number): Promise<ExitStatus | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    try {
      return await Promise.race([this.#exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  rpc(...args: string[]): Promise<string> {
    return runKamcmd(this.#kamcmdPath, this.ctlSocket, args, this.settings.rpcTimeoutMs);
  }

  async locationContacts(aorOrUser: string): Promise<LocationContact[]> {
    const user = usrlocKey(aorOrUser);
    try {
      // `s:` makes kamcmd send the name as a string even when it is all digits.
      return parseLocationLookup(await this.rpc('ul.lookup', 'location', `s:${user}`));
    } catch (error) {
      if (error instanceof KamcmdRpcError && error.detail.toLowerCase().includes('not found')) return [];
      throw error;
    }
  }

  registeredCount(): Promise<number> {
    return this.#statistic('usrloc', 'registered_users');
  }

  contactCount(): Promise<number> {
    return this.#statistic('usrloc', 'location_contacts');
  }

  async #statistic(group: string, name: string): Promise<number> {
    // Asked by bare name: Kamailio 5.6 prints nothing for `group:name`, but answers `group:name = N`.
    const stats = parseKamcmdStatistics(await this.rpc('stats.get_statistics', name));
    const value = stats.get(`${group}:${name}`);
    if (value === undefined) {
      throw new KamailioHarnessError(`kamcmd stats.get_statistics: no '${group}:${name}' in the reply`);
    }
    return value;
  }

  async locationAors(): Promise<string[]> {
    return parseLocationAors(await this.rpc('ul.dump', 'brief'));
  }

  async dumpLocation(): Promise<Map<string, LocationContact[]>> {
    return parseLocationDump(await this.rpc('ul.dump'));
  }

  logTail(lines = 40): string {
    return this.#finalLogTail !== undefined
      ? this.#finalLogTail.split('\n').slice(-lines).join('\n')
      : readLogTail(this.#logPath, lines);
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.isRunning()) {
      try {
        // Kamailio's main process stops its children itself on SIGTERM.
        process.kill(this.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      if ((await this.waitExit(this.settings.stopTimeoutMs)) === undefined) {
        killGroup(this.pid, 'SIGKILL');
        await this.waitExit(KILL_WAIT_MS);
      }
    }
    // Sweep children that outlived their main process (only after a SIGKILL can that happen).
    killGroup(this.pid, 'SIGKILL');
    this.#finalLogTail = readLogTail(this.#logPath, 200);
    liveInstances.delete(this.pid);
    await rm(this.rundir, { recursive: true, force: true, maxRetries: 3 });
    if (this.isRunning()) {
      throw new KamailioHarnessError(
        `stop(): kamailio pid ${this.pid} did not exit within ${this.settings.stopTimeoutMs + KILL_WAIT_MS} ms, even after SIGKILL`,
      );
    }
  }
}

/** The usrloc key of an AoR: usrloc runs without domains, so `sip:alice@host;x` → `alice`. */
function usrlocKey(aorOrUser: string): string {
  let text = aorOrUser.trim();
  if (text.startsWith('<') && text.endsWith('>')) text = text.slice(1, -1);
  const lower = text.toLowerCase();
  if (lower.startsWith('sip:')) text = text.slice(4);
  else if (lower.startsWith('sips:')) text = text.slice(5);
  const at = text.indexOf('@');
  if (at >= 0) text = text.slice(0, at);
  const semicolon = text.indexOf(';');
  if (semicolon >= 0) text = text.slice(0, semicolon);
  if (text === '' || /[\s\0-\x1f\x7f]/.test(text)) {
    throw new KamailioHarnessError(
      `locationContacts: expected a user name or SIP AoR, received ${JSON.stringify(aorOrUser)}`,
    );
  }
  return text;
}

function runKamcmd(
  kamcmdPath: string,
  ctlSocket: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<string> {
  const command = args.join(' ');
  return new Promise((resolve, reject) => {
    execFile(
      kamcmdPath,
      ['-s', ctlSocket, ...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        // kamcmd prints RPC errors as `error: <code> - <text>` and may still exit 0.
        const failure = kamcmdRpcError(stdout, command) ?? kamcmdRpcError(stderr, command);
        if (failure !== undefined) {
          reject(failure);
          return;
        }
        if (error !== null && `${stdout}${stderr}`.includes('reply too big')) {
          reject(
            new KamailioHarnessError(
              `kamcmd ${command}: the reply exceeds kamcmd's ~128 KB limit; ` +
                'for large tables use registeredCount(), contactCount() or locationContacts(user)',
            ),
          );
          return;
        }
        if (error !== null) {
          const why = error.killed ? `timed out after ${timeoutMs} ms` : error.message;
          reject(new KamailioHarnessError(`kamcmd ${command}: ${why}${stderr ? `: ${stderr.trim()}` : ''}`));
          return;
        }
        resolve(stdout);
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

type LaunchOutcome =
  | { readonly kind: 'ready'; readonly registrar: RunningKamailio }
  | { readonly kind: 'port-taken'; readonly message: string };

/**
 * Starts a Kamailio registrar on a free 127.0.0.1 UDP+TCP port with a config of its own in a fresh
 * temp dir, and resolves once its ctl socket answers. Rejects with the log tail when Kamailio does
 * not come up within `startTimeoutMs`; nothing is left running or on disk after a rejection.
 */
export async function startKamailioRegistrar(
  options: KamailioRegistrarOptions = {},
): Promise<KamailioRegistrar> {
  const settings = resolveOptions(options);
  const availability = kamailioAvailability({
    kamailioPath: options.kamailioPath,
    kamcmdPath: options.kamcmdPath,
  });
  if (
    !availability.available ||
    availability.kamailioPath === undefined ||
    availability.kamcmdPath === undefined
  ) {
    throw new KamailioHarnessError(
      `startKamailioRegistrar: Kamailio is not available: ${availability.reason}`,
    );
  }
  const config = await readFile(CONFIG_URL, 'utf8');
  let lastCollision = '';
  for (let attempt = 1; attempt <= settings.portAttempts; attempt++) {
    const port = await pickLoopbackPort(HOST);
    const outcome = await launch(settings, availability.kamailioPath, availability.kamcmdPath, config, port);
    if (outcome.kind === 'ready') return outcome.registrar;
    lastCollision = outcome.message;
  }
  throw new KamailioHarnessError(
    `startKamailioRegistrar: the chosen port was taken before Kamailio bound it, ${settings.portAttempts} times; last:\n${lastCollision}`,
  );
}

async function launch(
  settings: KamailioRegistrarSettings,
  kamailioPath: string,
  kamcmdPath: string,
  config: string,
  port: number,
): Promise<LaunchOutcome> {
  const rundir = await mkdtemp(join(tmpdir(), 'sip-registrant-kamailio-'));
  const configPath = join(rundir, 'registrar.cfg');
  const logPath = join(rundir, 'kamailio.log');
  await writeFile(configPath, config);
  const args = [
    '-DD', // stay in the foreground: the spawned pid is the main process
    '-E', // log to stderr, which goes to <rundir>/kamailio.log
    '-f',
    configPath,
    '-Y',
    rundir, // runtime dir: the ctl socket is <rundir>/kamailio_ctl
    '-P',
    join(rundir, 'kamailio.pid'),
    '-w',
    rundir,
    '-x',
    'fm', // Debian's default allocator (qm) is a debugging one, about twice as costly
    '-m',
    String(settings.shmMegabytes),
    '-M',
    String(settings.pkgMegabytes),
    ...definesOf(settings, port),
  ];
  const logFd = openSync(logPath, 'a');
  const started = performance.now();
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(kamailioPath, args, {
      cwd: rundir,
      // Its own process group: group signals reach every Kamailio process and none of ours.
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, error: undefined }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  // A forgotten stop() must not keep the test runner alive; the exit handler still kills it.
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    const status = await exited;
    await rm(rundir, { recursive: true, force: true });
    throw new KamailioHarnessError(
      `startKamailioRegistrar: could not spawn ${kamailioPath}: ${status.error?.message ?? 'no pid'}`,
    );
  }
  installCleanup();
  liveInstances.set(pid, rundir);
  const registrar = new RunningKamailio({ port, rundir, pid, settings, kamcmdPath, exited });

  const deadline = started + settings.startTimeoutMs;
  let lastRpcError = '';
  while (performance.now() < deadline) {
    const status = registrar.exitStatus();
    if (status !== undefined) {
      const tail = readLogTail(logPath, 30);
      await registrar.stop();
      const message =
        `startKamailioRegistrar: kamailio exited during start-up ` +
        `(code ${String(status.code)}, signal ${String(status.signal)}) on port ${port}; log tail:\n${tail}`;
      if (tail.includes('Address already in use')) return { kind: 'port-taken', message };
      throw new KamailioHarnessError(message);
    }
    try {
      const remaining = Math.max(100, Math.min(settings.rpcTimeoutMs, deadline - performance.now()));
      const version = await runKamcmd(kamcmdPath, registrar.ctlSocket, ['core.version'], remaining);
      if (version.includes('kamailio')) {
        registrar.startupMs = performance.now() - started;
        return { kind: 'ready', registrar };
      }
      lastRpcError = `unexpected core.version reply ${JSON.stringify(version.slice(0, 200))}`;
    } catch (error) {
      // Not listening yet: expected for the first few polls.
      lastRpcError = error instanceof Error ? error.message : String(error);
    }
    await delay(POLL_MS);
  }
  const tail = readLogTail(logPath, 30);
  await registrar.stop().catch(() => undefined);
  throw new KamailioHarnessError(
    `startKamailioRegistrar: kamailio pid ${pid} did not answer on ${registrar.ctlSocket} within ` +
      `${settings.startTimeoutMs} ms (last: ${lastRpcError}); log tail:\n${tail}`,
  );
}
