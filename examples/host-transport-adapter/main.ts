/**
 * sip-registrant on a host application's own SIP stack, through a `Transport` adapter.
 *
 * What runs, all on loopback:
 * - the registrar test double (digest authentication on), standing in for the operator's registrar;
 * - the host stack (host-stack.ts): its own UDP socket, answering OPTIONS itself and pinging the
 *   destinations it sends to;
 * - the adapter (host-stack-transport.ts) and a RegistrantManager on top of it, with a few accounts
 *   at the double and one at a registrar that never answers;
 * - a neighbour pinging the host with OPTIONS, which the host answers without sip-registrant
 *   seeing it.
 *
 * It waits until the accounts at the double are REGISTERED and the dead registrar was reported as
 * a flow failure, prints the list, stops (un-REGISTER), then closes the adapter while the host
 * stack keeps its socket, and closes the host last.
 */
import dgram from 'node:dgram';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  isFailureState,
  type RegistrantInfo,
  RegistrantManager,
  type RegistrantManagerOptions,
  RegistrantState,
  type RegistrantStopResult,
  SipRegistrantError,
} from 'sip-registrant';
import { createRegistrarDouble } from 'sip-registrant/testing';
import { HostSipStack, type HostSipStackStats } from './host-stack.js';
import { HostStackTransport } from './host-stack-transport.js';

/** Options of {@link main}. Every field is optional. */
export interface HostAdapterExampleOptions {
  /** Accounts at the registrar double. @default 2 */
  readonly count?: number;
  /** Also add an account at a registrar that never answers, to show a flow failure. @default true */
  readonly deadRegistrar?: boolean;
  /** The host's keep-alive timeout in ms: how soon a silent peer is declared down. @default 300 */
  readonly keepAliveTimeout?: number;
  /** Give up waiting after this many ms. @default 10000 */
  readonly timeoutMs?: number;
  /** Where output lines go. @default console.log */
  readonly log?: (line: string) => void;
  /** Extra manager options, over the example's `hashSize: 0` (every record starts at once). @default {} */
  readonly managerOptions?: Partial<RegistrantManagerOptions>;
}

/** What {@link main} returns. */
export interface HostAdapterExampleResult {
  /** `manager.list()` once everything settled. */
  readonly settled: readonly RegistrantInfo[];
  /** Flow failures the adapter reported, as `host:port: reason`. */
  readonly flowFailures: readonly string[];
  /** Status of the neighbour's OPTIONS ping, as answered by the host; `undefined` if none came. */
  readonly neighbourPing: number | undefined;
  /** What `manager.stop()` resolved with. */
  readonly stop: RegistrantStopResult;
  /** Bindings the registrar double still held after stop. */
  readonly bindingsLeft: number;
  /** The `code` send() rejected with once the adapter was closed. */
  readonly sendAfterClose: string | undefined;
  /** The host stack's counters, read before it closed. */
  readonly host: HostSipStackStats;
}

/** A UDP port on 127.0.0.1 where nothing listens: bound, read, closed. */
async function silentPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Resolves when `ready()` holds after a state change (or already does); rejects after `timeoutMs`. */
function until(
  manager: RegistrantManager,
  ready: () => boolean,
  what: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!ready()) return;
      clearTimeout(timer);
      manager.off('stateChange', check);
      resolve();
    };
    const timer = setTimeout(() => {
      manager.off('stateChange', check);
      const states = manager.list().map((info) => `${info.aor} ${info.stateName}`);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${states.join(', ')}`));
    }, timeoutMs);
    manager.on('stateChange', check);
    check();
  });
}

/** Run the example. */
export async function main(options: HostAdapterExampleOptions = {}): Promise<HostAdapterExampleResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const count = options.count ?? 2;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const users: Record<string, string> = {};
  for (let n = 1; n <= count; n++) users[`user${n}`] = `pass${n}`;

  const double = await createRegistrarDouble({ realm: 'example.com', users });
  const host = await HostSipStack.open({
    keepAliveInterval: 1000,
    keepAliveTimeout: options.keepAliveTimeout ?? 300,
  });
  const adapter = new HostStackTransport(host);
  const { port } = adapter.localAddress;
  log(`registrar double on ${double.hostPort}; host stack on 127.0.0.1:${port}`);

  try {
    // The application may listen to the adapter too; sip-registrant's transaction layer does.
    const flowFailures: string[] = [];
    adapter.onFlowFailure((target, error) => {
      flowFailures.push(`${target.host}:${target.port}: ${error.message}`);
      log(`flow failure reported to sip-registrant: ${target.host}:${target.port}: ${error.message}`);
    });

    const manager = new RegistrantManager({ transport: adapter, hashSize: 0, ...options.managerOptions });
    manager.on('stateChange', (event) => {
      const cause = event.code === undefined ? '' : ` (${event.code} ${event.reason ?? ''})`.trimEnd();
      log(`${event.aor}: ${event.fromName} -> ${event.toName}${cause}`);
    });
    manager.on('warning', (warning) => log(`warning ${warning.code}: ${warning.message}`));
    manager.on('error', (error) => log(`error: ${error instanceof Error ? error.message : String(error)}`));

    const registrar = `sip:${double.hostPort}`;
    for (let n = 1; n <= count; n++) {
      manager.add({
        registrar,
        aor: `sip:user${n}@example.com`,
        contact: `sip:user${n}@127.0.0.1:${port}`,
        username: `user${n}`,
        password: `pass${n}`,
      });
    }
    const dead = options.deadRegistrar ?? true;
    if (dead) {
      manager.add({
        registrar: `sip:127.0.0.1:${await silentPort()}`,
        aor: 'sip:ghost@example.com',
        contact: `sip:ghost@127.0.0.1:${port}`,
      });
    }

    let stop: RegistrantStopResult | undefined;
    try {
      manager.start();
      await until(
        manager,
        () =>
          manager
            .list()
            .every((info) =>
              info.aor === 'sip:ghost@example.com'
                ? isFailureState(info.state)
                : info.state === RegistrantState.REGISTERED,
            ),
        dead ? 'the live accounts to register and the dead registrar to fail' : 'every account to register',
        timeoutMs,
      );
      const settled = manager.list();
      for (const info of settled)
        log(`list: ${info.aor} ${info.stateName} ${info.lastCode} ${info.lastReason}`);

      // A neighbour pings the host. The host answers; sip-registrant never sees the request.
      const neighbour = await HostSipStack.open();
      const neighbourPing = await neighbour.ping(adapter.localAddress);
      await neighbour.close();
      log(`neighbour's OPTIONS answered by the host stack: ${neighbourPing ?? 'no answer'}`);

      stop = await manager.stop();
      log(`stopped: ${stop.unregistered} un-REGISTERed, ${stop.failed} failed, ${stop.timedOut} timed out`);
      const bindingsLeft = double.bindingCount();
      log(`registrar double bindings left: ${bindingsLeft}`);

      // The adapter closes; the host's socket stays open for the host's own traffic.
      await adapter.close();
      const sendAfterClose = await adapter.send(double.address, new Uint8Array(0)).then(
        () => undefined,
        (error: unknown) => (error instanceof SipRegistrantError ? error.code : String(error)),
      );
      log(`adapter closed; send() now rejects with ${sendAfterClose}`);
      const stats = host.stats;
      log(
        `host stack: ${stats.optionsAnswered} OPTIONS answered, ${stats.pingsSent} pings sent, ` +
          `${stats.ownResponses} own responses, ${stats.handedOver} responses handed to sip-registrant`,
      );
      return { settled, flowFailures, neighbourPing, stop, bindingsLeft, sendAfterClose, host: stats };
    } finally {
      if (stop === undefined) await manager.stop();
    }
  } finally {
    await adapter.close();
    await host.close();
    await double.close();
  }
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
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
