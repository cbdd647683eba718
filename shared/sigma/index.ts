/**
 * Sigma to Tripline over many files: each converted document is checked with the rule format's own
 * validation (a conversion that would not load is refused with the problem), and ids are made
 * unique across the set.
 */
import { formatProblem } from '../rules/format/parse';
import { ruleFromValue } from '../rules/format/index';
import { convertSigma } from './convert';
import type { Converted, Refusal } from './convert';

export { convertSigma, slug } from './convert';
export type { ConversionResult, Converted, Refusal, RefusalCode } from './convert';
export { mapField, mappingFor } from './mapping';

/** Converts a set of Sigma files (path, text); returns valid Tripline documents and refusals. */
export function convertSigmaFiles(files: ReadonlyArray<{ file: string; text: string }>): {
  converted: Converted[];
  refused: Refusal[];
  rules: number;
} {
  const converted: Converted[] = [];
  const refused: Refusal[] = [];
  const ids = new Set<string>();
  for (const f of files) {
    const r = convertSigma(f.text, f.file);
    refused.push(...r.refused);
    const rename = new Map<string, string>();
    for (const c of r.converted) {
      let id = c.doc['id'] as string;
      if (ids.has(id)) {
        const suffix = (c.sigmaId ?? String(ids.size))
          .replace(/[^a-z0-9]/gi, '')
          .slice(0, 8)
          .toLowerCase();
        rename.set(id, `${id}-${suffix}`);
        id = `${id}-${suffix}`;
      }
      c.doc['id'] = id;
      ids.add(id);
    }
    for (const c of r.converted) {
      const steps = c.doc['steps'] as Array<{ rules: string[] }> | undefined;
      if (steps) for (const s of steps) s.rules = s.rules.map((x) => rename.get(x) ?? x);
      const v = ruleFromValue(c.doc, f.file);
      if (v.ok) converted.push(c);
      else
        refused.push({
          file: f.file,
          rule: String(c.doc['title'] ?? c.doc['id']),
          code: 'invalid',
          reason: `the conversion does not load: ${v.problems.map((p) => formatProblem({ ...p, file: '' }).replace(/^: /, '')).join('; ')}`,
        });
    }
  }
  return { converted, refused, rules: converted.length + refused.length };
}
