/**
 * The MI core command `which`, as OpenSIPS serves it: without parameters, the names of every command;
 * with `command`, the parameter sets that command accepts (one array of names per accepted form).
 * `opensips-cli` asks `which` for the command list before it runs anything through its `mi` module
 * and for completion, so without it the daemon's status port would not work with that tool.
 */
import { invalidParams, RECORD_PARAMS, readParams, UPSERT_PARAMS } from './mi-params.js';

/** The per-record commands by short name, with the parameter sets each accepts. */
const PARAMETER_SETS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  list: [[], RECORD_PARAMS],
  reload: [[], RECORD_PARAMS],
  enable: [RECORD_PARAMS],
  disable: [RECORD_PARAMS],
  force_register: [RECORD_PARAMS],
  delete: [RECORD_PARAMS],
  upsert: [UPSERT_PARAMS],
};

/** The name of the command itself. */
export const WHICH_METHOD = 'which';

/** Parameter sets of `method` (`uac_registrant:<c>`, `reg_<c>` or `which`), or undefined. */
function parameterSets(method: string): readonly (readonly string[])[] | undefined {
  if (method === WHICH_METHOD) return [[], ['command']];
  const short = method.startsWith('uac_registrant:')
    ? method.slice('uac_registrant:'.length)
    : method.startsWith('reg_')
      ? method.slice('reg_'.length)
      : undefined;
  return short === undefined ? undefined : PARAMETER_SETS[short];
}

/**
 * Answer `which` for a handler serving `methods`.
 * @throws MiError Invalid params for an unknown command name or parameter
 */
export function answerWhich(
  methods: readonly string[],
  params: Parameters<typeof readParams>[0],
): string[] | (readonly string[])[] {
  const { command } = readParams(params, ['command'], []);
  if (command === undefined) return [...methods, WHICH_METHOD].sort();
  const sets = typeof command === 'string' && methods.includes(command) ? parameterSets(command) : undefined;
  if (sets === undefined && command !== WHICH_METHOD)
    throw invalidParams(`unknown command ${JSON.stringify(String(command).slice(0, 60))}`);
  return (sets ?? parameterSets(WHICH_METHOD)!).map((set) => [...set]);
}
