/**
 * Writes schemas/rule.schema.json and schemas/config.schema.json from the zod schemas.
 * Run: npm run schemas (test/config/json-schemas.test.ts fails when they are out of date).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { schemaFiles } from '../shared/config/json-schemas';

const root = join(__dirname, '..');
for (const [rel, text] of Object.entries(schemaFiles())) {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
  process.stdout.write(`wrote ${rel}\n`);
}
