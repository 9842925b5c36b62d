/**
 * What the daemon logs about its manager. Sized for 100,000 accounts: a registration that goes as
 * planned is a debug line; failures are warnings (with the reply and the next attempt), and a record
 * that recovers from a failure is an info line.
 */
import type { RegistrantManager } from '../registrant/registrant-manager.js';
import { isFailureState, RegistrantState } from '../registrant/registrant-state.js';
import type { Logger } from './logger.js';

function isoOrUndefined(
  epochMs: number | undefined,
  toWall: (clockMs: number) => number,
): string | undefined {
  return epochMs === undefined ? undefined : new Date(toWall(epochMs)).toISOString();
}

/** What an operator should look at, per failure state. */
const FAILURE_HINTS: Readonly<Record<string, string>> = {
  WRONG_CREDENTIALS: 'the registrar rejected the credentials; check username and password (retried slowly)',
  REGISTER_TIMEOUT: 'no answer from the registrar (address, port, firewall?)',
  INTERNAL_ERROR: 'local failure: DNS, socket or an unreadable reply (see reason)',
  REGISTRAR_ERROR: 'the registrar refused the registration (see code and reason)',
};

/** The account's user name (never a secret) for failure lines; cheap, failures are few. */
function usernameOf(manager: RegistrantManager, key: string): string | undefined {
  try {
    return manager.get(key).username;
  } catch {
    return undefined;
  }
}

/** Subscribe `log` to `manager`'s events; returns the unsubscribe function. */
export function logManagerEvents(
  manager: RegistrantManager,
  log: Logger,
  options: { readonly toWall?: (clockMs: number) => number } = {},
): () => void {
  const toWall = options.toWall ?? ((ms: number) => ms);
  // Records currently in a failure state, so their recovery can be reported; failures are few in
  // a healthy deployment, so this stays small.
  const failing = new Set<string>();

  const onStateChange: Parameters<typeof manager.on<'stateChange'>>[1] = (event) => {
    const where = { aor: event.aor, contact: event.contact, registrar: event.registrar };
    if (isFailureState(event.to)) {
      failing.add(event.key);
      log.warn(
        `registration failed: ${event.toName}: ${FAILURE_HINTS[event.toName] ?? 'see code and reason'}`,
        {
          ...where,
          username: usernameOf(manager, event.key),
          state: event.toName,
          code: event.code,
          reason: event.reason,
          nextAttempt: isoOrUndefined(event.nextAttemptAt, toWall),
        },
      );
      return;
    }
    if (event.to === RegistrantState.REGISTERED) {
      if (failing.delete(event.key)) log.info('registered again', { ...where, expires: event.expires });
      else log.debug('registered', { ...where, expires: event.expires });
      return;
    }
    log.debug(`state ${event.fromName} -> ${event.toName}`, {
      ...where,
      code: event.code,
      reason: event.reason,
    });
  };
  const onWarning: Parameters<typeof manager.on<'warning'>>[1] = (warning) =>
    log.warn(warning.message, { code: warning.code, aor: warning.aor });
  const onError: Parameters<typeof manager.on<'error'>>[1] = (error) =>
    log.error('internal error', { error: error instanceof Error ? error.message : String(error) });
  const onRemoved: Parameters<typeof manager.on<'removed'>>[1] = (event) => {
    failing.delete(event.key);
    log.debug('account removed', { aor: event.aor, contact: event.contact, registrar: event.registrar });
  };
  const onAdded: Parameters<typeof manager.on<'added'>>[1] = (event) =>
    log.debug('account added', { aor: event.aor, contact: event.contact, registrar: event.registrar });
  const onUpdated: Parameters<typeof manager.on<'updated'>>[1] = (event) =>
    log.debug('account updated', {
      aor: event.aor,
      contact: event.contact,
      registrar: event.registrar,
      changes: event.changes.join(','),
    });

  manager.on('stateChange', onStateChange);
  manager.on('warning', onWarning);
  manager.on('error', onError);
  manager.on('removed', onRemoved);
  manager.on('added', onAdded);
  manager.on('updated', onUpdated);
  return () => {
    manager.off('stateChange', onStateChange);
    manager.off('warning', onWarning);
    manager.off('error', onError);
    manager.off('removed', onRemoved);
    manager.off('added', onAdded);
    manager.off('updated', onUpdated);
  };
}
