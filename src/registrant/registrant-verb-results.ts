/**
 * What the management verbs of the {@link RegistrantManager} take and return beyond a key:
 * the `list()` filter and the results of `upsert`, `reload` and `forceRegister`. Plain data.
 */
import { SipInvalidArgumentError } from '../errors.js';
import type { ManagedRecord } from './managed-record.js';
import {
  isRegistrantState,
  parseStateName,
  type RegistrantState,
  type RegistrantStateName,
} from './registrant-state.js';

/** `list(filter)`: records matching every given field (strings compared byte for byte). */
export interface RegistrantListFilter {
  readonly aor?: string;
  /** A state number, or a name in either form (`REGISTERED`, `REGISTERED_STATE`, any case). */
  readonly state?: RegistrantState | RegistrantStateName;
  readonly enabled?: boolean;
  readonly registrar?: string;
}

/** What `upsert` did. */
export interface RegistrantUpsertResult {
  /** The record's identity key. */
  readonly key: string;
  /** `inserted` (new identity), `updated` (config changed in place), `unchanged` (nothing to do). */
  readonly action: 'inserted' | 'updated' | 'unchanged';
}

/** What `reload` did, as record keys (counts are their lengths). */
export interface RegistrantReloadResult {
  readonly added: readonly string[];
  readonly updated: readonly string[];
  /** Records missing from the set: deleted (un-REGISTERed first when they may hold a binding). */
  readonly removed: readonly string[];
  readonly unchanged: readonly string[];
}

/** What `forceRegister` did. */
export interface RegistrantForceRegisterResult {
  /**
   * `sent`: the REGISTER went out now. `in-flight`: a request is outstanding, nothing was doubled.
   * `disabled`: the record is disabled, nothing sent. `scheduled`: deferred by the rate cap, or the
   * manager is stopped (it registers at the next start).
   */
  readonly result: 'sent' | 'in-flight' | 'disabled' | 'scheduled';
}

function filterProblem(field: string, expected: string, value: unknown): never {
  throw new SipInvalidArgumentError(
    `RegistrantManager.list: filter field "${field}": expected ${expected}, received ${
      typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value
    }`,
  );
}

/**
 * Check a filter and turn it into a predicate; `undefined` when it selects everything.
 * @throws SipInvalidArgumentError naming the field of the wrong type, an unknown field or state
 */
export function compileListFilter(
  filter: RegistrantListFilter | undefined,
): ((record: ManagedRecord) => boolean) | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
    filterProblem('(filter)', 'an object with aor, state, enabled or registrar', filter);
  for (const key of Object.keys(filter))
    if (key !== 'aor' && key !== 'state' && key !== 'enabled' && key !== 'registrar')
      filterProblem(key, 'no such field (known: aor, state, enabled, registrar)', key);
  const { aor, enabled, registrar } = filter;
  if (aor !== undefined && typeof aor !== 'string') filterProblem('aor', 'a string', aor);
  if (registrar !== undefined && typeof registrar !== 'string')
    filterProblem('registrar', 'a string', registrar);
  if (enabled !== undefined && typeof enabled !== 'boolean') filterProblem('enabled', 'a boolean', enabled);
  let state: RegistrantState | undefined;
  if (filter.state !== undefined) {
    const given: unknown = filter.state;
    state = typeof given === 'string' ? parseStateName(given) : isRegistrantState(given) ? given : undefined;
    if (state === undefined) filterProblem('state', 'a state number 0..9 or a state name', given);
  }
  return (record) =>
    (aor === undefined || record.config.aor === aor) &&
    (registrar === undefined || record.config.registrar === registrar) &&
    (enabled === undefined || record.enabled === enabled) &&
    (state === undefined || record.state === state);
}
