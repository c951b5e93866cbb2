// One webhook POST that cannot be turned against the cloud's own network: the name is resolved here, every address
// it resolves to is checked, and the connection goes to the address checked (no second lookup to rebind); 5 s in
// all; no redirect followed; at most 1 KB of the answer read.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { hostOf, isForbiddenAddress } from '../domain/webhook-addresses.ts';

export const DELIVERY_TIMEOUT_MS = 5000;
const MAX_ANSWER_BYTES = 1024;

export type PostOutcome =
  | { readonly kind: 'answered'; readonly statusCode: number; readonly durationMs: number }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'failed'; readonly error: string; readonly durationMs: number };

export interface SafePostOptions {
  /** The local stack's receivers on loopback; never in AWS. @default false */
  readonly allowPrivateAddresses?: boolean;
  /** @default node:dns lookup */
  readonly lookup?: typeof dnsLookup;
  readonly timeoutMs?: number;
}

class RefusedAddressError extends Error {}

export async function safePost(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  {
    allowPrivateAddresses = false,
    lookup = dnsLookup,
    timeoutMs = DELIVERY_TIMEOUT_MS,
  }: SafePostOptions = {},
): Promise<PostOutcome> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  if (!secure && !(allowPrivateAddresses && target.protocol === 'http:')) {
    return { kind: 'refused', reason: 'only https URLs are delivered to' };
  }
  const host = hostOf(target);
  if (isIP(host) && !allowPrivateAddresses && isForbiddenAddress(host)) {
    return { kind: 'refused', reason: `${host} is a private or reserved address` };
  }
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  try {
    const statusCode = await new Promise<number>((resolve, reject) => {
      const request = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          signal: AbortSignal.timeout(timeoutMs),
          // Node calls this for host names only; IP literals were checked above.
          lookup: (hostname, options, callback) => {
            lookup(hostname, { ...options, all: true }, (error, addresses) => {
              if (error) return callback(error, '', 0);
              const list = addresses as unknown as LookupAddress[];
              const refused = allowPrivateAddresses
                ? undefined
                : list.find((a) => isForbiddenAddress(a.address));
              const chosen = list[0];
              if (refused || !chosen) {
                return callback(
                  new RefusedAddressError(
                    refused
                      ? `${hostname} resolves to ${refused.address}, a private or reserved address`
                      : `${hostname} has no address`,
                  ),
                  '',
                  0,
                );
              }
              if (options.all)
                return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [chosen]);
              callback(null, chosen.address, chosen.family);
            });
          },
        },
        (response) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read >= MAX_ANSWER_BYTES) response.destroy();
          });
          response.on('close', () => resolve(response.statusCode ?? 0));
          response.on('error', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
    return { kind: 'answered', statusCode, durationMs: elapsed() };
  } catch (error) {
    if (error instanceof RefusedAddressError) return { kind: 'refused', reason: error.message };
    const cause =
      error instanceof Error
        ? error.name === 'AbortError'
          ? `timed out after ${timeoutMs / 1000} s`
          : error.message
        : String(error);
    return { kind: 'failed', error: cause, durationMs: elapsed() };
  }
}
