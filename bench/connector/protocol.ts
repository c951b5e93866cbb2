// What the benchmark and the probe in the connector's process say to each other over IPC.

export interface SampleRequest {
  readonly kind: 'sample-request';
  readonly id: number;
}

export interface Sample {
  readonly kind: 'sample';
  readonly id: number;
  readonly rssBytes: number;
  /** User + system CPU time of the process since it started. */
  readonly cpuMs: number;
}

export function isSampleRequest(message: unknown): message is SampleRequest {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { kind?: unknown }).kind === 'sample-request'
  );
}

export function isSample(message: unknown, id: number): message is Sample {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { kind?: unknown }).kind === 'sample' &&
    (message as { id?: unknown }).id === id
  );
}
