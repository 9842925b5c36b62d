/**
 * The one error type of the daemon config loader: where the problem is (file, line, account,
 * field) and a sentence a person can act on. Never carries a password.
 */
import { SipRegistrantError } from '../../errors.js';

/** The account a problem is about. */
export interface DaemonConfigAccountRef {
  /** Index in its list (`accounts[i]`, `uac[i]`), or in `DaemonConfig.accounts` when given as a number. */
  readonly index: number;
  /** Its address-of-record when known (never a password). */
  readonly aor: string | undefined;
  /** Which list of the file it comes from. `undefined` when given as a bare index. */
  readonly list: 'accounts' | 'uac' | undefined;
}

/** Where a problem is and what it is about. */
export interface DaemonConfigErrorDetails {
  /** The config file (as given), or the flag / source name for values that came from elsewhere. */
  readonly file: string;
  /** 1-based line, when known. */
  readonly line?: number | undefined;
  /** The account at fault: a reference, or an index into `DaemonConfig.accounts`. */
  readonly account?: DaemonConfigAccountRef | number | undefined;
  /** The field at fault as a path, e.g. `status.port`, `accounts[3].expiry`. */
  readonly field?: string | undefined;
}

/** One problem found in a config file. */
export interface DaemonConfigProblem {
  readonly file: string;
  readonly line: number | undefined;
  readonly account: DaemonConfigAccountRef | undefined;
  readonly field: string | undefined;
  /** What is wrong, without the location, e.g. `accounts[3] (sip:a@b): expiry: expected …`. */
  readonly problem: string;
  /** `<file>:<line>: <problem>` (or `<file>: <problem>` when the line is unknown). */
  readonly message: string;
}

/** At most this many problems are listed in one message (all are kept in `problems`). */
const MAX_LISTED = 20;

function accountRef(account: DaemonConfigErrorDetails['account']): DaemonConfigAccountRef | undefined {
  if (account === undefined) return undefined;
  if (typeof account === 'number') return Object.freeze({ index: account, aor: undefined, list: undefined });
  return account;
}

/** Build one problem record (its `message` is `file:line: problem`). */
export function daemonConfigProblem(problem: string, details: DaemonConfigErrorDetails): DaemonConfigProblem {
  const where = details.line === undefined ? details.file : `${details.file}:${details.line}`;
  return Object.freeze({
    file: details.file,
    line: details.line,
    account: accountRef(details.account),
    field: details.field,
    problem,
    message: `${where}: ${problem}`,
  });
}

/**
 * A daemon config file (or a flag standing in for part of it) was rejected: `code`
 * `ERR_DAEMON_CONFIG`. `file`, `line`, `account` and `field` locate the first problem; `problems`
 * lists every problem found (the message shows them one per line, the first line being the first
 * problem), e.g.
 * `accounts.yaml:12: accounts[3] (sip:alice@example.com): expiry: expected an integer number of seconds 1..4294967295, received string "abc"`.
 */
export class DaemonConfigError extends SipRegistrantError {
  /** The file (as given) or the source of the value (e.g. `--listen`). */
  readonly file: string;
  /** 1-based line of the first problem, when known. */
  readonly line: number | undefined;
  /** The account of the first problem, when it is about one. */
  readonly account: DaemonConfigAccountRef | undefined;
  /** The field of the first problem, as a path (e.g. `status.port`). */
  readonly field: string | undefined;
  /** Every problem found, in file order (the first one is described by the fields above). */
  readonly problems: readonly DaemonConfigProblem[];

  /**
   * @param problem what is wrong, without the location (the message adds `file:line: `)
   * @param details where it is
   * @param options `cause`; `more`: further problems found in the same file
   */
  constructor(
    problem: string,
    details: DaemonConfigErrorDetails,
    options: { readonly cause?: unknown; readonly more?: readonly DaemonConfigProblem[] } = {},
  ) {
    const first = daemonConfigProblem(problem, details);
    const all = [first, ...(options.more ?? [])];
    const listed = all.slice(0, MAX_LISTED).map((p) => p.message);
    if (all.length > MAX_LISTED) listed.push(`… and ${all.length - MAX_LISTED} more problems`);
    super(
      'ERR_DAEMON_CONFIG',
      listed.join('\n'),
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.file = first.file;
    this.line = first.line;
    this.account = first.account;
    this.field = first.field;
    this.problems = Object.freeze(all);
  }

  /** The error for a non-empty list of problems (the first one leads). */
  static fromProblems(problems: readonly DaemonConfigProblem[]): DaemonConfigError {
    const [first, ...more] = problems;
    if (first === undefined) return new DaemonConfigError('is invalid', { file: '(config)' });
    return new DaemonConfigError(first.problem, first, { more });
  }
}
