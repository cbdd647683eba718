/**
 * The AWS side of the Azure bridge, as `npx cdk deploy -c azureTenantId=... -c azureIdentity=...`
 * builds it: an OIDC provider for the tenant's v2.0 issuer and a role only that managed identity can
 * assume, allowed the state store's item calls and publishing findings, nothing more.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BRIDGE_TABLE_ACTIONS } from '../../infra/constructs/azure-bridge';
import { InvalidPropsError } from '../../infra/errors';
import { buildApp } from '../../infra/build-app';
import {
  FIXTURE_POLLER_ENTRY,
  actionsOf,
  allStatements,
  appWithContext,
  resourcesOfType,
  synthFromContext,
  synthFromProps,
} from './helpers';

const TENANT = '7D3E4C2A-91B5-4F0E-8A6D-2C9B1E5F4A70';
const IDENTITY = '5b9c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3';
const ISSUER = 'login.microsoftonline.com/7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70/v2.0';

const { stack, template } = synthFromContext({
  alertEmail: 'oncall@example.com',
  azureTenantId: TENANT,
  azureIdentity: IDENTITY,
});

function bridgeRoleId(): string {
  const roles = Object.entries(resourcesOfType(template, 'AWS::IAM::Role')).filter(([, r]) =>
    JSON.stringify(r.Properties['AssumeRolePolicyDocument']).includes('sts:AssumeRoleWithWebIdentity'),
  );
  expect(roles).toHaveLength(1);
  return roles[0]?.[0] as string;
}

describe('AzureBridge (-c azureTenantId=... -c azureIdentity=...)', () => {
  it("creates an OIDC provider for the tenant's v2.0 issuer that trusts the token-exchange audience", () => {
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: `https://${ISSUER}`,
      ClientIdList: ['api://AzureADTokenExchange'],
    });
  });

  it('lets only that managed identity assume the role, with web identity, for at most an hour', () => {
    const role = resourcesOfType(template, 'AWS::IAM::Role')[bridgeRoleId()];
    expect(role?.Properties['MaxSessionDuration']).toBe(3600);
    expect(role?.Properties['AssumeRolePolicyDocument']).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRoleWithWebIdentity',
          Principal: {
            Federated: { Ref: Object.keys(resourcesOfType(template, 'AWS::IAM::OIDCProvider'))[0] },
          },
          Condition: {
            StringEquals: { [`${ISSUER}:aud`]: 'api://AzureADTokenExchange', [`${ISSUER}:sub`]: IDENTITY },
          },
        },
      ],
    });
  });

  it("grants exactly the state store's item calls on the state table and publishing to the findings topic", () => {
    const roleId = bridgeRoleId();
    const statements = allStatements(template).filter(({ resource }) => {
      const policy = resourcesOfType(template, 'AWS::IAM::Policy')[resource];
      return JSON.stringify(policy?.Properties['Roles'] ?? []).includes(roleId);
    });
    const actions = statements.flatMap(({ statement }) => actionsOf(statement)).sort();
    expect(actions).toEqual(
      [...BRIDGE_TABLE_ACTIONS, 'kms:Decrypt', 'kms:GenerateDataKey', 'sns:Publish'].sort(),
    );
    const tableId = Object.keys(resourcesOfType(template, 'AWS::DynamoDB::Table'))[0] as string;
    const tableStatement = statements.find(({ statement }) =>
      actionsOf(statement).includes('dynamodb:PutItem'),
    );
    expect(tableStatement?.statement.Resource).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
    for (const { statement } of statements) expect(JSON.stringify(statement.Resource)).not.toContain('*');
  });

  it('outputs the role ARN to put in the Function App settings', () => {
    template.hasOutput('AzureBridgeRoleArn', {
      Value: { 'Fn::GetAtt': [bridgeRoleId(), 'Arn'] },
      Description: Match.stringLikeRegexp('TRIPLINE_AWS_ROLE_ARN'),
    });
  });

  it('passes cdk-nag AwsSolutions', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('is not created without the context keys', () => {
    const { template: plain } = synthFromProps({
      enabledSources: ['graph'],
      pollerEntry: FIXTURE_POLLER_ENTRY,
    });
    plain.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(Object.keys(plain.toJSON()['Outputs'] ?? {})).not.toContain('AzureBridgeRoleArn');
  });

  it('refuses one key without the other, and ids that are not GUIDs, saying what to set', () => {
    const problems = (context: Record<string, unknown>): string[] => {
      try {
        buildApp(appWithContext({ alertEmail: 'oncall@example.com', ...context }));
      } catch (e) {
        if (e instanceof InvalidPropsError) return e.problems.map((p) => `${p.setting}: ${p.message}`);
        throw e;
      }
      return [];
    };
    expect(problems({ azureTenantId: TENANT })).toEqual([
      'azureIdentity: is needed with the other: set both azureTenantId and azureIdentity for the Azure bridge, or neither',
    ]);
    expect(problems({ azureTenantId: 'contoso.onmicrosoft.com', azureIdentity: 'func-tripline' })).toEqual([
      'azureTenantId: must be the Entra tenant id (a GUID), got "contoso.onmicrosoft.com"',
      `azureIdentity: must be the managed identity's principal (object) id (a GUID), got "func-tripline"`,
    ]);
  });
});
