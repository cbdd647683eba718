/**
 * Nothing a log says can become markup or script in the report. Hostile names go in through the
 * real path (a CloudTrail file replayed with --report) and through every text field of a finding
 * and a summary; Chromium then loads the page and the DOM is checked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import type { Finding } from '#shared/engine/findings';
import type { TriplineEvent } from '#shared/events/types';
import type { ReplaySummary } from '#shared/replay/replay';
import { renderReport } from '#shared/report/html';
import { ALL_RULES } from '#shared/rules/index';
import { BASE, cloudTrail } from '#shared/rules/testing/records';
import { cleanupTempDirs, run, tempDir, write } from '../cli/helpers';
import { launchChromium } from '../support/browser';
import type { TestBrowser } from '../support/browser';

const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '</script><script>window.__pwned=2</script>';
const JS_URL = 'javascript:window.__pwned=3';
const BIDI = 'invoice\u202Egpj.exe';
const SVG = '<svg onload="window.__pwned=4"></svg>';
const STYLE = '<style>body{display:none}</style>';
const HOSTILE = [IMG, SCRIPT, JS_URL, BIDI, SVG, STYLE];
const ALL = HOSTILE.join(' ');

let tb: TestBrowser;

beforeAll(async () => {
  tb = await launchChromium();
}, 60_000);

afterAll(async () => {
  await tb?.close();
  cleanupTempDirs();
});

/** Loads a report file and returns what its DOM holds, with every request and dialog seen. */
async function inspect(path: string): Promise<{
  page: Page;
  requests: string[];
  dialogs: string[];
  dom: {
    pwned: unknown;
    forbidden: string[];
    handlers: string[];
    links: string[];
    scripts: number;
    styles: number;
    text: string;
    bodyVisible: boolean;
  };
}> {
  const page = await tb.context.newPage();
  const url = pathToFileURL(path).href;
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url);
  const dom = await page.evaluate(() => {
    const els = Array.from(document.querySelectorAll('*'));
    return {
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      forbidden: Array.from(
        document.querySelectorAll(
          'img, iframe, object, embed, form, base, link, video, audio, body svg svg, meta[http-equiv="refresh"]',
        ),
      ).map((e) => e.outerHTML.slice(0, 80)),
      handlers: els.flatMap((e) =>
        Array.from(e.attributes)
          .filter((a) => a.name.toLowerCase().startsWith('on'))
          .map((a) => `${e.tagName} ${a.name}`),
      ),
      links: Array.from(document.querySelectorAll('a[href]'))
        .map((a) => a.getAttribute('href') ?? '')
        .filter((h) => !h.startsWith('#') && !h.startsWith('https://attack.mitre.org/techniques/')),
      scripts: document.querySelectorAll('script').length,
      styles: document.querySelectorAll('style').length,
      text: document.body.innerText,
      bodyVisible: getComputedStyle(document.body).display !== 'none',
    };
  });
  return { page, requests, dialogs, dom };
}

function expectInert(r: Awaited<ReturnType<typeof inspect>>): void {
  expect(r.dom.pwned).toBeUndefined();
  expect(r.dialogs).toEqual([]);
  expect(r.requests).toEqual([]);
  expect(r.dom.forbidden).toEqual([]);
  expect(r.dom.handlers).toEqual([]);
  expect(r.dom.links).toEqual([]);
  expect(r.dom.scripts).toBe(2); // the JSON data block and the report's own script
  expect(r.dom.styles).toBe(1);
  expect(r.dom.bodyVisible).toBe(true);
}

describe('hostile names in the report', () => {
  it('from a replayed CloudTrail file: shown as text, never run', async () => {
    const dir = tempDir();
    const rec = cloudTrail({
      eventName: 'StopLogging',
      eventSource: 'cloudtrail.amazonaws.com',
      at: BASE,
      userName: IMG,
      ip: JS_URL,
      requestParameters: { name: `${SCRIPT}${BIDI}` },
    });
    (rec as Record<string, unknown>)['userAgent'] = SVG + STYLE;
    write(dir, 'trail.json', JSON.stringify({ Records: [rec] }));
    const res = await run(
      ['replay', '.', '--state', ':memory:', '--format', 'jsonl', '--report', 'report.html'],
      {
        cwd: dir,
        rules: ALL_RULES,
      },
    );
    expect(res.code).toBe(0);
    const finding = JSON.parse(res.stdout.trim()) as Finding;
    expect(finding.ruleId).toBe('cloud-logging-disabled');

    const r = await inspect(join(dir, 'report.html'));
    expectInert(r);
    expect(r.dom.text).toContain(IMG);
    expect(r.dom.text).toContain('window.__pwned=2');
    // The right-to-left override is shown, not obeyed.
    expect(r.dom.text).toContain('invoiceU+202Egpj.exe');
    expect(r.dom.text).not.toContain('\u202E');
    // The raw record, opened, is the record as it was.
    await r.page.locator('details.raw summary').first().click();
    const shown = await r.page.locator('details.raw pre').first().innerText();
    expect(JSON.parse(shown.replace(/\\u202e/g, '\\u202e'))).toEqual(rec);
    const embedded = await r.page.$eval(
      '#tripline-data',
      (s) => JSON.parse(s.textContent ?? '{}') as { findings: Finding[] },
    );
    expect(embedded.findings).toEqual([finding]);
    await r.page.close();
  });

  it('in every text field of a finding, its evidence, its runbook and the summary', async () => {
    const t = new Date(BASE).toISOString();
    const finding: Finding = {
      schemaVersion: 1,
      id: `x-${ALL}`,
      ruleId: `rule ${ALL}`,
      title: `title ${ALL}`,
      severity: 'high',
      attack: [JS_URL, 'T1528'],
      tenant: `tenant ${ALL}`,
      principal: `principal ${ALL}`,
      firstSeen: t,
      lastSeen: t,
      count: 2,
      evidence: [
        {
          id: 'e1',
          time: t,
          source: 'entra.audit',
          action: `action ${ALL}`,
          actor: `actor ${ALL}`,
          ip: JS_URL,
          target: `target ${ALL}`,
          step: 1,
          stepRule: `step ${ALL}`,
        },
        { id: 'e2', time: t, source: 'entra.audit', action: 'a', actor: `actor ${ALL}`, ip: JS_URL },
      ],
      evidenceNote: `note ${ALL}`,
      why: `why ${ALL}`,
      runbook: [`Revoke the app \`cmd <user> ${ALL}\` then ${ALL}`, `odd \` backtick ${ALL}`],
      dedupKey: `k ${ALL}`,
      description: `description ${ALL}`,
      falsePositives: [`fp ${ALL}`],
    };
    const event: TriplineEvent = {
      id: 'e1',
      source: 'entra.audit',
      time: BASE,
      tenant: 't',
      action: 'x',
      outcome: 'success',
      actor: { name: `actor ${ALL}`, type: 'user', appId: `app ${ALL}` },
      app: { id: `app ${ALL}`, name: `name ${ALL}` },
      params: {},
      raw: { everything: ALL, nested: { [SCRIPT]: [IMG, BIDI] } },
    };
    const summary: ReplaySummary = {
      state: `state ${ALL}`,
      files: [
        {
          file: `file ${ALL}`,
          bytes: 10,
          status: 'replayed',
          records: 1,
          events: 1,
          problem: `problem ${ALL}`,
        },
      ],
      skipped: 0,
      duplicates: 0,
      bytes: 10,
      recordsRead: 3,
      eventsNormalized: 1,
      eventsBySource: { 'entra.audit': 1 },
      quarantined: 2,
      quarantineReasons: [{ reason: `reason ${ALL}`, count: 2 }],
      quarantine: [],
      fileProblems: [{ file: `bad ${ALL}`, reason: `unreadable ${ALL}` }],
      ruleErrors: [{ ruleId: `r ${ALL}`, eventId: `e ${ALL}`, message: `m ${ALL}`, count: 1 }],
      findings: [finding, { ...finding, id: 'second', principal: `other ${ALL}` }],
      newFindings: 2,
      findingsBySeverity: { info: 0, low: 0, medium: 0, high: 2, critical: 0 },
      firstEvent: BASE,
      lastEvent: BASE,
      evidenceEvents: [event],
      elapsedMs: 1,
    };
    const html = renderReport({
      summary,
      rules: [],
      generatedAt: BASE,
      inputs: [`input ${ALL}`],
      version: `v ${ALL}`,
    });
    const path = write(tempDir(), 'report.html', html);
    const r = await inspect(path);
    expectInert(r);
    for (const h of [IMG, 'window.__pwned=2', JS_URL, SVG, STYLE]) expect(r.dom.text).toContain(h);
    expect(r.dom.text).not.toContain('\u202E');
    expect(readFileSync(path, 'utf8')).not.toMatch(/<(?:img|svg onload|iframe)/i);
    // A javascript: "technique id" is text, not a link; a real technique id is.
    expect(await r.page.$$eval('a[href^="https://attack.mitre.org/"]', (as) => as.length)).toBe(2);
    await r.page.close();
  });
});
