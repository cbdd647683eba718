/**
 * The det-eng-samples records (blueteam0ps/det-eng-samples: a lab tenant's unified audit log,
 * labelled with an ATT&CK technique and an activity by file name) and the Tripline rule each
 * record's behaviour maps to, where the catalogue has one; otherwise the reason it has none.
 * Matched on the activity and the record's Operation.
 */
export interface DetEngMapping {
  activity: string;
  /** The record's Operation; omitted means every record of the activity. */
  operation?: string;
  rule?: string;
  /** Several rules, any of which firing counts (one behaviour seen in either order). */
  rules?: string[];
  /** Why the record maps to no rule (no catalogue row has its behaviour). */
  none?: string;
  /** Why a record mapped to `rule` does not fire it, on purpose. */
  explainMiss?: string;
}

const SPRAYS = [
  'msolspray-powershell',
  'msolspray-python',
  'msolspraywithsuccess_1',
  'o365spray_default',
  'o365spray_reporting',
];

export const DET_ENG_MAP: readonly DetEngMapping[] = [
  { activity: 'Add a user to company administrator role', rule: 'privileged-role-grant' },
  { activity: 'add_role_global_admin', rule: 'privileged-role-grant' },
  { activity: 'ApplicationImpersonation', rule: 'mailbox-delegate' },
  {
    activity: 'Mail Account Delegation full access permissions',
    rule: 'mailbox-delegate',
    explainMiss:
      "one of the two records is Exchange's own provisioning (NT AUTHORITY\\SYSTEM, UserType 3, granting the DiscoverySearchMailbox to Discovery Management): mailbox-delegate leaves the service's built-in grants out on purpose",
  },
  { activity: 'Mail account delegation-SendAs permission', rule: 'mailbox-delegate' },
  {
    activity: 'user-reset_mailbox_full_access',
    operation: 'Add-MailboxPermission',
    rule: 'mailbox-delegate',
  },
  {
    activity: 'user-reset_mailbox_full_access',
    none: 'the scenario around the grant (password reset, token revocation, user and company updates) is not the technique: no catalogue row reports routine account administration',
  },
  ...SPRAYS.flatMap((activity) => [
    {
      activity,
      operation: 'UserLoginFailed',
      rule: 'password-spray',
      explainMiss:
        'a failure with error 500011 (the resource service principal was not found) is not a credential failure: the password was never checked, so it does not count toward password-spray',
    },
    {
      activity,
      operation: 'UserLoggedIn',
      rules: ['password-spray-success', 'password-spray-hit'],
      explainMiss:
        "o365spray sends a browser's user agent (Chrome 104) through the token endpoint: a success that looks like a browser is not a password-verified-sign-in signal, because feeding every browser sign-in to a sequence would cost a state write per sign-in",
    },
  ]),
  { activity: 'Set-Mailbox-ForwardSMTPAddress', rule: 'inbox-forwarding' },
  { activity: 'Forward_Rule_Multi_Users_Same_Forward_dest', rule: 'inbox-forwarding' },
  { activity: 'rule_mail_forward_same_dest', rule: 'inbox-forwarding' },
  { activity: 'Enable_POP_IMAP_OWA', rule: 'mailbox-protocol-enabled' },
  { activity: 'azurehound_list', rule: 'offensive-tool-user-agent' },
  {
    activity: 'mass_delete_users',
    none: 'T1531 (account access removal) is impact, not intrusion: no catalogue row; bulk deletions are visible in the audit log',
  },
  {
    activity: 'Remove-Admin members from a group',
    none: 'T1531 (account access removal): no catalogue row; removing an admin is not a grant',
  },
  { activity: 'Allusers_consent_to_grant_permission_granted', rule: 'consent-policy-weakened' },
  {
    activity: 'default_rclone_app_registration',
    none: 'an app registration alone is not a catalogue behaviour: it is the first step of oauth-consent-campaign (signal oauth-app-registered), which needs 5 users consenting after it',
  },
  {
    activity: 'Disable Strong Authentication',
    operation: 'Delete application password for user.',
    none: 'removing app passwords takes access away; it weakens nothing',
  },
  { activity: 'Disable Strong Authentication', rule: 'conditional-access-change' },
  {
    activity: 'Disable _Strong_Authentication',
    operation: 'Delete application password for user.',
    none: 'removing app passwords takes access away; it weakens nothing',
  },
  { activity: 'Disable _Strong_Authentication', rule: 'conditional-access-change' },
  { activity: 'Set-Mailbox-AuditLogAgeLimitoZero', rule: 'cloud-logging-disabled' },
  { activity: 'Set-MailboxAuditBypassAssociation', rule: 'cloud-logging-disabled' },
  { activity: 'UnifiedAuditlogIngestion-Stopped', rule: 'cloud-logging-disabled' },
  { activity: 'Disable UAL ingestion', rule: 'cloud-logging-disabled' },
  { activity: 'Advanced Auditing policy removed from a user', rule: 'cloud-logging-disabled' },
  {
    activity: 'Remove-DlpCompliancePolicy',
    none: 'a DLP policy removed impairs a defence (T1562.001) but is not audit logging; no catalogue row covers DLP',
  },
  { activity: 'New inbox rule to delete email', rule: 'inbox-hiding-rule' },
  { activity: 'Update existing mailbox rule using Set-InboxRule', rule: 'inbox-hiding-rule' },
  { activity: 'markasread_delete_all_email', rule: 'inbox-hiding-rule' },
  { activity: 'rule_mark_as_read_move', rule: 'inbox-hiding-rule' },
  {
    activity: 'mfa_sweep',
    none: 'MFASweep signs in with valid credentials through many clients to find one without MFA; the sign-ins succeed from ordinary-looking clients and no catalogue row describes the sweep',
  },
];

/** The mapping for one record, first match wins. */
export function detEngMapping(activity: string, operation: string | undefined): DetEngMapping | undefined {
  return DET_ENG_MAP.find(
    (m) => m.activity === activity && (m.operation === undefined || m.operation === operation),
  );
}
