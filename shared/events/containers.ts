/**
 * Documents that hold many records rather than being one: CloudTrail S3 delivery files
 * `{"Records": [...]}`, Azure Monitor / Event Hubs batches `{"records": [...]}`, Microsoft Graph
 * list pages `{"@odata.context": ..., "value": [...]}`, and Workspace Reports API pages
 * `{"kind": "admin#reports#activities", "items": [...]}`, Slack Audit Logs API pages
 * `{"entries": [...], "response_metadata": {...}}`, and Kubernetes audit webhook batches
 * `{"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": [...]}`. Shared by `normalize`
 * and the file reader.
 */
import { isObj } from './fields';

/** The records a container document holds, with the key they were under. */
export interface ContainerItems {
  key: 'Records' | 'records' | 'value' | 'items' | 'entries';
  items: unknown[];
}

function isGraphPage(rec: Record<string, unknown>): boolean {
  if (!Array.isArray(rec.value)) return false;
  for (const k in rec) if (k !== 'value' && !k.startsWith('@odata.')) return false;
  return true;
}

/** The records inside `doc` when it is a container document, else undefined. */
export function containerItems(doc: unknown): ContainerItems | undefined {
  if (!isObj(doc)) return undefined;
  if (Array.isArray(doc.Records)) return { key: 'Records', items: doc.Records };
  if (Array.isArray(doc.records)) return { key: 'records', items: doc.records };
  if (doc.kind === 'admin#reports#activities') {
    return { key: 'items', items: Array.isArray(doc.items) ? doc.items : [] };
  }
  if (isGraphPage(doc)) return { key: 'value', items: doc.value as unknown[] };
  if (Array.isArray(doc.entries) && (isObj(doc.response_metadata) || Object.keys(doc).length === 1))
    return { key: 'entries', items: doc.entries };
  if (doc.kind === 'EventList' && Array.isArray(doc.items)) return { key: 'items', items: doc.items };
  return undefined;
}
