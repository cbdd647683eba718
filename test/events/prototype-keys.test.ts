/**
 * Keys from data are just keys: a parameter, field or property named `constructor`, `__proto__`,
 * `toString` or `hasOwnProperty` is read like any other, never confused with what every JavaScript
 * object inherits, and never changes an object's prototype.
 */
import { BASE, cloudTrail, inboxRule, workspaceActivity } from '#shared/rules/testing/records';
import { only } from './helpers';

const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

/** An object with these own keys, as JSON.parse makes it (a literal `__proto__:` would set the prototype). */
const own = (entries: Array<[string, unknown]>): Record<string, unknown> =>
  JSON.parse(JSON.stringify(Object.fromEntries(entries))) as Record<string, unknown>;

function expectParams(params: Record<string, unknown>, prefix = ''): void {
  for (const n of NAMES) {
    expect(Object.prototype.hasOwnProperty.call(params, `${prefix}${n}`)).toBe(true);
    expect(params[`${prefix}${n}`]).toBe(`v-${n}`);
  }
  expect(Object.getPrototypeOf(params) === null || Object.getPrototypeOf(params) === Object.prototype).toBe(
    true,
  );
}

describe('parameters named like Object.prototype members', () => {
  it('M365: Exchange Parameters named constructor, __proto__, toString are kept as parameters', () => {
    const rec = inboxRule({
      user: 'alice@contoso.com',
      at: BASE,
      params: { Name: 'r', ForwardTo: 'x@evil.example' },
    });
    ((rec as Record<string, unknown>)['Parameters'] as Array<{ Name: string; Value: string }>).push(
      ...NAMES.map((n) => ({ Name: n, Value: `v-${n}` })),
    );
    const e = only(JSON.parse(JSON.stringify(rec)));
    expectParams(e.params);
    expect(e.params['ForwardTo']).toBe('x@evil.example');
  });

  it('CloudTrail: requestParameters with those keys', () => {
    const rec = cloudTrail({
      at: BASE,
      eventName: 'PutBucketPolicy',
      eventSource: 's3.amazonaws.com',
    }) as Record<string, unknown>;
    rec['requestParameters'] = own(NAMES.map((n) => [n, `v-${n}`]));
    const e = only(JSON.parse(JSON.stringify(rec)));
    expectParams(e.params);
  });

  it('Workspace: event parameters with those names', () => {
    const rec = workspaceActivity({
      app: 'admin',
      email: 'admin@contoso-labs.com',
      at: BASE,
      events: [
        {
          type: 'USER_SETTINGS',
          name: 'CHANGE_PASSWORD',
          parameters: NAMES.map((n) => ({ name: n, value: `v-${n}` })),
        },
      ],
    });
    expectParams(only(rec).params);
  });
});
