import type { RuleCases } from '../../engine/rule';
import { BASE, signIn } from '../testing/records';

const wave = (pairs: number, stepMs: number) =>
  Array.from({ length: pairs }, (_, i) =>
    signIn({
      upn: `user${i % 12}@contoso.com`,
      ip: `45.155.${Math.floor(i / 12)}.${10 + i}`,
      at: BASE + i * stepMs,
      errorCode: 50126,
    }),
  );

const cases: RuleCases = {
  fires: [
    {
      name: 'signals once 20 account and address pairs have failed within an hour',
      records: wave(22, 2 * 60_000),
      expect: { findings: 0, signals: 3 },
    },
  ],
  quiet: [
    {
      name: 'stays silent for 19 pairs within an hour',
      records: wave(19, 60_000),
      expect: { findings: 0, signals: 0 },
    },
    {
      name: 'stays silent for 24 pairs spread over four hours',
      records: wave(24, 10 * 60_000),
      expect: { findings: 0, signals: 0 },
    },
  ],
};
export default cases;
