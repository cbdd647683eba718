/**
 * The published JSON Schemas (schemas/*.json, package exports) are what the zod schemas say, and
 * editors using them accept the files Tripline accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { configJsonSchema, ruleJsonSchema, schemaFiles } from '#shared/config/json-schemas';
import { userRuleDocs } from '../support/user-rules';

const ROOT = join(__dirname, '..', '..');

describe('JSON Schemas', () => {
  it.each(Object.entries(schemaFiles()))(
    '%s is up to date (run `npm run schemas` after changing the format)',
    (rel, text) => {
      expect(readFileSync(join(ROOT, rel), 'utf8')).toBe(text);
    },
  );

  it('are exported by the package for editors', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(pkg.exports['./schemas/rule.schema.json']).toBe('./schemas/rule.schema.json');
    expect(pkg.exports['./schemas/config.schema.json']).toBe('./schemas/config.schema.json');
  });

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const rule = ajv.compile(ruleJsonSchema());
  const config = ajv.compile(configJsonSchema());

  it.each(Object.entries(userRuleDocs()))('accepts the rule %s', (_name, doc) => {
    expect(rule(doc)).toBe(true);
  });

  it('refuses what Tripline refuses in shape: an unknown key, a wrong kind, a missing id', () => {
    const doc = userRuleDocs()['secrets-sweep.yaml'] as Record<string, unknown>;
    expect(rule({ ...doc, extra: 1 })).toBe(false);
    expect(rule({ ...doc, kind: 'velocity' })).toBe(false);
    const { id: _id, ...noId } = doc;
    expect(rule(noId)).toBe(false);
    expect(rule({ ...doc, when: { field: 'actor.ip', cidr: '10.0.0.0/8', caseSensitive: true } })).toBe(true);
    expect(rule({ ...doc, when: { all: [{ field: 'actor.ip', bogus: 1 }] } })).toBe(false);
  });

  it('accepts a full config and refuses an unknown key', () => {
    const ok = {
      rules: ['detections/'],
      tenantDomains: ['contoso.com'],
      scopeWeights: { 'Mail.Read': 2 },
      overrides: { 'brute-force': { count: 20, window: '10m' } },
      allow: [
        { rule: 'brute-force', principal: 'scanner@contoso.com', reason: 'audit', expires: '2026-12-31' },
      ],
    };
    expect(config(ok)).toBe(true);
    expect(config({ ...ok, overides: {} })).toBe(false);
  });
});
