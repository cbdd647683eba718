/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The example story's report in a real browser (Debian's Chromium, headless): what an analyst sees
 * is what the replay found, the consent-to-exfiltration chain reads as one connected story, raw
 * records open on demand, and the page loads nothing from anywhere.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import type { Finding } from '#shared/engine/findings';
import { ALL_RULES } from '#shared/rules/index';
import { ARCHIVER_APP_ID, SPRAY_IP } from '../../bench/example-story';
import { cleanupTempDirs, run, tempDir } from '../cli/helpers';
import { launchChromium } from '../support/browser';
import type { TestBrowser } from '../support/browser';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

let tb: TestBrowser;
let page: Page;
let findings: Finding[];
let reportPath: string;
const requests: string[] = [];
const consoleErrors: string[] = [];

beforeAll(async () => {
  const dir = tempDir();
  const r = await run(
    ['replay', EXAMPLES, '--state', ':memory:', '--format', 'jsonl', '--report', 'report.html'],
    {
      cwd: dir,
      rules: ALL_RULES,
    },
  );
  expect(r.code).toBe(0);
  findings = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Finding);
  reportPath = join(dir, 'report.html');
  tb = await launchChromium();
  page = await tb.context.newPage();
  const url = pathToFileURL(reportPath).href;
  page.on('request', (req) => {
    if (req.url() !== url) requests.push(req.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url);
}, 120_000);

afterAll(async () => {
  await tb?.close();
  cleanupTempDirs();
});

describe('the example story report in Chromium', () => {
  it('draws one lane per principal or app, and one row per finding', async () => {
    const lanes = await page.$$eval('svg.timeline g.lane .lane-label title', (ts) =>
      ts.map((t) => t.textContent),
    );
    expect(new Set(lanes)).toEqual(new Set(findings.map((f) => f.principal)));
    expect(lanes).toHaveLength(new Set(findings.map((f) => f.principal)).size);
    const rows = await page.$$eval('svg.timeline g.finding-row', (gs) =>
      gs.map((g) => g.getAttribute('data-rule')),
    );
    expect(rows.sort()).toEqual(findings.map((f) => f.ruleId).sort());
    // The first lane is the first thing that happened: the spray's address.
    expect(await page.$eval('svg.timeline .lane-label', (t) => t.lastChild?.textContent)).toBe(SPRAY_IP);
  });

  it('puts a mark on the timeline for every evidence event of every finding', async () => {
    const marks = await page.$$eval('svg.timeline g.finding-row', (gs) =>
      gs.map((g) => [g.getAttribute('data-rule'), g.querySelectorAll('circle.mark').length] as const),
    );
    const want = findings.map((f) => [f.ruleId, f.evidence.length] as const);
    expect([...marks].sort()).toEqual([...want].sort());
  });

  it('shows the consent-to-exfiltration chain as one connected story', async () => {
    const chain = await page.$eval('svg.timeline g.finding-row[data-rule="oauth-chain"]', (g) => ({
      badges: [...g.querySelectorAll('g.step')].map((s) => s.getAttribute('data-steps')),
      arrows: [...g.querySelectorAll('path.chain')].map((p) => p.getAttribute('data-steps')),
    }));
    // The consent satisfies steps 1 and 2 at one moment; the reads are step 3; an arrow joins them.
    expect(chain).toEqual({ badges: ['1,2', '3'], arrows: ['1,2>3'] });

    // Findings joined by shared addresses, apps and actors form one story from the spray to CloudTrail.
    const links = await page.$$eval('svg.timeline path.link', (ps) =>
      ps.map((p) => [p.getAttribute('data-from'), p.getAttribute('data-to'), p.getAttribute('data-link')]),
    );
    // Finding n of the page: its rule and principal, from its details section.
    const ruleOf: Record<string, string> = await page.$$eval('article.finding', (as) =>
      Object.fromEntries(
        as.map((a) => [
          a.getAttribute('data-finding'),
          `${a.getAttribute('data-rule')} ${a.querySelector('dd strong')?.textContent}`,
        ]),
      ),
    );
    const adj = new Map<string, Set<string>>();
    for (const [a, b] of links) {
      adj.set(a as string, (adj.get(a as string) ?? new Set()).add(b as string));
      adj.set(b as string, (adj.get(b as string) ?? new Set()).add(a as string));
    }
    const chainN = Object.keys(ruleOf).find((n) => ruleOf[n]?.startsWith('oauth-chain')) as string;
    const seen = new Set([chainN]);
    const todo = [chainN];
    while (todo.length)
      for (const m of adj.get(todo.pop() as string) ?? []) if (!seen.has(m) && seen.add(m)) todo.push(m);
    expect([...seen].map((n) => ruleOf[n]).sort()).toEqual(
      [
        `password-spray ${SPRAY_IP}`,
        `password-spray-success ${SPRAY_IP}`,
        'oauth-risky-consent bob@contoso.com',
        `oauth-chain Mail Archiver Pro (${ARCHIVER_APP_ID})`,
        'mail-unusual-client bob@contoso.com',
        'inbox-forwarding bob@contoso.com',
        'cloud-logging-disabled ci-deploy',
      ].sort(),
    );
    // The spray's address leads to the consent: through the spray's success (same address), which
    // the report links to the chain by that address.
    const sprayN = Object.keys(ruleOf).find((n) => ruleOf[n] === `password-spray ${SPRAY_IP}`);
    const hitN = Object.keys(ruleOf).find((n) => ruleOf[n] === `password-spray-success ${SPRAY_IP}`);
    expect(links).toContainEqual([sprayN, hitN, 'ip']);
    expect(links).toContainEqual([hitN, chainN, 'ip']);
  });

  it('counts what the JSON findings count', async () => {
    expect(await page.$eval('[data-findings-total]', (e) => e.textContent)).toBe(String(findings.length));
    const bySev = await page.$$eval('[data-severity-count]', (ls) =>
      Object.fromEntries(
        ls.map((l) => [
          l.getAttribute('data-severity-count'),
          Number(l.querySelector('strong')?.textContent),
        ]),
      ),
    );
    const want: Record<string, number> = {};
    for (const f of findings) want[f.severity] = (want[f.severity] ?? 0) + 1;
    expect(bySev).toEqual(want);
    const articles = await page.$$eval('article.finding', (as) =>
      as.map((a) => ({
        rule: a.getAttribute('data-rule'),
        count: Number(a.querySelector('[data-count]')?.textContent?.replace(/,/g, '')),
        evidence: a.querySelectorAll('table.evidence tbody tr').length,
      })),
    );
    expect(articles.map((a) => `${a.rule} ${a.count} ${a.evidence}`).sort()).toEqual(
      findings.map((f) => `${f.ruleId} ${f.count} ${f.evidence.length}`).sort(),
    );
    const embedded = await page.$eval(
      '#tripline-data',
      (s) => JSON.parse(s.textContent ?? '{}') as { findings: Finding[] },
    );
    expect(embedded.findings).toEqual(findings);
    expect(await page.$eval('[data-quarantined]', (e) => e.textContent)).toBe('0');
  });

  it('opens the raw record of an evidence event on demand', async () => {
    const details = page.locator('article[data-rule="oauth-chain"] details.raw').first();
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    await details.locator('summary').click();
    const raw = JSON.parse(await details.locator('pre').innerText()) as Record<string, unknown>;
    expect(raw['operationName'] ?? raw['activityDisplayName']).toBeDefined();
    expect(JSON.stringify(raw)).toContain('Mail Archiver Pro');
  });

  it('fills the runbook with the ids of the finding', async () => {
    const fills = await page.$$eval('article[data-rule="oauth-chain"] ol.runbook mark.fill', (ms) =>
      ms.map((m) => m.textContent),
    );
    expect(fills).toContain(ARCHIVER_APP_ID);
    expect(fills).toContain('bob@contoso.com');
  });

  it('lights a finding and the findings linked to it when pointed at', async () => {
    await page.hover('svg.timeline g.finding-row[data-rule="password-spray"] circle.mark');
    expect(await page.evaluate(() => document.body.classList.contains('focus'))).toBe(true);
    const lit = await page.$$eval('article.finding.hl', (as) => as.map((a) => a.getAttribute('data-rule')));
    expect(lit).toContain('password-spray');
    expect(lit).toContain('oauth-chain');
    expect(lit).not.toContain('brute-force');
    await page.mouse.move(0, 0);
  });

  it('loads nothing from anywhere, and its own style and script pass its Content-Security-Policy', async () => {
    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
    // The script ran (the hover above relied on it), so its hash is right; the style applied too.
    expect(await page.$eval('.sev', (e) => getComputedStyle(e).color)).toBe('rgb(255, 255, 255)');
  });

  it('takes a screenshot of the report', async () => {
    const shot = join(tempDir(), 'report.png');
    await page.screenshot({ path: shot });
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(statSync(shot).size).toBeGreaterThan(30_000);
    rmSync(shot);
  });
});
