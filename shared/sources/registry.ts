/**
 * Which poll sources a poller function runs, by its `SOURCE` setting. Each collector registers here:
 * a thin adapter from the validated Lambda configuration and the source's Secrets Manager secret to
 * the collector's own factory (which takes a plain options object, so `tripline pull` can call it
 * too).
 *
 * A registration gives either one source (`create`, with `tenant`) or, for collectors that poll
 * several feeds and several tenants from one deployment, `targets`: every (source, tenant) pair to
 * run, each with its own checkpoint `ckpt|<source>|<tenant>`, timing and record ledger; a tenant whose
 * settings are unusable comes back as a failure and the others still run.
 *
 * Registered: `graph` (Microsoft Graph audit logs), `m365` (the unified audit log), `workspace` (the
 * Google Workspace Reports API) and `cloudtrail-lookup` (CloudTrail LookupEvents). A poller
 * deployed for a source without a registration fails with a {@link ConfigError} that lists the
 * registered ones.
 */
import { ENV } from '../config/env';
import { ConfigError } from '../config/lambda-config';
import type { LambdaConfig } from '../config/lambda-config';
import { TenantConfigError, TenantSourceCache, parseTenants } from './microsoft/tenants';
import type { MicrosoftClientDeps, MicrosoftSource } from './microsoft/tenants';
import type { PollSource, PollTiming } from './poller';
import { lookupRegistration } from './registrations/cloudtrail-lookup';
import { workspaceRegistration } from './registrations/workspace';
import type { SecretJsonReader } from './secret';

/** What a factory gets to build its sources. */
export interface PollSourceContext {
  config: LambdaConfig;
  /** The function's environment (the AWS region, for example). */
  env: Readonly<Record<string, string | undefined>>;
  /** Reads the source's credentials secret (`config.secretArn`). */
  secrets?: SecretJsonReader | undefined;
  /** Kept by the caller between invocations: registrations cache clients here. */
  memo?: Map<string, unknown> | undefined;
  /** HTTP and clock overrides for the clients (tests, a proxy). */
  clients?: MicrosoftClientDeps | undefined;
  /** Operational notices (a subscription started), for the caller's log. */
  notice?: ((message: string, attributes: Record<string, unknown>) => void) | undefined;
}

/** One (source, tenant) pair a poller runs. */
export interface PollTarget {
  source: PollSource;
  /** Tenant label: checkpoint scope, and the tenant of records that carry none. */
  tenant: string;
  /** Overrides of the registration's timing for this source. */
  timing?: Partial<PollTiming> | undefined;
  /** Remember record ids this long in a record ledger (duplicates beyond the overlap). @default none */
  ledgerRetentionMs?: number | undefined;
}

/** A tenant whose sources could not be built (its settings are unusable): reported, others go on. */
export interface PollTargetFailure {
  tenant: string;
  error: Error;
}

/** A registered source. */
export interface PollSourceRegistration {
  /** Builds the source; called once per container. */
  create?(ctx: PollSourceContext): PollSource | Promise<PollSource>;
  /** The tenant label when the source knows it better than `TENANT_ID` (an Entra tenant id from the secret). */
  tenant?(ctx: PollSourceContext): string | undefined;
  /**
   * Every (source, tenant) pair to run; called on every invocation (the secret may have changed), so
   * cache expensive clients in `ctx.memo`. Takes precedence over `create`.
   */
  targets?(ctx: PollSourceContext): Promise<Array<PollTarget | PollTargetFailure>>;
  /** Overrides of `DEFAULT_POLL_TIMING` (the M365 audit log is often an hour late). */
  timing?: Partial<PollTiming>;
}

/** The registered sources, by `SOURCE` value. */
export type PollSourceRegistry = Readonly<Record<string, PollSourceRegistration>>;

/** True for a {@link PollTargetFailure}. */
export function isTargetFailure(t: PollTarget | PollTargetFailure): t is PollTargetFailure {
  return 'error' in t;
}

/**
 * The registration of a Microsoft source: the secret (`SECRET_ARN`) holds one tenant or
 * `{"tenants": [...]}` (see ./microsoft/tenants.ts); clients are kept per tenant while its settings
 * do not change.
 */
export function microsoftRegistration(source: MicrosoftSource): PollSourceRegistration {
  return {
    async targets(ctx) {
      const arn = ctx.config.secretArn;
      if (!arn || !ctx.secrets)
        throw new ConfigError([
          {
            variable: ENV.SECRET_ARN,
            problem: `is not set, and source ${source} reads its tenants and credentials from it`,
            fix: 'Set it to the ARN of the Secrets Manager secret the stack created for this poller.',
          },
        ]);
      const secret = await ctx.secrets.read(arn);
      const memoKey = `microsoft:${source}`;
      let cache = ctx.memo?.get(memoKey) as TenantSourceCache | undefined;
      if (!cache) {
        cache = new TenantSourceCache(source, {
          ...ctx.clients,
          onSubscriptionStarted: (tenant, contentType, previously) => {
            ctx.clients?.onSubscriptionStarted?.(tenant, contentType, previously);
            ctx.notice?.(
              previously === 'disabled'
                ? 'Management Activity API subscription was disabled; started it again'
                : 'Management Activity API subscription started (the first content can take up to 12 hours)',
              { tenant, contentType },
            );
          },
        });
        ctx.memo?.set(memoKey, cache);
      }
      const out: Array<PollTarget | PollTargetFailure> = [];
      for (const t of parseTenants(secret, source, `Secret ${arn}`)) {
        if (t instanceof TenantConfigError) out.push({ tenant: t.tenant ?? t.where, error: t });
        else out.push(...cache.targets(t));
      }
      return out;
    },
  };
}

/** Every source this build can poll. Collectors add themselves here. */
export const POLL_SOURCES: PollSourceRegistry = {
  graph: microsoftRegistration('graph'),
  m365: microsoftRegistration('m365'),
  workspace: workspaceRegistration(),
  'cloudtrail-lookup': lookupRegistration(),
};

/** The sources `registry` can poll, sorted: what the CDK app checks enabled sources against. */
export function registeredPollSources(registry: PollSourceRegistry = POLL_SOURCES): string[] {
  return Object.keys(registry).sort();
}

/**
 * The registration for `name`.
 *
 * @throws {@link ConfigError} naming `SOURCE` and listing the registered sources.
 *
 * @example
 * ```ts
 * const reg = pollSourceFor(config.source);
 * const targets = await reg.targets?.({ config, env: process.env, secrets });
 * ```
 */
export function pollSourceFor(
  name: string,
  registry: PollSourceRegistry = POLL_SOURCES,
): PollSourceRegistration {
  const reg = Object.prototype.hasOwnProperty.call(registry, name) ? registry[name] : undefined;
  if (reg) return reg;
  const known = Object.keys(registry).sort();
  throw new ConfigError([
    {
      variable: ENV.SOURCE,
      problem: `is ${JSON.stringify(name)}, but no poller is registered for it (this build polls: ${known.length ? known.join(', ') : 'no source yet'})`,
      fix: known.length
        ? `Set it to one of: ${known.join(', ')}, or deploy a build whose shared/sources/registry.ts registers ${name}.`
        : `Deploy a build whose shared/sources/registry.ts registers ${name}, or disable that source in the CDK context (enabledSources).`,
    },
  ]);
}
