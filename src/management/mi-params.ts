/**
 * Parameters of the `uac_registrant` MI commands, by OpenSIPS name, given by name (a JSON object) or
 * by position (a JSON array, in OpenSIPS' declared order), as the OpenSIPS MI core accepts them.
 *
 * A problem is an Invalid params error (-32602, OpenSIPS `init_mi_param_error()`); its `data` names
 * the parameter, never echoes a value (a value could be the password).
 */
import { JSON_RPC_ERRORS, MiError } from './json-rpc.js';

/** The identity parameters of every per-record command. */
export const RECORD_PARAMS = ['aor', 'contact', 'registrar'] as const;

/** `uac_registrant:upsert` parameters in OpenSIPS' order (reference §2.4). */
export const UPSERT_PARAMS = [
  'aor',
  'contact',
  'registrar',
  'proxy',
  'third_party_registrant',
  'username',
  'password',
  'binding_params',
  'expiry',
  'forced_socket',
  'cluster_shtag',
  'state',
] as const;

/** Parameters read as integers (a JSON number or a decimal string, as opensips-cli sends them). */
const INTEGER_PARAMS: ReadonlySet<string> = new Set(['expiry', 'state']);

export function invalidParams(detail: string, data?: Record<string, unknown>): MiError {
  return new MiError(JSON_RPC_ERRORS.INVALID_PARAMS.code, JSON_RPC_ERRORS.INVALID_PARAMS.message, {
    detail,
    ...data,
  });
}

/**
 * Read `params` against the parameter `names` of a command. Returns the given parameters by name
 * (strings, and integers for expiry/state). `required` lists the names that must be present.
 */
export function readParams(
  params: Readonly<Record<string, unknown>> | readonly unknown[] | undefined,
  names: readonly string[],
  required: readonly string[],
): Record<string, string | number> {
  const given: Record<string, unknown> = {};
  if (Array.isArray(params)) {
    if (params.length > names.length)
      throw invalidParams(
        `expected at most ${names.length} positional parameters (${names.join(', ') || 'none'}), received ${params.length}`,
      );
    params.forEach((value, index) => {
      given[names[index]!] = value;
    });
  } else if (params !== undefined) {
    for (const key of Object.keys(params)) {
      if (!names.includes(key))
        throw invalidParams(
          `unknown parameter ${JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key)}; expected ${names.join(', ') || 'none'}`,
        );
      given[key] = (params as Record<string, unknown>)[key];
    }
  }
  const out: Record<string, string | number> = {};
  for (const name of names) {
    const value = given[name];
    if (value === undefined || value === null) {
      if (required.includes(name)) throw invalidParams(`missing parameter ${name}`);
      continue;
    }
    if (INTEGER_PARAMS.has(name)) {
      const number = integerParam(value);
      if (number === undefined) throw invalidParams(`parameter ${name} must be an integer`);
      out[name] = number;
    } else if (typeof value === 'string') {
      out[name] = value;
    } else {
      throw invalidParams(
        `parameter ${name} must be a string, received ${Array.isArray(value) ? 'an array' : typeof value}`,
      );
    }
  }
  return out;
}

function integerParam(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const start = value.charCodeAt(0) === 0x2d ? 1 : 0;
  if (value.length === start || value.length - start > 15) return undefined;
  for (let i = start; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return undefined;
  }
  return Number(value);
}

/** The (aor, contact, registrar) of a per-record command, all three required. */
export interface RecordIdentity {
  readonly aor: string;
  readonly contact: string;
  readonly registrar: string;
}

/** Read the three identity parameters; all must be present. */
export function readIdentity(params: Parameters<typeof readParams>[0]): RecordIdentity {
  const p = readParams(params, RECORD_PARAMS, RECORD_PARAMS);
  return { aor: p.aor as string, contact: p.contact as string, registrar: p.registrar as string };
}

/**
 * For `list` and `reload`: no parameters, or all three identity parameters (OpenSIPS accepts exactly
 * these two forms). Returns `undefined` for the first.
 */
export function readOptionalIdentity(params: Parameters<typeof readParams>[0]): RecordIdentity | undefined {
  const p = readParams(params, RECORD_PARAMS, []);
  const count = RECORD_PARAMS.filter((name) => p[name] !== undefined).length;
  if (count === 0) return undefined;
  if (count !== RECORD_PARAMS.length)
    throw invalidParams('give no parameters, or all three of aor, contact and registrar');
  return { aor: p.aor as string, contact: p.contact as string, registrar: p.registrar as string };
}
