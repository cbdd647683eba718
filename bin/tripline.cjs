#!/usr/bin/env node
'use strict';
const path = require('node:path');
const { register } = require('tsx/cjs/api');
register({ tsconfig: path.join(__dirname, '..', 'tsconfig.json') });
const { main } = require('../shared/cli/main.ts');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tripline: internal error: ${err && err.stack ? err.stack : String(err)}\n`);
    process.exitCode = 3;
  },
);
