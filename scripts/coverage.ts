/**
 * Writes docs/coverage.md from the shipped rules and the catalogue.
 *
 *   npm run coverage
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCoverage } from '../shared/rules/coverage';
import { ALL_RULES } from '../shared/rules/index';

const path = join(__dirname, '..', 'docs', 'coverage.md');
writeFileSync(path, renderCoverage(ALL_RULES));
console.log(`wrote ${path} (${ALL_RULES.length} rules)`);
