/**
 * JUnit XML for `tripline test --junit FILE`, the format CI systems (GitHub Actions reporters,
 * GitLab, Jenkins) show as a test report: one suite per rule, one test case per rule case.
 */
import type { CaseResult } from './case-runner';

/** Text escaped for XML attributes and content (and stripped of characters XML 1.0 forbids). */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Renders results as a JUnit XML document.
 * @example
 * writeFileSync('results.xml', junitXml(results));
 */
export function junitXml(results: readonly CaseResult[]): string {
  const byRule = new Map<string, CaseResult[]>();
  for (const r of results) byRule.set(r.rule, [...(byRule.get(r.rule) ?? []), r]);
  const secs = (ms: number) => (ms / 1000).toFixed(3);
  const failures = results.filter((r) => !r.passed).length;
  const total = results.reduce((s, r) => s + r.ms, 0);
  let out = '<?xml version="1.0" encoding="UTF-8"?>\n';
  out += `<testsuites name="tripline" tests="${results.length}" failures="${failures}" errors="0" time="${secs(total)}">\n`;
  for (const [rule, rs] of byRule) {
    const f = rs.filter((r) => !r.passed).length;
    const file = rs.find((r) => r.file)?.file;
    out += `  <testsuite name="${xmlEscape(rule)}" tests="${rs.length}" failures="${f}" errors="0" time="${secs(rs.reduce((s, r) => s + r.ms, 0))}"${file ? ` file="${xmlEscape(file)}"` : ''}>\n`;
    for (const r of rs) {
      const attrs = `classname="${xmlEscape(rule)}" name="${xmlEscape(r.case)}" time="${secs(r.ms)}"${file ? ` file="${xmlEscape(file)}"` : ''}`;
      if (r.passed) out += `    <testcase ${attrs}/>\n`;
      else {
        const reason = xmlEscape(r.reason ?? 'failed');
        out += `    <testcase ${attrs}>\n      <failure message="${reason}" type="expectation">${reason}</failure>\n    </testcase>\n`;
      }
    }
    out += '  </testsuite>\n';
  }
  out += '</testsuites>\n';
  return out;
}
