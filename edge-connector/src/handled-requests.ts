// Which request ids this connector has already originated, so an SQS redelivery is not dialled twice.

export interface HandledRequests {
  has(requestId: string): boolean;
  add(requestId: string): void;
  /** Forgets an id whose Originate was never written, so its redelivery may be dialled. */
  forget(requestId: string): void;
}

/**
 * Remembers the most recent `capacity` request ids in memory. It covers redeliveries while the connector runs
 * (e.g. a visibility timeout passing during a slow Originate); it does not survive a restart.
 */
export function createInMemoryHandledRequests(capacity = 10_000): HandledRequests {
  const ids = new Set<string>();
  return {
    has: (requestId) => ids.has(requestId),
    forget: (requestId) => {
      ids.delete(requestId);
    },
    add(requestId) {
      ids.delete(requestId);
      ids.add(requestId);
      if (ids.size > capacity) {
        const oldest = ids.values().next();
        if (!oldest.done) ids.delete(oldest.value);
      }
    },
  };
}
