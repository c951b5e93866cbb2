// Where whoever waits for a condition (AMI ready, a free call slot, the stop) parks, to check it again on every
// change anyone signals.
export class ChangeSignal {
  #waiters: Array<() => void> = [];

  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next change, or after `timeoutMs`. */
  next(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      if (timeoutMs !== undefined) setTimeout(resolve, timeoutMs).unref();
    });
  }
}
