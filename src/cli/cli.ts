/**
 * The `sip-registrant` command, runnable in-process: parse the arguments, dispatch, and turn every
 * failure into a message and an exit code (never a stack trace for a mistake the user can fix).
 */
import { createRequire } from 'node:module';
import { parseCliArgs } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import { CliUsageError, ExitCode } from './exit-codes.js';
import { usageText } from './usage.js';

function version(): string {
  try {
    // src/cli/ and dist/cli/ both sit two levels below the package root.
    const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Run the command line `argv` (without node and the script name); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let command: ReturnType<typeof parseCliArgs>;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    io.stderr.write(`sip-registrant: ${error.message}\nRun "sip-registrant --help" for usage.\n`);
    return ExitCode.USAGE;
  }
  try {
    switch (command.command) {
      case 'help':
        io.stdout.write(usageText(command.topic));
        return ExitCode.OK;
      case 'version':
        io.stdout.write(`sip-registrant ${version()}\n`);
        return ExitCode.OK;
      case 'check': {
        const { runCheck } = await import('./check-command.js');
        return await runCheck(command, io);
      }
      case 'demo': {
        const { runDemo } = await import('./demo.js');
        return await runDemo(command, io);
      }
      case 'run': {
        const { runDaemon } = await import('./daemon.js');
        return await runDaemon(command, io);
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`sip-registrant: unexpected failure: ${message}\n`);
    return ExitCode.RUNTIME_FAILURE;
  }
}
