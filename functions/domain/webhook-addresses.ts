// Which addresses a webhook may reach: none inside the cloud's own network. The delivery checks the address it
// connects to (functions/webhooks/safe-post.ts); a new webhook is checked as it is made, so that its owner hears at
// once, and not from a delivery log, that a URL points inside.
import { BlockList, isIP } from 'node:net';

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
  // The unspecified and loopback addresses, and the deprecated IPv4-compatible ones (::a.b.c.d).
  ['::', 96],
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
  const mapped = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (mapped) {
    const value = (Number.parseInt(mapped[1] as string, 16) << 16) | Number.parseInt(mapped[2] as string, 16);
    return FORBIDDEN.check([24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.'), 'ipv4');
  }
  return FORBIDDEN.check(address, 'ipv6');
}

/** A URL's host as an address or a name: without the brackets of an IPv6 literal. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * The addresses a host name resolves to; rejects with `code` ENOTFOUND or ENODATA when it has none, and with any
 * other error when it cannot tell (DNS failing, or too slow).
 */
export type ResolveHost = (hostname: string) => Promise<readonly string[]>;

/**
 * Why a webhook may not point at this URL's host, or undefined. An address is judged as it is; a name by every
 * address it resolves to now (it may change later: each delivery checks again). A name that does not resolve at
 * all is refused; one that cannot be resolved just now is not, as that says nothing about the URL.
 */
export async function webhookHostProblem(url: URL, resolveHost?: ResolveHost): Promise<string | undefined> {
  const host = hostOf(url);
  if (isIP(host))
    return isForbiddenAddress(host) ? `points at ${host}, a private or reserved address` : undefined;
  if (!resolveHost) return undefined;
  let addresses: readonly string[];
  try {
    addresses = await resolveHost(host);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    return code === 'ENOTFOUND' || code === 'ENODATA' ? `names ${host}, which has no address` : undefined;
  }
  const forbidden = addresses.find(isForbiddenAddress);
  return forbidden
    ? `names ${host}, which resolves to ${forbidden}, a private or reserved address`
    : undefined;
}
