/**
 * The ten registrant states, with the names and numbers OpenSIPS `uac_registrant` uses (old `reg_list`
 * shows the number, new `reg_list` the `…_STATE` name), so operators migrating keep their dashboards.
 *
 * A plain `as const` object rather than a TypeScript `enum`: it is erasable syntax (runs under
 * `node --experimental-strip-types`, which the bench scripts use, and under `isolatedModules`), the
 * values are plain numbers at run time, and `RegistrantState.REGISTERED` reads the same as an enum.
 */
export const RegistrantState = {
  /** Initial; also after a successful un-REGISTER, or a 2xx that did not install our binding. */
  NOT_REGISTERED: 0,
  /** REGISTER without credentials in flight. */
  REGISTERING: 1,
  /** REGISTER with Authorization / Proxy-Authorization in flight. */
  AUTHENTICATING: 2,
  /** Our binding is installed (2xx listing it with expires > 0). */
  REGISTERED: 3,
  /** 408 or transaction timeout (Timer F). */
  REGISTER_TIMEOUT: 4,
  /** Local problem: cannot resolve, cannot send, cannot answer the challenge, unparsable reply. */
  INTERNAL_ERROR: 5,
  /** Challenged again after sending credentials (not stale), or challenged with none configured. */
  WRONG_CREDENTIALS: 6,
  /** Any other final error from the registrar (4xx/5xx/6xx, unusable 423, failed redirect). */
  REGISTRAR_ERROR: 7,
  /** un-REGISTER without credentials in flight. */
  UNREGISTERING: 8,
  /** un-REGISTER with credentials in flight. */
  AUTHENTICATING_UNREGISTER: 9,
} as const;

/** One of the ten state numbers 0…9. */
export type RegistrantState = (typeof RegistrantState)[keyof typeof RegistrantState];

/** A state name without suffix, e.g. `REGISTERED`. */
export type RegistrantStateName = keyof typeof RegistrantState;

/** A state name as OpenSIPS `reg_list` prints it, e.g. `REGISTERED_STATE`. */
export type RegistrantStateDisplayName = `${RegistrantStateName}_STATE`;

const NAMES: readonly RegistrantStateName[] = [
  'NOT_REGISTERED',
  'REGISTERING',
  'AUTHENTICATING',
  'REGISTERED',
  'REGISTER_TIMEOUT',
  'INTERNAL_ERROR',
  'WRONG_CREDENTIALS',
  'REGISTRAR_ERROR',
  'UNREGISTERING',
  'AUTHENTICATING_UNREGISTER',
];

/** True when `value` is one of the ten state numbers. */
export function isRegistrantState(value: unknown): value is RegistrantState {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 9;
}

/** The name of a state, e.g. `stateName(3)` → `'REGISTERED'`. Throws a RangeError for a non-state. */
export function stateName(state: RegistrantState): RegistrantStateName {
  const name = NAMES[state];
  if (name === undefined || !isRegistrantState(state))
    throw new RangeError(`stateName: expected a registrant state 0..9, received ${String(state)}`);
  return name;
}

/** The OpenSIPS `reg_list` form of a state name, e.g. `stateDisplayName(3)` → `'REGISTERED_STATE'`. */
export function stateDisplayName(state: RegistrantState): RegistrantStateDisplayName {
  return `${stateName(state)}_STATE`;
}

/**
 * The state for a name in either form (`REGISTERED` or `REGISTERED_STATE`, any case), or `undefined`
 * when the name is not a state.
 */
export function parseStateName(name: string): RegistrantState | undefined {
  let upper = name.toUpperCase();
  if (upper.endsWith('_STATE')) upper = upper.slice(0, -'_STATE'.length);
  const index = NAMES.indexOf(upper as RegistrantStateName);
  return index === -1 ? undefined : (index as RegistrantState);
}

/**
 * Failure states (OpenSIPS 4…7): the record waits for its retry deadline (back-off) and then starts a
 * new registration with a new Call-ID.
 */
export function isFailureState(state: RegistrantState): boolean {
  return state >= RegistrantState.REGISTER_TIMEOUT && state <= RegistrantState.REGISTRAR_ERROR;
}

/**
 * In-flight states (OpenSIPS 1, 2, 8, 9): one request is outstanding and nothing else may be sent
 * for the record until its final response or timeout (RFC 3261 §10.2, checklist REG-10).
 */
export function isInFlightState(state: RegistrantState): boolean {
  return (
    state === RegistrantState.REGISTERING ||
    state === RegistrantState.AUTHENTICATING ||
    state === RegistrantState.UNREGISTERING ||
    state === RegistrantState.AUTHENTICATING_UNREGISTER
  );
}

/** In-flight states whose request is an un-REGISTER (OpenSIPS 8 and 9). */
export function isUnregisterState(state: RegistrantState): boolean {
  return state === RegistrantState.UNREGISTERING || state === RegistrantState.AUTHENTICATING_UNREGISTER;
}
