/**
 * The forwarding-address scanner of inbox-forwarding: same answers as the address regex it replaces,
 * in linear time on hostile parameter values.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { emailAddresses } from '#shared/rules/mail/forwarding';
import { FUZZ_SEED } from '../fuzz/seed';

const EMAIL_RE = /[A-Za-z0-9._%+'-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g;
const byRegex = (s: string): string[] => [...s.matchAll(EMAIL_RE)].map((m) => m[0]);

const ROOT = join(__dirname, '..', '..');
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

describe('emailAddresses', () => {
  it('finds the addresses of Exchange ForwardTo / RedirectTo values', () => {
    expect(
      emailAddresses('"drop@evil.example" [SMTP:x.y@contoso.com];smtp:Bob.O\'Neil+fw@mail.co.uk'),
    ).toEqual(['drop@evil.example', 'x.y@contoso.com', "Bob.O'Neil+fw@mail.co.uk"]);
    expect(emailAddresses('a@b@c.com')).toEqual(['b@c.com']);
    expect(emailAddresses('a@b.')).toEqual([]);
    expect(emailAddresses('x@a..b.c')).toEqual([]);
    expect(emailAddresses('x@a.b..c')).toEqual(['x@a.b']);
  });

  it('gives exactly what the address regex gives, on random text', () => {
    const ch = fc.constantFrom(...'ab.-@_+\'%; 1Z\n"'.split(''));
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 40 }), (cs) => {
        const s = cs.join('');
        expect(emailAddresses(s)).toEqual(byRegex(s));
      }),
      { seed: FUZZ_SEED, numRuns: 3000 },
    );
  });

  // The regex took 18 s on one 120 KB ForwardTo, and would take hours on these 4 MB values; the
  // linear scan takes milliseconds (the 60 s timeout leaves room for a loaded machine). A synchronous scan cannot be interrupted in-process, so it runs in
  // a child that the test's timeout stops.
  it('takes linear time on 4 MB values without an @, of nothing but @, or of endless labels', async () => {
    child = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'run-ts.cjs'), join(__dirname, 'scan-forwarding.ts')],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child?.on('close', resolve));
    expect(code).toBe(0);
    expect(out.trim()).toBe('0');
  }, 60_000);
});
