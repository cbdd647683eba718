/**
 * Captures what Powertools Logger and Metrics print (JSON lines on stdout / stderr) so tests can
 * assert on structured logs and EMF metrics.
 */

/** One captured JSON line. */
export type Line = Record<string, unknown>;

export interface Captured {
  lines: Line[];
  /** Log entries (Powertools Logger) whose message matches. */
  logs(message: RegExp): Line[];
  /** Sum of a metric's values over every EMF blob, optionally only those with a dimension value. */
  metric(name: string, dimension?: Record<string, string>): number;
  /** The EMF blobs that hold the metric. */
  emf(name: string): Line[];
  restore(): void;
}

export function captureOutput(): Captured {
  const lines: Line[] = [];
  const grab = (chunk: unknown): boolean => {
    for (const raw of String(chunk).split('\n')) {
      const s = raw.trim();
      if (!s.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(s) as Line);
      } catch {
        /* not a JSON line */
      }
    }
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(grab as typeof process.stdout.write);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(grab as typeof process.stderr.write);
  const emf = (name: string): Line[] =>
    lines.filter((l) => {
      const aws = l['_aws'] as
        { CloudWatchMetrics?: Array<{ Metrics: Array<{ Name: string }> }> } | undefined;
      return aws?.CloudWatchMetrics?.some((m) => m.Metrics.some((x) => x.Name === name)) ?? false;
    });
  return {
    lines,
    logs: (message) => lines.filter((l) => typeof l['message'] === 'string' && message.test(l['message'])),
    emf,
    metric(name, dimension) {
      let sum = 0;
      for (const l of emf(name)) {
        if (dimension && !Object.entries(dimension).every(([k, v]) => l[k] === v)) continue;
        const v = l[name];
        sum += Array.isArray(v) ? v.reduce((a: number, b) => a + Number(b), 0) : Number(v);
      }
      return sum;
    },
    restore() {
      out.mockRestore();
      err.mockRestore();
    },
  };
}
