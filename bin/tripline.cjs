#!/usr/bin/env node
// The `tripline` command.
//
// Installed from the registry, the package holds the compiled JavaScript (dist/, built by
// `npm run build` when the package is packed) and no TypeScript: this runs dist/cli/main.js.
// In a clone of the repository the TypeScript sources sit beside this file: they run through tsx
// (a development dependency), so `npm start` and `npx tripline` work right after `npm ci`, with no
// build step and never from a stale build.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
let cli;
if (fs.existsSync(path.join(root, 'shared', 'cli', 'main.ts'))) {
  require('tsx/cjs/api').register({ tsconfig: path.join(root, 'tsconfig.json') });
  cli = require('../shared/cli/main.ts');
} else {
  cli = require('../dist/cli/main.js');
}
cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tripline: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 3;
  },
);
