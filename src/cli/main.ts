#!/usr/bin/env node
/**
 * Entry point of the `sip-registrant` executable (package.json `bin`). Everything else lives in
 * `runCli`, which tests drive in-process; this file only binds it to the real process.
 */
import { runCli } from './cli.js';
import { processIo } from './cli-io.js';

const code = await runCli(process.argv.slice(2), processIo());
// Let stdout/stderr drain before leaving: a piped table must not be cut short.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
