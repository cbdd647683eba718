/**
 * The `cloudtrail-lookup` poller's registration: one LookupEvents stream per region (`LOOKUP_REGIONS`,
 * default the function's own region), each with its own checkpoint, read with the function's role.
 * `AWS_ENDPOINT_URL_CLOUDTRAIL` points the client elsewhere (a test server, a VPC endpoint name).
 */
import { ConfigError } from '../../config/lambda-config';
import { ENV } from '../../config/env';
import { LOOKUP_TIMING, createLookupSource, parseLookupOptions } from '../cloudtrail-lookup';
import type { LookupDeps } from '../cloudtrail-lookup';
import type { PollSource } from '../poller';
import type { PollSourceRegistration } from '../registry';

/** The registration; `POLL_SOURCES['cloudtrail-lookup']` is `lookupRegistration()`. */
export function lookupRegistration(deps: Omit<LookupDeps, 'onNotice'> = {}): PollSourceRegistration {
  return {
    timing: LOOKUP_TIMING,
    async targets(ctx) {
      const regions = ctx.config.lookupRegions ?? (ctx.env['AWS_REGION'] ? [ctx.env['AWS_REGION']] : []);
      if (regions.length === 0) {
        throw new ConfigError([
          {
            variable: ENV.LOOKUP_REGIONS,
            problem: 'is not set and neither is AWS_REGION',
            fix: 'Set the regions to read, such as us-east-1,eu-west-1.',
          },
        ]);
      }
      const endpoint = ctx.env['AWS_ENDPOINT_URL_CLOUDTRAIL'];
      return regions.map((region) => {
        // Called on every invocation: one client and rate limiter per region for the container's life.
        const memoKey = `cloudtrail-lookup:${region}:${endpoint ?? ''}`;
        let source = ctx.memo?.get(memoKey) as PollSource | undefined;
        if (!source) {
          source = createLookupSource(parseLookupOptions(endpoint ? { region, endpoint } : { region }), {
            ...deps,
            onNotice: (message) => ctx.notice?.(message, { region }),
          });
          ctx.memo?.set(memoKey, source);
        }
        return { source, tenant: ctx.config.tenantId ?? 'aws' };
      });
    },
  };
}
