/**
 * Realistic findings for the sink tests.
 */
import type { EvidenceItem, Finding } from '#shared/engine/findings';

/** An OAuth consent-phishing chain in Entra / M365: consent, grant, then mass mailbox reads. */
export function oauthChainFinding(overrides: Partial<Finding> = {}): Finding {
  const evidence: EvidenceItem[] = [
    {
      id: 'c7a1e2f0-0001',
      time: '2026-03-04T02:11:09Z',
      source: 'entra.audit',
      action: 'Consent to application',
      actor: 'alice@contoso.com',
      ip: '203.0.113.7',
      target: 'Contoso Sync',
      step: 1,
      stepRule: 'oauth-consent',
    },
    {
      id: 'c7a1e2f0-0002',
      time: '2026-03-04T02:11:10Z',
      source: 'entra.audit',
      action: 'Add delegated permission grant',
      actor: 'alice@contoso.com',
      ip: '203.0.113.7',
      target: 'Contoso Sync: Mail.ReadWrite offline_access',
      step: 2,
      stepRule: 'oauth-grant-mail-scope',
    },
    {
      id: 'm365-8f2d-0003',
      time: '2026-03-04T02:41:53Z',
      source: 'm365.audit',
      action: 'MailItemsAccessed',
      actor: 'Contoso Sync (1b2c3d4e-aaaa-bbbb-cccc-0123456789ab)',
      ip: '198.51.100.23',
      target: '150 mailboxes',
      step: 3,
      stepRule: 'oauth-app-bulk-mail-read',
    },
  ];
  return {
    schemaVersion: 1,
    id: 'oauth-chain:72f988bf:1b2c3d4e:1772590269000',
    ruleId: 'oauth-chain',
    title: 'App "Contoso Sync" consented, granted Mail.ReadWrite, read 150 mailboxes',
    severity: 'high',
    attack: ['T1528', 'T1114.002'],
    tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    principal: 'Contoso Sync (appId 1b2c3d4e-aaaa-bbbb-cccc-0123456789ab)',
    firstSeen: '2026-03-04T02:11:09Z',
    lastSeen: '2026-03-04T02:41:53Z',
    count: 1,
    evidence,
    why:
      'alice@contoso.com consented to "Contoso Sync" (unverified publisher, first seen in this tenant) ' +
      'with scopes Mail.ReadWrite, offline_access; 30 min later the app read 150 mailboxes ' +
      '(threshold 25 in 1h).',
    runbook: [
      'Disable the service principal "Contoso Sync" (Entra > Enterprise applications > Properties > Enabled for users to sign in = No).',
      'Revoke its OAuth grants: Remove-MgOauth2PermissionGrant for the app, and revoke alice@contoso.com sessions.',
      'Search the unified audit log for MailItemsAccessed by the app id to list every mailbox read.',
    ],
    dedupKey: 'oauth-chain|72f988bf-86f1-41af-91ab-2d7cd011db47|1b2c3d4e-aaaa-bbbb-cccc-0123456789ab',
    description: 'An app got mail scopes by user consent and immediately read many mailboxes.',
    falsePositives: ['A newly approved line-of-business backup app doing its first full sync.'],
    ...overrides,
  };
}

/** A CloudTrail finding: an IAM user stopped logging and deleted the trail. */
export function cloudTrailFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    schemaVersion: 1,
    id: 'ct-tamper:123456789012:mallory:1772590269000',
    ruleId: 'cloudtrail-tamper',
    title: 'CloudTrail logging stopped and trail deleted by mallory',
    severity: 'critical',
    attack: ['T1562.008'],
    tenant: '123456789012',
    principal: 'arn:aws:iam::123456789012:user/mallory',
    firstSeen: '2026-03-04T02:00:00Z',
    lastSeen: '2026-03-04T02:00:42Z',
    count: 1,
    evidence: [
      {
        id: '6f1c0a3e-1111-2222-3333-444455556666',
        time: '2026-03-04T02:00:00Z',
        source: 'aws.cloudtrail',
        action: 'StopLogging',
        actor: 'arn:aws:iam::123456789012:user/mallory',
        ip: '192.0.2.10',
        target: 'arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail',
      },
      {
        id: '6f1c0a3e-7777-8888-9999-000011112222',
        time: '2026-03-04T02:00:42Z',
        source: 'aws.cloudtrail',
        action: 'DeleteTrail',
        actor: 'arn:aws:iam::123456789012:user/mallory',
        ip: '192.0.2.10',
        target: 'org-trail',
      },
    ],
    why: 'StopLogging then DeleteTrail on org-trail within 42 s by the same principal.',
    runbook: ['Re-enable logging on org-trail (StartLogging) and recreate the trail if deleted.'],
    dedupKey: 'cloudtrail-tamper|123456789012|arn:aws:iam::123456789012:user/mallory',
    ...overrides,
  };
}

/** A finding with `n` evidence items whose fields are long, for the size limit. */
export function hugeFinding(n: number): Finding {
  const base = oauthChainFinding();
  const pad = 'x'.repeat(120);
  const evidence: EvidenceItem[] = [];
  const t0 = Date.parse('2026-03-04T00:00:00Z');
  for (let i = 0; i < n; i++) {
    evidence.push({
      id: `evt-${String(i).padStart(5, '0')}-${pad}`,
      time: new Date(t0 + i * 1000).toISOString(),
      source: 'm365.audit',
      action: `MailItemsAccessed`,
      actor: `Contoso Sync "app" ${pad}`,
      ip: '198.51.100.23',
      target: `mailbox-${i}@contoso.com/${pad}`,
      step: 3,
      stepRule: 'oauth-app-bulk-mail-read',
    });
  }
  return {
    ...base,
    count: n,
    firstSeen: evidence[0]?.time ?? base.firstSeen,
    lastSeen: evidence[n - 1]?.time ?? base.lastSeen,
    evidence,
  };
}
