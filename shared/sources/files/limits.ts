/**
 * Limits of the file reader, so that one hostile or damaged file cannot take the laptop's memory.
 *
 * A record (a JSON line, a top-level array element, one of several concatenated objects, a CSV row)
 * is held whole while it is parsed; one over {@link MAX_RECORD_CHARS} is skipped and quarantined
 * with its file, position and this limit, and reading goes on after it. A container document
 * (CloudTrail `{"Records": [...]}`, Azure Monitor `{"records": [...]}`, a Graph page, a Workspace
 * page) holds many records and may be up to {@link MAX_DOCUMENT_CHARS}.
 */

/** Longest record, in characters of decoded text (32 MiB; audit records are a few KB). */
export const MAX_RECORD_CHARS = 32 * 1024 * 1024;

/** Longest container document, in characters of decoded text (512 MiB). */
export const MAX_DOCUMENT_CHARS = 512 * 1024 * 1024;

/** '1,000 characters (about 1 KiB)': a limit as people read it. */
export function describeLimit(chars: number): string {
  const n = String(chars).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const mib = chars / (1024 * 1024);
  const about = mib >= 1 ? `${Math.round(mib)} MiB` : `${Math.max(1, Math.round(chars / 1024))} KiB`;
  return `${n} characters (about ${about})`;
}

/** The quarantine reason for a record over the limit: 'record at line 3 is over the per-record limit of ...'. */
export function overLimitReason(what: string, chars: number): string {
  return `${what} is over the per-record limit of ${describeLimit(chars)}; it was skipped`;
}
