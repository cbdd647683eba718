/**
 * How many Sigma rules of a folder convert to Tripline rules, and why the others do not, as one
 * JSON line. Run over SigmaHQ's cloud rules (or the sample in test/fixtures/sigma):
 *
 *   npm run sigma:count -- test/fixtures/sigma/SigmaHQ/rules/cloud
 */
import { convertSigmaFiles } from '../shared/sigma/index';
import { readSigmaFiles } from '../shared/sigma/files';

const paths = process.argv.slice(2);
if (!paths.length) {
  process.stderr.write('usage: npm run sigma:count -- <folder of Sigma rules>...\n');
  process.exit(2);
}
const { files, problems } = readSigmaFiles(paths, process.cwd());
for (const p of problems) process.stderr.write(`${p.file}: ${p.reason}\n`);
const r = convertSigmaFiles(files);
const tally = (keys: string[]) => {
  const m: Record<string, number> = {};
  for (const k of keys) m[k] = (m[k] ?? 0) + 1;
  return Object.fromEntries(Object.entries(m).sort((a, b) => b[1] - a[1]));
};
const folder = (f: string) => f.split('/').slice(0, -1).join('/');
process.stdout.write(
  `${JSON.stringify({
    files: files.length,
    rules: r.rules,
    converted: r.converted.length,
    refused: r.refused.length,
    refusedByCode: tally(r.refused.map((x) => x.code)),
    refusedByReason: tally(r.refused.map((x) => x.reason)),
    convertedByFolder: tally(r.converted.map((c) => folder(c.file))),
    refusedByFolder: tally(r.refused.map((x) => folder(x.file))),
  })}\n`,
);
