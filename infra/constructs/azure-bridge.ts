import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AZURE_TOKEN_EXCHANGE_AUDIENCE } from '#shared/config/azure';
import { InvalidPropsError, ProblemList } from '../errors';
import type { PropsProblem } from '../errors';
import type { PublishTarget } from './encrypted-topic';

/** Props of {@link AzureBridge}. */
export interface AzureBridgeProps {
  /** The Entra tenant (directory) id of the Function App's managed identity. */
  readonly tenantId: string;
  /**
   * The managed identity's object (principal) id: `az functionapp identity show ... --query principalId`.
   * Only tokens whose subject is this id can assume the role.
   */
  readonly identity: string;
  /**
   * The token audience the function requests and the provider trusts.
   *
   * @default 'api://AzureADTokenExchange' (no app registration needed)
   */
  readonly audience?: string;
  /** The state table the functions read and write (its ARN). */
  readonly stateTable: { readonly tableArn: string };
  /** The findings topic the functions publish to. */
  readonly findingsTopic: PublishTarget;
}

/** The DynamoDB calls the StateStore adapter makes: nothing else (no Scan, Query, UpdateItem, table admin). */
export const BRIDGE_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:PutItem',
] as const;

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks the bridge's ids (the stack calls it with its other checks, before building anything).
 *
 * @returns every problem, named by its context key; empty when the props are valid.
 */
export function checkAzureBridgeProps(
  props: Pick<AzureBridgeProps, 'tenantId' | 'identity' | 'audience'>,
): PropsProblem[] {
  const problems = new ProblemList();
  if (!GUID_RE.test(props.tenantId)) {
    problems.add(
      'azureTenantId',
      `must be the Entra tenant id (a GUID), got ${JSON.stringify(props.tenantId)}`,
    );
  }
  if (!GUID_RE.test(props.identity)) {
    problems.add(
      'azureIdentity',
      `must be the managed identity's principal (object) id (a GUID), got ${JSON.stringify(props.identity)}`,
    );
  }
  const audience = props.audience ?? AZURE_TOKEN_EXCHANGE_AUDIENCE;
  if (audience.trim() === '' || /\s/.test(audience)) {
    problems.add('azureAudience', `must be a token audience without spaces, got ${JSON.stringify(audience)}`);
  }
  return [...problems.problems];
}

/**
 * Lets Tripline's Azure Functions use this deployment's state table and findings topic without an AWS
 * key: an IAM OIDC provider for the Entra tenant's v2.0 issuer
 * (`https://login.microsoftonline.com/<tenant>/v2.0`, the issuer of managed identity tokens for
 * workload identity federation), and a role that only the given managed identity can assume with
 * `AssumeRoleWithWebIdentity` (trust conditions on the token's `aud` and `sub`), allowed exactly the
 * item calls of the state store on the table and `sns:Publish` on the topic (with its key).
 *
 * @example
 * ```ts
 * new AzureBridge(this, 'AzureBridge', { tenantId, identity, stateTable: state.table, findingsTopic: findings });
 * ```
 */
export class AzureBridge extends Construct {
  /** The OIDC provider for the tenant's issuer. */
  readonly provider: iam.OidcProviderNative;
  /** The role the managed identity assumes. */
  readonly role: iam.Role;
  /** `https://login.microsoftonline.com/<tenant>/v2.0` */
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: AzureBridgeProps) {
    super(scope, id);
    const problems = checkAzureBridgeProps(props);
    if (problems.length > 0) throw new InvalidPropsError(problems);
    const audience = props.audience ?? AZURE_TOKEN_EXCHANGE_AUDIENCE;

    const tenant = props.tenantId.toLowerCase();
    this.issuer = `https://login.microsoftonline.com/${tenant}/v2.0`;
    const claimPrefix = `login.microsoftonline.com/${tenant}/v2.0`;
    this.provider = new iam.OidcProviderNative(this, 'Provider', {
      url: this.issuer,
      clientIds: [audience],
    });
    this.role = new iam.Role(this, 'Role', {
      description: `Tripline Azure Functions (managed identity ${props.identity} in tenant ${tenant})`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: {
          [`${claimPrefix}:aud`]: audience,
          [`${claimPrefix}:sub`]: props.identity.toLowerCase(),
        },
      }),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [...BRIDGE_TABLE_ACTIONS],
        resources: [props.stateTable.tableArn],
      }),
    );
    props.findingsTopic.grantPublish(this.role);
    new CfnOutput(this, 'RoleArn', {
      value: this.role.roleArn,
      description: 'Set as TRIPLINE_AWS_ROLE_ARN in the Azure Function App (docs/deploy-azure.md)',
    }).overrideLogicalId('AzureBridgeRoleArn');
  }
}
