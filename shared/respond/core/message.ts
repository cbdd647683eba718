/**
 * The action message: what the responder did (or would have done) for one finding, as text an
 * on-call engineer can act on alone at 3 a.m. (which app, which tenant, what was removed, what was
 * not and why, how to undo it, what no API can do), and as JSON for machines. Published on the
 * findings topic without a `ruleId` attribute, so the responder's own subscription (which filters on
 * `ruleId`) never receives it.
 *
 * @module
 */
import type { ActionRecord, ItemResult, UndoItemResult } from './types';

/** How the message tells a person to undo an action. */
export interface UndoHint {
  /** The CLI command with `{actionId}` in place of the id: `tripline undo {actionId} --table T`. */
  readonly cli?: string | undefined;
  /** The deployed responder function's name, for `aws lambda invoke`. */
  readonly functionName?: string | undefined;
}

/** An SNS Publish of the action message (everything but TopicArn). */
export interface RenderedResponseMessage {
  Subject: string;
  Message: string;
  MessageStructure: 'json';
  MessageAttributes: Record<string, { DataType: 'String'; StringValue: string }>;
}

/** What an action is, in words: "delete the delegated permission grants". */
export const ACTION_TITLES: Readonly<Record<ActionRecord['kind'], string>> = {
  'entra-disable-app': 'disable the app (service principal accountEnabled=false)',
  'entra-grants': 'delete its delegated permission grants (oauth2PermissionGrant)',
  'entra-app-roles': 'delete its application permissions (app role assignments)',
  'entra-sessions': 'revoke the sign-in sessions of the users who consented',
  'google-tokens': 'delete its OAuth tokens of the users who authorized it',
};

const GOOGLE_BLOCK_NOTE =
  'Deleting tokens does not stop a user from authorizing the app again, and no API blocks one app for the whole domain. ' +
  'Block it now in the Google Admin console: Security > Access and data control > API controls > Manage Third-Party App Access, ' +
  'find the client id, Change access > Blocked.';

const SESSIONS_NOTE =
  'Access tokens already issued stay valid until they expire (about an hour); revoked sessions and deleted tokens cannot be restored by undo: users sign in or authorize again.';

/** One line per item result. */
function itemLine(r: ItemResult): string {
  const words: Record<ItemResult['outcome'], string> = {
    removed: 'removed',
    'already-gone': 'already gone (nothing to do)',
    disabled: 'disabled',
    'already-disabled': 'already disabled',
    revoked: 'revoked',
    failed: 'FAILED',
    'not-attempted': 'NOT attempted',
  };
  return `    - ${r.item}: ${words[r.outcome]}${r.error ? ` (${r.error})` : ''}`;
}

/** What the snapshot says would be removed, for a dry-run. */
function plannedLines(rec: ActionRecord): string[] {
  const s = rec.snapshot;
  if (!s)
    return [
      `    - ${rec.reason ?? 'what exists could not be read; every item of this kind would be removed'}`,
    ];
  switch (s.kind) {
    case 'entra-disable-app':
      return [
        s.accountEnabled
          ? `    - would disable service principal ${s.servicePrincipalId}`
          : `    - service principal ${s.servicePrincipalId} is already disabled`,
      ];
    case 'entra-grants':
      return s.grants.length === 0
        ? ['    - no delegated grant exists']
        : s.grants.map(
            (g) =>
              `    - would delete grant ${g.id}: ${g.consentType === 'AllPrincipals' ? 'ALL users (admin consent)' : `user ${g.principalId}`}, resource ${g.resourceId}, scope "${g.scope.trim()}"`,
          );
    case 'entra-app-roles':
      return s.assignments.length === 0
        ? ['    - the app holds no application permission']
        : s.assignments.map(
            (a) =>
              `    - would delete app role ${a.appRoleId} on ${a.resourceDisplayName ?? a.resourceId} (assignment ${a.id})`,
          );
    case 'entra-sessions':
      return s.users.length === 0
        ? ['    - no consenting user is named in the finding']
        : s.users.map((u) => `    - would revoke the sessions of ${u}`);
    case 'google-tokens':
      return s.tokens.length === 0
        ? [`    - none of ${s.users.join(', ') || 'the named users'} holds a token for the app`]
        : s.tokens.map((t) => `    - would delete the token of ${t.userKey} (scopes: ${t.scopes.join(' ')})`);
  }
}

function statusWord(rec: ActionRecord): string {
  switch (rec.status) {
    case 'dry-run':
      return 'DRY-RUN (nothing changed)';
    case 'done':
      return 'DONE';
    case 'partial':
      return 'PARTIAL';
    case 'failed':
      return 'FAILED';
    case 'skipped':
      return 'SKIPPED';
    case 'in-progress':
      return 'IN PROGRESS';
    case 'undone':
      return 'UNDONE';
    case 'undo-partial':
      return 'PARTLY UNDONE';
  }
}

function undoable(rec: ActionRecord): boolean {
  if (rec.kind === 'entra-sessions' || rec.kind === 'google-tokens') return false;
  return rec.results.some((r) => r.outcome === 'removed' || r.outcome === 'disabled');
}

function undoLines(records: readonly ActionRecord[], hint: UndoHint): string[] {
  const ids = records.filter(undoable).map((r) => r.actionId);
  if (ids.length === 0) return [];
  const out = ['', 'Undo (recreates the grants and app roles with new ids, re-enables the app):'];
  for (const id of ids) {
    if (hint.cli) out.push(`  ${hint.cli.replace('{actionId}', id)}`);
    if (hint.functionName)
      out.push(
        `  aws lambda invoke --function-name ${hint.functionName} --cli-binary-format raw-in-base64-out --payload '${JSON.stringify({ undo: id })}' undo.json`,
      );
    if (!hint.cli && !hint.functionName) out.push(`  tripline undo ${id}`);
  }
  return out;
}

/** Counts for the subject line: "3 grants", "1 app role". */
function removedCount(records: readonly ActionRecord[], kind: ActionRecord['kind']): number {
  const r = records.find((x) => x.kind === kind);
  if (!r) return 0;
  if (r.status === 'dry-run') {
    const s = r.snapshot;
    if (!s) return 0;
    if (s.kind === 'entra-grants') return s.grants.length;
    if (s.kind === 'entra-app-roles') return s.assignments.length;
    if (s.kind === 'google-tokens') return s.tokens.length;
    if (s.kind === 'entra-sessions') return s.users.length;
    if (s.kind === 'entra-disable-app') return s.accountEnabled ? 1 : 0;
    return 0;
  }
  return r.results.filter(
    (x) => x.outcome === 'removed' || x.outcome === 'revoked' || x.outcome === 'disabled',
  ).length;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The one-line summary: `revoked 3 grants of app "X"` / `would have revoked ...`. */
export function responseHeadline(records: readonly ActionRecord[], withId = true): string {
  const first = records[0];
  if (!first) return 'no action';
  const app = withId
    ? `app "${clean(first.appName ?? first.appId)}" (${first.appId})`
    : `"${clean(first.appName ?? first.appId)}"`;
  if (records.every((r) => r.status === 'skipped'))
    return `did not act on ${app}: ${first.reason ?? 'skipped'}`;
  const dry = records.every((r) => r.status === 'dry-run');
  const has = (k: ActionRecord['kind']): boolean => records.some((r) => r.kind === k);
  const n = (k: ActionRecord['kind']): number => removedCount(records, k);
  const objects: string[] = [];
  if (has('entra-grants')) objects.push(plural(n('entra-grants'), 'grant'));
  if (has('entra-app-roles')) objects.push(plural(n('entra-app-roles'), 'app role'));
  if (has('google-tokens')) objects.push(plural(n('google-tokens'), 'token'));
  const tail: string[] = [];
  if (has('entra-disable-app') && n('entra-disable-app') > 0) tail.push('disabled it');
  if (has('entra-sessions')) tail.push(`revoked the sessions of ${plural(n('entra-sessions'), 'user')}`);
  const what = [`${objects.length > 0 ? objects.join(' and ') : 'nothing'} of ${app}`, ...tail].join(', ');
  if (dry) return `would have revoked ${what} (dry-run, nothing changed)`;
  const partial = records.some((r) => r.status === 'partial' || r.status === 'failed');
  return `${partial ? 'PARTLY revoked' : 'revoked'} ${what}`;
}

/**
 * Renders the action message for a finding's records.
 *
 * @param records the finding's action records, in the order they ran
 */
export function renderResponseMessage(
  records: readonly ActionRecord[],
  hint: UndoHint = {},
): RenderedResponseMessage {
  const first = records[0];
  if (!first) throw new Error('renderResponseMessage needs at least one action record');
  const dry = records.every((r) => r.status === 'dry-run');
  const skipped = records.every((r) => r.status === 'skipped');
  const headline = responseHeadline(records);
  const label = dry ? 'Tripline dry-run' : skipped ? 'Tripline did not act' : 'Tripline response';
  const lines: string[] = [
    `Tripline ${headline}.`,
    '',
    `Finding:  ${first.findingId} (${first.ruleId}, ${first.severity})`,
    `          ${clean(first.title)}`,
    `Tenant:   ${first.tenant} (${first.platform === 'entra' ? 'Entra ID' : 'Google Workspace'})`,
    `App:      ${first.appName !== undefined ? `"${clean(first.appName)}"` : '(name unknown)'} ${first.appId}`,
  ];
  const reasons = [...new Set(records.map((r) => r.reason).filter((r): r is string => !!r))];
  if (dry && reasons.length > 0) lines.push(`Why dry-run: ${reasons.join('; ')}`);
  lines.push('');
  for (const r of records) {
    lines.push(`[${statusWord(r)}] ${r.actionId}: ${ACTION_TITLES[r.kind]}`);
    if (r.status === 'skipped') lines.push(`    - ${r.reason ?? 'skipped'}`);
    else if (r.status === 'dry-run') lines.push(...plannedLines(r));
    else if (r.results.length === 0) lines.push(`    - nothing to remove${r.reason ? `: ${r.reason}` : ''}`);
    else lines.push(...r.results.map(itemLine));
    if (r.error) lines.push(`    ! stopped: ${r.error}`);
    if (r.undo) lines.push(...r.undo.results.map(undoLine));
  }
  const notDone = records.flatMap((r) =>
    r.results.filter((x) => x.outcome === 'failed' || x.outcome === 'not-attempted'),
  );
  if (notDone.length > 0)
    lines.push(
      '',
      `NOT done: ${plural(notDone.length, 'item')} above are marked FAILED or NOT attempted. Remove them by hand (Entra admin center > Enterprise applications > the app > Permissions) or fix the cause and redrive the responder's dead letters.`,
    );
  if (!dry && !skipped) lines.push(...undoLines(records, hint));
  if (records.some((r) => r.kind === 'google-tokens')) lines.push('', GOOGLE_BLOCK_NOTE);
  if (records.some((r) => r.kind === 'entra-sessions' || r.kind === 'google-tokens'))
    lines.push('', SESSIONS_NOTE);
  lines.push(
    '',
    `Every action is recorded under its action id for ${'at least 90 days'}, with a snapshot of what was removed.`,
  );
  const text = `${lines.join('\n')}\n`;

  const json = JSON.stringify({
    schemaVersion: 1,
    type: 'response',
    findingId: first.findingId,
    ruleId: first.ruleId,
    tenant: first.tenant,
    appId: first.appId,
    appName: first.appName,
    headline,
    actions: records.map((r) => ({
      actionId: r.actionId,
      kind: r.kind,
      mode: r.mode,
      status: r.status,
      reason: r.reason,
      error: r.error,
      results: r.results,
      snapshot: r.snapshot,
      undo: r.undo,
    })),
  });
  const outcome = dry
    ? 'dry-run'
    : skipped
      ? 'skipped'
      : records.some((r) => r.status === 'partial' || r.status === 'failed')
        ? 'partial'
        : 'done';
  const subject = ascii(`[${label}] ${responseHeadline(records, false)}`);
  return {
    Subject: subject.length <= 99 ? subject : `${subject.slice(0, 96).trimEnd()}...`,
    Message: JSON.stringify({
      default: json,
      email: text,
      'email-json': json,
      sqs: json,
      lambda: json,
      https: json,
    }),
    MessageStructure: 'json',
    MessageAttributes: {
      type: { DataType: 'String', StringValue: 'response' },
      severity: { DataType: 'String', StringValue: first.severity },
      tenant: { DataType: 'String', StringValue: first.tenant || 'unknown' },
      findingId: { DataType: 'String', StringValue: first.findingId },
      outcome: { DataType: 'String', StringValue: outcome },
    },
  };
}

function undoLine(r: UndoItemResult): string {
  const words: Record<UndoItemResult['outcome'], string> = {
    recreated: 'recreated',
    'already-present': 'already present',
    're-enabled': 're-enabled',
    'already-enabled': 'already enabled',
    failed: 'undo FAILED',
    'not-undoable': 'cannot be undone',
  };
  return `    ~ ${r.item}: ${words[r.outcome]}${r.newId ? ` as ${r.newId}` : ''}${r.error ? ` (${r.error})` : ''}`;
}

/**
 * App names and titles come from audit logs, which an attacker writes: no control characters, line
 * breaks, bidi overrides or zero-width characters reach the message.
 */
function clean(s: string): string {
  return s
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Printable ASCII on one line: SNS refuses anything else in a Subject. */
function ascii(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The plan or outcome of one finding as terminal text (the CLI). */
export function renderResponseText(records: readonly ActionRecord[], hint: UndoHint = {}): string {
  const msg = renderResponseMessage(records, hint);
  return (JSON.parse(msg.Message) as { email: string }).email;
}
