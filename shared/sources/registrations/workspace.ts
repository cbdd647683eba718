/**
 * The `workspace` poller's registration: reads the credentials secret (one customer, or
 * `{"tenants": [...]}` for several), and polls each customer's applications as separate streams, each
 * with its own checkpoint and timing (token, drive and gmail events are indexed later than login and
 * admin events, so they are read further behind now and re-read over a longer overlap).
 *
 * Secret entry keys: `serviceAccountKey` (the JSON key file, as a string or an object),
 * `delegatedAdminEmail`, and optionally `customerId` (required and distinct with several tenants),
 * `applications`, `tokenUrl`, `apiBase`, `maxResults`.
 */
import { ConfigError } from '../../config/lambda-config';
import { ENV } from '../../config/env';
import { SOURCE_CREDENTIALS } from '../../config/sources';
import { DEFAULT_POLL_TIMING } from '../poller';
import type { PollSourceContext, PollSourceRegistration, PollTarget } from '../registry';
import { SecretError, SecretsManagerJson } from '../secret';
import type { SecretJsonReader } from '../secret';
import {
  WORKSPACE_TIMING,
  WorkspaceConfigError,
  createWorkspaceSources,
  parseWorkspaceOptions,
} from '../workspace';
import type { WorkspaceApplication, WorkspaceDeps } from '../workspace';

export { WORKSPACE_TIMING } from '../workspace';

/** Injectable pieces (tests, local runs). */
export interface WorkspaceRegistrationDeps {
  secrets?: SecretJsonReader;
  /** Passed to every source (fetch, limiter, clock). */
  sourceDeps?: Omit<WorkspaceDeps, 'onNotice'>;
}

/** The caller's HTTP and clock overrides (the poller handler's `clients`), as Workspace deps. */
function clientDeps(c: PollSourceContext['clients']): Omit<WorkspaceDeps, 'onNotice'> {
  return {
    ...(c?.fetch ? { fetch: c.fetch } : {}),
    ...(c?.now ? { now: c.now } : {}),
    ...(c?.sleep ? { sleep: c.sleep } : {}),
  };
}

const REQUIRED = SOURCE_CREDENTIALS.workspace?.keys ?? ['serviceAccountKey', 'delegatedAdminEmail'];

/** The registration; `POLL_SOURCES.workspace` is `workspaceRegistration()`. */
export function workspaceRegistration(deps: WorkspaceRegistrationDeps = {}): PollSourceRegistration {
  return {
    timing: DEFAULT_POLL_TIMING,
    async targets(ctx) {
      const secretArn = ctx.config.secretArn;
      if (!secretArn) {
        throw new ConfigError([
          {
            variable: ENV.SECRET_ARN,
            problem: 'is not set, and source workspace needs a service account key',
            fix: 'Deploy with the stack, which creates the secret and sets it.',
          },
        ]);
      }
      const secrets = deps.secrets ?? ctx.secrets ?? new SecretsManagerJson();
      let value = await secrets.read(secretArn);
      const several = Array.isArray(value['tenants']);
      if (!several) value = await secrets.read(secretArn, REQUIRED);
      const entries = several ? (value['tenants'] as unknown[]) : [value];
      if (entries.length === 0)
        throw new SecretError(
          `Secret ${secretArn} has "tenants": [] — list at least one customer.`,
          secretArn,
        );
      const targets: PollTarget[] = [];
      const seen = new Set<string>();
      entries.forEach((entry, i) => {
        const where = several ? `Secret ${secretArn} tenants[${i}]` : `Secret ${secretArn}`;
        let opts;
        try {
          opts = parseWorkspaceOptions(entry);
        } catch (e) {
          if (e instanceof WorkspaceConfigError)
            throw new SecretError(`${where}: ${e.message}`, secretArn, { cause: e });
          throw e;
        }
        if (several && opts.customerId === undefined)
          throw new SecretError(
            `${where} has no customerId; with several tenants each needs its Google customer id (C01abc2de).`,
            secretArn,
          );
        const tenant = opts.customerId ?? ctx.config.tenantId ?? 'default';
        if (seen.has(tenant)) throw new SecretError(`${where} repeats customer ${tenant}.`, secretArn);
        seen.add(tenant);
        // Called on every invocation: sources (their token cache, what they found unavailable) are
        // kept while the customer's settings are unchanged.
        const memoKey = `workspace:${JSON.stringify(entry)}`;
        let built = ctx.memo?.get(memoKey) as PollTarget[] | undefined;
        if (!built) {
          const sources = createWorkspaceSources(opts, {
            ...clientDeps(ctx.clients),
            ...deps.sourceDeps,
            onNotice: (n) => ctx.notice?.(n.message, { application: n.application, kind: n.kind, tenant }),
          });
          built = sources.map((source, j) => ({
            source,
            tenant,
            timing: WORKSPACE_TIMING[opts.applications[j] as WorkspaceApplication],
          }));
          ctx.memo?.set(memoKey, built);
        }
        targets.push(...built);
      });
      return targets;
    },
  };
}
