/**
 * docs/coverage.md, rendered from the rules' own metadata and the catalogue (shared/rules/catalogue.ts).
 * Pure: `npm run coverage` writes it, and test/rules/coverage.test.ts fails when the committed file
 * differs from what the rules say.
 */
import type { RuleDefinition } from '../engine/rule';
import { CATALOGUE, EXTRA_RULES, NOT_COVERED } from './catalogue';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function logic(r: RuleDefinition): string {
  switch (r.kind) {
    case 'match':
      return 'match';
    case 'threshold':
      return `threshold >= ${r.count} in ${String(r.window)}`;
    case 'distinct':
      return `distinct >= ${r.count} in ${String(r.window)}`;
    case 'new_terms':
      return `new_terms, ${String(r.history)} history`;
    case 'sequence':
      return `sequence in ${String(r.window)}: ${r.steps.map((s) => s.rules.join(' or ')).join(' -> ')}`;
  }
}

/** The whole of docs/coverage.md. */
export function renderCoverage(rules: readonly RuleDefinition[]): string {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const rowOf = new Map<string, string>();
  for (const row of CATALOGUE) for (const id of row.rules) if (!rowOf.has(id)) rowOf.set(id, row.id);
  const extra = new Map(EXTRA_RULES.map((x) => [x.id, x.why]));
  const publishing = rules.filter((r) => r.emit !== false);
  const signals = rules.filter((r) => r.emit === false);
  const tier = (t: 1 | 2) => CATALOGUE.filter((r) => r.tier === t);
  const withPending = CATALOGUE.filter((r) => r.pending !== undefined);

  const out: string[] = [];
  out.push('# Coverage', '');
  out.push(
    "Generated from the rules' metadata and `shared/rules/catalogue.ts` by `npm run coverage`;",
    '`test/rules/coverage.test.ts` fails when this file is stale. Do not edit it by hand.',
    '',
  );
  out.push(
    `${rules.length} rules: ${publishing.length} publish findings, ${signals.length} are signal rules that feed sequences. ` +
      `Catalogue: ${tier(1).length} Tier 1 and ${tier(2).length} Tier 2 rows, each implemented by at least one rule; ` +
      `${withPending.length} have a part pending (below, with what it waits on); ` +
      `${NOT_COVERED.length} behaviours are not covered by an event rule, with the reason.`,
    '',
  );

  out.push('## Catalogue rows', '');
  out.push(
    '| row | tier | ATT&CK | rules (publishing, then signals) | pending |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const row of CATALOGUE) {
    const ids = row.rules.map((id) => (byId.get(id)?.emit === false ? `${id} (signal)` : id));
    out.push(
      `| ${row.id} | ${row.tier} | ${row.attack.join(', ')} | ${ids.join(', ')} | ${cell(row.pending ?? '')} |`,
    );
  }
  out.push('');

  out.push('## Rules', '');
  out.push(
    '| id | severity | kind and logic | ATT&CK | sources | catalogue row |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const r of [...rules].sort((a, b) => a.id.localeCompare(b.id))) {
    const row = rowOf.get(r.id) ?? (extra.has(r.id) ? 'beyond the catalogue' : '?');
    const sev = r.emit === false ? 'signal' : r.severity;
    out.push(
      `| ${r.id} | ${sev} | ${cell(logic(r))} | ${r.attack.join(', ')} | ${r.sources.join(', ')} | ${row} |`,
    );
  }
  out.push('');

  out.push('## Beyond the catalogue', '');
  for (const x of EXTRA_RULES) out.push(`* \`${x.id}\`: ${x.why}`);
  out.push('');

  out.push('## Not covered by an event rule', '');
  out.push('| entry | status | ATT&CK | behaviour | reason |', '| --- | --- | --- | --- | --- |');
  for (const n of NOT_COVERED)
    out.push(`| ${n.id} | ${n.status} | ${n.attack.join(', ')} | ${cell(n.behaviour)} | ${cell(n.reason)} |`);
  out.push('');

  out.push('## ATT&CK techniques', '');
  const byTech = new Map<string, string[]>();
  for (const r of publishing) for (const t of r.attack) byTech.set(t, [...(byTech.get(t) ?? []), r.id]);
  out.push('| technique | rules |', '| --- | --- |');
  for (const [t, ids] of [...byTech].sort((a, b) => a[0].localeCompare(b[0])))
    out.push(`| ${t} | ${ids.sort().join(', ')} |`);
  out.push('');
  return out.join('\n');
}
