#!/usr/bin/env node
// Runs a TypeScript entry point through tsx, so benchmarks, scripts and the CDK app work
// right after `npm ci` without a build step (and without install scripts).
'use strict';
const path = require('node:path');
const { register } = require('tsx/cjs/api');
register({ tsconfig: path.join(__dirname, '..', 'tsconfig.json') });
const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: run-ts.cjs <file.ts> [args...]\n');
  process.exit(2);
}
process.argv.splice(1, 2, path.resolve(entry));
require(path.resolve(entry));
