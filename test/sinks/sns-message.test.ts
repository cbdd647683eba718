import type { Finding } from '#shared/engine/findings';
import {
  consoleLinks,
  renderEmailBody,
  renderSnsMessage,
  renderSubject,
  SNS_MAX_PUBLISH_BYTES,
  snsPublishBytes,
} from '#shared/sinks/sns-message';
import type { RenderedSnsMessage } from '#shared/sinks/sns-message';
import { cloudTrailFinding, hugeFinding, oauthChainFinding } from './fixtures';

function structure(m: RenderedSnsMessage): Record<string, string> {
  return JSON.parse(m.Message) as Record<string, string>;
}

function email(m: RenderedSnsMessage): string {
  const e = structure(m).email;
  if (e === undefined) throw new Error('no email key');
  return e;
}

function jsonFinding(m: RenderedSnsMessage): Finding {
  return JSON.parse(structure(m).default ?? 'null') as Finding;
}

function section(body: string, heading: string): string[] {
  const lines = body.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  if (start < 0) throw new Error(`no section ${heading}`);
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (l === '') break;
    out.push(l);
  }
  return out;
}

describe('renderSnsMessage: e-mail body for on-call', () => {
  // Evidence handed over out of order: the timeline must still read oldest first.
  const base = oauthChainFinding();
  const shuffled = oauthChainFinding({ evidence: [base.evidence[2]!, base.evidence[0]!, base.evidence[1]!] });
  const body = email(renderSnsMessage(shuffled));

  it('says what happened: title, severity, rule, ATT&CK', () => {
    expect(body.split('\n')[0]).toBe(
      'HIGH FINDING: App "Contoso Sync" consented, granted Mail.ReadWrite, read 150 mailboxes',
    );
    const what = section(body, 'WHAT HAPPENED');
    expect(what).toContain('  Severity:  HIGH');
    expect(what).toContain('  Rule:      oauth-chain');
    expect(what).toContain('  ATT&CK:    T1528, T1114.002');
    expect(what).toContain('  Sources:   entra.audit, m365.audit');
  });

  it('says who and when, in UTC with the span', () => {
    expect(section(body, 'WHO')).toEqual([
      '  Principal: Contoso Sync (appId 1b2c3d4e-aaaa-bbbb-cccc-0123456789ab)',
      '  Tenant:    72f988bf-86f1-41af-91ab-2d7cd011db47',
    ]);
    expect(section(body, 'WHEN (UTC)')).toEqual([
      '  First seen: 2026-03-04T02:11:09Z',
      '  Last seen:  2026-03-04T02:41:53Z',
      '  Span:       30m 44s from first to last event',
    ]);
  });

  it('lists the evidence timeline oldest first, one line per event with time, step, action, actor, ip, target', () => {
    const timeline = section(body, 'EVIDENCE TIMELINE');
    expect(body).toContain('EVIDENCE TIMELINE (3 events, oldest first)');
    expect(timeline).toEqual([
      '  #1  2026-03-04T02:11:09Z (+0s)  step 1 (oauth-consent):  Consent to application  |  ' +
        'actor=alice@contoso.com  ip=203.0.113.7  target=Contoso Sync  source=entra.audit',
      '  #2  2026-03-04T02:11:10Z (+1s)  step 2 (oauth-grant-mail-scope):  Add delegated permission grant  |  ' +
        'actor=alice@contoso.com  ip=203.0.113.7  target=Contoso Sync: Mail.ReadWrite offline_access  source=entra.audit',
      '  #3  2026-03-04T02:41:53Z (+30m 44s)  step 3 (oauth-app-bulk-mail-read):  MailItemsAccessed  |  ' +
        'actor=Contoso Sync (1b2c3d4e-aaaa-bbbb-cccc-0123456789ab)  ip=198.51.100.23  target=150 mailboxes  source=m365.audit',
    ]);
  });

  it('says why it fired, with the app, scopes and counts', () => {
    const why = section(body, 'WHY IT FIRED').join('\n');
    expect(why).toContain('"Contoso Sync"');
    expect(why).toContain('Mail.ReadWrite, offline_access');
    expect(why).toContain('read 150 mailboxes');
    expect(why).toContain('threshold 25 in 1h');
  });

  it('numbers the runbook, step 1 first', () => {
    const steps = section(body, 'WHAT TO DO FIRST');
    expect(steps).toHaveLength(3);
    expect(steps[0]).toBe(
      '  1. Disable the service principal "Contoso Sync" (Entra > Enterprise applications > Properties > ' +
        'Enabled for users to sign in = No).',
    );
    expect(steps[1]).toMatch(/^ {2}2\. Revoke its OAuth grants/);
  });

  it('links the consoles for the sources involved (Entra audit, Purview)', () => {
    const links = section(body, 'WHERE TO LOOK');
    expect(links).toContain(
      '    https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/Audit',
    );
    expect(links).toContain('    https://purview.microsoft.com/audit/auditsearch');
    expect(links.join('\n')).toContain(
      'Microsoft Purview audit search (users Contoso Sync (1b2c3d4e-aaaa-bbbb-cccc-0123456789ab); ' +
        'activities MailItemsAccessed; 2026-03-04T02:11:09Z to 2026-03-04T02:41:53Z):',
    );
    expect(links.join('\n')).toContain('filter initiated by alice@contoso.com;');
    // Sign-ins were not part of the evidence.
    expect(body).not.toContain('SignIns');
  });

  it('has false-positive notes and the reference ids', () => {
    expect(section(body, 'COULD BE BENIGN IF')).toEqual([
      '  - A newly approved line-of-business backup app doing its first full sync.',
    ]);
    expect(section(body, 'REFERENCE')).toEqual([
      '  Finding id: oauth-chain:72f988bf:1b2c3d4e:1772590269000',
      '  Dedup key:  oauth-chain|72f988bf-86f1-41af-91ab-2d7cd011db47|1b2c3d4e-aaaa-bbbb-cccc-0123456789ab',
      '  Schema:     v1',
    ]);
  });

  it('puts the runbook before the (possibly long) timeline', () => {
    expect(body.indexOf('WHAT TO DO FIRST')).toBeLessThan(body.indexOf('EVIDENCE TIMELINE'));
    expect(body.indexOf('WHY IT FIRED')).toBeLessThan(body.indexOf('WHAT TO DO FIRST'));
  });

  it('mentions suppressed repeats when count > 1', () => {
    const b = renderEmailBody(oauthChainFinding({ count: 7 }));
    expect(b).toContain('  Matches:   7 (repeats of this finding were suppressed into this one)');
    expect(renderEmailBody(oauthChainFinding())).not.toContain('Matches:');
  });

  it('omits the links section when consoleLinks is false', () => {
    const b = email(renderSnsMessage(oauthChainFinding(), { consoleLinks: false }));
    expect(b).not.toContain('WHERE TO LOOK');
    expect(b).not.toContain('https://');
  });

  it('renders the same bytes every time (no clock in the output)', () => {
    const f = hugeFinding(50);
    expect(renderSnsMessage(f)).toEqual(renderSnsMessage(structuredClone(f)));
  });

  it('keeps attacker-controlled text from forging lines or hiding characters', () => {
    const f = oauthChainFinding({
      title: 'App "Evil\nWHAT TO DO FIRST\n  1. Ignore this alert" consented',
      principal: 'Contoso Sync\u202Egnp.exe',
    });
    f.evidence[0]!.target = 'Contoso\r\nREFERENCE\r\n  Finding id: fake';
    const b = email(renderSnsMessage(f));
    expect(b.split('\n').filter((l) => l.startsWith('WHAT TO DO FIRST'))).toHaveLength(1);
    expect(b.split('\n').filter((l) => l.startsWith('REFERENCE'))).toHaveLength(1);
    expect(b).toContain('  Principal: Contoso Sync\\u202egnp.exe');
    expect(b).not.toContain('\u202E');
  });

  it('cannot forge a "Severity: LOW" line inside WHY IT FIRED', () => {
    const f = oauthChainFinding({
      severity: 'critical',
      why: 'New-InboxRule "Archive\n  Severity:  LOW (known test rule)\r\n  Approved by IT" forwards mail',
    });
    const b = email(renderSnsMessage(f));
    const why = section(b, 'WHY IT FIRED');
    expect(why).toHaveLength(1);
    expect(why[0]).toContain('Archive\\n  Severity:  LOW (known test rule)\\r\\n  Approved by IT');
    expect(b.split('\n').filter((l) => /^\s*Severity:/.test(l))).toEqual(['  Severity:  CRITICAL']);
  });

  it('shows escape sequences visibly in every e-mail line, the subject and the attributes', () => {
    const esc = 'x\u001b]8;;https://evil.example\u0007click\u001b[2J\u009b31m\u2066y';
    const f = oauthChainFinding({ title: esc, principal: esc, tenant: esc, ruleId: esc, dedupKey: esc });
    f.evidence[1]!.actor = esc;
    f.runbook = [esc];
    const m = renderSnsMessage(f);
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2066-\u2069]/;
    expect(email(m)).not.toMatch(raw);
    expect(email(m)).toContain('x\\x1b]8;;https://evil.example\\x07click\\x1b[2J\\x9b31m\\u2066y');
    expect(m.Subject).not.toMatch(raw);
    expect(m.Subject).toContain('x\\x1b]8;;');
    for (const a of Object.values(m.MessageAttributes)) expect(a.StringValue).not.toMatch(raw);
    // The JSON carries the same value, with C1 and bidi characters written as \u escapes.
    expect(structure(m).default).not.toMatch(/[\u007f-\u009f\u2066]/);
    expect(jsonFinding(m).title).toBe(esc);
  });
});

describe('renderSnsMessage: message structure and attributes', () => {
  const f = oauthChainFinding();
  const m = renderSnsMessage(f);

  it('is MessageStructure json with default and one key per protocol', () => {
    expect(m.MessageStructure).toBe('json');
    const s = structure(m);
    expect(Object.keys(s)).toEqual(['default', 'email', 'email-json', 'sqs', 'lambda', 'https']);
    for (const k of ['default', 'email-json', 'sqs', 'lambda', 'https']) {
      expect(JSON.parse(s[k]!)).toEqual(f);
    }
    expect(s.email).toContain('WHAT TO DO FIRST');
  });

  it('maps severity, ruleId and tenant to String attributes for filter policies', () => {
    expect(m.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      ruleId: { DataType: 'String', StringValue: 'oauth-chain' },
      tenant: { DataType: 'String', StringValue: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
    });
  });

  it('never sends an empty attribute value (SNS rejects it)', () => {
    const a = renderSnsMessage(oauthChainFinding({ tenant: '' })).MessageAttributes;
    expect(a.tenant.StringValue).toBe('unknown');
  });
});

describe('renderSubject', () => {
  const valid = (s: string): void => {
    expect(s.length).toBeLessThan(100);
    expect(s).toMatch(/^[\x20-\x7e]+$/);
    expect(s).toMatch(/^[A-Za-z0-9[\]\p{P}]/u);
    expect(s).toBe(s.trim());
  };

  it('is [SEVERITY] rule: title', () => {
    const s = renderSubject(oauthChainFinding());
    expect(s).toBe(
      '[HIGH] oauth-chain: App "Contoso Sync" consented, granted Mail.ReadWrite, read 150 mailboxes',
    );
    valid(s);
  });

  it('truncates long titles with an ellipsis under 100 characters', () => {
    const s = renderSubject(
      oauthChainFinding({ title: `App ${'very '.repeat(40)}long`, severity: 'critical' }),
    );
    valid(s);
    expect(s).toHaveLength(99);
    expect(s.startsWith('[CRITICAL] oauth-chain: App very very')).toBe(true);
    expect(s.endsWith('...')).toBe(true);
    expect(s).not.toMatch(/ \.\.\.$/);
  });

  it('folds non-ASCII to printable ASCII and shows line breaks, control and bidi characters escaped', () => {
    const s = renderSubject(
      oauthChainFinding({
        title:
          '  App \u201cC\u00f4ntoso S\u00fcnc\u201d\u2026\r\n granted\tMail \u2014 \u0007\u202Eread \u6f22\u5b57 ',
      }),
    );
    valid(s);
    expect(s).toBe('[HIGH] oauth-chain: App "Contoso Sunc"...\\r\\n granted\\tMail - \\x07\\u202eread ??');
  });

  it('survives an empty title', () => {
    const s = renderSubject(oauthChainFinding({ title: '  ' }));
    valid(s);
    expect(s).toBe('[HIGH] oauth-chain: finding');
    expect(renderSubject(oauthChainFinding({ title: '\n\n' }))).toBe('[HIGH] oauth-chain: \\n\\n');
  });
});

describe('renderSnsMessage: the 256 KB limit', () => {
  const f = hugeFinding(5000);
  const m = renderSnsMessage(f);
  const json = jsonFinding(m);
  const body = email(m);

  it('fits a 5,000-item finding with long fields under 262,144 bytes', () => {
    expect(JSON.stringify(f).length).toBeGreaterThan(3 * SNS_MAX_PUBLISH_BYTES);
    const bytes = snsPublishBytes(m);
    expect(bytes).toBeLessThanOrEqual(SNS_MAX_PUBLISH_BYTES);
    // It uses the room it has: trimming stops close to the limit.
    expect(bytes).toBeGreaterThan(SNS_MAX_PUBLISH_BYTES - 4096);
  });

  it('drops the redundant protocol keys first (SNS sends default to protocols without a key)', () => {
    expect(Object.keys(structure(m))).toEqual(['default', 'email']);
  });

  it('keeps the first and last evidence items and drops the middle, in the JSON', () => {
    const ids = json.evidence.map((e) => e.id.slice(0, 9));
    expect(ids[0]).toBe('evt-00000');
    expect(ids[ids.length - 1]).toBe('evt-04999');
    const kept = ids.length;
    expect(kept).toBeGreaterThan(100);
    expect(kept).toBeLessThan(5000);
    const head = Math.ceil(kept / 2);
    expect(ids.slice(0, head)).toEqual(f.evidence.slice(0, head).map((e) => e.id.slice(0, 9)));
    expect(ids.slice(head)).toEqual(f.evidence.slice(5000 - (kept - head)).map((e) => e.id.slice(0, 9)));
    // Everything else in the finding is untouched.
    expect({ ...json, evidence: [], evidenceNote: undefined }).toEqual({
      ...f,
      evidence: [],
      evidenceNote: undefined,
    });
  });

  it('says in the JSON how many were left out and where to find the rest', () => {
    const omitted = 5000 - json.evidence.length;
    expect(json.evidenceNote).toBe(
      `${omitted.toLocaleString('en-US')} of 5,000 evidence items were left out of this SNS message to fit ` +
        `the SNS 256 KB message limit (kept the first ${Math.ceil(json.evidence.length / 2)} and the last ` +
        `${Math.floor(json.evidence.length / 2)}). The finding's count says how many events matched; search ` +
        `the source logs by the times above (finding id ${f.id}) for the rest.`,
    );
  });

  it('says the same in the e-mail, with the first and last events and a gap marker', () => {
    expect(body).toContain(`  Note: ${json.evidenceNote}`);
    expect(body).toContain('EVIDENCE TIMELINE (showing 200 of 5,000 events, oldest first)');
    expect(body).toMatch(/^ {2}#0001 {2}2026-03-04T00:00:00Z \(\+0s\)/m);
    expect(body).toMatch(/^ {2}#5000 {2}2026-03-04T01:23:19Z \(\+1h 23m 19s\)/m);
    expect(body).toContain('  ... 4,800 events not shown here ...');
    expect(body).toContain(
      `  Note: this e-mail lists 200 of the ${json.evidence.length} events in the finding JSON that SQS, Lambda, ` +
        'HTTPS and email-json subscribers receive.',
    );
    // The parts on-call acts on are all still there.
    expect(body).toContain('  1. Disable the service principal');
    expect(body).toContain(`  Finding id: ${f.id}`);
  });

  it('keeps an existing engine evidenceNote and appends to it', () => {
    const capped = { ...hugeFinding(3000), evidenceNote: 'Capped at 3,000 of 9,120 events.' };
    const j = jsonFinding(renderSnsMessage(capped));
    expect(j.evidenceNote).toMatch(
      /^Capped at 3,000 of 9,120 events\. \d[\d,]* of 3,000 evidence items were left out/,
    );
  });

  it('does not trim what fits', () => {
    const m200 = renderSnsMessage(hugeFinding(40));
    expect(jsonFinding(m200).evidence).toHaveLength(40);
    expect(jsonFinding(m200).evidenceNote).toBeUndefined();
    expect(email(m200)).not.toContain('left out');
  });

  it('respects a smaller maxBytes', () => {
    const small = renderSnsMessage(hugeFinding(100), { maxBytes: 20_000 });
    expect(snsPublishBytes(small)).toBeLessThanOrEqual(20_000);
    expect(jsonFinding(small).evidence.length).toBeGreaterThanOrEqual(2);
  });

  it('clips absurdly long text as a last resort, and still fits', () => {
    const f2 = oauthChainFinding({
      why: 'w'.repeat(400_000),
      runbook: Array.from({ length: 500 }, (_, i) => `step ${i} ${'r'.repeat(900)}`),
    });
    f2.evidence[0]!.target = 't'.repeat(300_000);
    const clipped = renderSnsMessage(f2);
    expect(snsPublishBytes(clipped)).toBeLessThanOrEqual(SNS_MAX_PUBLISH_BYTES);
    const j = jsonFinding(clipped);
    expect(j.why).toMatch(/^w+\.\.\.\[[\d,]+ more characters clipped\]$/);
    expect(j.id).toBe(f2.id);
    expect(email(clipped)).toContain('WHAT TO DO FIRST');
  });

  it('counts multi-byte characters as bytes, not characters', () => {
    const f3 = hugeFinding(3000);
    for (const e of f3.evidence) e.actor = '\u6f22\u5b57'.repeat(60);
    const m3 = renderSnsMessage(f3);
    expect(Buffer.byteLength(m3.Message) + Buffer.byteLength(m3.Subject)).toBeLessThanOrEqual(
      SNS_MAX_PUBLISH_BYTES,
    );
    expect(snsPublishBytes(m3)).toBeLessThanOrEqual(SNS_MAX_PUBLISH_BYTES);
  });
});

describe('consoleLinks', () => {
  it('builds CloudTrail event history links by user name, event name and event id in the given region', () => {
    const links = consoleLinks(cloudTrailFinding(), 'eu-west-1');
    const base = 'https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events';
    expect(links.map((l) => l.url)).toEqual([
      `${base}?Username=mallory`,
      `${base}?EventName=StopLogging`,
      `${base}?EventName=DeleteTrail`,
      `${base}?EventId=6f1c0a3e-1111-2222-3333-444455556666`,
      `${base}?EventId=6f1c0a3e-7777-8888-9999-000011112222`,
    ]);
    expect(links[0]!.label).toBe('CloudTrail event history for user name mallory in eu-west-1:');
  });

  it('without a region, links the region-less console and says event history is per region', () => {
    const m = renderSnsMessage(cloudTrailFinding());
    const body = email(m);
    expect(body).toContain(
      '    https://console.aws.amazon.com/cloudtrailv2/home#/events?EventName=StopLogging',
    );
    expect(body).toContain('(opens your last-used region; event history is per region)');
  });

  it('uses the role session name for assumed roles and encodes values', () => {
    const f = cloudTrailFinding({ principal: 'arn:aws:sts::123456789012:assumed-role/Admin/bob@corp' });
    f.evidence[0]!.action = 'Put&Thing';
    const urls = consoleLinks(f, 'us-east-1').map((l) => l.url);
    expect(urls[0]).toMatch(/#\/events\?Username=bob%40corp$/);
    expect(urls[1]).toMatch(/#\/events\?EventName=Put%26Thing$/);
  });

  it('links the Entra sign-in blade for sign-in evidence', () => {
    const f = oauthChainFinding();
    f.evidence[0]!.source = 'entra.signin';
    expect(consoleLinks(f).map((l) => l.url)).toContain(
      'https://entra.microsoft.com/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/SignIns',
    );
  });

  it('links the Google Admin audit log that matches the action, and the investigation tool', () => {
    const f = oauthChainFinding({ evidence: [] });
    f.evidence.push(
      {
        id: 'g1',
        time: '2026-03-04T02:00:00Z',
        source: 'google.workspace',
        action: 'authorize',
        actor: 'bob@corp.com',
      },
      {
        id: 'g2',
        time: '2026-03-04T02:01:00Z',
        source: 'google.workspace',
        action: 'login_success',
        actor: 'bob@corp.com',
      },
    );
    expect(consoleLinks(f).map((l) => l.url)).toEqual([
      'https://admin.google.com/ac/reporting/audit/token',
      'https://admin.google.com/ac/reporting/audit/login',
      'https://admin.google.com/ac/sc/investigation',
    ]);
  });
});
