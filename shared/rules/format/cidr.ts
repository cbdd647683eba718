/**
 * CIDR ranges for rule conditions and allow lists: `203.0.113.0/24`, `2001:db8::/32`, or a single
 * address. Parsed once; matching an address is a mask and a compare.
 */
import { cleanIp, isIPv4, isIPv6 } from '../../events/ip';

/** A parsed range: an address family, the network bits and the prefix length. */
export interface Cidr {
  readonly text: string;
  readonly v6: boolean;
  readonly network: bigint;
  readonly prefix: number;
}

function v4ToBig(s: string): bigint {
  let n = 0n;
  for (const part of s.split('.')) n = (n << 8n) | BigInt(Number(part));
  return n;
}

function v6ToBig(s: string): bigint | undefined {
  const pct = s.indexOf('%');
  let addr = pct >= 0 ? s.slice(0, pct) : s;
  const lastColon = addr.lastIndexOf(':');
  const maybeV4 = addr.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    if (!isIPv4(maybeV4)) return undefined;
    const v = v4ToBig(maybeV4);
    addr = `${addr.slice(0, lastColon + 1)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const halves = addr.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g || '0', 16));
  return n;
}

/**
 * Parses `a.b.c.d/n`, `v6::/n` or a bare address (a /32 or /128). Returns undefined for anything else.
 * @example parseCidr('10.0.0.0/8')?.prefix === 8
 */
export function parseCidr(text: string): Cidr | undefined {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addr = slash < 0 ? t : t.slice(0, slash);
  const bitsText = slash < 0 ? undefined : t.slice(slash + 1);
  if (bitsText !== undefined && !/^\d{1,3}$/.test(bitsText)) return undefined;
  if (isIPv4(addr)) {
    const prefix = bitsText === undefined ? 32 : Number(bitsText);
    if (prefix > 32) return undefined;
    const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(32 - prefix);
    return { text: t, v6: false, network: v4ToBig(addr) & mask, prefix };
  }
  if (isIPv6(addr)) {
    const n = v6ToBig(addr.toLowerCase());
    if (n === undefined) return undefined;
    const prefix = bitsText === undefined ? 128 : Number(bitsText);
    if (prefix > 128) return undefined;
    const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(128 - prefix);
    return { text: t, v6: true, network: n & mask, prefix };
  }
  return undefined;
}

/**
 * Whether an address (as a source writes it: with a port, in brackets, IPv4-mapped IPv6) lies in
 * any of `ranges`. Values that are not addresses never match.
 */
export function inCidrs(value: unknown, ranges: readonly Cidr[]): boolean {
  const ip = cleanIp(typeof value === 'number' ? String(value) : value);
  if (!ip) return false;
  const v6 = !isIPv4(ip);
  const n = v6 ? v6ToBig(ip) : v4ToBig(ip);
  if (n === undefined) return false;
  for (const r of ranges) {
    if (r.v6 !== v6) continue;
    const width = v6 ? 128 : 32;
    const mask = r.prefix === 0 ? 0n : ((1n << BigInt(r.prefix)) - 1n) << BigInt(width - r.prefix);
    if ((n & mask) === r.network) return true;
  }
  return false;
}
