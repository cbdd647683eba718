/**
 * The fuzz seed: fixed, so a failure in CI reproduces exactly; `FUZZ_SEED=<n>` runs another sequence
 * (print it with the failure to reproduce).
 */
export const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20260313);

/** `npm run fuzz` sets FUZZ_LONG=1: the long mode (20,000 records, 2,000 files). */
export const FUZZ_LONG = process.env['FUZZ_LONG'] === '1';
