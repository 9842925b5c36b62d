/**
 * The `defaults`, `accounts` and `uac` sections: registrant configs, validated by the library's
 * own validator (`checkRegistrantConfig`, `parseUacParam`) so the messages are the library's, each
 * prefixed with where the account is in the file. Passwords may come from the environment
 * (`passwordEnv`); no message ever contains one.
 */

import { parseUacParam } from '../../config/parse-uac-param.js';
import { type RegistrantConfig, registrantKey } from '../../config/registrant-config.js';
import {
  checkRegistrantConfig,
  maskUriPassword,
  REGISTRANT_CONFIG_FIELDS,
} from '../../config/validate-registrant-config.js';
import { RegistrantConfigError } from '../../errors.js';
import { splitOutside } from '../../sip/lexer.js';
import type { ConfigMappingNode, ConfigNode } from './config-node.js';
import type { ConfigProblems } from './config-problems.js';
import type { DaemonConfigAccountRef } from './daemon-config-error.js';
import { unknownKeyProblem } from './did-you-mean.js';
import { describeNode } from './node-text.js';

/**
 * Fields that hold text: a YAML plain scalar there is read as typed (`0123` stays `0123`). Every
 * field of a registrant config but the number `expiry` and the boolean `enabled`.
 */
const TEXT_FIELDS: ReadonlySet<string> = new Set(
  REGISTRANT_CONFIG_FIELDS.filter((field) => field !== 'expiry' && field !== 'enabled'),
);

/** Account keys of the file: the config fields plus `passwordEnv`. */
const FILE_ACCOUNT_KEYS: readonly string[] = [...REGISTRANT_CONFIG_FIELDS, 'passwordEnv'];

/** Environment variable names accepted in `passwordEnv` (POSIX portable names). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One field value with the line it was written on and whether it came from `defaults`. */
interface Located {
  readonly value: unknown;
  readonly line: number;
  readonly fromDefaults: boolean;
}

/** The accounts read so far, with their lines, in file order. */
export interface AccountList {
  readonly accounts: RegistrantConfig[];
  readonly lines: (number | undefined)[];
  /** Identity key → where it was first seen, for duplicate detection. */
  readonly identities: Map<string, { readonly label: string; readonly line: number | undefined }>;
}

/** An empty {@link AccountList}. */
export function newAccountList(): AccountList {
  return { accounts: [], lines: [], identities: new Map() };
}

/** What reading accounts needs. */
export interface AccountsContext {
  readonly problems: ConfigProblems;
  readonly env: Readonly<Record<string, string | undefined>>;
}

function fieldValueOf(node: ConfigNode, field: string): unknown {
  if (node.kind !== 'scalar') return node.kind === 'mapping' ? {} : [];
  if (node.value !== null && TEXT_FIELDS.has(field) && node.plainText !== undefined) return node.plainText;
  return node.value;
}

/** Replace a secret (4 characters or more) wherever it appears in `text`. */
function scrub(text: string, secret: unknown): string {
  if (typeof secret !== 'string' || secret.length < 4) return text;
  return text.split(secret).join('***');
}

/** `(sip:alice@example.com)` for messages, or `''` when the AOR is missing or not text. */
function aorLabel(aor: unknown, password: unknown): string {
  if (typeof aor !== 'string' || aor === '') return '';
  let shown = aor.length > 120 ? `${aor.slice(0, 120)}…` : aor;
  for (let i = 0; i < shown.length; i++) {
    const code = shown.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) {
      shown = JSON.stringify(shown);
      break;
    }
  }
  return ` (${scrub(maskUriPassword(shown), password)})`;
}

/**
 * Read `defaults`: a mapping of account fields merged under every account. Reports unknown keys;
 * returns the located values (validated later, within each account).
 */
export function readDefaults(
  node: ConfigNode,
  keyLine: number,
  problems: ConfigProblems,
): Map<string, Located> {
  const out = new Map<string, Located>();
  if (node.kind === 'scalar' && node.value === null) return out;
  if (node.kind !== 'mapping') {
    problems.add(keyLine, `defaults: expected a mapping of account fields, received ${describeNode(node)}`, {
      field: 'defaults',
    });
    return out;
  }
  for (const entry of node.entries) {
    if (!FILE_ACCOUNT_KEYS.includes(entry.key)) {
      problems.add(
        entry.keyLine,
        `defaults: ${unknownKeyProblem(entry.key, FILE_ACCOUNT_KEYS, 'account field')}`,
        {
          field: `defaults.${entry.key}`,
        },
      );
      continue;
    }
    out.set(entry.key, {
      value: fieldValueOf(entry.value, entry.key),
      line: entry.keyLine,
      fromDefaults: true,
    });
  }
  return out;
}

/** Read the `accounts` list into `list`, merging `defaults` under each entry. */
export function readAccounts(
  node: ConfigNode,
  keyLine: number,
  defaults: ReadonlyMap<string, Located>,
  list: AccountList,
  ctx: AccountsContext,
): void {
  if (node.kind === 'scalar' && node.value === null) return;
  if (node.kind !== 'sequence') {
    ctx.problems.add(
      keyLine,
      `accounts: expected a list of account mappings, received ${describeNode(node)}`,
      {
        field: 'accounts',
      },
    );
    return;
  }
  node.items.forEach((item, index) => {
    const label = `accounts[${index}]`;
    if (item.kind !== 'mapping') {
      ctx.problems.add(
        item.line,
        `${label}: expected a mapping of account fields, received ${item.kind === 'scalar' ? (item.value === null ? 'null' : typeof item.value) : 'a list'}`,
        {
          field: label,
          account: { index, aor: undefined, list: 'accounts' },
        },
      );
      return;
    }
    readAccount(item, index, defaults, list, ctx);
  });
}

function readAccount(
  node: ConfigMappingNode,
  index: number,
  defaults: ReadonlyMap<string, Located>,
  list: AccountList,
  ctx: AccountsContext,
): void {
  const fields = new Map<string, Located>();
  const own = new Set(node.entries.map((entry) => entry.key));
  // password and passwordEnv are one setting: the account's own choice replaces the default's.
  const ownSecret = own.has('password') || own.has('passwordEnv');
  for (const [key, located] of defaults)
    if (!(ownSecret && (key === 'password' || key === 'passwordEnv'))) fields.set(key, located);
  for (const entry of node.entries)
    fields.set(entry.key, {
      value: fieldValueOf(entry.value, entry.key),
      line: entry.keyLine,
      fromDefaults: false,
    });

  const aorValue = fields.get('aor')?.value;
  const prefix = `accounts[${index}]`;
  const lineOf = (field: string): number => fields.get(field)?.line ?? node.line;
  const passwordProblems: { line: number; problem: string }[] = [];

  const env = fields.get('passwordEnv');
  if (env !== undefined) {
    fields.delete('passwordEnv');
    // Both left after the merge means both were written in the same place.
    if (fields.has('password'))
      passwordProblems.push({
        line: env.line,
        problem: 'passwordEnv: give either password or passwordEnv, not both',
      });
    else if (typeof env.value !== 'string' || !ENV_NAME.test(env.value))
      passwordProblems.push({
        line: env.line,
        // The value is not quoted: an operator may have typed the secret itself here.
        problem: `passwordEnv: expected an environment variable name (letters, digits, _), received ${typeof env.value === 'string' ? 'text that is not one (not shown: it may be the password itself)' : describeValueKind(env.value)}`,
      });
    else {
      const secret = ctx.env[env.value];
      if (secret === undefined || secret === '')
        passwordProblems.push({
          line: env.line,
          problem: `passwordEnv: environment variable ${env.value} is ${secret === undefined ? 'not set' : 'empty'}`,
        });
      else fields.set('password', { value: secret, line: env.line, fromDefaults: env.fromDefaults });
    }
  }

  const input: Record<string, unknown> = {};
  for (const [key, located] of fields)
    Object.defineProperty(input, key, {
      value: located.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  const password = input.password;
  const account: DaemonConfigAccountRef = Object.freeze({
    index,
    aor: typeof aorValue === 'string' ? scrub(maskUriPassword(aorValue), password) : undefined,
    list: 'accounts',
  });
  const label = `${prefix}${aorLabel(aorValue, password)}`;

  for (const p of passwordProblems)
    ctx.problems.add(p.line, `${label}: ${p.problem}`, { field: `${prefix}.passwordEnv`, account });

  const check = checkRegistrantConfig(input);
  if (!check.ok) {
    for (const issue of check.errors) {
      // A password that could not be read from the environment was reported above.
      if (passwordProblems.length > 0 && issue.field === 'password') continue;
      // Unknown keys are named as given, or JSON-quoted when they hold unusual characters.
      const key = [...fields.keys()].find((k) => k === issue.field || JSON.stringify(k) === issue.field);
      const located = key === undefined ? undefined : fields.get(key);
      const from = located?.fromDefaults ? ' (from defaults)' : '';
      ctx.problems.add(located?.line ?? node.line, `${label}: ${scrub(issue.message, password)}${from}`, {
        field: `${prefix}.${key ?? issue.field}`,
        account,
      });
    }
    return;
  }
  if (passwordProblems.length > 0) return;

  const config: Record<string, unknown> = {};
  for (const [key, located] of fields)
    if (located.value !== null && located.value !== undefined) config[key] = located.value;
  addAccount(config as unknown as RegistrantConfig, node.line, label, lineOf('aor'), account, list, ctx);
}

function describeValueKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : typeof value;
}

function addAccount(
  config: RegistrantConfig,
  line: number | undefined,
  label: string,
  reportLine: number | undefined,
  account: DaemonConfigAccountRef,
  list: AccountList,
  ctx: AccountsContext,
): void {
  const key = registrantKey(config);
  const earlier = list.identities.get(key);
  if (earlier !== undefined) {
    ctx.problems.add(
      reportLine ?? line,
      `${label}: same aor, contact and registrar as ${earlier.label}${earlier.line === undefined ? '' : ` (line ${earlier.line})`}: each account must differ in at least one of them`,
      { field: label.split(' ')[0], account },
    );
    return;
  }
  list.identities.set(key, { label: label.split(' ')[0]!, line });
  list.accounts.push(Object.freeze(config));
  list.lines.push(line);
}

/**
 * Read one OpenSIPS `uac` string (from the `uac` list or a uac-lines file) into `list`. `label` is
 * how the entry is named in messages (`uac[2]`).
 */
export function readUacEntry(
  csv: string,
  line: number,
  index: number,
  label: string,
  list: AccountList,
  ctx: AccountsContext,
): void {
  const parts = splitOutside(csv, ',');
  const password = parts?.[5]?.trim();
  const aor = parts?.[2]?.trim();
  const account: DaemonConfigAccountRef = Object.freeze({
    index,
    aor: aor === undefined || aor === '' ? undefined : scrub(maskUriPassword(aor), password),
    list: 'uac',
  });
  const named = `${label}${aorLabel(aor, password)}`;
  let config: RegistrantConfig;
  try {
    config = parseUacParam(csv);
  } catch (error) {
    if (!(error instanceof RegistrantConfigError)) throw error;
    // parseUacParam can list one problem twice (its own check and the validator's); say it once.
    const said = new Set<string>();
    for (const issue of error.errors) {
      const text = `${named}: ${scrub(issue.message, password)}`;
      if (said.has(text)) continue;
      said.add(text);
      ctx.problems.add(line, text, { field: `${label}.${issue.field}`, account });
    }
    return;
  }
  addAccount(config, line, named, line, account, list, ctx);
}

/** Read the `uac` list of a YAML/JSON file into `list`. */
export function readUacSection(
  node: ConfigNode,
  keyLine: number,
  list: AccountList,
  ctx: AccountsContext,
): void {
  if (node.kind === 'scalar' && node.value === null) return;
  if (node.kind !== 'sequence') {
    ctx.problems.add(
      keyLine,
      `uac: expected a list of OpenSIPS uac strings, received ${describeNode(node)}`,
      {
        field: 'uac',
      },
    );
    return;
  }
  node.items.forEach((item, index) => {
    const label = `uac[${index}]`;
    const text = item.kind === 'scalar' ? (item.plainText ?? item.value) : undefined;
    if (typeof text !== 'string') {
      ctx.problems.add(
        item.line,
        `${label}: expected a uac string of ten comma-separated fields, received ${item.kind === 'scalar' ? (item.value === null ? 'null' : typeof item.value) : item.kind === 'mapping' ? 'a mapping' : 'a list'}`,
        {
          field: label,
          account: { index, aor: undefined, list: 'uac' },
        },
      );
      return;
    }
    readUacEntry(text, item.line, index, label, list, ctx);
  });
}
