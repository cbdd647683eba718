/**
 * Shared pieces of the scenario suite: vendor-format records (the builders of
 * shared/rules/testing/records.ts, as the APIs return them) through the real normalizers, the real
 * engine with every shipped rule, the embedded state store, `runBatch` and `replay`.
 *
 * The scenarios state, as tests, what docs/architecture.md ("Semantics: time, windows, counting")
 * promises about late, duplicated, out-of-order and future-dated feeds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Detector } from '#shared/engine/detector';
import type { DetectorOptions } from '#shared/engine/detector';
import type { Finding } from '#shared/engine/findings';
import type { RuleDefinition } from '#shared/engine/rule';
import { normalize } from '#shared/events/normalize';
import type { TriplineEvent } from '#shared/events/types';
import { ALL_RULES } from '#shared/rules/index';
import { TENANT } from '#shared/rules/testing/records';
import { EmbeddedStateStore } from '#shared/state/embedded';

export * from '#shared/rules/testing/records';

/** Normalizes raw records (Graph exports carry no tenant: the test tenant is given, as a poller does). */
export function events(records: readonly unknown[], tenant = TENANT): TriplineEvent[] {
  return records.flatMap((rec, i) => {
    const res = normalize(rec, { tenant });
    if (!res.ok) throw new Error(`record ${i} was quarantined: ${res.reason}`);
    return res.events;
  });
}

/** A detector over every shipped rule (or `rules`) and an in-memory embedded store. */
export async function detector(
  opts: Partial<Omit<DetectorOptions, 'store'>> = {},
): Promise<{ d: Detector; store: EmbeddedStateStore }> {
  const store = await EmbeddedStateStore.open(':memory:');
  return { d: new Detector({ rules: ALL_RULES, ...opts, store }), store };
}

/** The latest version of every finding, by id, over a sequence of results. */
export class Findings {
  readonly byId = new Map<string, Finding>();
  readonly created = new Set<string>();
  add(r: { findings: Finding[]; updated: Finding[] }): this {
    for (const f of r.findings) {
      this.byId.set(f.id, f);
      this.created.add(f.id);
    }
    for (const f of r.updated) this.byId.set(f.id, f);
    return this;
  }
  of(ruleId: string): Finding[] {
    return [...this.byId.values()].filter((f) => f.ruleId === ruleId);
  }
}

/** The rules a scenario needs by id (with their sequence steps), from the shipped catalogue. */
export function rules(...ids: string[]): RuleDefinition[] {
  const byId = new Map(ALL_RULES.map((r) => [r.id, r]));
  const out = new Set<string>(ids);
  for (const id of ids) {
    const r = byId.get(id);
    if (r?.kind === 'sequence') for (const s of r.steps) for (const x of s.rules) out.add(x);
  }
  return [...out].map((id) => byId.get(id)).filter((r): r is RuleDefinition => r !== undefined);
}

/** Deterministic shuffle (so a failing order can be reproduced). */
export function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const dirs: string[] = [];

/** A fresh temp folder, removed by {@link cleanup}. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tripline-scenario-'));
  dirs.push(d);
  return d;
}

export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Writes records as JSON lines and returns the path. */
export function jsonlFile(dir: string, name: string, records: readonly unknown[]): string {
  const p = join(dir, name);
  writeFileSync(p, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return p;
}

/** A finding reduced to what a person compares between two runs. */
export function essence(f: Finding): Record<string, unknown> {
  return {
    id: f.id,
    ruleId: f.ruleId,
    principal: f.principal,
    severity: f.severity,
    count: f.count,
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    evidence: f.evidence.map((e) => `${e.time} ${e.step ?? ''} ${e.id}`),
  };
}
