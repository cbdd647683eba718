/**
 * The Azure Monitor diagnostic-settings envelope that Entra logs arrive in when streamed to Event
 * Hubs or a storage account ("Azure Monitor resource logs: common schema"):
 * `{ time, resourceId, operationName, category, tenantId, resultType, callerIpAddress,
 *    correlationId, identity, properties: { ...the Graph object... } }`.
 * Some pipelines (Panther among them) lower-case the envelope keys, so both spellings are read.
 */
import { get2, isObj, str } from './fields';
import type { Obj } from './fields';

/** Envelope categories that carry a Graph `signIn` in `properties`. */
export const SIGNIN_CATEGORIES: ReadonlySet<string> = new Set([
  'SignInLogs',
  'NonInteractiveUserSignInLogs',
  'ServicePrincipalSignInLogs',
  'ManagedIdentitySignInLogs',
]);

/** What the normalizers read from an envelope. */
export interface AzureEnvelope {
  /** The inner Graph-shaped record. */
  props: Obj;
  category: string | undefined;
  operationName: string | undefined;
  tenantId: string | undefined;
  time: unknown;
  callerIpAddress: unknown;
  resultType: unknown;
  correlationId: string | undefined;
  identity: string | undefined;
}

/** The envelope view of `rec`, or undefined when `rec` is not an Azure Monitor envelope. */
export function readEnvelope(rec: Obj): AzureEnvelope | undefined {
  const props = rec.properties;
  if (!isObj(props)) return undefined;
  const category = str(rec.category);
  const operationName = str(get2(rec, 'operationName', 'operationname'));
  if (category === undefined && operationName === undefined) return undefined;
  return {
    props,
    category,
    operationName,
    tenantId: str(get2(rec, 'tenantId', 'tenantid')),
    time: rec.time,
    callerIpAddress: get2(rec, 'callerIpAddress', 'calleripaddress'),
    resultType: get2(rec, 'resultType', 'resulttype'),
    correlationId: str(get2(rec, 'correlationId', 'correlationid')),
    identity: str(rec.identity),
  };
}

/** Which Entra log an envelope carries, or undefined for other Azure logs (Activity, Storage...). */
export function envelopeKind(env: AzureEnvelope): 'entra.audit' | 'entra.signin' | undefined {
  const c = env.category;
  if (c !== undefined) {
    if (SIGNIN_CATEGORIES.has(c)) return 'entra.signin';
    if (c === 'AuditLogs') return 'entra.audit';
  }
  const p = env.props;
  if (
    p.activityDisplayName !== undefined ||
    p.initiatedBy !== undefined ||
    p.activityDateTime !== undefined
  ) {
    return 'entra.audit';
  }
  if (
    p.createdDateTime !== undefined &&
    (p.userPrincipalName !== undefined || p.appId !== undefined || p.servicePrincipalId !== undefined)
  ) {
    return 'entra.signin';
  }
  return undefined;
}
