/**
 * Kubernetes API server audit events (`audit.k8s.io/v1` `Event`): what EKS writes to CloudWatch
 * Logs, what a self-managed API server writes to its audit log file or webhook, and what AKS
 * streams through Azure Monitor diagnostic settings (category `kube-audit` or
 * `kube-audit-admin`, the event as JSON text in `properties.log`). GKE writes the same requests as
 * Cloud Audit Logs (`protoPayload.serviceName` `k8s.io`, `methodName`
 * `io.k8s.core.v1.secrets.get`, `resourceName` `core/v1/namespaces/<ns>/secrets/<name>`); those are
 * read too.
 *
 * Event fields read: auditID, stage, verb, requestURI, user {username, groups}, impersonatedUser,
 * sourceIPs[], userAgent, objectRef {resource, subresource, namespace, name, apiGroup},
 * responseStatus {code}, requestObject, annotations, requestReceivedTimestamp, stageTimestamp.
 *
 * Mapping: action = `<resource>[.<subresource>].<verb>` (`secrets.get`,
 * `serviceaccounts.token.create`, `pods.exec.create`), as GKE's method names end; service = the
 * API group (`core` for the legacy group); category = the resource; outcome from the response
 * code (< 400 success); actor = the username, typed service for `system:serviceaccount:*`,
 * system for other `system:*` names; target = the object (`<namespace>/<name>`); tenant = the
 * cluster when the record names it (AKS resourceId, GKE cluster_name), else the caller's tenant.
 */
import {
  UNKNOWN_TENANT,
  fail,
  firstStr,
  isObj,
  jsonMessage,
  requireTime,
  setParam,
  str,
  syntheticId,
} from './fields';
import type { Obj } from './fields';
import { cleanIp } from './ip';
import type { ActorType, NormalizeContext, NormalizeResult, Outcome, ParamValue } from './types';

/** AKS diagnostic-settings categories that carry API server audit events. */
const AKS_CATEGORIES: ReadonlySet<string> = new Set(['kube-audit', 'kube-audit-admin']);

/** True when `rec` is a Kubernetes audit event (bare, AKS envelope, or GKE Cloud Audit Log). */
export function isK8sAudit(rec: Obj): boolean {
  if (rec.kind === 'EventList') return false;
  if (rec.kind === 'Event' && (rec.verb !== undefined || rec.auditID !== undefined)) return true;
  if (typeof rec.apiVersion === 'string' && rec.apiVersion.startsWith('audit.k8s.io/')) return true;
  if (typeof rec.category === 'string' && AKS_CATEGORIES.has(rec.category) && isObj(rec.properties))
    return true;
  const pp = rec.protoPayload;
  return isObj(pp) && pp.serviceName === 'k8s.io';
}

export function actorTypeOf(username: string | undefined): ActorType {
  if (username === undefined) return 'unknown';
  if (username.startsWith('system:serviceaccount:')) return 'service';
  if (username.startsWith('system:')) return 'system';
  return 'user';
}

interface Parts {
  ev: Obj;
  /** Cluster named by the wrapper, when it names one. */
  cluster?: string | undefined;
}

/** The audit event inside `rec` (AKS: `properties.log` JSON text), or a reason. */
function unwrap(rec: Obj): Parts | { reason: string } {
  if (typeof rec.category === 'string' && AKS_CATEGORIES.has(rec.category) && isObj(rec.properties)) {
    const log = rec.properties.log;
    let ev: unknown = log;
    if (typeof log === 'string') {
      try {
        ev = JSON.parse(log);
      } catch (e) {
        return { reason: `properties.log is not valid JSON: ${jsonMessage(e)}` };
      }
    }
    if (!isObj(ev)) return { reason: 'properties.log holds no audit event' };
    const rid = str(rec.resourceId) ?? str(rec.resourceid);
    const m = rid !== undefined ? /\/managedClusters\/([^/]+)/i.exec(rid) : null;
    return { ev, cluster: m ? m[1] : undefined };
  }
  return { ev: rec };
}

/** GKE: `io.k8s.core.v1.pods.exec.create` + `core/v1/namespaces/ns/pods/name/exec`. */
function fromGke(rec: Obj, ctx: NormalizeContext): NormalizeResult {
  const pp = rec.protoPayload as Obj;
  const t = requireTime(rec.timestamp ?? rec.receiveTimestamp, 'timestamp');
  if ('reason' in t) return fail(t.reason);
  const method = str(pp.methodName);
  if (method === undefined) return fail('no protoPayload.methodName');
  const parts = method.split('.');
  const verb = parts[parts.length - 1] as string;
  // io.k8s.<group>.<version>.<resource>[.<subresource>].<verb>
  const group = parts[2];
  const resParts = parts.slice(4, -1);
  const resource = resParts[0];
  const subresource = resParts[1];
  const rn = str(pp.resourceName) ?? '';
  const nsMatch = /namespaces\/([^/]+)/.exec(rn);
  const namespace = nsMatch ? nsMatch[1] : undefined;
  const after = resource !== undefined ? rn.split(`/${resource}/`)[1] : undefined;
  const name = after !== undefined ? after.split('/')[0] : undefined;
  const auth = isObj(pp.authenticationInfo) ? pp.authenticationInfo : {};
  const meta = isObj(pp.requestMetadata) ? pp.requestMetadata : {};
  const res = isObj(rec.resource) && isObj(rec.resource.labels) ? rec.resource.labels : {};
  const status = isObj(pp.status) ? pp.status : undefined;
  const code = status !== undefined && typeof status.code === 'number' ? status.code : undefined;
  const authz = Array.isArray(pp.authorizationInfo) ? pp.authorizationInfo : [];
  const denied = authz.some((a) => isObj(a) && a.granted === false);
  const outcome: Outcome = denied || (code !== undefined && code !== 0) ? 'failure' : 'success';
  const username = str(auth.principalEmail);
  const params: Record<string, ParamValue> = {};
  setParam(params, 'verb', verb);
  setParam(params, 'resource', resource);
  setParam(params, 'subresource', subresource);
  setParam(params, 'namespace', namespace);
  setParam(params, 'name', name);
  setParam(params, 'apiGroup', group);
  if (isObj(pp.request)) {
    setParam(params, 'requestObject', pp.request);
    setParam(params, 'command', pp.request.command);
  }
  const action = [resource, subresource, verb].filter((x) => x !== undefined && x !== '').join('.');
  const time = t.time;
  return {
    ok: true,
    events: [
      {
        id: firstStr(rec.insertId) ?? syntheticId('k8s.audit', time, action, username),
        source: 'k8s.audit',
        time,
        tenant: firstStr(res.cluster_name, res.project_id, ctx.tenant) ?? UNKNOWN_TENANT,
        action,
        service: group,
        category: resource,
        outcome,
        errorCode: code !== undefined && code !== 0 ? String(code) : undefined,
        actor: {
          id: username,
          name: username,
          type: actorTypeOf(username),
          ip: cleanIp(meta.callerIp ?? meta.callerIP),
          userAgent: str(meta.callerSuppliedUserAgent),
        },
        target:
          resource !== undefined
            ? { type: resource, id: namespace && name ? `${namespace}/${name}` : name, name }
            : undefined,
        params,
        raw: rec,
      },
    ],
  };
}

/** Normalizes one Kubernetes audit event (bare, in the AKS envelope, or GKE's Cloud Audit Log). */
export function normalizeK8s(rec: Obj, ctx: NormalizeContext = {}): NormalizeResult {
  if (isObj(rec.protoPayload)) return fromGke(rec, ctx);
  const parts = unwrap(rec);
  if ('reason' in parts) return fail(parts.reason);
  const ev = parts.ev;
  const t = requireTime(ev.stageTimestamp ?? ev.requestReceivedTimestamp, 'requestReceivedTimestamp');
  if ('reason' in t)
    return fail(
      t.reason === 'no requestReceivedTimestamp' ? 'no requestReceivedTimestamp or stageTimestamp' : t.reason,
    );
  const verb = str(ev.verb);
  if (verb === undefined) return fail('no verb');
  const ref = isObj(ev.objectRef) ? ev.objectRef : {};
  const resource = str(ref.resource);
  const subresource = str(ref.subresource);
  const namespace = str(ref.namespace);
  const name = str(ref.name);
  const user = isObj(ev.user) ? ev.user : {};
  const username = str(user.username);
  const resp = isObj(ev.responseStatus) ? ev.responseStatus : undefined;
  const code = resp !== undefined && typeof resp.code === 'number' ? resp.code : undefined;
  const outcome: Outcome = code === undefined ? 'unknown' : code < 400 ? 'success' : 'failure';
  const ips = Array.isArray(ev.sourceIPs) ? ev.sourceIPs : [];
  const annotations = isObj(ev.annotations) ? ev.annotations : {};

  const params: Record<string, ParamValue> = {};
  setParam(params, 'verb', verb);
  setParam(params, 'resource', resource);
  setParam(params, 'subresource', subresource);
  setParam(params, 'namespace', namespace);
  setParam(params, 'name', name);
  setParam(params, 'apiGroup', ref.apiGroup);
  setParam(params, 'requestURI', ev.requestURI);
  setParam(params, 'stage', ev.stage);
  setParam(params, 'groups', user.groups);
  setParam(params, 'decision', annotations['authorization.k8s.io/decision']);
  setParam(params, 'reason', annotations['authorization.k8s.io/reason']);
  if (isObj(ev.impersonatedUser)) setParam(params, 'impersonatedUser', ev.impersonatedUser.username);
  if (isObj(ev.requestObject)) {
    setParam(params, 'requestObject', ev.requestObject);
    setParam(params, 'command', ev.requestObject.command);
  }
  const action = [resource ?? 'nonresource', subresource, verb]
    .filter((x) => x !== undefined && x !== '')
    .join('.');
  const time = t.time;
  const group = str(ref.apiGroup);
  return {
    ok: true,
    events: [
      {
        id: str(ev.auditID) ?? syntheticId('k8s.audit', time, action, username),
        source: 'k8s.audit',
        time,
        tenant: firstStr(parts.cluster, ctx.tenant) ?? UNKNOWN_TENANT,
        action,
        service: group ?? (resource !== undefined ? 'core' : undefined),
        category: resource,
        outcome,
        errorCode: code !== undefined && code >= 400 ? String(code) : undefined,
        actor: {
          id: username,
          name: username,
          type: actorTypeOf(username),
          ip: cleanIp(ips[0]),
          userAgent: str(ev.userAgent),
        },
        target:
          resource !== undefined
            ? { type: resource, id: namespace && name ? `${namespace}/${name}` : name, name }
            : undefined,
        params,
        raw: ev,
      },
    ],
  };
}
