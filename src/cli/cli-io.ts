/**
 * What the command touches of its process, injected so tests can run the whole command in-process
 * with fake streams and signals, and `main.ts` passes the real ones.
 */
import type { ProgressStream } from './progress-line.js';

/** The signals the daemon reacts to. */
export type CliSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** Subscribe to a signal; returns the unsubscribe function. */
export type SignalSource = (signal: CliSignal, handler: () => void) => () => void;

export interface CliIo {
  /** Command output (tables, summaries). */
  readonly stdout: ProgressStream;
  /** Logs and the progress line. */
  readonly stderr: ProgressStream;
  /** Environment (for `passwordEnv`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly onSignal: SignalSource;
  /** Directory relative config paths are read from. */
  readonly cwd: string;
}

/** The real process. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    onSignal: (signal, handler) => {
      process.on(signal, handler);
      return () => process.off(signal, handler);
    },
  };
}
