/**
 * Run as a child process by extra-ca.test.ts, with NODE_EXTRA_CA_CERTS set: the Microsoft clients
 * exactly as a deployment builds them (no injected fetch or HTTP client), pointed at the https base
 * URLs given in argv[2] (JSON), read one page of each source and print what they got.
 */
import {
  TenantConfigError,
  microsoftTargets,
  parseTenantOptions,
} from '../../../shared/sources/microsoft/tenants';

interface Args {
  tenant: Record<string, unknown>;
}

async function main(): Promise<void> {
  const { tenant } = JSON.parse(process.argv[2] ?? '{}') as Args;
  const out: Record<string, unknown> = {};
  for (const source of ['graph', 'm365'] as const) {
    const opts = parseTenantOptions(tenant, source);
    if (opts instanceof TenantConfigError) throw opts;
    const [first] = microsoftTargets(source, opts);
    if (!first) throw new Error(`no ${source} source`);
    const now = Date.now();
    const page = await first.source.fetchPage({ from: now - 3_600_000, to: now });
    out[first.source.name] = page.records.length;
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e: unknown) => {
  process.stdout.write(
    `failed: ${e instanceof Error ? `${e.message} ${String((e.cause as Error | undefined)?.message ?? '')}` : String(e)}`,
  );
});
