/**
 * Headless Chromium for tests that look at a page the way a person does: Debian's `chromium`
 * package, driven by playwright-core (never a browser download). Started with the flags this
 * machine's closed network needs and a fresh profile each time.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env['TRIPLINE_CHROMIUM'] ?? '/usr/bin/chromium';

/** A running browser (its one context, on a fresh profile) and a way to stop it and remove the profile. */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium.
 *
 * @throws Error naming the install command when Chromium is missing: these tests never skip.
 */
export async function launchChromium(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the report tests load the report in a real browser. ` +
        'Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu; .ci/run does this), or point ' +
        'TRIPLINE_CHROMIUM at a Chromium binary. Do not use `npx playwright install`: it downloads a browser.',
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'tripline-chromium-'));
  // Playwright takes the profile folder itself (it adds --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1320, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
