/**
 * What an inbox rule does, read the same way from the Exchange cmdlets (New-InboxRule,
 * Set-InboxRule: one parameter per action and condition) and from Outlook's own rule edits
 * (UpdateInboxRules, mailbox audit: the whole rule as text in OperationProperties RuleActions,
 * RuleCondition and RuleName). Pure helpers for inbox-hiding-rule and inbox-forwarding.
 */
import type { TriplineEvent } from '../../events/types';

/** Folders an attacker moves replies into so the victim never sees them. */
export const HIDING_FOLDERS = [
  'rss feeds',
  'rss subscriptions',
  'conversation history',
  'archive',
  'deleted items',
  'junk email',
  'junk e-mail',
];
/** Folders nobody files mail into by hand: a rule that moves mail there hides it. */
export const ALWAYS_HIDING = ['rss feeds', 'rss subscriptions', 'conversation history'];

/** Cmdlet parameters that are rule conditions (New-InboxRule). */
const CONDITION_PARAMS = [
  'SubjectContainsWords',
  'SubjectOrBodyContainsWords',
  'BodyContainsWords',
  'From',
  'FromAddressContainsWords',
  'HeaderContainsWords',
  'SentTo',
  'RecipientAddressContainsWords',
  'FromSubscription',
  'HasAttachment',
  'MyNameInToBox',
  'MyNameInCcBox',
  'MyNameInToOrCcBox',
  'WithImportance',
  'MessageTypeMatches',
];

export interface RuleFacts {
  name: string | undefined;
  deletes: boolean;
  marksRead: boolean;
  /** Destination folder of a move, lower-cased. */
  folder: string | undefined;
  /** Whether the rule has any condition (a rule without one acts on all mail). */
  hasCondition: boolean;
  /** Condition words and addresses, lower-cased, for keyword checks. */
  conditionText: string;
}

const truthy = (v: unknown) => v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
const text = (v: unknown): string =>
  Array.isArray(v) ? v.join(';') : typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);

function folderName(v: string): string {
  // ':\\Archive', 'user@contoso.com:\\RSS Feeds', 'RSS Feeds'
  const s = v.replace(/^.*:\\+/, '').replace(/^\\+/, '');
  return s.trim().toLowerCase();
}

/** The rule's name, actions and conditions, or undefined when the event is not an inbox rule. */
export function inboxRuleFacts(e: TriplineEvent): RuleFacts | undefined {
  const p = e.params;
  if (e.action === 'UpdateInboxRules') {
    const actions = text(p.RuleActions);
    const cond = text(p.RuleCondition);
    const folderMatch =
      /"?(?:FolderName|Folder|MoveToFolder|DestinationFolder)"?\s*[:=]\s*"?([^",}\]]+)/i.exec(actions);
    let folder = folderMatch ? folderName(folderMatch[1] as string) : undefined;
    if (folder === undefined) {
      const lower = actions.toLowerCase();
      folder = HIDING_FOLDERS.find((f) => lower.includes(f));
    }
    return {
      name: text(p.RuleName) || undefined,
      deletes: /\b(?:Delete|PermanentDelete|DeleteMessage)\b/i.test(actions),
      marksRead: /MarkAsRead/i.test(actions),
      folder: /Move/i.test(actions) || folder !== undefined ? folder : undefined,
      hasCondition: cond.trim() !== '' && !/^\s*(?:\{\s*\}|\[\s*\]|null)\s*$/.test(cond),
      conditionText: cond.toLowerCase(),
    };
  }
  if (e.action !== 'New-InboxRule' && e.action !== 'Set-InboxRule') return undefined;
  const present = CONDITION_PARAMS.filter((k) => p[k] !== undefined && p[k] !== null && text(p[k]) !== '');
  const move = text(p.MoveToFolder);
  return {
    name: text(p.Name) || text(p.Identity) || undefined,
    deletes: truthy(p.DeleteMessage) || truthy(p.SoftDeleteMessage),
    marksRead: truthy(p.MarkAsRead),
    folder: move !== '' ? folderName(move) : undefined,
    hasCondition: present.length > 0,
    conditionText: present
      .map((k) => text(p[k]))
      .join(';')
      .toLowerCase(),
  };
}
