/**
 * The noise budget: findings per 1,000 benign events, per rule and in total, over the bench corpus.
 * The generator records which lines its attack campaigns planted (CorpusFile.planted); a finding
 * none of whose evidence is a planted event was raised by benign traffic alone, and counts as noise.
 * The budget is at most 1 finding per 1,000 benign events in total.
 */
import { readFileSync } from 'node:fs';
import type { Finding } from '../shared/engine/findings';
import { normalize } from '../shared/events/normalize';
import type { CorpusFile } from './generate';

/** The total the noise may not exceed, in findings per 1,000 benign events. */
export const NOISE_BUDGET_PER_1K = 1;

/** Event ids of the planted records of the corpus files. */
export function plantedEventIds(files: readonly CorpusFile[]): Set<string> {
  const ids = new Set<string>();
  for (const f of files) {
    if (!f.planted.length) continue;
    const want = new Set(f.planted);
    const lines = readFileSync(f.path, 'utf8').split('\n');
    for (const i of want) {
      const line = lines[i];
      if (!line) continue;
      const r = normalize(JSON.parse(line) as unknown);
      if (r.ok) for (const e of r.events) ids.add(e.id);
    }
  }
  return ids;
}

export interface NoiseReport {
  benignEvents: number;
  plantedEvents: number;
  /** Findings raised by benign traffic alone, per rule. */
  noiseByRule: Record<string, number>;
  /** Per 1,000 benign events, per rule. */
  noisePer1kByRule: Record<string, number>;
  /** Per 1,000 benign events, all rules. */
  noisePer1kBenign: number;
  /** Findings with planted evidence (the campaigns caught), per rule. */
  plantedFindingsByRule: Record<string, number>;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

export function noiseOf(
  findings: readonly Finding[],
  planted: ReadonlySet<string>,
  totalEvents: number,
): NoiseReport {
  const noiseByRule: Record<string, number> = {};
  const plantedFindingsByRule: Record<string, number> = {};
  for (const f of findings) {
    const caught = f.evidence.some((ev) => planted.has(ev.id));
    const into = caught ? plantedFindingsByRule : noiseByRule;
    into[f.ruleId] = (into[f.ruleId] ?? 0) + 1;
  }
  const benignEvents = totalEvents - planted.size;
  const per1k = (n: number) => (benignEvents > 0 ? round((n * 1000) / benignEvents) : 0);
  const noisePer1kByRule: Record<string, number> = {};
  let total = 0;
  for (const [id, n] of Object.entries(noiseByRule).sort()) {
    noisePer1kByRule[id] = per1k(n);
    total += n;
  }
  return {
    benignEvents,
    plantedEvents: planted.size,
    noiseByRule,
    noisePer1kByRule,
    noisePer1kBenign: per1k(total),
    plantedFindingsByRule,
  };
}
