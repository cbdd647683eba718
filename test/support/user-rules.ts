/**
 * A detection engineer's rule folder, as a test writes it to a temp dir outside the repository: one
 * YAML rule of each available kind (match, threshold, distinct, new_terms, and a sequence over a
 * signal rule and the threshold rule), each with a firing and a quiet case of vendor records, plus a
 * folder of logs in which every one of them fires.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BASE, DAY, MIN, cloudTrail, consentAudit, signIn } from '#shared/rules/testing/records';

const failures = (upn: string, n: number, from = BASE) =>
  Array.from({ length: n }, (_, i) =>
    signIn({ upn, ip: '45.155.205.233', at: from + i * 30_000, errorCode: 50126 }),
  );
const secrets = (ids: string[], user = 'ci-deploy') =>
  ids.map((id, i) =>
    cloudTrail({
      eventName: 'GetSecretValue',
      eventSource: 'secretsmanager.amazonaws.com',
      at: BASE + i * MIN,
      userName: user,
      requestParameters: { secretId: id },
    }),
  );
const calls = (ips: string[]) =>
  ips.map((ip, i) =>
    cloudTrail({
      eventName: 'ListBuckets',
      eventSource: 's3.amazonaws.com',
      at: BASE + i * 2 * DAY,
      userName: 'backup',
      ip,
    }),
  );
const consent = (consentType: 'AllPrincipals' | 'Principal') =>
  consentAudit({
    upn: 'admin@contoso.com',
    ip: '198.51.100.23',
    at: BASE,
    appId: '3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
    appName: 'Mail Archiver Pro',
    scopes: ['Mail.Read', 'offline_access'],
    consentType,
  });

const meta = (id: string, title: string) => ({
  id,
  title,
  description: `User rule ${id}, written by the detection team for its own tenant.`,
  severity: 'medium',
  runbook: ['Look at the evidence and ask the person named whether it was them.'],
  falsePositives: ['Planned administration.'],
});

/** The rules, by file name: documents as a person would write them in YAML. */
export function userRuleDocs(): Record<string, Record<string, unknown>> {
  return {
    'admin-consent-all-users.yaml': {
      ...meta('admin-consent-all-users', '{actor.name} consented {app.name} for every user'),
      kind: 'match',
      severity: 'high',
      attack: ['T1528'],
      sources: ['entra.audit', 'm365.audit'],
      actions: ['Consent to application'],
      when: {
        all: [
          { field: 'outcome', equals: 'success' },
          { field: 'app.consentType', equals: 'AllPrincipals' },
        ],
      },
      tests: [
        {
          name: 'fires on admin consent for all users',
          records: [consent('AllPrincipals')],
          expect: { findings: 1, severity: 'high' },
        },
        {
          name: 'stays quiet on a consent for one user',
          records: [consent('Principal')],
          expect: { findings: 0 },
        },
      ],
    },
    'vip-failed-sign-ins.yaml': {
      ...meta('vip-failed-sign-ins', '{observed} failed sign-ins for {group}'),
      kind: 'threshold',
      attack: ['T1110.001'],
      sources: ['entra.signin'],
      actions: ['UserLoginFailed'],
      when: { field: 'actor.id', endswith: '@contoso.com' },
      groupBy: 'actor.id',
      count: 3,
      window: '10m',
      unit: 'failed sign-ins',
      tests: [
        {
          name: 'fires on the 3rd failure inside 10 minutes',
          records: failures('ceo@contoso.com', 3),
          expect: { findings: 1, principal: 'ceo@contoso.com' },
        },
        {
          name: 'stays quiet for 2 failures',
          records: failures('ceo@contoso.com', 2),
          expect: { findings: 0 },
        },
      ],
    },
    'secrets-sweep.yaml': {
      ...meta('secrets-sweep', '{group} read {observed} secrets'),
      kind: 'distinct',
      attack: ['T1555.006'],
      sources: ['aws.cloudtrail'],
      actions: ['GetSecretValue'],
      groupBy: 'actor.id',
      field: 'params.secretId',
      count: 3,
      window: '15m',
      unit: 'secrets',
      tests: [
        {
          name: 'fires on 3 different secrets',
          records: secrets(['prod/a', 'prod/b', 'prod/c']),
          expect: { findings: 1 },
        },
        {
          name: 'stays quiet on one secret read 3 times',
          records: secrets(['prod/a', 'prod/a', 'prod/a']),
          expect: { findings: 0 },
        },
      ],
    },
    'new-address-for-backup-user.yaml': {
      ...meta('new-address-for-backup-user', '{group} called AWS from {term}'),
      kind: 'new_terms',
      attack: ['T1078.004'],
      sources: ['aws.cloudtrail'],
      when: { field: 'raw.userIdentity.userName', equals: 'backup' },
      groupBy: 'actor.id',
      term: 'actor.ip',
      history: '14d',
      learning: '1d',
      tests: [
        {
          name: 'fires on a new address',
          records: calls(['198.51.100.23', '203.0.113.50']),
          expect: { findings: 1 },
        },
        {
          name: 'stays quiet on the same address',
          records: calls(['198.51.100.23', '198.51.100.23']),
          expect: { findings: 0 },
        },
      ],
    },
    'vip-sign-in-success.yaml': {
      ...meta('vip-sign-in-success', '{actor.name} signed in'),
      kind: 'match',
      emit: false,
      attack: ['T1078'],
      sources: ['entra.signin'],
      actions: ['UserLoggedIn'],
      when: { field: 'actor.id', endswith: '@contoso.com' },
      falsePositives: [],
      tests: [
        {
          name: 'signals a successful sign-in',
          records: [signIn({ upn: 'ceo@contoso.com', ip: '45.155.205.233', at: BASE })],
          expect: { findings: 0, signals: 1 },
        },
        {
          name: 'stays quiet on a failure',
          records: failures('ceo@contoso.com', 1),
          expect: { findings: 0, signals: 0 },
        },
      ],
    },
    'vip-guessed-password.yaml': {
      ...meta('vip-guessed-password', 'Password of {actor.name} guessed: failures, then a sign-in'),
      kind: 'sequence',
      severity: 'critical',
      attack: ['T1110.001', 'T1078'],
      sources: ['entra.signin'],
      by: 'actor.id',
      steps: [{ rules: ['vip-failed-sign-ins'], label: 'failed sign-ins' }, 'vip-sign-in-success'],
      window: '1h',
      tests: [
        {
          name: 'fires when a sign-in succeeds after the failures',
          records: [
            ...failures('ceo@contoso.com', 3),
            signIn({ upn: 'ceo@contoso.com', ip: '45.155.205.233', at: BASE + 5 * MIN }),
          ],
          expect: { findings: 1, severity: 'critical' },
        },
        {
          name: 'stays quiet when no sign-in follows',
          records: failures('ceo@contoso.com', 3),
          expect: { findings: 0 },
        },
      ],
    },
  };
}

/** The ids of the rules that publish findings (all but the signal rule). */
export const EMITTING_USER_RULES = [
  'admin-consent-all-users',
  'new-address-for-backup-user',
  'secrets-sweep',
  'vip-failed-sign-ins',
  'vip-guessed-password',
];

/** Writes the rule folder (YAML) into `dir`, and returns its path. */
export function writeUserRules(dir: string): string {
  const rules = join(dir, 'detections');
  mkdirSync(rules, { recursive: true });
  for (const [name, doc] of Object.entries(userRuleDocs())) {
    writeFileSync(join(rules, name), `# A detection of our own\n${stringify(doc)}`);
  }
  return rules;
}

/** Writes logs in which every user rule fires (the firing records of every case), as JSON lines. */
export function writeUserLogs(dir: string): string {
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const docs = userRuleDocs();
  const byName = (n: string) =>
    ((docs[n]?.['tests'] as Array<{ records: unknown[] }>)[0] as { records: unknown[] }).records;
  writeFileSync(
    join(logs, 'entra-audit.jsonl'),
    byName('admin-consent-all-users.yaml')
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  writeFileSync(
    join(logs, 'signins.jsonl'),
    byName('vip-guessed-password.yaml')
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  writeFileSync(
    join(logs, 'cloudtrail.json'),
    JSON.stringify({
      Records: [...byName('secrets-sweep.yaml'), ...byName('new-address-for-backup-user.yaml')],
    }),
  );
  return logs;
}
