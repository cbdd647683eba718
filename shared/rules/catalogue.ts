/**
 * The detection catalogue (the maintainers' DETECTIONS.md) as data: each Tier 1 and Tier 2 row, the
 * shipped rules that implement it, and what of the row is still pending; the behaviours no event
 * rule can see, with the reason; and the rules Tripline ships beyond the catalogue. docs/coverage.md
 * is generated from this and from the rules' own metadata (`npm run coverage`), and a test keeps it
 * current; `tripline rules` lists the entries no rule covers.
 */

export interface CatalogueRow {
  /** The catalogue id. */
  id: string;
  tier: 1 | 2;
  behaviour: string;
  /** ATT&CK ids of the row. */
  attack: string[];
  /** Shipped rule ids that implement the row (publishing rules first, then their signal rules). */
  rules: string[];
  /** What of the row is still missing, and what it waits for. */
  pending?: string | undefined;
}

export interface NotCovered {
  id: string;
  behaviour: string;
  attack: string[];
  /**
   * out-of-scope: the logs Tripline reads do not carry it; poller: raised by the poller, not by an
   * event rule; pending: waits on other work.
   */
  status: 'out-of-scope' | 'poller' | 'pending';
  reason: string;
}

export interface ExtraRule {
  /** Rule id. */
  id: string;
  /** Why it ships although no catalogue row names it. */
  why: string;
}

export const CATALOGUE: readonly CatalogueRow[] = [
  // Tier 1
  {
    id: 'oauth-chain',
    tier: 1,
    behaviour:
      'OAuth app connected, granted high-privilege scopes, then mass reads, exports or admin changes',
    attack: ['AN1349', 'T1528', 'T1098.003', 'T1114.002', 'T1530'],
    rules: [
      'oauth-chain',
      'oauth-app-consent',
      'oauth-scope-grant',
      'oauth-app-mass-access',
      'oauth-app-admin-change',
    ],
  },
  {
    id: 'oauth-risky-consent',
    tier: 1,
    behaviour: 'consent granting high-risk scopes to an app not allow-listed, or admin consent for all users',
    attack: ['T1528', 'T1550.001'],
    rules: ['oauth-risky-consent'],
  },
  {
    id: 'oauth-consent-campaign',
    tier: 1,
    behaviour: 'a new app, then many users consent to it in a short time',
    attack: ['T1528', 'T1566.002'],
    rules: ['oauth-consent-campaign', 'oauth-app-registered', 'oauth-consent-burst'],
  },
  {
    id: 'mail-unusual-client',
    tier: 1,
    behaviour: 'a mailbox read through a client app id the user has not used in 14 days',
    attack: ['T1114.002'],
    rules: ['mail-unusual-client'],
  },
  {
    id: 'mailbox-folder-anon',
    tier: 1,
    behaviour: 'a mailbox folder shared with Anonymous or Default',
    attack: ['T1098.002'],
    rules: ['mailbox-folder-anon'],
  },
  {
    id: 'mailbox-delegate',
    tier: 1,
    behaviour: 'full access or send-as granted on another mailbox',
    attack: ['T1098.002'],
    rules: ['mailbox-delegate'],
  },
  {
    id: 'inbox-forwarding',
    tier: 1,
    behaviour: 'forwarding or redirect to an outside address',
    attack: ['T1114.003'],
    rules: ['inbox-forwarding'],
  },
  {
    id: 'inbox-hiding-rule',
    tier: 1,
    behaviour: 'rule that deletes, marks read or moves mail out of sight',
    attack: ['T1564.008'],
    rules: ['inbox-hiding-rule'],
  },
  {
    id: 'brute-force',
    tier: 1,
    behaviour: 'many failed sign-ins against one account',
    attack: ['T1110.001', 'T1110.002'],
    rules: ['brute-force', 'credential-stuffing'],
    pending:
      'brute-force itself does not raise its severity on a later success (its file belongs to the engine work); credential-stuffing publishes the brute force followed by an accepted password as its own high finding',
  },
  {
    id: 'password-spray',
    tier: 1,
    behaviour: 'one source tries few passwords against many accounts',
    attack: ['T1110.003'],
    rules: ['password-spray', 'password-spray-success', 'password-spray-hit', 'password-verified-sign-in'],
  },
  {
    id: 'credential-stuffing',
    tier: 1,
    behaviour: 'failures from many sources across many accounts, then a success',
    attack: ['T1110.004'],
    rules: ['credential-stuffing', 'credential-stuffing-wave', 'password-verified-sign-in'],
    pending:
      'a stateful step signals only once over its threshold, so accounts tried before the wave reached 20 pairs are not chained (engine)',
  },
  {
    id: 'mfa-fatigue',
    tier: 1,
    behaviour: 'repeated MFA prompts denied or failed, maybe then accepted',
    attack: ['T1621'],
    rules: ['mfa-fatigue', 'mfa-fatigue-accepted', 'mfa-approved-sign-in'],
  },
  {
    id: 'device-registration',
    tier: 1,
    behaviour: 'an unexpected device registered to an account',
    attack: ['T1098.005'],
    rules: ['device-registration', 'device-registration-after-risk', 'device-registered', 'risky-sign-in'],
    pending:
      'new_terms on the device per user is not shipped: every registration is a new device, so it would report every new laptop',
  },
  {
    id: 'mass-file-access',
    tier: 1,
    behaviour: 'a user or app reads or downloads far more files than usual',
    attack: ['T1213.002', 'T1213.003', 'T1530'],
    rules: ['mass-file-access'],
    pending:
      "'10x the principal's own baseline' needs per-principal baselines (engine); 'privileged admins reading repositories at all' is not shipped",
  },
  {
    id: 'cloud-logging-disabled',
    tier: 1,
    behaviour: 'audit logging stopped, deleted or narrowed',
    attack: ['T1562.008'],
    rules: ['cloud-logging-disabled'],
  },
  {
    id: 'conditional-access-change',
    tier: 1,
    behaviour: 'sign-in policy weakened',
    attack: ['T1556.009'],
    rules: ['conditional-access-change', 'consent-policy-weakened'],
  },
  {
    id: 'privileged-role-grant',
    tier: 1,
    behaviour: 'admin role given, above all to a service principal',
    attack: ['T1098.003'],
    rules: ['privileged-role-grant', 'iam-backdoor'],
  },
  // Tier 2
  {
    id: 'cloud-discovery-burst',
    tier: 2,
    behaviour: 'one principal lists many services quickly',
    attack: ['T1526', 'T1046', 'T1069.003'],
    rules: ['cloud-discovery-burst', 'offensive-tool-user-agent'],
  },
  {
    id: 'secrets-harvest',
    tier: 2,
    behaviour: 'many secrets read by a principal that rarely reads them',
    attack: ['T1555.006'],
    rules: ['secrets-harvest', 'secrets-batch-harvest'],
    pending: 'the alternative new_terms on a principal reading secrets for the first time is not shipped',
  },
  {
    id: 'quota-region-abuse',
    tier: 2,
    behaviour: 'quota raises in many or unused regions, regions enabled, model access opened',
    attack: ['T1578.005', 'T1496.004'],
    rules: ['quota-region-abuse', 'region-or-model-access-enabled'],
    pending: 'new_terms on the region per account is not shipped',
  },
  {
    id: 'resource-hierarchy-change',
    tier: 2,
    behaviour: 'account leaves or joins organization structures',
    attack: ['T1666'],
    rules: ['resource-hierarchy-change'],
  },
  {
    id: 'serverless-tampering',
    tier: 2,
    behaviour: 'function code, role or trigger changed by an unusual principal, or made public',
    attack: ['T1648', 'T1546'],
    rules: ['serverless-public-access', 'serverless-tampering'],
  },
  {
    id: 'instance-credential-off-host',
    tier: 2,
    behaviour: "EC2 instance-role credentials used outside the instance's egress",
    attack: ['T1552.005', 'T1528'],
    rules: ['instance-credential-off-host'],
    pending:
      'new_terms on the source address per instance session is replaced by the 2-public-addresses count',
  },
  {
    id: 'k8s-sa-token-theft',
    tier: 2,
    behaviour: 'service-account token read, then API calls with it from a new client',
    attack: ['T1528'],
    rules: ['k8s-sa-token-theft', 'k8s-pod-token-exfil', 'k8s-sa-token-read', 'k8s-sa-new-client'],
  },
  {
    id: 'token-new-ip',
    tier: 2,
    behaviour: 'SaaS token used from a new IP or ASN, or at impossible speed',
    attack: ['T1528', 'T1550.004'],
    rules: ['token-new-ip'],
    pending:
      'ASN and impossible travel (geo_velocity > 900 km/h) wait for the ip -> geo enrichment and the geo_velocity kind',
  },
  {
    id: 'session-cookie-reuse',
    tier: 2,
    behaviour: 'a web session continues from another address without a new sign-in',
    attack: ['T1550.004'],
    rules: ['session-cookie-reuse'],
    pending:
      'by country where the source locates requests (Entra sign-ins, GitHub); by ASN, and for the unified audit log, after the ip -> geo enrichment',
  },
  {
    id: 'teams-unusual-access',
    tier: 2,
    behaviour: 'Teams sessions from unusual IPs, volume or hours',
    attack: ['T1530'],
    rules: ['teams-unusual-access'],
    pending: 'volume and hours against the user’s own habits need per-user baselines (engine)',
  },
  {
    id: 'internal-phish-burst',
    tier: 2,
    behaviour: 'one internal sender mails many colleagues the same link or subject',
    attack: ['T1534', 'T1566'],
    rules: ['internal-phish-burst'],
    pending:
      'Microsoft 365 message trace is not a source Tripline reads yet; Google Workspace Gmail logs are covered',
  },
  {
    id: 'trusted-relationship-added',
    tier: 2,
    behaviour: 'a partner or delegated admin relationship appears',
    attack: ['T1199'],
    rules: ['trusted-relationship-added'],
  },
];

/** Catalogue behaviours no shipped event rule covers, with the reason. */
export const NOT_COVERED: readonly NotCovered[] = [
  {
    id: 'source-silent',
    behaviour: 'a source stops delivering, or its subscription or audit setting disappears',
    attack: ['T1562.008'],
    status: 'poller',
    reason:
      'Silence is the absence of events, so no event rule can fire on it: the poller raises the source-silent finding per source and tenant (shared/sources/health.ts). Not covered: the real-time CloudTrail path and replay. The audit setting switched off is cloud-logging-disabled.',
  },
  {
    id: 'dhcp-spoofing',
    behaviour: 'DHCP spoofing',
    attack: ['T1557.003'],
    status: 'out-of-scope',
    reason: 'Windows event ids and network telemetry; SaaS and cloud audit logs do not carry it.',
  },
  {
    id: 'debugger-evasion',
    behaviour: 'debugger evasion',
    attack: ['T1622'],
    status: 'out-of-scope',
    reason: 'Host behaviour; no audit log of a SaaS or cloud control plane shows it.',
  },
  {
    id: 'server-software-component',
    behaviour: 'web shells, SQL stored procedures, transport agents',
    attack: ['T1505'],
    status: 'out-of-scope',
    reason: 'Lives on servers and in their logs, not in tenant audit logs.',
  },
  {
    id: 'exploitation',
    behaviour: 'drive-by compromise and exploitation of applications',
    attack: ['T1189', 'T1190', 'T1203', 'T1210'],
    status: 'out-of-scope',
    reason: 'Needs web server, WAF or endpoint telemetry.',
  },
  {
    id: 'container-deployment',
    behaviour: 'container deployment',
    attack: ['T1610'],
    status: 'out-of-scope',
    reason:
      'Only visible with Kubernetes audit logs; Tripline reads them for token theft, not yet for workload deployment.',
  },
  {
    id: 'endpoint-dos-defacement',
    behaviour: 'endpoint denial of service and defacement',
    attack: ['T1499', 'T1491'],
    status: 'out-of-scope',
    reason: 'Needs web server logs.',
  },
];

/** Rules shipped beyond the catalogue rows, and why. */
export const EXTRA_RULES: readonly ExtraRule[] = [
  {
    id: 'mailbox-protocol-enabled',
    why: 'POP/IMAP switched on for a mailbox (det-eng-samples Enable_POP_IMAP_OWA, T1114.002).',
  },
  {
    id: 'consent-policy-weakened',
    why: 'every user allowed to consent to any app (det-eng-samples consent scenario, T1550.001).',
  },
  {
    id: 'iam-backdoor',
    why: 'IAM backdoor users and roles: keys and passwords for other users, role trust opened (T1098.001).',
  },
  { id: 'secrets-batch-harvest', why: 'a whole Secrets Manager vault read in one BatchGetSecretValue call.' },
  { id: 'region-or-model-access-enabled', why: 'a single region enabled or Bedrock model access opened.' },
  {
    id: 'k8s-pod-token-exfil',
    why: 'a mounted token read through exec, where the audit event does not name the account.',
  },
  {
    id: 'offensive-tool-user-agent',
    why: 'offensive tools that name themselves (AzureHound, TruffleHog, Pacu...).',
  },
];
