import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { byAwsService, principalArn } from './aws';

function listOf(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') {
    try {
      const p: unknown = JSON.parse(v);
      return Array.isArray(p) ? p : [];
    } catch {
      return [];
    }
  }
  return [];
}

/**
 * BatchGetSecretValue that takes everything: a filter that matches every secret (a negated tag that
 * no secret has) or no list at all, or a list of at least 10 secrets.
 */
export function batchScope(e: TriplineEvent): string | undefined {
  if (e.action !== 'BatchGetSecretValue' || byAwsService(e)) return undefined;
  const ids = listOf(e.params.secretIdList);
  if (ids.length >= 10) return `${ids.length} secrets by name`;
  const filters = listOf(e.params.filters) as Array<{ key?: string; values?: string[] }>;
  if (ids.length === 0 && filters.length === 0) return 'every secret (no filter)';
  if (filters.length === 1) {
    const f = filters[0];
    const vals = f?.values ?? [];
    if (vals.length > 0 && vals.every((v) => typeof v === 'string' && v.startsWith('!')))
      return `every secret (filter ${f?.key} ${vals.join(',')})`;
  }
  return undefined;
}

export default defineRule({
  id: 'secrets-batch-harvest',
  title: (c) =>
    `${principalArn(c.event) ?? 'A principal'} read ${batchScope(c.event)} in one BatchGetSecretValue call`,
  description:
    'One Secrets Manager BatchGetSecretValue call asked for every secret (a negated tag filter that matches everything, or no filter) or for at least 10 secrets by name: a whole vault in one request. Companion of secrets-harvest, which counts secrets across calls.',
  kind: 'match',
  severity: 'high',
  attack: ['T1555.006'],
  sources: ['aws.cloudtrail'],
  actions: ['BatchGetSecretValue'],
  when: (e) => batchScope(e) !== undefined,
  principal: principalArn,
  runbook: [
    'Rotate the secrets the principal can read; disable its keys or revoke its role sessions.',
    'Find where the call came from (source address, user agent) and what else the principal did.',
  ],
  falsePositives: ['A secret-sync or backup tool that exports the vault in batches by design.'],
});
