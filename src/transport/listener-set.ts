/**
 * The listeners registered on a transport (`onMessage`, `onFlowFailure`). A listener that throws
 * must not break the socket loop that called it, nor starve the listeners after it: its error is
 * counted and surfaced as a process warning instead of escaping into a socket event handler, where
 * it would become an uncaught exception.
 */
export class ListenerSet<Args extends unknown[]> {
  readonly #listeners = new Set<(...args: Args) => void>();
  #errors = 0;

  /** Adds `listener`; the returned function removes it (calling it twice does nothing). */
  add(listener: (...args: Args) => void): () => void {
    // Wrap so that registering the same function twice gives two independent registrations.
    const entry = (...args: Args) => listener(...args);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Calls every listener with `args`, in registration order. Never throws. */
  emit(...args: Args): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(...args);
      } catch (error) {
        this.#errors++;
        process.emitWarning(
          `sip-registrant: a transport listener threw: ${error instanceof Error ? error.message : String(error)}`,
          { code: 'SIP_REGISTRANT_LISTENER_ERROR' },
        );
      }
    }
  }

  /** Removes every listener (transport close). */
  clear(): void {
    this.#listeners.clear();
  }

  get size(): number {
    return this.#listeners.size;
  }

  /** How many listener calls threw. */
  get errors(): number {
    return this.#errors;
  }
}
