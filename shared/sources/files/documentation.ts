/** Files a folder walk passes over (READMEs, licences, notes, pictures, code); named files are always read. Replay's walk uses the same rule. */
const DOC_EXTENSIONS = new Set([
  '.md',
  '.markdown',
  '.rst',
  '.pdf',
  '.png',
  '.jpg',
  '.jpeg',
  '.gif',
  '.svg',
  '.html',
  '.htm',
  '.yml',
  '.yaml',
  '.toml',
  '.ts',
  '.js',
  '.py',
  '.ps1',
  '.sh',
]);

const DOC_NAME_RE = /^(?:readme|license|licence|notice|changelog)(?:\.|$)/;

export function isDocumentation(name: string): boolean {
  const lower = name.toLowerCase();
  if (DOC_NAME_RE.test(lower)) return true;
  const dot = lower.lastIndexOf('.');
  return dot > 0 && DOC_EXTENSIONS.has(lower.slice(dot));
}
