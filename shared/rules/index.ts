/**
 * The rule registry: every shipped detection. Each rule lives in its own file
 * (shared/rules/<domain>/<rule-id>.ts) with its test events (<rule-id>.cases.ts) and tests beside it.
 */
import type { RuleDefinition } from '../engine/rule';
import tokenNewIp from './session/token-new-ip';
import sessionCookieReuse from './session/session-cookie-reuse';
import teamsUnusualAccess from './session/teams-unusual-access';
import massFileAccess from './data/mass-file-access';
import internalPhishBurst from './data/internal-phish-burst';
import offensiveToolUserAgent from './threat/offensive-tool-user-agent';
import cloudLoggingDisabled from './cloud/cloud-logging-disabled';
import cloudDiscoveryBurst from './cloud/cloud-discovery-burst';
import secretsHarvest from './cloud/secrets-harvest';
import secretsBatchHarvest from './cloud/secrets-batch-harvest';
import quotaRegionAbuse from './cloud/quota-region-abuse';
import regionOrModelAccessEnabled from './cloud/region-or-model-access-enabled';
import resourceHierarchyChange from './cloud/resource-hierarchy-change';
import serverlessPublicAccess from './cloud/serverless-public-access';
import serverlessTampering from './cloud/serverless-tampering';
import instanceCredentialOffHost from './cloud/instance-credential-off-host';
import iamBackdoor from './cloud/iam-backdoor';
import conditionalAccessChange from './directory/conditional-access-change';
import consentPolicyWeakened from './directory/consent-policy-weakened';
import deviceRegistered from './directory/device-registered';
import deviceRegistration from './directory/device-registration';
import deviceRegistrationAfterRisk from './directory/device-registration-after-risk';
import privilegedRoleGrant from './directory/privileged-role-grant';
import riskySignIn from './directory/risky-sign-in';
import trustedRelationshipAdded from './directory/trusted-relationship-added';
import bruteForce from './identity/brute-force';
import credentialStuffing from './identity/credential-stuffing';
import credentialStuffingWave from './identity/credential-stuffing-wave';
import mfaApprovedSignIn from './identity/mfa-approved-sign-in';
import mfaFatigue from './identity/mfa-fatigue';
import mfaFatigueAccepted from './identity/mfa-fatigue-accepted';
import passwordSprayHit from './identity/password-spray-hit';
import passwordSpraySuccess from './identity/password-spray-success';
import passwordVerifiedSignIn from './identity/password-verified-sign-in';
import passwordSpray from './identity/password-spray';
import k8sSaTokenTheft from './k8s/k8s-sa-token-theft';
import k8sSaTokenRead from './k8s/k8s-sa-token-read';
import k8sSaNewClient from './k8s/k8s-sa-new-client';
import k8sPodTokenExfil from './k8s/k8s-pod-token-exfil';
import inboxForwarding from './mail/inbox-forwarding';
import inboxHidingRule from './mail/inbox-hiding-rule';
import mailUnusualClient from './mail/mail-unusual-client';
import mailboxDelegate from './mail/mailbox-delegate';
import mailboxFolderAnon from './mail/mailbox-folder-anon';
import mailboxProtocolEnabled from './mail/mailbox-protocol-enabled';
import oauthAppAdminChange from './oauth/oauth-app-admin-change';
import oauthAppConsent from './oauth/oauth-app-consent';
import oauthAppMassAccess from './oauth/oauth-app-mass-access';
import oauthAppRegistered from './oauth/oauth-app-registered';
import oauthConsentBurst from './oauth/oauth-consent-burst';
import oauthConsentCampaign from './oauth/oauth-consent-campaign';
import oauthChain from './oauth/oauth-chain';
import oauthRiskyConsent from './oauth/oauth-risky-consent';
import oauthScopeGrant from './oauth/oauth-scope-grant';

export const ALL_RULES: readonly RuleDefinition[] = [
  oauthChain,
  oauthAppConsent,
  oauthScopeGrant,
  oauthAppMassAccess,
  oauthAppAdminChange,
  oauthRiskyConsent,
  oauthConsentCampaign,
  oauthAppRegistered,
  oauthConsentBurst,
  mailUnusualClient,
  inboxForwarding,
  inboxHidingRule,
  mailboxFolderAnon,
  mailboxDelegate,
  mailboxProtocolEnabled,
  passwordSpray,
  bruteForce,
  credentialStuffing,
  credentialStuffingWave,
  passwordSpraySuccess,
  passwordSprayHit,
  passwordVerifiedSignIn,
  mfaFatigue,
  mfaFatigueAccepted,
  mfaApprovedSignIn,
  cloudLoggingDisabled,
  cloudDiscoveryBurst,
  secretsHarvest,
  secretsBatchHarvest,
  quotaRegionAbuse,
  regionOrModelAccessEnabled,
  resourceHierarchyChange,
  serverlessPublicAccess,
  serverlessTampering,
  instanceCredentialOffHost,
  iamBackdoor,
  privilegedRoleGrant,
  conditionalAccessChange,
  consentPolicyWeakened,
  trustedRelationshipAdded,
  deviceRegistration,
  deviceRegistrationAfterRisk,
  deviceRegistered,
  riskySignIn,
  k8sSaTokenTheft,
  k8sSaTokenRead,
  k8sSaNewClient,
  k8sPodTokenExfil,
  tokenNewIp,
  sessionCookieReuse,
  teamsUnusualAccess,
  massFileAccess,
  internalPhishBurst,
  offensiveToolUserAgent,
] as RuleDefinition[];
