/**
 * Which {@link PollSource} a poller function runs, by its `SOURCE` setting. Each collector registers
 * here: a factory that builds the source from the validated configuration (reading its credentials
 * from `secretArn`), and, when the API needs it, its own timing.
 *
 * Empty until the collectors land (graph, m365, workspace, cloudtrail-lookup); a poller deployed for a
 * source without a registration fails with a {@link ConfigError} that lists the registered ones.
 */
import { ENV } from '../config/env';
import { ConfigError } from '../config/lambda-config';
import type { LambdaConfig } from '../config/lambda-config';
import type { PollSource, PollTiming } from './poller';

/** What a factory gets to build its source. */
export interface PollSourceContext {
  config: LambdaConfig;
  /** The function's environment (the AWS region, for example). */
  env: Readonly<Record<string, string | undefined>>;
}

/** A registered source. */
export interface PollSourceRegistration {
  /** Builds the source; called once per container. */
  create(ctx: PollSourceContext): PollSource | Promise<PollSource>;
  /** The tenant label when the source knows it better than `TENANT_ID` (an Entra tenant id from the secret). */
  tenant?(ctx: PollSourceContext): string | undefined;
  /** Overrides of `DEFAULT_POLL_TIMING` (the M365 audit log is often an hour late). */
  timing?: Partial<PollTiming>;
}

/** The registered sources, by `SOURCE` value. */
export type PollSourceRegistry = Readonly<Record<string, PollSourceRegistration>>;

/** Every source this build can poll. Collectors add themselves here. */
export const POLL_SOURCES: PollSourceRegistry = {};

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
