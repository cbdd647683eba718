/**
 * Which Tripline rules answer the question a Panther rule asks, and how to compare verdicts.
 *
 * Panther test events carry one verdict each: "this event fires the rule", or for a threshold rule
 * "this event counts toward the threshold". A mapping names the Tripline rules whose firing means
 * the same thing, and the comparison mode:
 *
 * - finding: replay the event and see whether a mapped rule publishes a finding (or, for a signal
 *   rule, signals). Threshold rules get the event N times inside their window, N = the larger of
 *   Panther's threshold and the rule's own count, each copy with its own id: an event that counts
 *   toward Panther's threshold must push ours over too.
 * - qualifies: the event counts toward the rule (it is a candidate and its predicate holds, with a
 *   group and a value). Used for distinct and new_terms rules, whose firing needs many different
 *   values or a learned baseline that copies of one event cannot give.
 *
 * `explain` gives, per Panther test name, why Tripline's verdict differs on purpose; the
 * evaluation lists every disagreement with it, and flags any disagreement without one.
 */
export type Mode = 'finding' | 'qualifies';

export interface PantherMapping {
  rules: Array<{ id: string; mode: Mode }>;
  /** What the Panther rule asks and how the Tripline rules answer it. */
  note: string;
  /** Panther test name -> why Tripline disagrees on purpose. */
  explain?: Record<string, string>;
}

const f = (id: string) => ({ id, mode: 'finding' as const });
const q = (id: string) => ({ id, mode: 'qualifies' as const });

export const PANTHER_MAP: Readonly<Record<string, PantherMapping>> = {
  // --- AWS CloudTrail ------------------------------------------------------------------------
  'AWS.CloudTrail.Stopped': {
    rules: [f('cloud-logging-disabled')],
    note: 'CloudTrail StopLogging / DeleteTrail.',
  },
  'AWS.CloudTrail.EventSelectorsDisabled': {
    rules: [f('cloud-logging-disabled')],
    note: 'PutEventSelectors narrowing management events.',
  },
  'AWS.ConfigService.DisabledDeleted': {
    rules: [f('cloud-logging-disabled')],
    note: 'AWS Config recorder or delivery channel stopped or deleted.',
  },
  'AWS.CloudTrail.DNSLogsDeleted': {
    rules: [f('cloud-logging-disabled')],
    note: 'Route 53 Resolver query logging deleted.',
  },
  'AWS.VPCFlow.LogsDeleted': { rules: [f('cloud-logging-disabled')], note: 'VPC flow logs deleted.' },
  'AWS.S3.DisableBucketLogging': {
    rules: [f('cloud-logging-disabled')],
    note: 'S3 server access logging turned off (PutBucketLogging without a target).',
  },
  'AWS.CloudTrail.AttemptToLeaveOrg': {
    rules: [f('resource-hierarchy-change')],
    note: 'LeaveOrganization, refused attempts included.',
  },
  'AWS.CloudTrail.EnableRegion': {
    rules: [f('region-or-model-access-enabled')],
    note: 'account EnableRegion.',
  },
  'AWS.IAM.AttachAdminUserPolicy': {
    rules: [f('privileged-role-grant')],
    note: 'AdministratorAccess attached to a user.',
  },
  'AWS.IAM.AttachAdminRolePolicy': {
    rules: [f('privileged-role-grant')],
    note: 'AdministratorAccess attached to a role.',
  },
  'AWS.IAM.BackdoorRole': { rules: [f('iam-backdoor')], note: 'role trust policy opened to everyone.' },
  'AWS.IAM.Backdoor.User.Keys': { rules: [f('iam-backdoor')], note: 'access key created for another user.' },
  'AWS.User.Login.Profile.Modified': {
    rules: [f('iam-backdoor')],
    note: "another user's console password set without a reset.",
  },
  'AWS.CloudTrail.LoginProfileCreatedOrModified': {
    rules: [f('iam-backdoor')],
    note: "another user's console password set without a reset.",
  },
  'AWS.Potential.Backdoor.Lambda': {
    rules: [f('serverless-public-access'), q('serverless-tampering')],
    note: 'Lambda AddPermission (any principal): public or foreign principals publish at once; any other AddPermission counts toward serverless-tampering (new principal).',
  },
  'AWS.SecretsManager.RetrieveSecrets': {
    rules: [q('secrets-harvest')],
    note: 'GetSecretValue counts toward distinct secrets per principal.',
  },
  'AWS.SecretsManager.BatchRetrieveSecrets': {
    rules: [q('secrets-harvest')],
    note: 'BatchGetSecretValue counts toward secrets-harvest.',
  },
  'AWS.SecretsManager.RetrieveSecretsMultiRegion': {
    rules: [q('secrets-harvest')],
    note: 'GetSecretValue counts toward secrets-harvest.',
  },
  'AWS.SecretsManager.BatchRetrieveSecretsCatchAll': {
    rules: [f('secrets-batch-harvest')],
    note: 'BatchGetSecretValue with a catch-all filter.',
  },
  'AWS.SSM.DecryptSSMParams': {
    rules: [q('secrets-harvest')],
    note: 'SSM parameters read WithDecryption count toward secrets-harvest.',
  },
  'AWS.CloudTrail.Account.Discovery': {
    rules: [q('cloud-discovery-burst')],
    note: 'account-level Describe/Get calls count toward cloud-discovery-burst.',
    explain: {
      DescribeAccount:
        "a successful read by a role session the record does not show to be a person (no SSO role, source identity, e-mail session name or console user agent) is a workload's; cloud-discovery-burst does not count workloads' successful reads (workloads describe their own resources all day, and each count is a state write), only their refused calls, and instance credentials used off the host are instance-credential-off-host. Gap: a stolen workload role allowed everything it sweeps is not counted.",
    },
  },
  'AWS.Software.Discovery': {
    rules: [q('cloud-discovery-burst')],
    note: 'Describe* discovery calls count toward cloud-discovery-burst.',
    explain: {
      'Discovery Event Names':
        "a successful read by a role session the record does not show to be a person (no SSO role, source identity, e-mail session name or console user agent) is a workload's; cloud-discovery-burst does not count workloads' successful reads (workloads describe their own resources all day, and each count is a state write), only their refused calls, and instance credentials used off the host are instance-credential-off-host. Gap: a stolen workload role allowed everything it sweeps is not counted.",
    },
  },
  'AWS.CloudTrail.Password.Policy.Discovery': {
    rules: [q('cloud-discovery-burst')],
    note: 'GetAccountPasswordPolicy counts toward cloud-discovery-burst.',
  },
  'AWS.CloudTrail.IMDSCredentialExfiltration': {
    rules: [q('instance-credential-off-host')],
    note: 'instance-role credentials from a public address count toward instance-credential-off-host (2 public addresses per instance session).',
  },
  'AWS.STS.GetCallerIdentity.TruffleHog': {
    rules: [f('offensive-tool-user-agent')],
    note: 'TruffleHog user agent.',
    explain: {
      'Different STS Event with TruffleHog Agent':
        'Panther asks about the key check (GetCallerIdentity) only; Tripline reports any call TruffleHog makes with a found key, whatever the API.',
    },
  },
  'AWS.Console.RootLoginFailed': {
    rules: [f('brute-force')],
    note: 'failed console logins of one account (threshold).',
  },
  'AWS.CloudTrail.PasswordSpraying': {
    rules: [q('password-spray')],
    note: 'failed console logins count toward password-spray (accounts per address).',
  },
  'AWS.Unsuccessful.MFA.attempt': {
    rules: [f('mfa-fatigue')],
    note: 'console logins failing with MFA (threshold).',
  },
  // --- Entra ID / Microsoft 365 -----------------------------------------------------------------
  'Azure.Audit.ManyFailedSignIns': {
    rules: [f('brute-force')],
    note: 'failed sign-ins of one account (threshold).',
    explain: {
      'Failed Sign-In':
        "a service principal failing with a bad client secret (7000215): brute-force counts user credential failures (50126 and kin); guessing a service principal's secret is not among its codes (the rule's failure list belongs to the engine work and is listed there).",
    },
  },
  'Azure.Audit.MFADisabled': {
    rules: [f('conditional-access-change')],
    note: 'MFA removed from a conditional access policy.',
  },
  'Azure.Audit.PolicyChanged': {
    rules: [f('conditional-access-change')],
    note: 'conditional access policy deleted or updated.',
  },
  'Azure.Audit.RoleChangedPIM': {
    rules: [f('privileged-role-grant')],
    note: 'privileged role assigned through PIM.',
    explain: {
      'Add member to role (Non PIM)':
        'Panther watches PIM assignments only; a privileged role given directly, outside PIM, is the more dangerous grant, and privileged-role-grant reports it.',
    },
  },
  'Azure.Audit.HighRiskSignIn': {
    rules: [f('risky-sign-in')],
    note: 'high-risk successful sign-in (signal rule).',
  },
  'Microsoft365.Brute.Force.Login.by.User': {
    rules: [f('brute-force')],
    note: 'UAL UserLoginFailed per account (threshold).',
  },
  'Microsoft365.MFA.Disabled': {
    rules: [f('conditional-access-change')],
    note: 'every MFA method removed from a user.',
  },
  'Microsoft365.Exchange.External.Forwarding': {
    rules: [f('inbox-forwarding')],
    note: 'forwarding to an outside domain.',
  },
  // --- Google Workspace ------------------------------------------------------------------------
  'GSuite.ExternalMailForwarding': {
    rules: [f('inbox-forwarding')],
    note: 'email_forwarding_out_of_domain.',
  },
  'Google.Workspace.OAuth.Privileged.Scopes': {
    rules: [f('oauth-risky-consent')],
    note: 'OAuth authorize with privileged scopes.',
  },
  'GSuite.TwoStepVerification': {
    rules: [f('conditional-access-change')],
    note: 'a user disabled 2-step verification.',
  },
  'GSuite.AdvancedProtection': {
    rules: [f('conditional-access-change')],
    note: 'a user left Advanced Protection.',
  },
  'GSuite.Workspace.PasswordEnforceStrongDisabled': {
    rules: [f('conditional-access-change')],
    note: 'strong password enforcement turned off.',
  },
  'GSuite.Workspace.PasswordReuseEnabled': {
    rules: [f('conditional-access-change')],
    note: 'password reuse allowed.',
  },
  'Google.Workspace.ManyDocsDownloaded': {
    rules: [f('mass-file-access')],
    note: 'Drive downloads per user (threshold).',
  },
  'GSuite.Workspace.TrustedDomainsAllowlist': {
    rules: [f('trusted-relationship-added')],
    note: 'trusted domains changed.',
    explain: {
      'Workspace Admin Remove Trusted Domain':
        'Panther reports any change of the trusted-domain list; removing a trusted domain takes trust away, and trusted-relationship-added reports trust being added.',
    },
  },
  // --- GitHub, Slack, Kubernetes ----------------------------------------------------------------
  'Slack.AuditLogs.UserPrivilegeEscalation': {
    rules: [f('privileged-role-grant')],
    note: 'Slack admin or owner role given.',
  },
  'Slack.AuditLogs.MFASettingsChanged': {
    rules: [f('conditional-access-change')],
    note: 'Slack two-factor setting changed.',
  },
  'Slack.AuditLogs.SSOSettingsChanged': {
    rules: [f('conditional-access-change')],
    note: 'Slack SSO setting changed.',
  },
  'Kubernetes.ServiceAccount.TokenCreated': {
    rules: [f('k8s-sa-token-read')],
    note: 'service account token minted (signal rule).',
  },
  'Kubernetes.Pod.StealServiceAccountToken': {
    rules: [f('k8s-pod-token-exfil')],
    note: 'mounted token read through exec.',
  },
  'Kubernetes.ClusterRoleBinding.Privileged': {
    rules: [f('privileged-role-grant')],
    note: 'cluster role binding to an admin role.',
  },
  // --- Panther's cross-source standard rules -----------------------------------------------------
  'Standard.BruteForceByUser': {
    rules: [f('brute-force')],
    note: 'failed logins per user (threshold); only the sources Tripline reads.',
  },
  'Standard.BruteForceByIP': {
    rules: [q('password-spray')],
    note: 'failed logins count toward password-spray (accounts per address).',
  },
  'Standard.MFADisabled': {
    rules: [f('conditional-access-change')],
    note: 'two-factor requirement removed (GitHub).',
  },
  'GitHub.Org.IpAllowlist': {
    rules: [f('conditional-access-change')],
    note: 'IP allow list disabled or widened.',
  },
  'Azure.Audit.ROPCLoginNoMFA': {
    rules: [f('password-verified-sign-in')],
    note: 'password grant (ROPC) accepted without MFA (signal rule).',
  },
  'Standard.AdminRoleAssigned': {
    rules: [f('privileged-role-grant')],
    note: 'admin role assigned (Workspace, GitHub).',
  },
};

/**
 * Panther rules of the sources Tripline reads that a Tripline rule touches but does not answer,
 * and why they are not compared.
 */
export const NOT_MAPPED: Readonly<Record<string, string>> = {
  'AWS.Lambda.UpdateFunctionCode':
    "Panther's verdict rests on the identity type (an assumed role is taken for CI, a person for suspicious); serverless-tampering learns which principals deploy in each account instead, so a single event has no comparable verdict.",
  'AWS.Lambda.UpdateFunctionConfiguration':
    'Panther fires on any configuration update of a function that has layers (responseElements); serverless-tampering reads what the request changed and learns deployers per account: no comparable single-event verdict.',
  'Azure.Audit.ExcessiveAccountLockouts':
    'asks about lockouts (50053) alone; brute-force counts every credential failure, lockouts included, so the two rules disagree by design on other failure codes.',
  'GitHub.Org.AuthChange':
    'reports any authentication setting change, enabling included; conditional-access-change reports weakening only.',
  'GitHub.User.RoleUpdated':
    'reports any member role update; privileged-role-grant reports owner and admin grants only.',
  'Kubernetes.BulkSecretAccess':
    'counts secret reads per user in Kubernetes; Tripline reads Kubernetes secrets for service account tokens only (k8s-sa-token-theft).',
};
