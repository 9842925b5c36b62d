import { describe, expect, it } from 'vitest';
import {
  isFailureState,
  isInFlightState,
  isRegistrantState,
  isUnregisterState,
  parseStateName,
  RegistrantState,
  stateDisplayName,
  stateName,
} from '../../src/registrant/registrant-state.js';

const OPENSIPS: readonly [number, string][] = [
  [0, 'NOT_REGISTERED'],
  [1, 'REGISTERING'],
  [2, 'AUTHENTICATING'],
  [3, 'REGISTERED'],
  [4, 'REGISTER_TIMEOUT'],
  [5, 'INTERNAL_ERROR'],
  [6, 'WRONG_CREDENTIALS'],
  [7, 'REGISTRAR_ERROR'],
  [8, 'UNREGISTERING'],
  [9, 'AUTHENTICATING_UNREGISTER'],
];

describe('RegistrantState', () => {
  it('has the ten OpenSIPS names and numbers', () => {
    expect(Object.entries(RegistrantState).map(([name, n]) => [n, name])).toEqual(OPENSIPS);
  });

  it.each(OPENSIPS)('state %i is named %s, displayed with the _STATE suffix, and parses back', (n, name) => {
    const state = n as RegistrantState;
    expect(stateName(state)).toBe(name);
    expect(stateDisplayName(state)).toBe(`${name}_STATE`);
    expect(parseStateName(name)).toBe(n);
    expect(parseStateName(`${name}_STATE`)).toBe(n);
    expect(parseStateName(name.toLowerCase())).toBe(n);
  });

  it('rejects non-states', () => {
    expect(() => stateName(10 as RegistrantState)).toThrow(RangeError);
    expect(() => stateName(-1 as RegistrantState)).toThrow(RangeError);
    expect(() => stateName(1.5 as RegistrantState)).toThrow(RangeError);
    expect(parseStateName('REGISTERED_STATE_STATE')).toBeUndefined();
    expect(parseStateName('')).toBeUndefined();
    expect(isRegistrantState(9)).toBe(true);
    expect(isRegistrantState(10)).toBe(false);
    expect(isRegistrantState('3')).toBe(false);
  });

  it('classifies failure states (4..7) and in-flight states (1, 2, 8, 9)', () => {
    const failure = OPENSIPS.filter(([n]) => isFailureState(n as RegistrantState)).map(([n]) => n);
    const inFlight = OPENSIPS.filter(([n]) => isInFlightState(n as RegistrantState)).map(([n]) => n);
    const unregister = OPENSIPS.filter(([n]) => isUnregisterState(n as RegistrantState)).map(([n]) => n);
    expect(failure).toEqual([4, 5, 6, 7]);
    expect(inFlight).toEqual([1, 2, 8, 9]);
    expect(unregister).toEqual([8, 9]);
  });
});
