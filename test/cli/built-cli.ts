/**
 * The `sip-registrant` executable as a user gets it: the sources compiled by `tsc` (the same build
 * as `npm run build`) into a private folder under node_modules/.cache, so the end-to-end tests spawn
 * a real process on a fresh clone without touching dist/. Built once per test file.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let built: Promise<string> | undefined;

/** Path of the compiled `main.js`. */
export function buildCli(): Promise<string> {
  built ??= (async () => {
    const cache = join(root, 'node_modules', '.cache');
    await mkdir(cache, { recursive: true });
    const dir = await mkdtemp(join(cache, 'sip-registrant-cli-'));
    // package.json beside dist/: "type": "module" for the .js files, and the version for --version.
    await copyFile(join(root, 'package.json'), join(dir, 'package.json'));
    // typescript's exports map hides bin/, so locate it beside its package.json.
    const tsc = join(
      dirname(createRequire(import.meta.url).resolve('typescript/package.json')),
      'bin',
      'tsc',
    );
    await promisify(execFile)(
      process.execPath,
      [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')],
      {
        cwd: root,
      },
    );
    return join(dir, 'dist', 'cli', 'main.js');
  })();
  return built;
}

/** A spawned command with its output collected as it arrives. */
export interface CliProcess {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** Resolve once `predicate` holds for stderr (logs), failing after `timeoutMs` with the output. */
  waitForLog(predicate: (stderr: string) => boolean, what: string, timeoutMs?: number): Promise<void>;
}

export async function spawnCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliProcess> {
  const main = await buildCli();
  const child = spawn(process.execPath, [main, ...args], {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: CliProcess = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolveExit) =>
      child.on('exit', (code, signal) => resolveExit(code ?? signal ?? -1)),
    ),
    async waitForLog(predicate, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(proc.stderr)) {
        if (child.exitCode !== null)
          throw new Error(`exited (${child.exitCode}) before ${what}:\n${proc.stderr}\n${proc.stdout}`);
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}:\n${proc.stderr}\n${proc.stdout}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    proc.stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    proc.stderr += chunk;
  });
  return proc;
}

/** Run to completion. */
export async function runCliToEnd(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  const proc = await spawnCli(args, options);
  const code = await proc.exited;
  return { code, stdout: proc.stdout, stderr: proc.stderr };
}
