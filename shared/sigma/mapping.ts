/**
 * The one table of Sigma logsources and field names to Tripline sources and normalized fields.
 * Built from SigmaHQ's cloud rules (rules/cloud/aws/cloudtrail, azure/audit_logs and signin_logs,
 * m365/audit and exchange, gcp/gworkspace) and the sources' documented record shapes.
 *
 * A field the table does not name goes to the vendor record as `raw.<path>` where the Sigma field
 * is a path into the same record Tripline keeps (CloudTrail, the unified audit log); for Entra ID,
 * whose Sigma fields are Log Analytics columns (PascalCase), the Graph property of the same name
 * (camelCase) is used, which is what Tripline keeps as `raw` for both Graph and Azure Monitor exports.
 */
import type { SourceId } from '../events/types';

/** How one logsource maps: the Tripline source, and its fields. */
export interface LogsourceMapping {
  source: SourceId;
  /** Sigma field (case-insensitive) to Tripline field, optionally translating values. */
  fields: Record<string, FieldMapping>;
  /** How a field absent from `fields` is read; undefined refuses it. */
  fallback: ((field: string) => string | undefined) | undefined;
}

export interface FieldMapping {
  field: string;
  /** Value translation (Sigma value, lower-cased, to Tripline value). */
  values?: Record<string, string> | undefined;
}

/** Why a logsource has no mapping: a sentence for the refusal. */
export interface NoSource {
  reason: string;
}

const raw = (f: string) => `raw.${f}`;
const camel = (f: string) =>
  f
    .split('.')
    .map((p, i) => (i === 0 ? p.charAt(0).toLowerCase() + p.slice(1) : p))
    .join('.');

const CLOUDTRAIL: LogsourceMapping = {
  source: 'aws.cloudtrail',
  fields: {
    eventname: { field: 'action' },
    eventsource: { field: 'service' },
    eventtype: { field: 'category' },
    errorcode: { field: 'errorCode' },
  },
  // Sigma's CloudTrail fields are paths into the CloudTrail record, which Tripline keeps as raw.
  fallback: raw,
};

const ENTRA_AUDIT: LogsourceMapping = {
  source: 'entra.audit',
  fields: {
    operationname: { field: 'action' },
    activitydisplayname: { field: 'action' },
    activity: { field: 'action' },
    category: { field: 'category' },
    loggedbyservice: { field: 'service' },
    result: { field: 'outcome', values: { success: 'success', failure: 'failure' } },
    targetresources: { field: 'raw.targetResources' },
    initiatedby: { field: 'raw.initiatedBy' },
    additionaldetails: { field: 'raw.additionalDetails' },
    // An Azure Activity Log property, not part of Entra audit records.
    'properties.message': { field: '' },
  },
  fallback: (f) => (f.toLowerCase().startsWith('properties.') ? undefined : raw(camel(f))),
};

const ENTRA_SIGNIN: LogsourceMapping = {
  source: 'entra.signin',
  fields: {
    resulttype: { field: 'errorCode' },
    resultdescription: { field: 'raw.status.failureReason' },
    userprincipalname: { field: 'actor.name' },
    username: { field: 'actor.name' },
    ipaddress: { field: 'actor.ip' },
    appdisplayname: { field: 'app.name' },
    appid: { field: 'app.id' },
    location: { field: 'geo.country' },
    clientapp: { field: 'raw.clientAppUsed' },
    clientappused: { field: 'raw.clientAppUsed' },
    resourcedisplayname: { field: 'service' },
    status: { field: 'raw.status' },
    'properties.message': { field: '' },
  },
  fallback: (f) => (f.toLowerCase().startsWith('properties.') ? undefined : raw(camel(f))),
};

const UAL: LogsourceMapping = {
  source: 'm365.audit',
  fields: {
    operation: { field: 'action' },
    workload: { field: 'service' },
  },
  // Sigma's m365 fields are unified audit log properties, which Tripline keeps as raw.
  fallback: raw,
};

const WORKSPACE_SERVICES = {
  'admin.googleapis.com': 'admin',
  'login.googleapis.com': 'login',
  'oauth2.googleapis.com': 'token',
  'drive.googleapis.com': 'drive',
  'gmail.googleapis.com': 'gmail',
  'groups.googleapis.com': 'groups',
  'calendar.googleapis.com': 'calendar',
};

const WORKSPACE: LogsourceMapping = {
  source: 'google.workspace',
  fields: {
    eventname: { field: 'action' },
    'protopayload.metadata.event.eventname': { field: 'action' },
    eventservice: { field: 'service', values: WORKSPACE_SERVICES },
    'protopayload.servicename': { field: 'service', values: WORKSPACE_SERVICES },
    new_value: { field: 'params.NEW_VALUE' },
    old_value: { field: 'params.OLD_VALUE' },
    setting_name: { field: 'params.SETTING_NAME' },
    user_email: { field: 'params.USER_EMAIL' },
  },
  // Other Cloud Logging paths have no Reports API equivalent Tripline could read.
  fallback: undefined,
};

/**
 * The mapping for a Sigma logsource, or why there is none.
 * @example mappingFor({ product: 'aws', service: 'cloudtrail' }) // CLOUDTRAIL
 */
export function mappingFor(ls: {
  product?: string;
  service?: string;
  category?: string;
}): LogsourceMapping | NoSource {
  const product = (ls.product ?? '').toLowerCase();
  const service = (ls.service ?? '').toLowerCase();
  const name = `${product || '(no product)'}/${service || '(no service)'}`;
  if (product === 'aws' && service === 'cloudtrail') return CLOUDTRAIL;
  if (product === 'azure' && service === 'auditlogs') return ENTRA_AUDIT;
  if (product === 'azure' && (service === 'signinlogs' || service === 'signinlogs_noninteractive'))
    return ENTRA_SIGNIN;
  if (product === 'm365' && (service === 'audit' || service === 'exchange')) return UAL;
  if (product === 'gcp' && service.startsWith('google_workspace')) return WORKSPACE;
  if (product === 'm365' && (service === 'threat_management' || service === 'threat_detection'))
    return {
      reason: `logsource ${name}: Defender for Cloud Apps alerts, not unified audit log records Tripline reads`,
    };
  if (product === 'azure')
    return {
      reason: `logsource ${name}: Tripline reads Entra ID audit and sign-in logs, not Azure ${service || 'resource'} logs`,
    };
  if (product === 'gcp')
    return { reason: `logsource ${name}: Tripline has no Google Cloud audit log source` };
  if (product === 'github')
    return { reason: `logsource ${name}: no Sigma field mapping for Tripline's github.audit source yet` };
  return { reason: `logsource ${name}: no Tripline source for it` };
}

/** Where a Sigma field goes, or undefined when it has no equivalent. */
export function mapField(m: LogsourceMapping, field: string): FieldMapping | undefined {
  const hit = m.fields[field.toLowerCase()];
  if (hit) return hit.field === '' ? undefined : hit;
  const f = m.fallback?.(field);
  return f === undefined ? undefined : { field: f };
}
