/**
 * Embedding sip-registrant with its built-in UDP transport.
 *
 * Opens a UDP transport on 127.0.0.1 (a free port), gives it to a RegistrantManager, adds a few
 * accounts with digest credentials, logs every state change, waits until every account is
 * REGISTERED, prints the `reg_list` view, then stops, which un-REGISTERs every binding.
 *
 * With no registrar named it starts the library's registrar test double on loopback (it knows the
 * accounts user1/pass1, user2/pass2, …), so it runs anywhere. Name a real one with `--registrar`
 * (or the SIP_REGISTRAR environment variable):
 *
 *   node .tmp/examples/embed-udp/main.js --registrar sip:192.0.2.10:5060 --domain example.com --count 5
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createUdpTransport,
  parseSipUri,
  type RegistrantConfig,
  type RegistrantInfo,
  RegistrantManager,
  type RegistrantManagerOptions,
  RegistrantState,
  type RegistrantStopResult,
  type UdpTransport,
} from 'sip-registrant';
import { createRegistrarDouble, type RegistrarDouble } from 'sip-registrant/testing';

/** Options of {@link main}. Every field is optional. */
export interface EmbedUdpOptions {
  /**
   * Registrar URI (no user part), e.g. `sip:192.0.2.10:5060`.
   * @default a registrar test double started on 127.0.0.1
   */
  readonly registrar?: string;
  /** Number of accounts, user1 … userN. @default 3 */
  readonly count?: number;
  /** Domain of the AORs (`sip:userN@domain`). @default the registrar's host, or `example.com` for the double */
  readonly domain?: string;
  /** Digest user name prefix: account N authenticates as `${userPrefix}N`. @default 'user' */
  readonly userPrefix?: string;
  /** Password prefix: account N's password is `${passwordPrefix}N`. @default 'pass' */
  readonly passwordPrefix?: string;
  /**
   * Local address to bind the UDP transport to; it also goes into the Contact, so a real registrar
   * must be able to reach it.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /** Give up waiting for every account to register after this many ms. @default 30000 */
  readonly timeoutMs?: number;
  /** Where output lines go. @default console.log */
  readonly log?: (line: string) => void;
  /**
   * Extra manager options (a FakeClock, a rate cap, …), applied over the example's own:
   * `hashSize: 0` (one bucket, so the first sweep tick starts every account at once).
   * @default {}
   */
  readonly managerOptions?: Partial<RegistrantManagerOptions>;
  /**
   * Called once every account is REGISTERED, before stopping; the run stops when it settles.
   * A service would wait for SIGTERM here.
   * @default undefined (stop at once)
   */
  readonly whileRegistered?: (manager: RegistrantManager) => void | Promise<void>;
}

/** What {@link main} returns. */
export interface EmbedUdpResult {
  /** The registrar used, e.g. `sip:127.0.0.1:40123`. */
  readonly registrar: string;
  /** `manager.list()` once every account was REGISTERED. */
  readonly registered: readonly RegistrantInfo[];
  /** What `manager.stop()` resolved with. */
  readonly stop: RegistrantStopResult;
  /** Bindings the registrar double still held after stop (only when the example started it). */
  readonly bindingsLeft: number | undefined;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name}: expected a positive integer, received ${String(value)}`);
  return value;
}

/** The accounts user1 … userN, each with digest credentials and a Contact on our transport. */
function accounts(
  count: number,
  registrar: string,
  domain: string,
  contactHostPort: string,
  userPrefix: string,
  passwordPrefix: string,
): RegistrantConfig[] {
  const list: RegistrantConfig[] = [];
  for (let n = 1; n <= count; n++) {
    const user = `${userPrefix}${n}`;
    list.push({
      registrar,
      aor: `sip:${user}@${domain}`,
      contact: `sip:${user}@${contactHostPort}`,
      username: user,
      password: `${passwordPrefix}${n}`,
      expiry: 3600,
    });
  }
  return list;
}

/** A fixed-width table of the `reg_list` fields that matter here. */
function formatList(list: readonly RegistrantInfo[]): string[] {
  const rows = list.map((info) => [
    info.aor,
    info.stateName,
    String(info.expires),
    String(info.lastCode),
    info.binding,
  ]);
  const header = ['AOR', 'STATE', 'EXPIRES', 'LAST', 'BINDING'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * Resolves once every record is REGISTERED at the same time; rejects after `timeoutMs`, naming the
 * records that are not. Driven by `stateChange` events: nothing polls.
 */
function allRegistered(manager: RegistrantManager, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const registered = new Set<string>();
    const done = () => {
      clearTimeout(timer);
      manager.off('stateChange', onChange);
    };
    const onChange = (event: { key: string; to: RegistrantState }) => {
      if (event.to === RegistrantState.REGISTERED) registered.add(event.key);
      else registered.delete(event.key);
      if (registered.size === manager.size) {
        done();
        resolve();
      }
    };
    const timer = setTimeout(() => {
      done();
      const waiting = manager
        .list()
        .filter((info) => info.state !== RegistrantState.REGISTERED)
        .map((info) => `${info.aor} (${info.stateName}${info.lastCode ? ` ${info.lastCode}` : ''})`);
      reject(new Error(`not registered after ${timeoutMs} ms: ${waiting.join(', ')}`));
    }, timeoutMs);
    manager.on('stateChange', onChange);
  });
}

/** Run the example: register, list, un-REGISTER. */
export async function main(options: EmbedUdpOptions = {}): Promise<EmbedUdpResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const count = positiveInteger('count', options.count ?? 3);
  const userPrefix = options.userPrefix ?? 'user';
  const passwordPrefix = options.passwordPrefix ?? 'pass';
  const timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? 30_000);

  // The double stands in for a registrar: real SIP over loopback UDP, digest authentication on.
  let double: RegistrarDouble | undefined;
  let registrar = options.registrar;
  let domain = options.domain;
  if (registrar === undefined) {
    domain ??= 'example.com';
    double = await createRegistrarDouble({
      realm: domain,
      users: (user) =>
        user.startsWith(userPrefix) ? `${passwordPrefix}${user.slice(userPrefix.length)}` : undefined,
    });
    registrar = `sip:${double.hostPort}`;
    log(`registrar double listening on ${double.hostPort}`);
  }
  let transport: UdpTransport | undefined;
  try {
    // Validate the URI before opening anything, and take its host as the default AOR domain.
    domain ??= parseSipUri(registrar).host;
    transport = await createUdpTransport({ host: options.host ?? '127.0.0.1', port: 0 });
    const { host, port } = transport.localAddress;
    const contactHostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    log(`UDP transport on ${contactHostPort}`);

    const manager = new RegistrantManager({ transport, hashSize: 0, ...options.managerOptions });
    manager.on('stateChange', (event) => {
      const cause = event.code === undefined ? '' : ` (${event.code} ${event.reason ?? ''})`.trimEnd();
      log(`${event.aor}: ${event.fromName} -> ${event.toName}${cause}`);
    });
    manager.on('warning', (warning) => log(`warning ${warning.code}: ${warning.message}`));
    manager.on('error', (error) => log(`error: ${error instanceof Error ? error.message : String(error)}`));

    let registered: RegistrantInfo[] = [];
    let failure: { readonly error: unknown } | undefined;
    try {
      for (const config of accounts(count, registrar, domain, contactHostPort, userPrefix, passwordPrefix))
        manager.add(config);
      const registering = allRegistered(manager, timeoutMs);
      manager.start();
      await registering;
      registered = manager.list();
      log(`all ${count} accounts REGISTERED`);
      for (const line of formatList(registered)) log(line);
      await options.whileRegistered?.(manager);
    } catch (error) {
      failure = { error };
    }
    // Stopping un-REGISTERs (Expires: 0) every record that may hold a binding, after a failure too.
    const stop = await manager.stop();
    log(`stopped: ${stop.unregistered} un-REGISTERed, ${stop.failed} failed, ${stop.timedOut} timed out`);
    if (failure !== undefined) throw failure.error;
    const bindingsLeft = double?.bindingCount();
    if (bindingsLeft !== undefined) log(`registrar double bindings left: ${bindingsLeft}`);
    return { registrar, registered, stop, bindingsLeft };
  } finally {
    // The manager never closes transports: they belong to the application.
    await transport?.close();
    await double?.close();
  }
}

/** `--count` as a number; the message quotes what was typed. */
function countArgument(text: string): number {
  const digitsOnly = text.length > 0 && text.length <= 7 && [...text].every((c) => c >= '0' && c <= '9');
  if (!digitsOnly || Number(text) < 1)
    throw new RangeError(`--count: expected a positive integer, received ${JSON.stringify(text)}`);
  return Number(text);
}

/** Options from the command line, with SIP_REGISTRAR as the fallback registrar. */
export function optionsFromArgv(argv: readonly string[], env: NodeJS.ProcessEnv): EmbedUdpOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      registrar: { type: 'string' },
      count: { type: 'string' },
      domain: { type: 'string' },
      host: { type: 'string' },
      'user-prefix': { type: 'string' },
      'password-prefix': { type: 'string' },
    },
  });
  const registrar = values.registrar ?? (env.SIP_REGISTRAR || undefined);
  return {
    ...(registrar === undefined ? {} : { registrar }),
    ...(values.count === undefined ? {} : { count: countArgument(values.count) }),
    ...(values.domain === undefined ? {} : { domain: values.domain }),
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values['user-prefix'] === undefined ? {} : { userPrefix: values['user-prefix'] }),
    ...(values['password-prefix'] === undefined ? {} : { passwordPrefix: values['password-prefix'] }),
  };
}

/** True when this file is the program node was asked to run (not imported by a test). */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(optionsFromArgv(process.argv.slice(2), process.env)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
