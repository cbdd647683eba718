/**
 * The weekly operations message about allow-list entries: those past their expiry (they no longer
 * apply to new events, so what they hid is detected again) and those expiring within two weeks.
 * Pure: config and clock in, a message (or nothing to say) out.
 */
import { expiryOf } from '../rules/format/allow';
import { expiredAllowEntries, expiringAllowEntries } from './tripline-config';
import type { ConfigAllowEntry, TriplineConfig } from './tripline-config';

/** Environment of the report function, named once for infra and the function. */
export const ALLOW_REPORT_ENV = {
  /** ARN of the operations topic the report is published to. */
  OPS_TOPIC_ARN: 'OPS_TOPIC_ARN',
  /** The stack's name, for the message. */
  STACK_NAME: 'STACK_NAME',
} as const;

/** How far ahead the report looks for entries about to expire. */
export const EXPIRING_WITHIN_MS = 14 * 86_400_000;

export interface AllowReport {
  subject: string;
  body: string;
  expired: ConfigAllowEntry[];
  expiring: ConfigAllowEntry[];
}

function line(a: ConfigAllowEntry): string {
  const what =
    a.principal !== undefined
      ? `principal ${a.principal}`
      : a.app !== undefined
        ? `app ${a.app}`
        : `cidr ${a.cidr ?? ''}`;
  const scope = a.rules ? `rule ${a.rules.join(', ')}` : 'every rule';
  return `  - ${a.path}${a.line !== undefined ? ` (line ${a.line})` : ''}: ${what}, ${scope}, expires ${a.expires}: ${a.reason}`;
}

/**
 * The report for `now`, or undefined when no entry has expired or expires within two weeks.
 * @example
 * const r = allowReport(config, Date.now(), 'Tripline');
 * if (r) await sns.publish({ Subject: r.subject, Message: r.body });
 */
export function allowReport(config: TriplineConfig, now: number, stackName: string): AllowReport | undefined {
  const expired = expiredAllowEntries(config, now);
  const expiring = expiringAllowEntries(config, now, EXPIRING_WITHIN_MS).sort(
    (a, b) => (expiryOf(a.expires) ?? 0) - (expiryOf(b.expires) ?? 0),
  );
  if (!expired.length && !expiring.length) return undefined;
  const parts = [
    `Allow-list entries in ${config.file} need a decision (${stackName}, ${new Date(now).toISOString().slice(0, 10)}).`,
    '',
  ];
  if (expired.length)
    parts.push(
      `Expired: they no longer apply, so what they allowed is detected again (${expired.length}):`,
      ...expired.map(line),
      '',
    );
  if (expiring.length) parts.push(`Expiring within 14 days (${expiring.length}):`, ...expiring.map(line), '');
  parts.push(
    `Renew an entry (a later expires date and the reason it still holds) or remove it, check with \`tripline validate --config ${config.file}\`, then deploy again (\`npx cdk deploy -c config=${config.file}\`).`,
  );
  const subject = `Tripline: ${expired.length} allow-list entr${expired.length === 1 ? 'y' : 'ies'} expired, ${expiring.length} expiring soon`;
  return { subject: subject.slice(0, 99), body: parts.join('\n'), expired, expiring };
}
