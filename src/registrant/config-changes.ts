/**
 * Which fields of a registrant config changed between two validated configs (for `upsert` and
 * `reload`). Identity fields (aor, contact, registrar) are never compared: another identity is
 * another record. Secrets are compared, never shown.
 */
import type { NormalizedRegistrantConfig } from '../config/registrant-config.js';
import type { RegistrantCredentials } from '../config/registrant-credentials.js';
import type { RegistrantConfigField } from './manager-events.js';

function secretOf(credentials: RegistrantCredentials): string {
  return credentials.kind === 'password' ? credentials.password : credentials.ha1;
}

/** Same username, same kind and same secret (or both absent). */
export function sameCredentials(
  a: RegistrantCredentials | undefined,
  b: RegistrantCredentials | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.username === b.username && a.kind === b.kind && secretOf(a) === secretOf(b);
}

/** The fields of `next` that differ from `current`, in {@link RegistrantConfigField} order. */
export function configChanges(
  current: NormalizedRegistrantConfig,
  next: NormalizedRegistrantConfig,
): RegistrantConfigField[] {
  const changes: RegistrantConfigField[] = [];
  if (current.proxy !== next.proxy) changes.push('proxy');
  if (current.thirdPartyRegistrant !== next.thirdPartyRegistrant) changes.push('thirdPartyRegistrant');
  const a = current.credentials;
  const b = next.credentials;
  if (a?.username !== b?.username) changes.push('username');
  if (
    (a === undefined) !== (b === undefined) ||
    (a !== undefined && b !== undefined && (a.kind !== b.kind || secretOf(a) !== secretOf(b)))
  )
    changes.push('password');
  if (current.contactParams !== next.contactParams) changes.push('contactParams');
  if (current.expiry !== next.expiry) changes.push('expiry');
  if (current.socket?.text !== next.socket?.text) changes.push('socket');
  if (current.enabled !== next.enabled) changes.push('enabled');
  return changes;
}
