// One HTTP request on loopback with its time to first byte and total time, over a keep-alive agent (node:http,
// lighter than fetch, so the client adds as little as it can to what is measured).
import { type Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface TimedResponse {
  readonly status: number;
  /** From just before the request is written to the response's status line and headers. */
  readonly ttfbMs: number;
  /** From just before the request is written to the last byte of the body. */
  readonly totalMs: number;
  readonly body: string;
}

export interface TimedRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly body?: string;
  readonly contentType?: string;
  readonly timeoutMs: number;
}

export class HttpTimeoutError extends Error {
  constructor(url: URL, timeoutMs: number) {
    super(`no answer from ${url.href} within ${timeoutMs} ms`);
    this.name = 'HttpTimeoutError';
  }
}

export function timedRequest(agent: Agent, options: TimedRequest): Promise<TimedResponse> {
  return new Promise((resolve, reject) => {
    const { url, body } = options;
    const startedAt = performance.now();
    const outgoing = request(
      url,
      {
        agent,
        method: options.method,
        headers: {
          accept: 'application/json, text/html',
          ...(body === undefined
            ? {}
            : {
                'content-type': options.contentType ?? 'application/json',
                'content-length': Buffer.byteLength(body),
              }),
        },
      },
      (response) => {
        const ttfbMs = performance.now() - startedAt;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            ttfbMs,
            totalMs: performance.now() - startedAt,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.setTimeout(options.timeoutMs, () =>
      outgoing.destroy(new HttpTimeoutError(url, options.timeoutMs)),
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
