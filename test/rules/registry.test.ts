/**
 * The registry refuses a rule that is not done: every shipped rule has its own file named after its
 * id, test cases beside it with at least one firing and one quiet case, a test file that runs them,
 * and complete metadata; and every rule file in shared/rules is shipped.
 */
import { readdirSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import { compileRules } from '#shared/engine/compile';
import type { RuleCases, RuleDefinition } from '#shared/engine/rule';
import { ALL_RULES } from '#shared/rules/index';

const RULES_DIR = join(__dirname, '..', '..', 'shared', 'rules');

function ruleFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of readdirSync(RULES_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory() || dir.name === 'testing') continue;
    for (const f of readdirSync(join(RULES_DIR, dir.name))) {
      if (!f.endsWith('.cases.ts')) continue;
      const id = basename(f, '.cases.ts');
      out.set(id, join(RULES_DIR, dir.name, id));
    }
  }
  return out;
}

describe('rule registry', () => {
  const files = ruleFiles();

  it('compiles every shipped rule together without a problem', () => {
    expect(() => compileRules(ALL_RULES)).not.toThrow();
  });

  it('has unique rule ids', () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('ships every rule that has cases, and has cases for every shipped rule', () => {
    expect([...files.keys()].sort()).toEqual(ALL_RULES.map((r) => r.id).sort());
  });

  describe.each(ALL_RULES.map((r) => [r.id, r] as [string, RuleDefinition]))('%s', (id, rule) => {
    const base = files.get(id) as string;

    it('lives in its own file named after its id, with a test file beside it', () => {
      expect(existsSync(`${base}.ts`)).toBe(true);
      expect(existsSync(`${base}.test.ts`)).toBe(true);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(`${base}.ts`) as { default: RuleDefinition };
      expect(mod.default).toBe(rule);
    });

    it('has at least one firing and one quiet case', () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const cases = (require(`${base}.cases.ts`) as { default: RuleCases }).default;
      expect(cases.fires.length).toBeGreaterThan(0);
      expect(cases.quiet.length).toBeGreaterThan(0);
      for (const c of cases.fires) expect(c.expect.findings > 0 || (c.expect.signals ?? 0) > 0).toBe(true);
      for (const c of cases.quiet) {
        expect(c.expect.findings).toBe(0);
        expect(c.expect.signals ?? 0).toBe(0);
      }
    });

    it('carries the metadata on-call and tuning need', () => {
      expect(rule.description.length).toBeGreaterThan(40);
      expect(rule.attack.length).toBeGreaterThan(0);
      expect(rule.runbook.length).toBeGreaterThan(0);
      expect(Array.isArray(rule.falsePositives)).toBe(true);
      if (rule.emit !== false) expect(rule.falsePositives.length).toBeGreaterThan(0);
    });
  });
});
