/**
 * How much access an OAuth scope / app role gives. Shared by oauth-risky-consent and oauth-chain.
 * Weights: 3 = tenant takeover or every mailbox/file; 2 = read/write a user's mail or files or the
 * directory; 1 = sensitive read. Names are matched case-insensitively, as Entra and Google spell them.
 */
export const SCOPE_WEIGHTS: Readonly<Record<string, number>> = {
  // Microsoft Graph / Exchange / SharePoint: delegated and application permissions
  'directory.readwrite.all': 3,
  'rolemanagement.readwrite.directory': 3,
  'approleassignment.readwrite.all': 3,
  'application.readwrite.all': 3,
  full_access_as_app: 3,
  'mail.readwrite': 2,
  'mail.send': 2,
  'mailboxsettings.readwrite': 2,
  'files.readwrite.all': 2,
  'sites.fullcontrol.all': 3,
  'sites.readwrite.all': 2,
  'user.readwrite.all': 2,
  'group.readwrite.all': 2,
  'ews.accessasuser.all': 2,
  'exchange.manageasapp': 3,
  'mail.read': 1,
  'files.read.all': 1,
  'sites.read.all': 1,
  'directory.read.all': 1,
  'contacts.read': 1,
  'notes.read.all': 1,
  'chat.read': 1,
  'imap.accessasuser.all': 2,
  'pop.accessasuser.all': 2,
  'smtp.send': 1,
  // Google OAuth scopes
  'https://mail.google.com/': 3,
  'https://www.googleapis.com/auth/gmail.modify': 2,
  'https://www.googleapis.com/auth/gmail.readonly': 1,
  'https://www.googleapis.com/auth/gmail.settings.sharing': 2,
  'https://www.googleapis.com/auth/gmail.send': 1,
  'https://www.googleapis.com/auth/drive': 2,
  'https://www.googleapis.com/auth/drive.readonly': 1,
  'https://www.googleapis.com/auth/admin.directory.user': 3,
  'https://www.googleapis.com/auth/admin.directory.group': 2,
  'https://www.googleapis.com/auth/admin.directory.user.readonly': 1,
  'https://www.googleapis.com/auth/cloud-platform': 3,
};

export interface ScopeRisk {
  /** Highest weight among the scopes, 0 when none is sensitive. */
  max: number;
  /** The sensitive scopes, highest weight first, as the source spelled them. */
  sensitive: string[];
}

/** The weights as a Map: a scope spelled `constructor` or `__proto__` must find nothing. */
const WEIGHTS: ReadonlyMap<string, number> = new Map(Object.entries(SCOPE_WEIGHTS));

const lowered = new WeakMap<object, Map<string, number>>();

/** A deployment's `scopeWeights` (config) with lower-cased names; anything else is no weights. */
function customWeights(extra: unknown): Map<string, number> | undefined {
  if (!extra || typeof extra !== 'object') return undefined;
  let w = lowered.get(extra);
  if (!w) {
    w = new Map();
    for (const [k, v] of Object.entries(extra)) if (typeof v === 'number') w.set(k.toLowerCase(), v);
    lowered.set(extra, w);
  }
  return w;
}

/**
 * How much access the scopes give. `weights` (the config's `scopeWeights`, through the rule's
 * `scopeWeights` param) adds scopes or replaces the shipped weight of one; 0 makes a scope harmless.
 */
export function scopeRisk(scopes: readonly string[] | undefined, weights?: unknown): ScopeRisk {
  const custom = customWeights(weights);
  const hits: Array<[string, number]> = [];
  for (const s of scopes ?? []) {
    const lower = s.toLowerCase();
    const w =
      custom?.get(lower) ??
      WEIGHTS.get(lower) ??
      (lower.startsWith('https://www.googleapis.com/auth/admin.') ? 2 : 0);
    if (w > 0) hits.push([s, w]);
  }
  hits.sort((a, b) => b[1] - a[1]);
  return { max: hits[0]?.[1] ?? 0, sensitive: hits.map((h) => h[0]) };
}

/** Entra consent / grant activities (Graph directoryAudit activityDisplayName, UAL Operation without the trailing dot). */
export const ENTRA_CONSENT_ACTIONS = ['Consent to application'];
export const ENTRA_GRANT_ACTIONS = [
  'Consent to application',
  'Add delegated permission grant',
  'Add app role assignment to service principal',
  'Add app role assignment grant to user',
];
/**
 * Activities that connect an app to the tenant. A permission grant is one too: admin consent made
 * through the API writes only the grant.
 */
export const ENTRA_INSTALL_ACTIONS = [
  'Consent to application',
  'Add service principal',
  'Add delegated permission grant',
  'Add app role assignment to service principal',
];
/** Google Workspace token audit: a user (or admin) authorizes an OAuth client. */
export const WORKSPACE_AUTHORIZE = 'authorize';
