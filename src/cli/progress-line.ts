/**
 * A live status line at the bottom of a terminal. Log lines are written above it (the line is
 * cleared, the log line written, the status redrawn), so the two never interleave on screen.
 * On anything that is not a TTY the line is never drawn: pipes and journald get plain logs only.
 */

/** The terminal side the line needs; `process.stderr` satisfies it. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

const CLEAR_LINE = '\r\x1b[2K';

export class ProgressLine {
  readonly #stream: ProgressStream;
  readonly #enabled: boolean;
  #current = '';

  /** @param enabled draw at all; defaults to whether `stream` is a TTY. */
  constructor(stream: ProgressStream, enabled: boolean = stream.isTTY === true) {
    this.#stream = stream;
    this.#enabled = enabled;
  }

  /** Whether the line is drawn. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Replace the status line. */
  update(text: string): void {
    if (!this.#enabled) return;
    this.#current = text;
    this.#stream.write(`${CLEAR_LINE}${text}`);
  }

  /** Write a finished line (ending in a newline) above the status line. */
  writeAbove(line: string): void {
    if (!this.#enabled || this.#current === '') {
      this.#stream.write(line);
      return;
    }
    this.#stream.write(`${CLEAR_LINE}${line}${this.#current}`);
  }

  /** Remove the status line for good (before the final output). */
  clear(): void {
    if (!this.#enabled || this.#current === '') return;
    this.#stream.write(CLEAR_LINE);
    this.#current = '';
  }
}
