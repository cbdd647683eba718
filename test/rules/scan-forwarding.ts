/**
 * Child process of forwarding-addresses.test.ts: runs the inbox-forwarding destination scan on 4 MB
 * hostile ForwardTo values and prints how many addresses it found. Run in a child so a quadratic
 * scan is stopped by the test's timeout (a synchronous regex cannot be interrupted in-process).
 */
import { destinations } from '#shared/rules/mail/forwarding';
import type { TriplineEvent } from '#shared/events/types';

const values = [
  'a'.repeat(4 << 20),
  '@'.repeat(4 << 20),
  `${'a.'.repeat(2 << 20)}@b`,
  `x@${'a-'.repeat(2 << 20)}`,
];
let found = 0;
for (const ForwardTo of values)
  found += destinations({ params: { ForwardTo } } as unknown as TriplineEvent).length;
process.stdout.write(`${found}\n`);
