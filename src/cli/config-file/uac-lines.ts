/**
 * The uac-lines config format: one OpenSIPS 1.7 `uac` entry per line, either the bare CSV string
 * or the opensips.cfg line `modparam("uac_registrant", "uac", "…")`, so an operator can point the
 * daemon at lines cut from opensips.cfg. Blank lines and `#` comment lines are ignored. Each entry
 * is read by `parseUacParam`; its messages get `file:line:` in front.
 *
 * The module's own settings may be given the same way (`modparam("uac_registrant", "hash_size", 4)`,
 * `timer_interval`, `failure_retry_interval`, `reregister_expiry_percentage`): they become the
 * manager options of the same meaning (see UAC_MODULE_SETTINGS).
 */
import { type AccountList, newAccountList, readUacEntry } from './accounts-section.js';
import type { ConfigMappingEntry } from './config-node.js';
import { ConfigProblems } from './config-problems.js';
import { readManagerSection } from './manager-section.js';

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

/** A quoted cfg string at `start` (`"` or `'`) with backslash escapes; its value and end. */
function readCfgString(text: string, start: number): { value: string; end: number } | undefined {
  const quote = text[start];
  if (quote !== '"' && quote !== "'") return undefined;
  let out = '';
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === quote) return { value: out, end: i + 1 };
    if (ch === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      out += next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : next;
      i++;
    } else out += ch;
  }
  return undefined;
}

/** An unquoted decimal integer at `start`, as a string. */
function readCfgInteger(text: string, start: number): { value: string; end: number } | undefined {
  let end = start;
  while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
  return end === start ? undefined : { value: text.slice(start, end), end };
}

/**
 * The three arguments of `modparam( "…", "…", "…" )` (optionally followed by `;` and a `#`
 * comment), or a problem description. Messages never quote the third argument (it holds the
 * password).
 */
export function parseModparamLine(
  text: string,
): { readonly args: readonly string[] } | { readonly problem: string } {
  const expected = 'expected modparam("uac_registrant", "uac", "registrar,proxy,aor,…")';
  let i = 'modparam'.length;
  while (isSpace(text[i])) i++;
  if (text[i] !== '(') return { problem: `${expected}: missing '(' after modparam` };
  i++;
  const args: string[] = [];
  for (;;) {
    while (isSpace(text[i])) i++;
    // OpenSIPS takes integer parameters unquoted: modparam("uac_registrant", "hash_size", 4).
    const read = readCfgString(text, i) ?? readCfgInteger(text, i);
    if (read === undefined)
      return { problem: `${expected}: argument ${args.length + 1} is not a complete quoted string` };
    args.push(read.value);
    i = read.end;
    while (isSpace(text[i])) i++;
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === ')') break;
    return { problem: `${expected}: expected ',' or ')' after argument ${args.length}` };
  }
  i++;
  while (isSpace(text[i])) i++;
  if (text[i] === ';') i++;
  while (isSpace(text[i])) i++;
  if (i < text.length && text[i] !== '#') return { problem: `${expected}: unexpected text after ')'` };
  return { args };
}

/**
 * Read a uac-lines file. Returns the accounts with their lines, or throws
 * {@link DaemonConfigError} listing every bad line.
 */
export function parseUacLines(
  text: string,
  file: string,
): AccountList & { readonly manager: Readonly<Record<string, unknown>> } {
  const problems = new ConfigProblems(file);
  const list = newAccountList();
  const settings: ConfigMappingEntry[] = [];
  const ctx = { problems, env: {} };
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = source.split(/\r\n|\r|\n/);
  let index = 0;
  lines.forEach((raw, at) => {
    const line = at + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const label = `uac[${index}]`;
    if (trimmed.startsWith('modparam') && (trimmed[8] === '(' || isSpace(trimmed[8]))) {
      const parsed = parseModparamLine(trimmed);
      if ('problem' in parsed) {
        problems.add(line, parsed.problem, { field: label });
        index++;
        return;
      }
      const [module, param, value] = parsed.args;
      if (parsed.args.length === 3 && module === 'uac_registrant' && param !== 'uac') {
        readModuleSetting(param!, value!, line, settings, problems);
        return;
      }
      if (parsed.args.length !== 3 || module !== 'uac_registrant') {
        problems.add(
          line,
          parsed.args.length !== 3
            ? `modparam takes 3 arguments, found ${parsed.args.length}`
            : `only modparam("uac_registrant", …) lines are read from this file, found modparam(${JSON.stringify((module ?? '').slice(0, 40))}, …)`,
          { field: label },
        );
        index++;
        return;
      }
      readUacEntry(value!.trim(), line, index, label, list, ctx);
    } else {
      readUacEntry(trimmed, line, index, label, list, ctx);
    }
    index++;
  });
  const manager =
    settings.length === 0
      ? Object.freeze({})
      : readManagerSection(
          { kind: 'mapping', entries: settings, line: settings[0]!.keyLine },
          settings[0]!.keyLine,
          problems,
        );
  problems.throwIfAny();
  return { ...list, manager };
}

/**
 * The uac_registrant module parameters that have a manager option (OpenSIPS name → option). The
 * others (db_url, table_name, the column names, clustering) have no meaning for a file of `uac`
 * lines and are refused, so nothing the operator wrote is silently ignored.
 */
export const UAC_MODULE_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  hash_size: 'hashSize',
  timer_interval: 'timerInterval',
  failure_retry_interval: 'failureRetryInterval',
  reregister_expiry_percentage: 'reregisterExpiryPercentage',
});

function readModuleSetting(
  param: string,
  value: string,
  line: number,
  settings: ConfigMappingEntry[],
  problems: ConfigProblems,
): void {
  const option = UAC_MODULE_SETTINGS[param];
  const field = `modparam("uac_registrant", ${JSON.stringify(param.slice(0, 40))})`;
  if (option === undefined) {
    problems.add(
      line,
      `${field}: not used by sip-registrant in a uac-lines file (supported: ${Object.keys(UAC_MODULE_SETTINGS).join(', ')}, uac)`,
      { field },
    );
    return;
  }
  const text = value.trim();
  if (!/^\d{1,9}$/.test(text)) {
    problems.add(
      line,
      `${field}: expected a non-negative integer, received ${JSON.stringify(text.slice(0, 20))}`,
      {
        field,
      },
    );
    return;
  }
  if (settings.some((entry) => entry.key === option)) {
    problems.add(line, `${field}: set twice`, { field });
    return;
  }
  // OpenSIPS reads failure_retry_interval 0 as "unset" (retry after the record's expiry); here
  // unset means the back-off policy, the closest behaviour that does not hammer the registrar.
  if (option === 'failureRetryInterval' && Number(text) === 0) return;
  settings.push({
    key: option,
    keyLine: line,
    value: { kind: 'scalar', value: Number(text), plainText: undefined, line },
  });
}
