/**
 * The responder's own credentials, never the collectors': an Entra app registration per tenant (same
 * secret format as the Graph collector's: one tenant object or `{"tenants": [...]}`, client secret or
 * certificate, any national cloud) and a Google service account per customer. They live in their own
 * Secrets Manager secrets, or come from the environment for the CLI:
 *
 * | variable | meaning |
 * | --- | --- |
 * | `TRIPLINE_ENTRA_TENANT_ID`, `TRIPLINE_ENTRA_CLIENT_ID` | the responder app registration |
 * | `TRIPLINE_ENTRA_CLIENT_SECRET` or `TRIPLINE_ENTRA_CERTIFICATE` (PEM, or a path to one) | its credential |
 * | `TRIPLINE_ENTRA_CLOUD`, `TRIPLINE_ENTRA_AUTHORITY_HOST`, `TRIPLINE_GRAPH_BASE` | optional: national cloud or endpoint overrides |
 * | `TRIPLINE_GOOGLE_SERVICE_ACCOUNT_KEY` (JSON, or a path to the key file), `TRIPLINE_GOOGLE_ADMIN_EMAIL` | the responder service account and the admin it impersonates |
 * | `TRIPLINE_GOOGLE_CUSTOMER_ID` | optional: the customer id the findings carry (default: any) |
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { EntraTokenSource } from '../sources/microsoft/auth';
import { TenantConfigError, parseTenants } from '../sources/microsoft/tenants';
import type { MicrosoftTenantOptions } from '../sources/microsoft/tenants';
import { GraphDirectory } from './entra';
import type { GraphDirectoryOptions } from './entra';
import type { EntraDirectory } from './ports';

/** HTTP and clock overrides for the vendor clients (tests, a proxy). */
export interface ClientDeps {
  fetch?: typeof fetch | undefined;
  now?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  deadline?: (() => number | undefined) | undefined;
  onRetry?: GraphDirectoryOptions['onRetry'];
}

/** Credentials that cannot be used; the message says which and what to set. */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

/**
 * Entra clients per tenant from a secret value (the Graph collector's format). A tenant is found by
 * its tenant id or its label; clients are built once.
 *
 * @throws {@link CredentialsError} when no tenant in the secret is usable (each problem listed).
 */
export function entraClientsFromSecret(
  secret: Record<string, unknown>,
  where: string,
  deps: ClientDeps = {},
): (tenant: string) => Promise<EntraDirectory | undefined> {
  let parsed: Array<MicrosoftTenantOptions | TenantConfigError>;
  try {
    parsed = parseTenants(secret, 'graph', where);
  } catch (e) {
    throw new CredentialsError((e as Error).message);
  }
  const usable = parsed.filter((t): t is MicrosoftTenantOptions => !(t instanceof TenantConfigError));
  if (usable.length === 0)
    throw new CredentialsError(parsed.map((t) => (t as TenantConfigError).message).join('; '));
  const clients = new Map<string, EntraDirectory>();
  return async (tenant) => {
    const t = usable.find(
      (x) => x.credentials.tenantId.toLowerCase() === tenant.toLowerCase() || x.label === tenant,
    );
    if (!t) return undefined;
    let c = clients.get(t.label);
    if (!c) {
      const tokens = new EntraTokenSource(t.credentials, {
        authorityHost: t.endpoints.authorityHost,
        fetch: deps.fetch,
      });
      c = new GraphDirectory({ tokens, graphBase: t.endpoints.graphBase, ...deps });
      clients.set(t.label, c);
    }
    return c;
  };
}

/** The client ids of every app registration in an Entra secret: protected from the responder itself. */
export function entraAppIds(secret: Record<string, unknown>): string[] {
  const list = Array.isArray(secret['tenants']) ? (secret['tenants'] as unknown[]) : [secret];
  return list
    .map((t) =>
      typeof t === 'object' && t !== null ? (t as Record<string, unknown>)['clientId'] : undefined,
    )
    .filter((c): c is string => typeof c === 'string' && c.trim() !== '')
    .map((c) => c.trim().toLowerCase());
}

/** A value that is the text itself, or a path to a file holding it. */
function textOrFile(value: string, name: string): string {
  const v = value.trim();
  if (v.startsWith('-----BEGIN') || v.startsWith('{')) return v;
  try {
    return readFileSync(v, 'utf8');
  } catch (e) {
    throw new CredentialsError(
      `${name} is neither the value itself nor a readable file: ${(e as Error).message}`,
    );
  }
}

/**
 * The Entra secret equivalent of the `TRIPLINE_ENTRA_*` environment variables, or undefined when
 * none is set.
 */
export function entraSecretFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, unknown> | undefined {
  const get = (k: string): string | undefined => {
    const v = env[k]?.trim();
    return v ? v : undefined;
  };
  const tenantId = get('TRIPLINE_ENTRA_TENANT_ID');
  const clientId = get('TRIPLINE_ENTRA_CLIENT_ID');
  const clientSecret = get('TRIPLINE_ENTRA_CLIENT_SECRET');
  const certificate = get('TRIPLINE_ENTRA_CERTIFICATE');
  if (!tenantId && !clientId && !clientSecret && !certificate) return undefined;
  return {
    ...(tenantId ? { tenantId } : {}),
    ...(clientId ? { clientId } : {}),
    ...(clientSecret ? { clientSecret } : {}),
    ...(certificate ? { certificate: textOrFile(certificate, 'TRIPLINE_ENTRA_CERTIFICATE') } : {}),
    ...(get('TRIPLINE_ENTRA_CLOUD') ? { cloud: get('TRIPLINE_ENTRA_CLOUD') } : {}),
    ...(get('TRIPLINE_ENTRA_AUTHORITY_HOST') ? { authorityHost: get('TRIPLINE_ENTRA_AUTHORITY_HOST') } : {}),
    ...(get('TRIPLINE_GRAPH_BASE') ? { graphBase: get('TRIPLINE_GRAPH_BASE') } : {}),
  };
}

export { textOrFile };
