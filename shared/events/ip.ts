/**
 * IP address clean-up shared by the normalizers. Sources write addresses in several ways:
 * `104.28.196.199:28491` (M365 ClientIP with port), `[2a09:bac5::1a:9b]:54809` (bracketed IPv6
 * with port), plain IPv6, `::ffff:10.0.0.1`, and non-addresses in the same field (CloudTrail's
 * `sourceIPAddress` is `lambda.amazonaws.com` when a service acted, Entra writes `<null>`).
 */

const IPV4_RE = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const V4_PORT_RE = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;

/** True when `s` is a dotted-quad IPv4 address. */
export function isIPv4(s: string): boolean {
  return IPV4_RE.test(s);
}

/** True when `s` is an IPv6 address (optionally with an embedded IPv4 tail and a `%zone`). */
export function isIPv6(s: string): boolean {
  const pct = s.indexOf('%');
  const n = pct >= 0 ? pct : s.length;
  if (n < 2) return false;
  let groups = 0;
  let groupLen = 0;
  let doubleColon = false;
  let groupStart = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 58 /* : */) {
      if (groupLen > 0) groups++;
      else if (i > 0 && s.charCodeAt(i - 1) === 58) {
        if (doubleColon) return false;
        doubleColon = true;
      } else if (i > 0 || s.charCodeAt(1) !== 58) {
        return false; // an empty group that is not part of '::'
      }
      groupLen = 0;
      groupStart = i + 1;
    } else if (c === 46 /* . */) {
      // IPv4 tail: must be the last group.
      if (!isIPv4(s.slice(groupStart, n))) return false;
      groups += 2;
      groupLen = 0;
      return doubleColon ? groups < 8 : groups === 8;
    } else if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
      if (++groupLen > 4) return false;
    } else {
      return false;
    }
  }
  if (groupLen > 0) groups++;
  else if (s.charCodeAt(n - 1) === 58 && s.charCodeAt(n - 2) !== 58) return false;
  return doubleColon ? groups < 8 : groups === 8;
}

/**
 * The address in `raw` without port or brackets, or `undefined` when `raw` is not an IP address.
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes the IPv4 address so one client has one value.
 *
 * @example cleanIp('[2a09:bac5::1a:9b]:54809') === '2a09:bac5::1a:9b'
 * @example cleanIp('104.28.196.199:28491') === '104.28.196.199'
 * @example cleanIp('lambda.amazonaws.com') === undefined
 */
export function cleanIp(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  let s = raw.trim();
  if (s === '') return undefined;
  if (s.charCodeAt(0) === 91 /* [ */) {
    const end = s.indexOf(']');
    if (end < 0) return undefined;
    s = s.slice(1, end);
  } else if (s.indexOf(':') !== s.lastIndexOf(':')) {
    // Two or more colons: IPv6 without brackets, kept whole (a port cannot be told apart).
  } else if (s.indexOf(':') > 0) {
    const m = V4_PORT_RE.exec(s);
    if (!m) return undefined;
    s = m[1] as string;
  }
  if (isIPv4(s)) return s;
  if (isIPv6(s)) {
    const lowerS = s.toLowerCase();
    if (lowerS.startsWith('::ffff:') && isIPv4(lowerS.slice(7))) return lowerS.slice(7);
    return lowerS;
  }
  return undefined;
}
