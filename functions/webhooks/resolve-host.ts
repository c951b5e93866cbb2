// The resolver a new webhook's name is checked with, bounded in time: past it, the delivery's own check is the guard.
import { lookup } from 'node:dns/promises';
import type { ResolveHost } from '../domain/webhook-addresses.ts';

const RESOLVE_TIMEOUT_MS = 2000;

export const resolveHost: ResolveHost = async (hostname) => {
  const addresses = await Promise.race([
    lookup(hostname, { all: true, verbatim: true }),
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${hostname} took over ${RESOLVE_TIMEOUT_MS} ms to resolve`)),
        RESOLVE_TIMEOUT_MS,
      ).unref(),
    ),
  ]);
  return addresses.map(({ address }) => address);
};
