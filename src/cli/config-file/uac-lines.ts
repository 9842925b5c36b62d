/**
 * The uac-lines config format: one OpenSIPS 1.7 `uac` entry per line, either the bare CSV string
 * or the opensips.cfg line `modparam("uac_registrant", "uac", "…")`, so an operator can point the
 * daemon at lines cut from opensips.cfg. Blank lines and `#` comment lines are ignored. Each entry
 * is read by `parseUacParam`; its messages get `file:line:` in front.
 */
import { type AccountList, newAccountList, readUacEntry } from './accounts-section.js';
import { ConfigProblems } from './config-problems.js';

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
    const read = readCfgString(text, i);
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
export function parseUacLines(text: string, file: string): AccountList {
  const problems = new ConfigProblems(file);
  const list = newAccountList();
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
      if (parsed.args.length !== 3 || module !== 'uac_registrant' || param !== 'uac') {
        problems.add(
          line,
          parsed.args.length !== 3
            ? `modparam takes 3 arguments, found ${parsed.args.length}`
            : `only modparam("uac_registrant", "uac", …) lines are read from this file, found modparam(${JSON.stringify((module ?? '').slice(0, 40))}, ${JSON.stringify((param ?? '').slice(0, 40))}, …)${module === 'uac_registrant' ? " (module settings go in a YAML/JSON config's manager section, or in flags)" : ''}`,
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
  problems.throwIfAny();
  return list;
}
