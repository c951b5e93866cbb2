// Bounded waiting: every wait of the benchmark ends, with an error naming what never happened.
import { setTimeout as delay } from 'node:timers/promises';

export { delay };

export class BenchTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} did not happen within ${timeoutMs} ms`);
    this.name = 'BenchTimeoutError';
  }
}

/** Checks `condition` every `intervalMs` until it holds; throws BenchTimeoutError after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
  intervalMs = 5,
): Promise<void> {
  const giveUpAt = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > giveUpAt) throw new BenchTimeoutError(what, timeoutMs);
    await delay(intervalMs);
  }
}

/** Rejects with BenchTimeoutError if `promise` has not settled within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchTimeoutError(what, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
