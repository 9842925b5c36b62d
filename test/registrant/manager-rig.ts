/**
 * Test rig for RegistrantManager tests: a FakeClock shared by the manager (and its transaction
 * layers) and the registrar double, which both talk over real loopback UDP sockets. Time only moves
 * when a test says so; real waiting is limited to socket round trips, polled with a bound.
 */
import { FakeClock } from '../../src/clock.js';
import type { ManagerWarning, StateChangeEvent } from '../../src/registrant/manager-events.js';
import { RegistrantManager } from '../../src/registrant/registrant-manager.js';
import type { RegistrantManagerOptions } from '../../src/registrant/registrant-manager-options.js';
import { isInFlightState } from '../../src/registrant/registrant-state.js';
import type { SipRequest } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import {
  createRegistrarDouble,
  type RecordedExchange,
  type RegistrarDouble,
  type RegistrarDoubleOptions,
} from '../../src/testing/index.js';
import { createUdpTransport, type UdpTransport } from '../../src/transport/udp-transport.js';

/** One real macrotask turn (plus `ms`): lets datagrams in flight be read and handled. */
export function turn(ms = 1): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One pass of the event loop (I/O included): cheaper than a timer turn for tight polling. */
export function spin(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Poll `ready` until true; fail naming `what` after `timeoutMs` of real time. */
export async function until(what: string, ready: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await spin();
  }
}

export interface Rig {
  readonly clock: FakeClock;
  readonly registrar: RegistrarDouble;
  readonly transport: UdpTransport;
  readonly manager: RegistrantManager;
  readonly changes: (StateChangeEvent & { readonly at: number })[];
  readonly warnings: ManagerWarning[];
  readonly errors: unknown[];
  /** Keys of records with a request outstanding, tracked from stateChange events (O(1) to read). */
  readonly inFlight: Set<string>;
  /** `sip:127.0.0.1:<port>` of the double. */
  readonly registrarUri: string;
  close(): Promise<void>;
}

export const START = 1_000_000;
export const WALL0 = 1_700_000_000_000;

/** Random source that always returns the same value (deterministic jitter). */
export const FIXED_RANDOM = (): number => 0.5;

export async function makeRig(
  options: Partial<RegistrantManagerOptions> = {},
  doubleOptions: RegistrarDoubleOptions = {},
): Promise<Rig> {
  const clock = new FakeClock(START);
  const registrar = await createRegistrarDouble({ clock, ...doubleOptions });
  const transport = await createUdpTransport({ host: '127.0.0.1', port: 0 });
  const manager = new RegistrantManager({
    transport,
    clock,
    wallClock: () => WALL0,
    random: FIXED_RANDOM,
    // One bucket unless a test asks for more: the first tick (at start) visits every record.
    hashSize: 0,
    ...options,
  });
  const changes: Rig['changes'] = [];
  const warnings: ManagerWarning[] = [];
  const errors: unknown[] = [];
  const inFlight = new Set<string>();
  manager.on('stateChange', (event) => {
    changes.push({ ...event, at: clock.now() });
    if (isInFlightState(event.to)) inFlight.add(event.key);
    else inFlight.delete(event.key);
  });
  manager.on('warning', (warning) => warnings.push(warning));
  manager.on('error', (error) => errors.push(error));
  return {
    clock,
    registrar,
    transport,
    manager,
    changes,
    warnings,
    errors,
    inFlight,
    registrarUri: `sip:${registrar.hostPort}`,
    async close() {
      if (manager.running) {
        const stopping = manager.stop();
        for (let i = 0; i < 200 && !(await settledWithin(stopping)); i++) clock.advance(100);
      }
      await registrar.close();
      await transport.close();
    },
  };
}

async function settledWithin(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await turn(2);
  return done;
}

export function inFlightCount(manager: RegistrantManager): number {
  let count = 0;
  for (const info of manager.list()) if (isInFlightState(info.state)) count++;
  return count;
}

/** Wait until no record has a request outstanding (every reply was received and handled). */
export async function quiet(rig: Rig, timeoutMs = 5_000): Promise<void> {
  await spin();
  await until('every request to be answered', () => rig.inFlight.size === 0, timeoutMs);
}

/**
 * Move the fake clock forward `totalMs`, one timer at a time: jump to the next armed timer, fire it,
 * then let every request it caused be answered before the next jump (so Timer E or F never fires
 * for a reply that is merely on its way). Cheap in fake time: only timer due times are visited.
 */
export async function advance(rig: Rig, totalMs: number): Promise<void> {
  const target = rig.clock.now() + totalMs;
  // Requests the test itself caused (a verb just called) are answered before time moves.
  await quiet(rig);
  for (;;) {
    const next = rig.clock.nextDue();
    if (next === undefined || next > target) {
      rig.clock.advanceTo(target);
      await quiet(rig);
      return;
    }
    rig.clock.advanceTo(next);
    await quiet(rig);
  }
}

/**
 * Move the fake clock in steps until `ready()` — for requests nobody answers, whose timers must run.
 * Waits a few real turns per step so sends reach the kernel. Bounded by `maxMs` of fake time.
 */
export async function advanceUntil(
  rig: Rig,
  what: string,
  ready: () => boolean,
  maxMs: number,
  stepMs = 500,
): Promise<void> {
  for (let done = 0; !ready(); done += stepMs) {
    if (done > maxMs) throw new Error(`fake time ran out after ${maxMs} ms waiting for ${what}`);
    rig.clock.advance(stepMs);
    await turn(2);
  }
}

/** The REGISTER of an exchange, parsed from the raw bytes the double received. */
export function requestOf(exchange: RecordedExchange): SipRequest {
  const message = parseMessage(exchange.request.raw);
  if (message.kind !== 'request') throw new Error('expected a request');
  return message;
}

/** Requests the double recorded for one user, parsed, in order. */
export function requestsFor(
  registrar: RegistrarDouble,
  user: string,
): { at: number; status: number | undefined; request: SipRequest; exchange: RecordedExchange }[] {
  return registrar
    .requests()
    .filter((exchange) => exchange.request.user === user)
    .map((exchange) => ({
      at: exchange.at,
      status: exchange.status,
      request: requestOf(exchange),
      exchange,
    }));
}

/** A config for user `user` against the rig's double. */
export function account(rig: Rig, user: string, extra: Record<string, unknown> = {}) {
  return {
    registrar: rig.registrarUri,
    aor: `sip:${user}@example.com`,
    contact: `sip:${user}@127.0.0.1:${rig.transport.localAddress.port}`,
    ...extra,
  };
}
