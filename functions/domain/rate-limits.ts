// Fixed-window request limits: which window a request falls in, and which subnet rule applies to an address.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { SubnetLimit } from './model.ts';

export interface LimitCheck {
  /** What is counted, e.g. `user#admin` or `subnet#203.0.113.7`. */
  readonly subject: string;
  readonly limit: number;
  readonly windowSeconds: number;
}

export type LimitOutcome =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface CidrParts {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Reads `203.0.113.0/24`, `2001:db8::/32` or a bare address (a /32 or /128); undefined when it is not one. */
export function parseCidr(cidr: string): CidrParts | undefined {
  const [address = '', prefixText, extra] = cidr.trim().split('/');
  if (extra !== undefined) return undefined;
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (!family) return undefined;
  const maxPrefix = family === 'ipv4' ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  return prefix <= maxPrefix ? { address, prefix, family } : undefined;
}

/** The rule for `sourceIp`: of the rules whose network holds it, the one with the longest prefix. */
export function matchSubnetLimit(rules: readonly SubnetLimit[], sourceIp: string): SubnetLimit | undefined {
  const family = isIPv4(sourceIp) ? 'ipv4' : isIPv6(sourceIp) ? 'ipv6' : undefined;
  if (!family) return undefined;
  let best: { rule: SubnetLimit; prefix: number } | undefined;
  for (const rule of rules) {
    const parts = parseCidr(rule.cidr);
    if (!parts || parts.family !== family) continue;
    const network = new BlockList();
    network.addSubnet(parts.address, parts.prefix, parts.family);
    if (network.check(sourceIp, family) && (!best || parts.prefix > best.prefix))
      best = { rule, prefix: parts.prefix };
  }
  return best?.rule;
}

export function windowStart(nowMs: number, windowSeconds: number): number {
  return Math.floor(nowMs / 1000 / windowSeconds) * windowSeconds;
}
