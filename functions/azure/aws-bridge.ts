/**
 * The AWS side of the bridge, seen from Azure: the function's managed identity token is exchanged for
 * temporary AWS credentials with STS `AssumeRoleWithWebIdentity`, on the role the CDK stack created for
 * exactly that identity (infra/constructs/azure-bridge.ts). No AWS key is stored anywhere.
 *
 * The token is the one Entra issues a managed identity for workload identity federation: audience
 * `api://AzureADTokenExchange`, issuer `https://login.microsoftonline.com/<tenant>/v2.0`, subject the
 * identity's object (principal) id. The stack's OIDC provider trusts that issuer and audience, and the
 * role's trust policy pins the subject.
 */
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { STSClientConfig } from '@aws-sdk/client-sts';
import type { TokenCredential } from '@azure/identity';

/** Temporary AWS credentials, as the SDK's `credentials` option takes them. */
export interface AwsTemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** Options of {@link azureWebIdentityCredentials}. */
export interface AzureWebIdentityOptions {
  /** The managed identity (ManagedIdentityCredential). */
  identity: TokenCredential;
  /** Token audience; the stack's OIDC provider lists it as client id. */
  audience: string;
  roleArn: string;
  region: string;
  /** Shown in CloudTrail as the session name. @default 'tripline-azure' */
  sessionName?: string;
  /** @default 3600 */
  durationSeconds?: number;
  /** Credentials are renewed this long before they expire. @default 5 minutes */
  refreshBeforeMs?: number;
  /** STS client settings (tests point it at a local STS). */
  stsConfig?: STSClientConfig;
  now?: () => number;
}

/** Thrown when the exchange fails; says which side to check. */
export class AwsBridgeError extends Error {
  override readonly name = 'AwsBridgeError';
}

/**
 * A credential provider for AWS SDK clients: fetches a token from the managed identity, exchanges it,
 * caches the result until shortly before it expires, and shares one exchange between concurrent callers.
 *
 * @example
 * ```ts
 * const credentials = azureWebIdentityCredentials({ identity: new ManagedIdentityCredential(), audience, roleArn, region });
 * const dynamo = new DynamoDBClient({ region, credentials });
 * ```
 */
export function azureWebIdentityCredentials(
  opts: AzureWebIdentityOptions,
): () => Promise<AwsTemporaryCredentials> {
  const sts = new STSClient({ region: opts.region, ...opts.stsConfig });
  const now = opts.now ?? Date.now;
  const refreshBeforeMs = opts.refreshBeforeMs ?? 5 * 60_000;
  let cached: AwsTemporaryCredentials | undefined;
  let inflight: Promise<AwsTemporaryCredentials> | undefined;

  const exchange = async (): Promise<AwsTemporaryCredentials> => {
    let token: string;
    try {
      const t = await opts.identity.getToken(`${opts.audience}/.default`);
      if (!t) throw new Error('no token returned');
      token = t.token;
    } catch (e) {
      throw new AwsBridgeError(
        `cannot get a managed identity token for ${opts.audience}: ${(e as Error).message} ` +
          '(is the Function App identity enabled?)',
        { cause: e },
      );
    }
    try {
      const out = await sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: opts.roleArn,
          RoleSessionName: opts.sessionName ?? 'tripline-azure',
          WebIdentityToken: token,
          DurationSeconds: opts.durationSeconds ?? 3600,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
        throw new Error('STS returned no credentials');
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    } catch (e) {
      const name = (e as { name?: string }).name ?? 'Error';
      throw new AwsBridgeError(
        `AssumeRoleWithWebIdentity on ${opts.roleArn} failed: ${name}: ${(e as Error).message} ` +
          "(check the stack was deployed with -c azureTenantId and -c azureIdentity set to this Function App's tenant and principal id)",
        { cause: e },
      );
    }
  };

  return async () => {
    if (cached && cached.expiration.getTime() - refreshBeforeMs > now()) return cached;
    inflight ??= exchange().finally(() => {
      inflight = undefined;
    });
    cached = await inflight;
    return cached;
  };
}
