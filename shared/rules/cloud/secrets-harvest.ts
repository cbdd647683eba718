import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { byAwsService, principalArn } from './aws';

const s = (v: unknown) => (Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : '');
const truthy = (v: unknown) => v === true || s(v).toLowerCase() === 'true';

/** The secret or decrypted parameter a call read (one value per call). */
export function secretRead(e: TriplineEvent): string | undefined {
  const p = e.params;
  switch (e.action) {
    case 'GetSecretValue':
      return s(p.secretId) || undefined;
    case 'BatchGetSecretValue':
      return `batch:${s(p.secretIdList) || s(p.filters) || 'all'}`;
    case 'GetParameter':
      return truthy(p.withDecryption) ? `ssm:${s(p.name)}` : undefined;
    case 'GetParameters':
      return truthy(p.withDecryption) ? `ssm:${s(p.names)}` : undefined;
    case 'GetParametersByPath':
      return truthy(p.withDecryption) ? `ssm-path:${s(p.path)}` : undefined;
    default:
      return undefined;
  }
}

export default defineRule({
  id: 'secrets-harvest',
  title: (c) => `${c.group} read ${c.observed} secrets within 15 minutes`,
  description:
    'One AWS principal read at least 10 different secrets within 15 minutes: Secrets Manager GetSecretValue / BatchGetSecretValue and SSM parameters decrypted (GetParameter, GetParameters, GetParametersByPath WithDecryption). Applications read the few secrets they need; a sweep across many is a harvest. Denied reads count: trying every secret is the attack too. A call that reads many secrets at once counts once here; secrets-batch-harvest covers it alone.',
  kind: 'distinct',
  severity: 'high',
  attack: ['T1555.006'],
  sources: ['aws.cloudtrail'],
  actions: ['GetSecretValue', 'BatchGetSecretValue', 'GetParameter', 'GetParameters', 'GetParametersByPath'],
  when: (e) => !byAwsService(e) && secretRead(e) !== undefined,
  groupBy: principalArn,
  field: secretRead,
  count: 10,
  window: '15m',
  unit: 'secrets read',
  runbook: [
    'Rotate every secret in the evidence (and the whole set the principal can read), starting with database and cloud credentials.',
    "Disable the principal's keys or revoke its role sessions; find where it came from (source address, user agent).",
    'Restrict secretsmanager:GetSecretValue / ssm:GetParameter to the secrets each role needs.',
  ],
  falsePositives: ['Deployment pipelines or secret-sync tools that read every secret on each run.'],
});
