// One webhook POST that cannot be turned against the cloud's own network: the name is resolved here, every address
// it resolves to is checked, and the connection goes to the address checked (no second lookup to rebind); 5 s in
// all; no redirect followed; at most 1 KB of the answer read.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import { performance } from 'node:perf_hooks';

export const DELIVERY_TIMEOUT_MS = 5000;
const MAX_ANSWER_BYTES = 1024;

/** Loopback, private, link-local (the instance metadata service), shared, multicast and reserved ranges. */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

/** Whether a webhook may not connect to this address. IPv4 inside IPv6 (mapped, NAT64) is judged as IPv4. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return FORBIDDEN.check(address, 'ipv4');
  if (family !== 6) return true;
  const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (embedded) return FORBIDDEN.check(embedded, 'ipv4');
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (mapped) {
    const value = (Number.parseInt(mapped[1] as string, 16) << 16) | Number.parseInt(mapped[2] as string, 16);
    return FORBIDDEN.check([24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.'), 'ipv4');
  }
  return FORBIDDEN.check(address, 'ipv6');
}

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
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
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
