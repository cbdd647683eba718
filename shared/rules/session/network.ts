/** Address helpers for the session rules: the network a client sits in, as a stand-in for its ASN. */
import { isIPv4 } from '../../events/ip';

/**
 * The /24 of an IPv4 address or the /48 of an IPv6 one. Without the ip -> ASN enrichment (pending,
 * see docs/coverage.md), a prefix is what tells "the same provider network" from "somewhere else";
 * it is narrower than an ASN, so mobile users hopping carriers are new more often.
 */
export function networkOf(ip: string | undefined): string | undefined {
  if (ip === undefined || ip === '') return undefined;
  if (isIPv4(ip)) return `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`;
  const groups = ip.split(':');
  if (groups.length < 3 || ip.includes('::')) {
    // Expand '::' far enough to read the first three groups.
    const [head] = ip.split('::');
    const parts = (head ?? '').split(':').filter((x) => x !== '');
    while (parts.length < 3) parts.push('0');
    return `${parts.slice(0, 3).join(':')}::/48`;
  }
  return `${groups.slice(0, 3).join(':')}::/48`;
}
