import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/cli/cli-args.js';
import { CliUsageError } from '../../src/cli/exit-codes.js';

describe('parseCliArgs', () => {
  it('reads run with every flag', () => {
    const command = parseCliArgs([
      'run',
      '-c',
      'accounts.yaml',
      '--format',
      'yaml',
      '--listen',
      'udp:127.0.0.1:5070',
      '--listen',
      'tcp:[::1]:5070',
      '--status-port',
      '9090',
      '--status-host',
      '0.0.0.0',
      '--stop-timeout',
      '12.5',
      '--log-format',
      'json',
      '--log-level',
      'debug',
      '--no-progress',
    ]);
    expect(command).toEqual({
      command: 'run',
      config: 'accounts.yaml',
      format: 'yaml',
      listen: ['udp:127.0.0.1:5070', 'tcp:[::1]:5070'],
      statusPort: 9090,
      statusHost: '0.0.0.0',
      stopTimeout: 12.5,
      logFormat: 'json',
      logLevel: 'debug',
      progress: false,
    });
  });

  it('defaults the demo to 1,000 accounts on the built-in registrar', () => {
    const command = parseCliArgs(['demo']);
    expect(command).toMatchObject({
      command: 'demo',
      count: 1000,
      registrar: undefined,
      userPrefix: 'user',
      passwordPrefix: 'pass',
      timerInterval: 4,
      tableRows: 20,
      progress: true,
    });
    expect(parseCliArgs(['demo', '--table-rows', 'all'])).toMatchObject({
      tableRows: Number.POSITIVE_INFINITY,
    });
    expect(parseCliArgs(['demo', '-n', '5000', '--registrar', 'sip:127.0.0.1:5060'])).toMatchObject({
      count: 5000,
      registrar: 'sip:127.0.0.1:5060',
    });
  });

  it('check takes --listen like run', () => {
    expect(parseCliArgs(['check', '-c', 'a.uac', '--listen', 'udp:127.0.0.1:5070'])).toEqual({
      command: 'check',
      config: 'a.uac',
      format: undefined,
      listen: ['udp:127.0.0.1:5070'],
    });
  });

  it('maps help and version', () => {
    expect(parseCliArgs([])).toEqual({ command: 'help', topic: undefined });
    expect(parseCliArgs(['--help'])).toEqual({ command: 'help', topic: undefined });
    expect(parseCliArgs(['help', 'run'])).toEqual({ command: 'help', topic: 'run' });
    expect(parseCliArgs(['run', '--help'])).toEqual({ command: 'help', topic: 'run' });
    expect(parseCliArgs(['-V'])).toEqual({ command: 'version' });
  });

  it.each([
    [['bogus'], 'unknown command "bogus"'],
    [['help', 'bogus'], 'help: unknown command "bogus"'],
    [['run', '--config', 'a.yaml', '--status-host', ''], '--status-host: expected an address'],
    [['run'], '--config FILE is required'],
    [['run', '--config', 'a.yaml', '--frobnicate'], "run: Unknown option '--frobnicate'"],
    [
      ['run', '--config', 'a.yaml', '--status-port', '70000'],
      '--status-port: expected an integer from 0 to 65535, received "70000"',
    ],
    [
      ['run', '--config', 'a.yaml', '--log-level', 'loud'],
      '--log-level: expected one of debug, info, warn, error, received "loud"',
    ],
    [
      ['run', '--config', 'a.yaml', '--format', 'toml'],
      '--format: expected one of yaml, json, uac, received "toml"',
    ],
    [
      ['run', '--config', 'a.yaml', '--stop-timeout=-1'],
      '--stop-timeout: expected a positive number, received "-1"',
    ],
    [['demo', '--count', '0'], '--count: expected an integer from 1 to 1000000, received "0"'],
    [['demo', '--count', '1e3'], '--count: expected an integer from 1 to 1000000, received "1e3"'],
  ])('rejects %j with a message naming the flag', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(CliUsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
