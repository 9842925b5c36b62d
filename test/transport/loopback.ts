/**
 * Helpers for the transport tests: IPv6 loopback detection, waiting for events without sleeping,
 * and a check that a closed transport left no handle behind.
 */
import dgram from 'node:dgram';
import net from 'node:net';

/** True when this machine can bind ::1 (some CI containers have no IPv6 loopback). */
export async function hasIPv6Loopback(): Promise<boolean> {
  const udp = await new Promise<boolean>((resolve) => {
    const socket = dgram.createSocket('udp6');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(0, '::1', () => socket.close(() => resolve(true)));
  });
  if (!udp) return false;
  return new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

/** Resolves on the next event from `subscribe` (which returns an unsubscribe function). */
export function nextEvent<T extends unknown[]>(
  subscribe: (listener: (...args: T) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve) => {
    const off = subscribe((...args: T) => {
      off();
      resolve(args);
    });
  });
}

/** Lets the event loop turn `turns` times (no timers: setImmediate only). */
export async function turns(count = 1): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Turns the event loop (setImmediate, no sleeping) until `condition` holds or `limitMs` of real
 * time passed; returns whether it held. Socket round trips on loopback take well under the limit.
 */
export async function until(condition: () => boolean, limitMs = 5_000): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  while (performance.now() < deadline) {
    if (condition()) return true;
    await turns();
  }
  return condition();
}

/**
 * Counts of socket and server handles, the kinds a transport could leak. Timers are left out: the
 * test runner has its own, and the transports' timers all go through the injected clock, whose
 * FakeClock.pendingTimers the tests check instead.
 */
export function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (!/UDP|TCP|TLS|Shutdown|Write/.test(kind)) continue;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/**
 * Waits (event-loop turns only) for the handle counts to come back to `baseline`; returns the
 * last counts seen so a test can compare them. Libuv frees a closed handle a turn or two after its
 * close callback, hence the waiting.
 */
export async function handlesBackTo(baseline: Record<string, number>): Promise<Record<string, number>> {
  let counts = handleCounts();
  await until(() => {
    counts = handleCounts();
    return JSON.stringify(counts) === JSON.stringify(baseline);
  }, 2_000);
  return counts;
}

/** Handle counts once handles closed by earlier tests have been freed (a few loop turns). */
export async function settledHandleCounts(): Promise<Record<string, number>> {
  await turns(10);
  return handleCounts();
}
