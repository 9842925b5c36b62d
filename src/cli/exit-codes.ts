/**
 * Exit codes of the `sip-registrant` command, so scripts and service managers can tell a problem
 * the operator must fix (2: the command line or the file) from one at run time (1).
 */
export const ExitCode = {
  /** Done, or stopped gracefully on SIGINT/SIGTERM. */
  OK: 0,
  /** A failure at run time: a socket that cannot be bound, an unexpected error. */
  RUNTIME_FAILURE: 1,
  /** A bad flag or a bad config file; nothing was started. */
  USAGE: 2,
  /** A second SIGINT/SIGTERM during the graceful stop: exited at once (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A problem with how the command was invoked: printed with a hint to `--help`, exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}
