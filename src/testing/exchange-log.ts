import type { RegisterRequestInfo, ScriptedAction } from './scripted-behaviour.js';

/** One REGISTER and what the double did with it. */
export interface RecordedExchange {
  readonly request: RegisterRequestInfo;
  /** The action taken (`process` for the normal path). */
  readonly action: ScriptedAction['type'];
  /** Whether a rule or the behaviour function chose the action. */
  readonly scripted: boolean;
  /** Final status sent; `undefined` when dropped or answered with malformed bytes. */
  readonly status: number | undefined;
  /** Clock reading when the answer went out (or the request was dropped). */
  readonly at: number;
}

/**
 * The last `limit` exchanges in a fixed ring: recording costs one slot write, never a shift, so a
 * load test that leaves recording on still pays O(1) per request.
 */
export class ExchangeLog {
  readonly #ring: (RecordedExchange | undefined)[];
  #next = 0;
  #size = 0;

  constructor(limit: number) {
    this.#ring = new Array(limit);
  }

  push(exchange: RecordedExchange): void {
    const limit = this.#ring.length;
    if (limit === 0) return;
    this.#ring[this.#next] = exchange;
    this.#next = (this.#next + 1) % limit;
    if (this.#size < limit) this.#size++;
  }

  /** Oldest first. */
  list(): RecordedExchange[] {
    const out: RecordedExchange[] = [];
    const limit = this.#ring.length;
    for (let i = 0; i < this.#size; i++) {
      const entry = this.#ring[(this.#next - this.#size + i + limit) % limit];
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }

  clear(): void {
    this.#ring.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }
}
