/**
 * The sources a deployment can enable, as the CDK context (`enabledSources`) and the `SOURCE`
 * environment variable spell them, and what a poller's credentials secret must hold.
 *
 * @module
 */

/** Sources pushed to Tripline in real time (EventBridge -> SQS -> Lambda). */
export const REALTIME_SOURCES = ['cloudtrail'] as const;

/**
 * Sources a scheduled poller pulls: `graph` (Entra ID directory audits and sign-ins), `m365`
 * (Office 365 Management Activity API), `workspace` (Google Workspace Reports API) and
 * `cloudtrail-lookup` (CloudTrail LookupEvents, for accounts without an EventBridge path).
 */
export const POLLING_SOURCES = ['graph', 'm365', 'workspace', 'cloudtrail-lookup'] as const;

/** Every source a deployment can enable. */
export const DEPLOYABLE_SOURCES = [...REALTIME_SOURCES, ...POLLING_SOURCES] as const;

/** A source delivered in real time. */
export type RealtimeSource = (typeof REALTIME_SOURCES)[number];
/** A source pulled by a scheduled poller. */
export type PollingSource = (typeof POLLING_SOURCES)[number];
/** Any source a deployment can enable. */
export type DeployableSource = (typeof DEPLOYABLE_SOURCES)[number];

/** Narrows a string to {@link DeployableSource}. */
export function isDeployableSource(value: string): value is DeployableSource {
  return (DEPLOYABLE_SOURCES as readonly string[]).includes(value);
}

/** Narrows a source to {@link PollingSource}. */
export function isPollingSource(value: string): value is PollingSource {
  return (POLLING_SOURCES as readonly string[]).includes(value);
}

/** What an operator stores in a poller's Secrets Manager secret. */
export interface CredentialsSpec {
  /** One sentence for the secret's description: which API, which app, which permissions. */
  readonly description: string;
  /** The JSON keys the secret value must have; the stack creates the secret with them empty. */
  readonly keys: readonly string[];
  /** Keys the secret may also hold (alternatives such as a certificate, endpoints, feed choices). */
  readonly optionalKeys?: readonly string[];
  /**
   * Whether the secret may instead hold `{"tenants": [ {...}, {...} ]}`, one object of `keys` per
   * tenant, to poll several tenants from one deployment.
   */
  readonly multiTenant?: boolean;
}

/**
 * Credentials each polling source needs, or `undefined` when the function's IAM role is enough
 * (`cloudtrail-lookup` calls LookupEvents with its own role, so it gets no secret).
 */
export const SOURCE_CREDENTIALS: Readonly<Record<PollingSource, CredentialsSpec | undefined>> = {
  graph: {
    description:
      'Entra ID app registration with Microsoft Graph application permissions AuditLog.Read.All and Directory.Read.All (admin consent granted); a client secret or a certificate; one tenant, or {"tenants":[...]} for several (docs/collectors.md)',
    keys: ['tenantId', 'clientId', 'clientSecret'],
    optionalKeys: [
      'certificate',
      'certificatePassword',
      'cloud',
      'authorityHost',
      'graphBase',
      'feeds',
      'label',
    ],
    multiTenant: true,
  },
  m365: {
    description:
      'Entra ID app registration with Office 365 Management APIs application permission ActivityFeed.Read (admin consent granted); a client secret or a certificate; one tenant, or {"tenants":[...]} for several (docs/collectors.md)',
    keys: ['tenantId', 'clientId', 'clientSecret'],
    optionalKeys: [
      'certificate',
      'certificatePassword',
      'cloud',
      'authorityHost',
      'managementBase',
      'publisherIdentifier',
      'contentTypes',
      'label',
    ],
    multiTenant: true,
  },
  workspace: {
    description:
      'Google Cloud service account key (JSON, as one string) with domain-wide delegation for scope https://www.googleapis.com/auth/admin.reports.audit.readonly, and the super-admin e-mail it impersonates',
    keys: ['serviceAccountKey', 'delegatedAdminEmail'],
  },
  'cloudtrail-lookup': undefined,
};
