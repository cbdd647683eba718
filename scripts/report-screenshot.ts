/**
 * Regenerates docs/report.png: the example story's report (examples/), as Chromium shows it.
 *
 *   node bin/run-ts.cjs scripts/report-screenshot.ts
 *
 * Needs Debian's chromium (`apt-get install -y chromium`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { replay } from '../shared/replay/replay';
import { renderReport } from '../shared/report/html';
import { ALL_RULES } from '../shared/rules/index';

const ROOT = join(__dirname, '..');

async function shoot(): Promise<void> {
  const summary = await replay(['examples/'], { cwd: ROOT, keepEvidence: true });
  const html = renderReport({
    summary,
    rules: ALL_RULES,
    generatedAt: '2026-03-05T09:00:00Z',
    inputs: ['examples/'],
  });
  const tmp = mkdtempSync(join(tmpdir(), 'tripline-shot-'));
  const file = join(tmp, 'report.html');
  writeFileSync(file, html);
  const context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: process.env['TRIPLINE_CHROMIUM'] ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
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
  try {
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href);
    // The header, the summary cards and the timeline: what a reader sees first.
    const box = await page.locator('#timeline .legend').boundingBox();
    if (!box) throw new Error('no timeline in the report');
    await page.screenshot({
      path: join(ROOT, 'docs', 'report.png'),
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: Math.ceil(box.y + box.height + 16) },
    });
  } finally {
    await context.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

void shoot();
