import { decodeTimes, digest, encodeTimes } from '#shared/engine/codec';
import { compileIpList } from '#shared/engine/cidr';

describe('state codec', () => {
  it('round-trips ascending times exactly, millisecond and second deltas alike', () => {
    const times = [
      1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_001, 1_700_000_060_000, 1_700_259_200_123,
      1_703_000_000_000,
    ];
    const { b, t } = encodeTimes(times);
    expect(decodeTimes(b, t)).toEqual(times);
  });

  it('costs 1-3 characters per event at a few minutes apart', () => {
    const times = Array.from({ length: 100 }, (_, i) => 1_700_000_000_000 + i * 7 * 60_000);
    expect(encodeTimes(times).t.length).toBeLessThanOrEqual(2 * 99);
  });

  it('digests are 4 characters and differ for different ids', () => {
    const seen = new Set(Array.from({ length: 2000 }, (_, i) => digest(`m365.audit|record-${i}`)));
    expect([...seen].every((d) => d.length === 4)).toBe(true);
    expect(seen.size).toBeGreaterThan(1990);
  });
});

describe('IP allow lists', () => {
  it('match addresses and CIDR ranges, IPv4, IPv6 and IPv4-mapped IPv6', () => {
    const { matcher, invalid } = compileIpList([
      '203.0.113.0/24',
      '198.51.100.7',
      '2001:db8::/32',
      '0.0.0.0/0',
    ]);
    expect(invalid).toEqual([]);
    expect(matcher.has('203.0.113.200')).toBe(true);
    expect(matcher.has('::ffff:198.51.100.7')).toBe(true);
    expect(matcher.has('2001:db8:1::9')).toBe(true);
    expect(matcher.has('2001:db9::1')).toBe(false);
    const narrow = compileIpList(['203.0.113.0/24']).matcher;
    expect(narrow.has('203.0.114.1')).toBe(false);
    expect(narrow.has(undefined)).toBe(false);
    expect(narrow.has('not an ip')).toBe(false);
  });

  it('lists what is not an address', () => {
    expect(compileIpList(['10.0.0.0/33', 'office', '1.2.3.4/8']).invalid).toEqual(['10.0.0.0/33', 'office']);
  });
});
