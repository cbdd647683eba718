import { parseTime, stripJsonQuotes, toParam } from '#shared/events/fields';

describe('parseTime', () => {
  const t = Date.UTC(2023, 5, 1, 13, 12, 18);
  it.each([
    ['2023-06-01T13:12:18Z', t],
    ['2023-06-01T13:12:18', t], // M365 CreationTime: no zone, UTC
    ['2023-06-01 13:12:18', t], // Panther
    ['2023-06-01T13:12:18.000000000', t], // nine fractional digits
    ['2023-06-01T15:12:18+02:00', t],
    ['2023-06-01T08:12:18-0500', t],
    ['2023-06-01T13:12:18.5603524Z', t + 560], // Graph: seven digits
    ['2024-01-15 10:30:45 +0000', Date.UTC(2024, 0, 15, 10, 30, 45)],
    ['/Date(1685625138000)/', t], // PowerShell ConvertTo-Json
    [1685625138000, t],
    [1685625138, t],
    ['Thu, 01 Jun 2023 13:12:18 GMT', t],
  ])('reads %p', (v, ms) => {
    expect(parseTime(v)).toBe(ms);
  });

  it.each([['6/1/2023 1:12:18 PM'], ['yesterday'], [''], [null], ['2023-13-01T00:00:00Z'], [{}]])(
    'refuses %p rather than guessing a local time',
    (v) => {
      expect(parseTime(v)).toBeUndefined();
    },
  );
});

describe('stripJsonQuotes', () => {
  it('removes the JSON string encoding Graph puts around modifiedProperties values', () => {
    expect(stripJsonQuotes('"Global Administrator"')).toBe('Global Administrator');
    expect(stripJsonQuotes('"say \\"hi\\""')).toBe('say "hi"');
    expect(stripJsonQuotes('["a","b"]')).toBe('["a","b"]');
    expect(stripJsonQuotes('plain')).toBe('plain');
  });
});

describe('toParam', () => {
  it('keeps scalars, turns scalar lists into string[] and objects into JSON text', () => {
    expect(toParam('x')).toBe('x');
    expect(toParam(3)).toBe(3);
    expect(toParam(false)).toBe(false);
    expect(toParam(null)).toBeNull();
    expect(toParam(['a', 1, true])).toEqual(['a', '1', 'true']);
    expect(toParam({ a: 1 })).toBe('{"a":1}');
    expect(toParam([{ a: 1 }])).toBe('[{"a":1}]');
    expect(toParam(undefined)).toBeUndefined();
  });
});
