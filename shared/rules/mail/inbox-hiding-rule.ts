import { defineRule } from '../../engine/rule';
import type { TriplineEvent } from '../../events/types';
import { ALWAYS_HIDING, HIDING_FOLDERS, inboxRuleFacts } from './mailbox-rules';
import type { RuleFacts } from './mailbox-rules';

export interface HidingRuleParams extends Record<string, unknown> {
  /** Condition words that point at business e-mail compromise: replies about money or about the account. */
  keywords: string[];
}

/** Rule names attackers use so the rule is easy to miss in the list: '.', '..', ',', ' '. */
const INVISIBLE_NAME = /^[\s.,;:'"`_\-]{1,3}$/;

function hides(f: RuleFacts): boolean {
  return f.deletes || f.marksRead || (f.folder !== undefined && HIDING_FOLDERS.includes(f.folder));
}

export function hidingReasons(e: TriplineEvent, p: HidingRuleParams): string[] {
  if (e.outcome === 'failure') return [];
  const f = inboxRuleFacts(e);
  if (f === undefined || !hides(f)) return [];
  const why: string[] = [];
  if (f.folder !== undefined && ALWAYS_HIDING.includes(f.folder)) why.push(`moves mail to ${f.folder}`);
  if (!f.hasCondition) why.push('applies to every message');
  const hits = p.keywords.filter((k) => f.conditionText.includes(k.toLowerCase()));
  if (hits.length > 0) why.push(`targets mail about ${hits.slice(0, 4).join(', ')}`);
  if (f.name !== undefined && INVISIBLE_NAME.test(f.name))
    why.push(`has the near-invisible name "${f.name}"`);
  return why;
}

function actionWords(e: TriplineEvent): string {
  const f = inboxRuleFacts(e);
  if (!f) return '';
  return [f.deletes ? 'deletes' : '', f.marksRead ? 'marks read' : '', f.folder ? `moves to ${f.folder}` : '']
    .filter(Boolean)
    .join(', ');
}

export default defineRule<HidingRuleParams>({
  id: 'inbox-hiding-rule',
  title: (c) =>
    `${c.event.actor.name ?? c.event.actor.id} created an inbox rule that ${actionWords(c.event)} (${hidingReasons(c.event, c.params)[0] ?? ''})`,
  description:
    'An inbox rule (New-InboxRule, Set-InboxRule, or an Outlook rule edit logged as UpdateInboxRules) deletes, marks read, or moves mail to RSS Feeds, Conversation History, Archive, Deleted Items or Junk, and either acts on all mail, targets words of payment or account-security replies, moves to a folder nobody reads, or has a near-invisible name: how an attacker in a mailbox hides the replies that would give them away.',
  kind: 'match',
  severity: 'high',
  attack: ['T1564.008'],
  sources: ['m365.audit'],
  actions: ['New-InboxRule', 'Set-InboxRule', 'UpdateInboxRules'],
  params: {
    keywords: [
      'invoice',
      'payment',
      'wire',
      'transfer',
      'bank',
      'remittance',
      'payroll',
      'password',
      'security',
      'hacked',
      'phish',
      'compromise',
      'fraud',
      'suspicious',
      'spam',
      'virus',
      'helpdesk',
      'help desk',
      'mfa',
      'verify',
      'verification',
      'attention',
      'urgent',
    ],
  },
  when: (e, p) => hidingReasons(e, p).length > 0,
  dedup: {
    key: (e) => `${e.actor.id ?? e.actor.name}|${inboxRuleFacts(e)?.name ?? ''}`,
    window: '24h',
  },
  why: (c) => {
    const f = inboxRuleFacts(c.event);
    return `${c.event.action}${f?.name ? ` "${f.name}"` : ''} ${actionWords(c.event)} and ${hidingReasons(c.event, c.params).join('; ')}`;
  },
  runbook: [
    'Look at the rule in the evidence; remove it: `Remove-InboxRule -Mailbox <user> -Identity "<rule name>"` (Outlook client rules: `Get-InboxRule -Mailbox <user> -IncludeHidden`).',
    "Treat the mailbox as compromised: revoke the user's sessions (`Revoke-MgUserSignInSession`), reset the password, review MFA methods and recent sign-ins.",
    'Read what the rule hid: search the Deleted Items / Archive / RSS Feeds folder for the matching mail, and warn the senders of any payment-change conversation.',
  ],
  falsePositives: [
    'Users who file newsletters or notifications into Archive with a keyword rule; the keyword list is tunable (params.keywords).',
  ],
});
