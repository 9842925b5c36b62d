/**
 * Collects every problem found in one config file, so the operator sees them all at once, then
 * throws them as one {@link DaemonConfigError}.
 */
import {
  type DaemonConfigAccountRef,
  DaemonConfigError,
  type DaemonConfigProblem,
  daemonConfigProblem,
} from './daemon-config-error.js';

/** The problems found so far in one file. */
export class ConfigProblems {
  readonly #file: string;
  readonly #list: DaemonConfigProblem[] = [];

  constructor(file: string) {
    this.#file = file;
  }

  /** The file the problems are reported against. */
  get file(): string {
    return this.#file;
  }

  /** How many problems were found. */
  get count(): number {
    return this.#list.length;
  }

  /** Record a problem at `line` (1-based, when known). */
  add(
    line: number | undefined,
    problem: string,
    about: {
      readonly field?: string | undefined;
      readonly account?: DaemonConfigAccountRef | undefined;
    } = {},
  ): void {
    this.#list.push(
      daemonConfigProblem(problem, { file: this.#file, line, field: about.field, account: about.account }),
    );
  }

  /** Throw a {@link DaemonConfigError} listing every problem, in line order, if there is any. */
  throwIfAny(): void {
    if (this.#list.length === 0) return;
    // Stable sort: problems on the same line keep the order they were found in.
    const sorted = [...this.#list].sort(
      (a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER),
    );
    throw DaemonConfigError.fromProblems(sorted);
  }
}
