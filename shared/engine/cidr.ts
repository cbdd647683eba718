/**
 * IP allow lists: single addresses and CIDR ranges, IPv4 and IPv6, compiled once into a matcher.
 */

/** An IPv4 or IPv6 address as a BigInt with its width in bits, or undefined. */
function parseIp(s: string): { v: bigint; bits: 32 | 128 } | undefined {
  const str = s.trim().toLowerCase();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(str)) {
    const parts = str.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    let v = 0n;
    for (const p of parts) v = (v << 8n) | BigInt(p);
    return { v, bits: 32 };
  }
  if (!/^[0-9a-f:.]+$/.test(str) || !str.includes(':')) return undefined;
  let text = str;
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two groups.
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (tail) {
    const v4 = parseIp(tail[1] as string);
    if (!v4) return undefined;
    const n = Number(v4.v);
    text = `${text.slice(0, tail.index)}${((n >>> 16) & 0xffff).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? (halves[0] as string).split(':') : [];
  const rest = halves.length === 2 && halves[1] ? (halves[1] as string).split(':') : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...rest];
  if (groups.length !== 8) return undefined;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  // IPv4-mapped IPv6 is the IPv4 address (normalizers write it that way too).
  if (v >> 32n === 0xffffn) return { v: v & 0xffffffffn, bits: 32 };
  return { v, bits: 128 };
}

interface Range {
  bits: 32 | 128;
  base: bigint;
  mask: bigint;
}

/** Parses "203.0.113.7", "203.0.113.0/24", "2001:db8::/32"; undefined when it is none of these. */
export function parseCidr(s: string): Range | undefined {
  const slash = s.indexOf('/');
  const ip = parseIp(slash >= 0 ? s.slice(0, slash) : s);
  if (!ip) return undefined;
  let prefix: number = ip.bits;
  if (slash >= 0) {
    const p = s.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > ip.bits) return undefined;
  }
  const width = BigInt(ip.bits);
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << (width - BigInt(prefix));
  return { bits: ip.bits, base: ip.v & mask, mask };
}

/** A compiled IP allow list. */
export interface IpMatcher {
  readonly size: number;
  has(ip: string | undefined): boolean;
}

/**
 * Compiles addresses and CIDR ranges. Returns the matcher and the entries that are not addresses.
 * @example compileIpList(['203.0.113.0/24']).matcher.has('203.0.113.9') === true
 */
export function compileIpList(list: readonly string[]): { matcher: IpMatcher; invalid: string[] } {
  const ranges: Range[] = [];
  const invalid: string[] = [];
  for (const s of list) {
    const r = typeof s === 'string' ? parseCidr(s) : undefined;
    if (r) ranges.push(r);
    else invalid.push(String(s));
  }
  return {
    invalid,
    matcher: {
      size: ranges.length,
      has(ip) {
        if (!ip || !ranges.length) return false;
        const a = parseIp(ip);
        if (!a) return false;
        return ranges.some((r) => r.bits === a.bits && (a.v & r.mask) === r.base);
      },
    },
  };
}
