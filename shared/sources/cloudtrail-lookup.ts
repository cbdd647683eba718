/**
 * CloudTrail `LookupEvents` as a poll source: the management events of one account and region from
 * CloudTrail's 90-day event history, for an account with neither the EventBridge path nor an S3 trail
 * path (a backfill, or a small account without a trail).
 *
 * What the API does, and what this source does about it:
 * - 2 requests per second per account and region (documented); requests are spaced by a
 *   {@link RateLimiter} at 1 per second, and `ThrottlingException` is retried by the SDK's standard
 *   retry strategy;
 * - at most 50 events per page (`MaxResults`), `NextToken` until the last page; the token is the
 *   cursor the poller saves; a token the API refuses (`InvalidNextTokenException`, a run resumed long
 *   after) restarts the window from its first page, and the engine drops what it already counted;
 * - `StartTime` and `EndTime` both inclusive: the poller's overlap de-duplication absorbs the event
 *   on the boundary;
 * - management events only (no data events, no Insights), newest first, each with the full record as
 *   a JSON string in `CloudTrailEvent`, which is what the normalizer reads; a string that is not JSON
 *   is passed on as it is, so the poller quarantines it with the reason;
 * - one region per source: run one source per region the account uses (global-service events such
 *   as IAM and console sign-ins are recorded in us-east-1).
 *
 * @example
 * ```ts
 * const source = createLookupSource(parseLookupOptions({ region: 'eu-west-1' }));
 * await runPoller({ source, tenant: '111122223333', ...deps, ...LOOKUP_TIMING });
 * ```
 */
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type { CloudTrailClientConfig, LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { z } from 'zod';
import type { PollPage, PollSource, PollTiming, PollWindow } from './poller';
import { RateLimiter } from './rate-limit';

/** Events per page: the API's maximum. */
export const LOOKUP_MAX_RESULTS = 50;

/** Requests per second used: half of the documented 2 per account and region. */
export const LOOKUP_RATE = { requests: 1, perMs: 1000 } as const;

/**
 * Timing for LookupEvents: CloudTrail records an event about 5 minutes after the call on average
 * (not guaranteed), so windows end 5 minutes before now and re-read 15 minutes.
 */
export const LOOKUP_TIMING: Readonly<PollTiming> = {
  overlapMs: 15 * 60_000,
  maxWindowMs: 60 * 60_000,
  initialLookbackMs: 24 * 60 * 60_000,
  delayMs: 5 * 60_000,
};

const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d$/;

const schema = z.object({
  region: z.string().trim().regex(REGION_RE, 'is not an AWS region (eu-west-1)'),
  endpoint: z
    .string()
    .url('is not a URL')
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s):// URL')
    .optional(),
});

/** Validated options of {@link createLookupSource}. */
export interface LookupOptions {
  region: string;
  /** The CloudTrail endpoint; unset, the SDK's own for the region (FIPS and partitions included). */
  endpoint?: string | undefined;
}

/** Invalid LookupEvents settings. */
export class LookupConfigError extends Error {
  override readonly name = 'LookupConfigError';
}

/**
 * Validates raw options.
 *
 * @throws {@link LookupConfigError} naming every bad field.
 */
export function parseLookupOptions(input: unknown): LookupOptions {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new LookupConfigError(
      `Invalid CloudTrail LookupEvents settings: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      { cause: parsed.error },
    );
  }
  return parsed.data.endpoint !== undefined
    ? { region: parsed.data.region, endpoint: parsed.data.endpoint }
    : { region: parsed.data.region };
}

/** Dependencies, all optional (tests and `tripline pull` inject them). */
export interface LookupDeps {
  /** @default a client for the region (credentials from the default provider chain) */
  client?: CloudTrailClient;
  /** Extra client settings (credentials, retries) when no client is given. */
  clientConfig?: Omit<CloudTrailClientConfig, 'region' | 'endpoint'>;
  /** @default 1 request per second */
  limiter?: RateLimiter;
  /** Told when a saved NextToken was refused and the window is read again. */
  onNotice?: (message: string) => void;
}

/**
 * A poll source over LookupEvents for one region.
 *
 * @example
 * ```ts
 * const source = createLookupSource({ region: 'us-east-1' }, { clientConfig: { credentials } });
 * ```
 */
export function createLookupSource(opts: LookupOptions, deps: LookupDeps = {}): PollSource {
  const client =
    deps.client ??
    new CloudTrailClient({
      maxAttempts: 5,
      retryMode: 'standard',
      ...deps.clientConfig,
      region: opts.region,
      ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
    });
  const limiter = deps.limiter ?? new RateLimiter(LOOKUP_RATE);

  const lookup = async (
    window: PollWindow,
    token: string | undefined,
  ): Promise<LookupEventsCommandOutput> => {
    await limiter.take();
    return client.send(
      new LookupEventsCommand({
        StartTime: new Date(window.from),
        EndTime: new Date(window.to),
        MaxResults: LOOKUP_MAX_RESULTS,
        ...(token !== undefined ? { NextToken: token } : {}),
      }),
    );
  };

  return {
    name: `cloudtrail-lookup-${opts.region}`,
    sourceId: 'aws.cloudtrail',
    async fetchPage(window: PollWindow, cursor?: string): Promise<PollPage> {
      let out: LookupEventsCommandOutput;
      try {
        out = await lookup(window, cursor);
      } catch (e) {
        if (cursor === undefined || (e as { name?: string }).name !== 'InvalidNextTokenException') throw e;
        deps.onNotice?.(
          `cloudtrail-lookup-${opts.region}: LookupEvents refused the saved NextToken; reading the window again from its first page`,
        );
        out = await lookup(window, undefined);
      }
      const records = (out.Events ?? []).map((e) => {
        const text = e.CloudTrailEvent;
        if (typeof text !== 'string')
          return { EventId: e.EventId, problem: 'no CloudTrailEvent in the answer' };
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return text;
        }
      });
      return { records, next: out.NextToken || undefined };
    },
  };
}
