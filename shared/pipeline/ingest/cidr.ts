/**
 * Source-address allow-lists for the callback endpoint.
 *
 * Built on `node:net`'s `BlockList`, which matches IPv4 and IPv6 subnets natively. IPv4-mapped IPv6
 * addresses (`::ffff:185.40.108.7`, what a dual-stack socket reports for an IPv4 peer) are matched as the
 * IPv4 address they carry, so one allow-list entry covers both spellings.
 */
import { BlockList, isIP } from 'node:net';

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

export class InvalidCidrError extends Error {
  override readonly name = 'InvalidCidrError';
}

/** Parses `a.b.c.d/n` or `x:y::z/n`; a bare address is a single host (/32 or /128). */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const version = isIP(address);
  if (version === 0) {
    throw new InvalidCidrError(
      `"${text}" is not an IP range: expected CIDR notation such as 185.40.108.0/22 or 2001:db8::/32`,
    );
  }
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : trimmed.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new InvalidCidrError(`"${text}" has an invalid prefix length: expected 0 to ${max}`);
  }
  return { address, prefix, family };
}

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** Returns the IPv4 address inside an IPv4-mapped IPv6 address, or the address unchanged. */
export function unmapIpv4(address: string): string {
  const match = IPV4_MAPPED.exec(address);
  return match?.[1] ?? address;
}

/** A predicate answering whether a source address falls inside any of the ranges. */
export type SourceMatcher = (address: string | undefined) => boolean;

export function createSourceMatcher(cidrs: readonly string[]): SourceMatcher {
  const list = new BlockList();
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return (address) => {
    if (address === undefined) return false;
    const plain = unmapIpv4(address.trim());
    const version = isIP(plain);
    if (version === 0) return false;
    return list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
  };
}
