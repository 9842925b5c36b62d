/**
 * The `manager` section: the plain-data `RegistrantManager` options. Names and types are checked
 * here; values are checked by the manager's own resolver (`resolveManagerOptions`, which also runs
 * the policy's rules), so the file accepts exactly what `new RegistrantManager()` accepts.
 */
import { SipInvalidArgumentError } from '../../errors.js';
import { resolveManagerOptions } from '../../registrant/registrant-manager-options.js';
import type { Transport } from '../../transport/transport.js';
import type { ConfigMappingNode, ConfigNode } from './config-node.js';
import type { ConfigProblems } from './config-problems.js';
import { unknownKeyProblem } from './did-you-mean.js';
import { describeNode } from './node-text.js';

/** Manager options given as numbers (seconds, percentages, counts). */
const NUMBER_OPTIONS = [
  'hashSize',
  'timerInterval',
  'reregisterExpiryPercentage',
  'refreshJitterPercentage',
  'refreshMargin',
  'failureRetryInterval',
  'backoffBase',
  'backoffMax',
  'slowBackoffBase',
  'slowBackoffMax',
  'maxRetryAfter',
  'maxChallengeRounds',
  'maxMinExpires',
  'inFlightWatchdog',
  'resolveTimeout',
  'resolveCacheTtl',
  'destinationPinTtl',
  'maxRegistersPerSecond',
  'registersBurst',
  'stopTimeout',
  'stopRate',
] as const;

/** Keys of `transactionTimers` (milliseconds). */
const TIMER_KEYS = ['t1', 't2', 't4', 'timerF'] as const;

/** Every key the `manager` section accepts. */
export const MANAGER_SECTION_KEYS: readonly string[] = [...NUMBER_OPTIONS, 'userAgent', 'transactionTimers'];

/**
 * Stand-ins for the objects the resolver requires but a file cannot give: only their shape is
 * checked, nothing is called.
 */
const PLACEHOLDER_TRANSPORT: Transport = Object.freeze({
  protocol: 'UDP',
  reliable: false,
  localAddress: Object.freeze({ host: '127.0.0.1', port: 5060 }),
  send: () => undefined,
  onMessage: () => () => undefined,
  onFlowFailure: () => () => undefined,
  close: async () => undefined,
}) as unknown as Transport;
const PLACEHOLDER_AUTHENTICATOR = Object.freeze({ authorize: () => undefined });

function numberOf(node: ConfigNode): number | undefined {
  return node.kind === 'scalar' && typeof node.value === 'number' ? node.value : undefined;
}

/**
 * Read and validate the `manager` section. Reports problems (at the line of the key at fault) and
 * returns the options as plain data, frozen.
 */
export function readManagerSection(
  node: ConfigNode,
  keyLine: number,
  problems: ConfigProblems,
): Readonly<Record<string, unknown>> {
  if (node.kind === 'scalar' && node.value === null) return Object.freeze({});
  if (node.kind !== 'mapping') {
    problems.add(keyLine, `manager: expected a mapping of manager options, received ${describeNode(node)}`, {
      field: 'manager',
    });
    return Object.freeze({});
  }
  const before = problems.count;
  const options: Record<string, unknown> = {};
  const lines = new Map<string, number>();
  for (const entry of node.entries) {
    const field = `manager.${entry.key}`;
    lines.set(entry.key, entry.keyLine);
    if (entry.value.kind === 'scalar' && entry.value.value === null) continue; // null: the default
    if ((NUMBER_OPTIONS as readonly string[]).includes(entry.key)) {
      const value = numberOf(entry.value);
      if (value === undefined)
        problems.add(entry.keyLine, `${field}: expected a number, received ${describeNode(entry.value)}`, {
          field,
        });
      else options[entry.key] = value;
    } else if (entry.key === 'userAgent') {
      const scalar = entry.value.kind === 'scalar' ? entry.value : undefined;
      const value = scalar?.plainText ?? scalar?.value;
      if (typeof value === 'string') options.userAgent = value;
      else
        problems.add(entry.keyLine, `${field}: expected a string, received ${describeNode(entry.value)}`, {
          field,
        });
    } else if (entry.key === 'transactionTimers') {
      const timers = readTimers(entry.value, entry.keyLine, problems, lines);
      if (timers !== undefined) options.transactionTimers = timers;
    } else {
      problems.add(
        entry.keyLine,
        `manager: ${unknownKeyProblem(entry.key, MANAGER_SECTION_KEYS, 'manager option')}`,
        {
          field,
        },
      );
    }
  }
  if (problems.count !== before) return Object.freeze({});
  // The resolver stops at the first bad option. To report every one at once, the option it names
  // is set aside and the rest asked again (the others stay together, so rules that tie options
  // together, such as registersBurst needing maxRegistersPerSecond, still hold).
  const remaining: Record<string, unknown> = { ...options };
  for (let round = 0; round <= MANAGER_SECTION_KEYS.length; round++) {
    const message = resolverProblem(remaining);
    if (message === undefined) break;
    reportResolverProblem(message, keyLine, lines, problems);
    const option = splitResolverMessage(message).option?.split('.')[0];
    if (option === undefined || !(option in remaining)) break;
    delete remaining[option];
  }
  return problems.count === before ? Object.freeze(options) : Object.freeze({});
}

function readTimers(
  node: ConfigNode,
  keyLine: number,
  problems: ConfigProblems,
  lines: Map<string, number>,
): Record<string, number> | undefined {
  if (node.kind !== 'mapping') {
    problems.add(
      keyLine,
      `manager.transactionTimers: expected a mapping of t1, t2, t4, timerF (milliseconds), received ${describeNode(node)}`,
      { field: 'manager.transactionTimers' },
    );
    return undefined;
  }
  const timers: Record<string, number> = {};
  for (const entry of (node as ConfigMappingNode).entries) {
    const field = `manager.transactionTimers.${entry.key}`;
    lines.set(`transactionTimers.${entry.key}`, entry.keyLine);
    if (!(TIMER_KEYS as readonly string[]).includes(entry.key)) {
      problems.add(
        entry.keyLine,
        `manager.transactionTimers: ${unknownKeyProblem(entry.key, TIMER_KEYS, 'timer')}`,
        {
          field,
        },
      );
      continue;
    }
    if (entry.value.kind === 'scalar' && entry.value.value === null) continue;
    const value = numberOf(entry.value);
    if (value === undefined)
      problems.add(
        entry.keyLine,
        `${field}: expected a number of milliseconds, received ${describeNode(entry.value)}`,
        {
          field,
        },
      );
    else timers[entry.key] = value;
  }
  return timers;
}

/**
 * The option a resolver message is about and the problem, e.g.
 * `RegistrantManager option "hashSize": expected …` → `hashSize`, `expected …`;
 * `… "transactionTimers": timers.t2: expected …` → `transactionTimers.t2`, `expected …`.
 */
/** The resolver's message for `options`, or undefined when it accepts them. */
function resolverProblem(options: Record<string, unknown>): string | undefined {
  try {
    resolveManagerOptions({
      ...options,
      transport: PLACEHOLDER_TRANSPORT,
      authenticator: PLACEHOLDER_AUTHENTICATOR as never,
    });
    return undefined;
  } catch (error) {
    if (!(error instanceof SipInvalidArgumentError)) throw error;
    return error.message;
  }
}

function reportResolverProblem(
  message: string,
  keyLine: number,
  lines: ReadonlyMap<string, number>,
  problems: ConfigProblems,
): void {
  const { option, problem } = splitResolverMessage(message);
  const field = option === undefined ? 'manager' : `manager.${option}`;
  const line = lines.get(option ?? '') ?? lines.get((option ?? '').split('.')[0] ?? '') ?? keyLine;
  problems.add(line, `${field}: ${problem}`, { field });
}

function splitResolverMessage(message: string): { option: string | undefined; problem: string } {
  const marker = 'option "';
  const at = message.indexOf(marker);
  const close = at === -1 ? -1 : message.indexOf('"', at + marker.length);
  if (at === -1 || close === -1) return { option: undefined, problem: message };
  let option = message.slice(at + marker.length, close);
  let problem = message.slice(close + 1).replace(/^: /, '');
  if (option === 'transactionTimers' && problem.startsWith('timers.')) {
    const colon = problem.indexOf(': ');
    if (colon !== -1) {
      option = `transactionTimers.${problem.slice('timers.'.length, colon)}`;
      problem = problem.slice(colon + 2);
    }
  }
  return { option, problem };
}
