/**
 * The JSON Schemas of the rule format and of the config file, generated from their zod schemas so
 * they cannot drift. `npm run schemas` writes them to schemas/; a test fails when the committed
 * files differ. Editors use them to complete and check files (`# yaml-language-server: $schema=...`).
 */
import { z } from 'zod';
import { leafSchema } from '../rules/format/condition';
import { ruleDocSchema } from '../rules/format/schema';
import { configSchema } from './tripline-config';

const BASE_ID = 'https://github.com/tripline/tripline/schemas';

function generate(
  schema: z.ZodType,
  id: string,
  title: string,
  description: string,
): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    // Refinements (one operator per condition, valid CIDR, RE2 syntax) are checked by Tripline itself.
    unrepresentable: 'any',
    override: (ctx) => {
      const meta = z.globalRegistry.get(ctx.zodSchema);
      if (meta?.id === 'condition') {
        for (const k of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as Record<string, unknown>)[k];
        Object.assign(ctx.jsonSchema, conditionJsonSchema());
      }
    },
  }) as Record<string, unknown>;
  return { ...json, $id: `${BASE_ID}/${id}`, title, description };
}

/** The condition language, written out: zod checks it with a hand-written walk for better messages. */
function conditionJsonSchema(): Record<string, unknown> {
  const leaf = z.toJSONSchema(leafSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete leaf['$schema'];
  const self = { $ref: '#/$defs/condition' };
  return {
    description: 'A condition: { field, <operator> }, or all: / any: (lists) / not:, or a list (all of it)',
    anyOf: [
      leaf,
      {
        type: 'object',
        properties: { all: { type: 'array', items: self, minItems: 1 } },
        required: ['all'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: { any: { type: 'array', items: self, minItems: 1 } },
        required: ['any'],
        additionalProperties: false,
      },
      { type: 'object', properties: { not: self }, required: ['not'], additionalProperties: false },
      { type: 'array', items: self, minItems: 1 },
    ],
  };
}

/** The JSON Schema of a rule file. */
export function ruleJsonSchema(): Record<string, unknown> {
  return generate(
    ruleDocSchema,
    'rule.schema.json',
    'Tripline rule',
    'A Tripline detection rule file (YAML or JSON); see docs/rules.md.',
  );
}

/** The JSON Schema of the config file. */
export function configJsonSchema(): Record<string, unknown> {
  return generate(
    configSchema,
    'config.schema.json',
    'Tripline config',
    'The Tripline config file (tripline.yaml or .json) for replay and the deployed stack; see docs/cli.md.',
  );
}

/** The files `npm run schemas` writes, by path relative to the repository. */
export function schemaFiles(): Record<string, string> {
  return {
    'schemas/rule.schema.json': `${JSON.stringify(ruleJsonSchema(), null, 2)}\n`,
    'schemas/config.schema.json': `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
  };
}
