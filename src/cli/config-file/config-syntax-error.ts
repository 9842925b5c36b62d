/**
 * A config document that is not well-formed YAML (of the supported subset) or JSON. The message
 * names the line (and column when known) and what was found, never the surrounding text: the line
 * could hold a password.
 */
import { SipRegistrantError } from '../../errors.js';

/** A YAML or JSON syntax error (`code` `ERR_CONFIG_SYNTAX`) at a 1-based line and column. */
export class ConfigSyntaxError extends SipRegistrantError {
  /** Which reader rejected the text. */
  readonly format: 'yaml' | 'json';
  /** 1-based line of the problem. */
  readonly line: number;
  /** 1-based column of the problem, when known. */
  readonly column: number | undefined;
  /** What is wrong, without the location (e.g. `unterminated double-quoted string`). */
  readonly problem: string;

  constructor(format: 'yaml' | 'json', line: number, column: number | undefined, problem: string) {
    super(
      'ERR_CONFIG_SYNTAX',
      `${format === 'yaml' ? 'YAML' : 'JSON'} syntax error at line ${line}${column === undefined ? '' : `, column ${column}`}: ${problem}`,
    );
    this.format = format;
    this.line = line;
    this.column = column;
    this.problem = problem;
  }
}
