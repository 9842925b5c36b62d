import type { Clock, TimerHandle } from '../clock.js';

/**
 * Timers of one fixed duration for many items, on ONE clock timer (RFC 3261 §17.1.2.2 Timers F, K
 * and the first Timer E all have a fixed duration per transaction layer).
 *
 * A fixed duration means deadlines are added in time order, so the queue is a FIFO: the clock timer
 * is armed for the head only, and when it fires every item due by then is handed to `onDue`, in the
 * order added. Removal is O(1) through the ticket `add` returned (the slot is emptied). Compared with
 * one clock timer per item this saves, per transaction, the timer objects (a Node `Timeout`, a
 * closure, a handle) and their list insertion and removal — and for Timer K, which lingers 5 s,
 * objects that would otherwise be promoted to the old generation at 1,000 registrations/s.
 *
 * Each item fires exactly at its own deadline: the clock timer is re-armed for the next live head.
 */
export class DeadlineQueue<T> {
  readonly #clock: Clock;
  readonly #onDue: (item: T) => void;
  #items: (T | undefined)[] = [];
  #dues: number[] = [];
  /** Index of the first slot not yet handed out. */
  #head = 0;
  /** Ticket of slot 0 (slots are renumbered when the array is compacted). */
  #base = 0;
  /** Items added and neither due yet nor removed. */
  #live = 0;
  #timer: TimerHandle | undefined;
  #firing = false;

  constructor(clock: Clock, onDue: (item: T) => void) {
    this.#clock = clock;
    this.#onDue = onDue;
  }

  /** Number of items waiting. */
  get size(): number {
    return this.#live;
  }

  /**
   * Add `item`, due at `due` (monotonic ms, never before the previous item's deadline).
   * @returns the ticket for {@link DeadlineQueue.remove}
   */
  add(item: T, due: number): number {
    const ticket = this.#base + this.#items.length;
    this.#items.push(item);
    this.#dues.push(due);
    this.#live++;
    if (this.#timer === undefined && !this.#firing) this.#arm(due);
    return ticket;
  }

  /** Forget the item of `ticket`; nothing happens when it was already due or removed. */
  remove(ticket: number): void {
    const index = ticket - this.#base;
    if (index < this.#head || index >= this.#items.length || this.#items[index] === undefined) return;
    this.#items[index] = undefined;
    this.#live--;
    if (this.#live === 0 && !this.#firing) this.#reset();
  }

  /** Forget every item and disarm the clock timer. */
  clear(): void {
    this.#reset();
  }

  #arm(due: number): void {
    this.#timer = this.#clock.setTimeout(this.#fire, Math.max(0, due - this.#clock.now()));
  }

  #fire = (): void => {
    this.#timer = undefined;
    this.#firing = true;
    try {
      const now = this.#clock.now();
      while (this.#head < this.#items.length && this.#dues[this.#head]! <= now) {
        const item = this.#items[this.#head];
        this.#items[this.#head] = undefined;
        this.#head++;
        if (item === undefined) continue;
        this.#live--;
        this.#onDue(item);
      }
    } finally {
      this.#firing = false;
      this.#settle();
    }
  };

  /** After a firing: skip emptied slots, compact, re-arm for the next live item (or reset). */
  #settle(): void {
    if (this.#live === 0) {
      this.#reset();
      return;
    }
    while (this.#items[this.#head] === undefined) this.#head++;
    // Compact once the consumed prefix dominates, so the arrays stay proportional to what waits.
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#dues = this.#dues.slice(this.#head);
      this.#base += this.#head;
      this.#head = 0;
    }
    if (this.#timer === undefined) this.#arm(this.#dues[this.#head]!);
  }

  #reset(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    // Old tickets must never name a new item: renumber past every ticket handed out.
    this.#base += this.#items.length;
    this.#items = [];
    this.#dues = [];
    this.#head = 0;
    this.#live = 0;
  }
}
