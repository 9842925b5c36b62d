/**
 * The daemon's heartbeat: redraws the progress line on a terminal (4 times a second), logs a
 * summary line elsewhere when the counts changed (once a minute), and reports the moment every
 * enabled account is registered. Real time on purpose: it only paces output.
 */
import type { RegistrantManager } from '../registrant/registrant-manager.js';
import { AllRegisteredWatch } from './all-registered-watch.js';
import type { Logger } from './logger.js';
import type { ProgressLine } from './progress-line.js';
import { formatProgress, summarizeProgress } from './progress-summary.js';

export interface StatusTickerOptions {
  readonly manager: RegistrantManager;
  readonly progress: ProgressLine;
  readonly log: Logger;
  /** When the accounts were started (ms, `now()`'s scale). */
  readonly startedAt: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** Interval of the summary log line when no progress line is drawn. @default 60000 */
  readonly summaryIntervalMs?: number;
}

export class StatusTicker {
  readonly #o: StatusTickerOptions;
  readonly #now: () => number;
  readonly #watch: AllRegisteredWatch;
  #timer: NodeJS.Timeout | undefined;
  #lastSummary = '';
  #lastSummaryAt: number;
  #startedAt: number;

  constructor(options: StatusTickerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#watch = new AllRegisteredWatch(options.manager, this.#now);
    this.#startedAt = options.startedAt;
    this.#lastSummaryAt = this.#now();
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.tick(), this.#o.progress.enabled ? 250 : 1000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The accounts changed (reload): report "all registered" again when it happens. */
  rearm(): void {
    this.#watch.rearm();
    this.#startedAt = this.#now();
  }

  /** Whether every enabled account has been registered at least once since start or rearm. */
  get allRegistered(): boolean {
    return this.#watch.done;
  }

  /** One beat (also called directly by tests and by the demo). */
  tick(): void {
    const stats = this.#o.manager.stats();
    const text = formatProgress(summarizeProgress(stats));
    this.#o.progress.update(text);
    const all = this.#watch.check();
    if (all !== undefined) {
      const seconds = ((this.#now() - this.#startedAt) / 1000).toFixed(2);
      this.#o.log.info(
        `all ${all} enabled ${all === 1 ? 'account' : 'accounts'} registered in ${seconds} s`,
        {
          registersSent: stats.registersSent,
        },
      );
    }
    if (this.#o.progress.enabled) return;
    const now = this.#now();
    if (now - this.#lastSummaryAt >= (this.#o.summaryIntervalMs ?? 60_000) && text !== this.#lastSummary) {
      this.#lastSummaryAt = now;
      this.#lastSummary = text;
      this.#o.log.info(text);
    }
  }
}
