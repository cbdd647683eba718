import { cleanIp, isIPv6 } from '#shared/events/ip';

describe('cleanIp', () => {
  it.each([
    ['104.28.196.199:28491', '104.28.196.199'],
    ['[2a09:bac5::1a:9b]:54809', '2a09:bac5::1a:9b'],
    ['[2a09:bac5:114:105::1a:9b]:54809', '2a09:bac5:114:105::1a:9b'],
    ['2a09:bac1:820:8::1a:9c', '2a09:bac1:820:8::1a:9c'],
    ['2A09:BAC1:820:8::1A:9C', '2a09:bac1:820:8::1a:9c'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::1', '::1'],
    [' 198.51.100.23 ', '198.51.100.23'],
    ['198.51.100.23', '198.51.100.23'],
  ])('reads %s as %s', (raw, ip) => {
    expect(cleanIp(raw)).toBe(ip);
  });

  it.each([
    ['lambda.amazonaws.com'],
    ['AWS Internal'],
    ['<null>'],
    [''],
    ['999.1.1.1'],
    ['1.2.3'],
    ['[2001:db8::1'],
    ['a:b'],
  ])('refuses %p, which is not an address', (raw) => {
    expect(cleanIp(raw)).toBeUndefined();
  });

  it('refuses non-strings', () => {
    expect(cleanIp(undefined)).toBeUndefined();
    expect(cleanIp(17)).toBeUndefined();
  });

  it('accepts IPv6 with an IPv4 tail and refuses two "::"', () => {
    expect(isIPv6('64:ff9b::192.0.2.33')).toBe(true);
    expect(isIPv6('2001::db8::1')).toBe(false);
    expect(isIPv6('1:2:3:4:5:6:7:8')).toBe(true);
    expect(isIPv6('1:2:3:4:5:6:7')).toBe(false);
  });
});
