import {
  EARLIEST_RECORD_TIME,
  LATEST_RECORD_TIME,
  parseTime,
  requireTime,
  stripJsonQuotes,
  toParam,
} from '#shared/events/fields';

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

describe('parseTime: epoch numbers in any unit', () => {
  const t = Date.UTC(2024, 4, 1, 10, 20, 30, 123); // 1714558830123
  it.each([
    ['seconds', 1714558830.123],
    ['seconds as text', '1714558830.123'],
    ['milliseconds', 1714558830123],
    ['milliseconds as text', '1714558830123'],
    ['microseconds', 1714558830123456],
    ['microseconds as text', '1714558830123456'],
    ['nanoseconds', 1714558830123456789],
    ['nanoseconds as text', '1714558830123456789'],
  ])('reads %s by the size of the number', (_unit, v) => {
    expect(parseTime(v)).toBe(t);
  });

  it('keeps the millisecond digits of nanoseconds written as text, beyond 2^53', () => {
    expect(parseTime('1714558830999999999')).toBe(1714558830999);
  });

  it.each([
    [0, "eventTime '0' is the epoch itself (1970-01-01T00:00:00Z), a placeholder for a missing time"],
    [-1, "eventTime '-1' is before 1970: no audit log holds such a time"],
    ['-86400', "eventTime '-86400' is before 1970: no audit log holds such a time"],
    [1.7e21, "eventTime '1.7e+21' is too large for an epoch time, even in nanoseconds"],
    [
      4102444800,
      "eventTime '4102444800' is in 2100 or later: no audit log holds such a time (a unit mix-up or a placeholder date)",
    ],
  ])('refuses %p with a reason', (v, reason) => {
    expect(requireTime(v, 'eventTime')).toEqual({ reason });
  });
});

describe('parseTime: only real calendar instants', () => {
  it.each([
    ['2024-02-30T10:00:00Z', 'is not a calendar date (February 2024 has 29 days)'],
    ['2023-02-29T10:00:00', 'is not a calendar date (February 2023 has 28 days)'],
    ['1900-02-29', 'is before 1970 (year 1900): no audit log holds such a time'],
    ['2024-04-31 08:00:00', 'is not a calendar date (April 2024 has 30 days)'],
    ['2023-13-01T00:00:00Z', 'is not a calendar date (month 13)'],
    ['2023-06-01T24:00:00Z', 'is not a time of day'],
    ['2023-06-01T10:00:00+25:00', 'has no real UTC offset'],
    ['Fri, 30 Feb 2024 10:00:00 GMT', 'is not a calendar date (February 2024 has 29 days)'],
  ])('refuses %p, naming the field and the value', (v, why) => {
    expect(requireTime(v, 'CreationTime')).toEqual({ reason: `CreationTime '${v}' ${why}` });
  });

  it.each([
    ['2024-02-29T23:59:59Z', Date.UTC(2024, 1, 29, 23, 59, 59)],
    ['2000-02-29', Date.UTC(2000, 1, 29)],
    ['2099-12-31T23:59:59.999Z', LATEST_RECORD_TIME - 1],
    ['1970-01-01T00:00:00.001Z', EARLIEST_RECORD_TIME + 1],
  ])('reads leap days and the edges of the accepted range: %p', (v, ms) => {
    expect(parseTime(v)).toBe(ms);
  });

  it.each([
    ['0001-01-01T00:00:00', 'year 1'], // .NET DateTime.MinValue, a placeholder
    ['0099-05-01T00:00:00Z', 'year 99'],
    ['0000-00-00 00:00:00', 'year 0'],
    ['1969-12-31T23:59:59Z', 'year 1969'],
  ])('refuses %p as before 1970 instead of reading a year of the 1900s', (v, year) => {
    expect(requireTime(v, 'activityDateTime')).toEqual({
      reason: `activityDateTime '${v}' is before 1970 (${year}): no audit log holds such a time`,
    });
  });

  it.each([
    ['1970-01-01T00:00:00Z', 'is the epoch itself (1970-01-01T00:00:00Z), a placeholder for a missing time'],
    [
      '1970-01-01T01:00:00+01:00',
      'is the epoch itself (1970-01-01T00:00:00Z), a placeholder for a missing time',
    ],
    ['/Date(-62135596800000)/', 'is before 1970: no audit log holds such a time'],
    [
      '9999-12-31T23:59:59.9999999',
      'is in 2100 or later: no audit log holds such a time (a unit mix-up or a placeholder date)',
    ],
    [
      '2100-01-01T00:00:00Z',
      'is in 2100 or later: no audit log holds such a time (a unit mix-up or a placeholder date)',
    ],
  ])('refuses placeholders and times outside 1970-2100: %p', (v, why) => {
    expect(requireTime(v, 'id.time')).toEqual({ reason: `id.time '${v}' ${why}` });
  });
});

describe('parseTime never throws and never returns a time a Date cannot print', () => {
  // A seeded generator, so a failure names a value that can be replayed.
  let seed = 20260302;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const values: unknown[] = [
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    NaN,
    Infinity,
    8.64e15,
    8.64e15 + 1,
  ];
  for (let i = 0; i < 3000; i++) {
    const mag = 10 ** Math.floor(rnd() * 25);
    values.push(rnd() * mag, Math.floor(rnd() * mag), String(Math.floor(rnd() * mag)), -rnd() * mag);
    values.push(
      `${pad(Math.floor(rnd() * 10000), 4)}-${pad(Math.floor(rnd() * 100), 2)}-${pad(Math.floor(rnd() * 100), 2)}T` +
        `${pad(Math.floor(rnd() * 100), 2)}:${pad(Math.floor(rnd() * 100), 2)}:${pad(Math.floor(rnd() * 100), 2)}` +
        ['Z', '', '+14:00', '-12:00', '.1234567Z', ' UTC'][Math.floor(rnd() * 6)],
      `/Date(${Math.floor((rnd() - 0.5) * 1e17)})/`,
    );
  }
  it(`holds for ${values.length} generated values`, () => {
    const bad: unknown[] = [];
    for (const v of values) {
      const t = parseTime(v);
      if (t === undefined) continue;
      const ok = Number.isInteger(t) && t > EARLIEST_RECORD_TIME && t < LATEST_RECORD_TIME;
      if (!ok || new Date(t).toISOString().length !== 24) bad.push(v);
    }
    expect(bad).toEqual([]);
  });
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
