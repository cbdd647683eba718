/**
 * Which {@link PollSource} a poller function runs, by its `SOURCE` setting. Each collector registers
 * here: a factory that builds the source from the validated configuration (reading its credentials
 * from `secretArn`), and, when the API needs it, its own timing.
 *
 * A registration gives either one source (`create`) or several checkpointed streams (`targets`: one per
 * Workspace application and customer, one per LookupEvents region), which the poller runs in turn.
 * A poller deployed for a source without a registration fails with a {@link ConfigError} that lists the
 * registered ones, and the CDK app refuses to deploy one (it reads this registry at synth).
 */
import { ENV } from '../config/env';
import { ConfigError } from '../config/lambda-config';
import type { LambdaConfig } from '../config/lambda-config';
import type { PollSource, PollTiming } from './poller';
import { lookupRegistration } from './registrations/cloudtrail-lookup';
import { workspaceRegistration } from './registrations/workspace';

/** What a factory gets to build its source. */
export interface PollSourceContext {
  config: LambdaConfig;
  /** The function's environment (the AWS region, for example). */
  env: Readonly<Record<string, string | undefined>>;
  /** Tells the operator something once (an application the edition lacks); the poller logs it. */
  notify?: ((message: string, details?: Record<string, unknown>) => void) | undefined;
}

/** One checkpointed stream of a registration: its source, the tenant label it reads, its timing. */
export interface PollTarget {
  source: PollSource;
  /** Tenant label: part of the checkpoint key, and the tenant of records that carry none. */
  tenant: string;
  /** Overrides of the registration's timing for this stream (token and drive events are late). */
  timing?: Partial<PollTiming> | undefined;
}

/** A registered source. */
export interface PollSourceRegistration {
  /** Builds the source; called once per container. Used when `targets` is absent. */
  create?(ctx: PollSourceContext): PollSource | Promise<PollSource>;
  /**
   * Builds every stream the source polls, each with its own checkpoint; called once per container.
   * When present, the poller runs these in turn (sharing the invocation's time) instead of `create`.
   */
  targets?(ctx: PollSourceContext): Promise<readonly PollTarget[]>;
  /** The tenant label when the source knows it better than `TENANT_ID` (an Entra tenant id from the secret). */
  tenant?(ctx: PollSourceContext): string | undefined;
  /** Overrides of `DEFAULT_POLL_TIMING` (the M365 audit log is often an hour late). */
  timing?: Partial<PollTiming>;
}

/** The registered sources, by `SOURCE` value. */
export type PollSourceRegistry = Readonly<Record<string, PollSourceRegistration>>;

/** Every source this build can poll. Collectors add themselves here. */
export const POLL_SOURCES: PollSourceRegistry = {
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
 * const source = await reg.create({ config, env: process.env });
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
