/**
 * The catalogue is complete and docs/coverage.md says what the rules say: every Tier 1 and Tier 2
 * row has a rule, every shipped rule belongs to a row or is listed as beyond the catalogue, every
 * rule a row names exists, and the committed coverage page equals the rendering of today's rules.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE, EXTRA_RULES, NOT_COVERED } from '#shared/rules/catalogue';
import { renderCoverage } from '#shared/rules/coverage';
import { ALL_RULES } from '#shared/rules/index';

/** The catalogue rows of DETECTIONS.md (Tier 1, then Tier 2), as the issue lists them. */
const TIER1 = [
  'oauth-chain',
  'oauth-risky-consent',
  'oauth-consent-campaign',
  'mail-unusual-client',
  'mailbox-folder-anon',
  'mailbox-delegate',
  'inbox-forwarding',
  'inbox-hiding-rule',
  'brute-force',
  'password-spray',
  'credential-stuffing',
  'mfa-fatigue',
  'device-registration',
  'mass-file-access',
  'cloud-logging-disabled',
  'conditional-access-change',
  'privileged-role-grant',
  'source-silent',
];
const TIER2 = [
  'cloud-discovery-burst',
  'secrets-harvest',
  'quota-region-abuse',
  'resource-hierarchy-change',
  'serverless-tampering',
  'instance-credential-off-host',
  'k8s-sa-token-theft',
  'token-new-ip',
  'session-cookie-reuse',
  'teams-unusual-access',
  'internal-phish-burst',
  'trusted-relationship-added',
];

describe('coverage', () => {
  const shipped = new Set(ALL_RULES.map((r) => r.id));

  it('has every Tier 1 and Tier 2 row as a rule or a not-covered entry with its reason', () => {
    const rows = new Set(CATALOGUE.map((r) => r.id));
    const notCovered = new Map(NOT_COVERED.map((n) => [n.id, n]));
    for (const id of [...TIER1, ...TIER2]) {
      const covered = rows.has(id) || (notCovered.get(id)?.reason.length ?? 0) > 20;
      expect({ id, covered }).toEqual({ id, covered: true });
    }
  });

  it('names only shipped rules, and each row has a rule that publishes', () => {
    for (const row of CATALOGUE) {
      for (const id of row.rules)
        expect({ row: row.id, id, shipped: shipped.has(id) }).toEqual({ row: row.id, id, shipped: true });
      const publishing = row.rules.filter((id) => ALL_RULES.find((r) => r.id === id)?.emit !== false);
      expect({ row: row.id, publishing: publishing.length > 0 }).toEqual({ row: row.id, publishing: true });
    }
  });

  it('places every shipped rule in a catalogue row or lists it as beyond the catalogue', () => {
    const placed = new Set([...CATALOGUE.flatMap((r) => r.rules), ...EXTRA_RULES.map((x) => x.id)]);
    expect([...shipped].filter((id) => !placed.has(id))).toEqual([]);
  });

  it('docs/coverage.md is current (run `npm run coverage` after changing a rule)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'docs', 'coverage.md'), 'utf8');
    expect(committed).toBe(renderCoverage(ALL_RULES));
  });
});
