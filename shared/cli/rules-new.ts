/**
 * `tripline rules new <id>`: writes a rule file to start from, of the chosen kind, with one firing
 * and one quiet case made of CloudTrail records as AWS delivers them, so `tripline test` passes on
 * it straight away and every field shows where it goes.
 */
import { mkdir, open } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { UNAVAILABLE_KINDS } from '../rules/format/schema';
import { RULE_ID_RE } from '../rules/format/schema';
import { UsageError, orList, parseArgs } from './args';
import type { FlagSpec } from './args';
import type { CommandIO } from './test-command';

const KINDS = ['match', 'threshold', 'distinct', 'new_terms', 'sequence', 'geo_velocity'];

export const RULES_NEW_FLAGS: readonly FlagSpec[] = [
  {
    name: 'kind',
    kind: 'value',
    values: KINDS,
    arg: 'KIND',
    help: `The rule kind: ${KINDS.join(', ')} (default match).`,
  },
  {
    name: 'dir',
    kind: 'value',
    arg: 'DIR',
    help: 'Folder to write <id>.yaml in (default: the current one).',
  },
  { name: 'help', short: 'h', kind: 'switch', help: 'Show this help.' },
];

export function rulesNewHelp(flagLines: (specs: readonly FlagSpec[]) => string): string {
  return `Usage: tripline rules new <id> [flags]

Writes <id>.yaml: a rule of the chosen kind with its metadata, a condition, and one firing and one
quiet test case (CloudTrail records), ready for \`tripline test\`. Edit it into your detection.
An existing file is never overwritten.

Flags:
${flagLines(RULES_NEW_FLAGS)}

Examples:
  tripline rules new access-key-for-another-user --dir detections
  tripline rules new many-access-denied --kind threshold --dir detections
`;
}

const BASE = Date.parse('2026-03-02T09:00:00Z');
const MIN = 60_000;
let seq = 0;

/** A CloudTrail management event as EventBridge and S3 deliver it. */
function ct(o: {
  name: string;
  source: string;
  at: number;
  user?: string;
  ip?: string;
  params?: Record<string, unknown> | null;
  errorCode?: string;
}): Record<string, unknown> {
  seq++;
  const user = o.user ?? 'ci-deploy';
  const hex = seq.toString(16).padStart(12, '0');
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDA4EXAMPLEUSERID01',
      arn: `arn:aws:iam::444455556666:user/${user}`,
      accountId: '444455556666',
      accessKeyId: 'AKIA4EXAMPLEKEY00001',
      userName: user,
    },
    eventTime: new Date(o.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: o.source,
    eventName: o.name,
    awsRegion: 'us-east-1',
    sourceIPAddress: o.ip ?? '198.51.100.23',
    userAgent: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22',
    ...(o.errorCode
      ? { errorCode: o.errorCode, errorMessage: 'User is not authorized to perform this operation' }
      : {}),
    requestParameters: o.params ?? null,
    responseElements: null,
    requestID: `5b1e2c3d-4e5f-4a6b-8c7d-${hex}`,
    eventID: `e1d0c2b3-a4f5-4e6d-9c8b-${hex}`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '444455556666',
    eventCategory: 'Management',
  };
}

function scaffold(id: string, kind: string): Record<string, unknown> {
  const meta = {
    id,
    title: '',
    description: '',
    kind,
    severity: 'medium',
    attack: ['T1098.001'],
    sources: ['aws.cloudtrail'],
  };
  const tail = {
    runbook: [
      'Find out who made the call (userIdentity in the evidence) and whether it was planned.',
      'If it was not, revoke what it created and rotate the credentials it used.',
    ],
    falsePositives: [
      'Administrators doing this on purpose; allow-list them with an allow entry and an expiry.',
    ],
  };
  const keyFor = (user: string, at: number, errorCode?: string) =>
    ct({
      name: 'CreateAccessKey',
      source: 'iam.amazonaws.com',
      at,
      params: { userName: user },
      ...(errorCode ? { errorCode } : {}),
    });
  switch (kind) {
    case 'threshold':
      return {
        ...meta,
        title: 'Many denied AWS calls by {group}',
        description:
          'One principal was denied many AWS API calls in a few minutes: someone probing what stolen credentials may do.',
        attack: ['T1580'],
        actions: undefined,
        when: {
          field: 'errorCode',
          in: ['AccessDenied', 'UnauthorizedOperation', 'Client.UnauthorizedOperation'],
        },
        groupBy: 'actor.id',
        count: 5,
        window: '10m',
        unit: 'denied calls',
        ...tail,
        tests: [
          {
            name: 'fires when the 5th denied call lands inside 10 minutes',
            records: [0, 1, 2, 3, 4].map((i) =>
              ct({
                name: 'ListUsers',
                source: 'iam.amazonaws.com',
                at: BASE + i * MIN,
                errorCode: 'AccessDenied',
              }),
            ),
            expect: { findings: 1 },
          },
          {
            name: 'stays quiet for 4 denied calls',
            records: [0, 1, 2, 3].map((i) =>
              ct({
                name: 'ListUsers',
                source: 'iam.amazonaws.com',
                at: BASE + i * MIN,
                errorCode: 'AccessDenied',
              }),
            ),
            expect: { findings: 0 },
          },
        ],
      };
    case 'distinct':
      return {
        ...meta,
        title: '{group} read {observed} secrets in a few minutes',
        description:
          'One principal read many different secrets in a short time: a sweep of Secrets Manager with stolen credentials.',
        attack: ['T1555.006'],
        actions: ['GetSecretValue'],
        when: { field: 'outcome', equals: 'success' },
        groupBy: 'actor.id',
        field: 'params.secretId',
        count: 5,
        window: '10m',
        unit: 'secrets',
        ...tail,
        tests: [
          {
            name: 'fires when 5 different secrets are read inside 10 minutes',
            records: [0, 1, 2, 3, 4].map((i) =>
              ct({
                name: 'GetSecretValue',
                source: 'secretsmanager.amazonaws.com',
                at: BASE + i * MIN,
                params: { secretId: `prod/db-${i}` },
              }),
            ),
            expect: { findings: 1 },
          },
          {
            name: 'stays quiet when one secret is read 5 times',
            records: [0, 1, 2, 3, 4].map((i) =>
              ct({
                name: 'GetSecretValue',
                source: 'secretsmanager.amazonaws.com',
                at: BASE + i * MIN,
                params: { secretId: 'prod/db-0' },
              }),
            ),
            expect: { findings: 0 },
          },
        ],
      };
    case 'new_terms':
      return {
        ...meta,
        title: '{group} called AWS from a new address {term}',
        description:
          'An IAM user called AWS from an IP address not seen for it in 14 days: possibly its keys used from elsewhere.',
        attack: ['T1078.004'],
        groupBy: 'actor.id',
        term: 'actor.ip',
        history: '14d',
        learning: '1d',
        termLabel: 'source IP',
        ...tail,
        tests: [
          {
            name: 'fires on a new address once the baseline is a day old',
            records: [
              ct({ name: 'ListBuckets', source: 's3.amazonaws.com', at: BASE }),
              ct({
                name: 'ListBuckets',
                source: 's3.amazonaws.com',
                at: BASE + 2 * 1440 * MIN,
                ip: '203.0.113.50',
              }),
            ],
            expect: { findings: 1 },
          },
          {
            name: 'stays quiet on the known address',
            records: [
              ct({ name: 'ListBuckets', source: 's3.amazonaws.com', at: BASE }),
              ct({ name: 'ListBuckets', source: 's3.amazonaws.com', at: BASE + 2 * 1440 * MIN }),
            ],
            expect: { findings: 0 },
          },
        ],
      };
    case 'sequence':
      return {
        ...meta,
        title: 'Access key made for {actor.name}, then trail logging stopped',
        description:
          'An access key was created and the same principal then stopped or deleted CloudTrail logging within an hour: persistence, then covering tracks.',
        attack: ['T1098.001', 'T1562.008'],
        severity: 'high',
        by: 'actor.id',
        steps: [
          { rules: [`${id}-key`], label: 'access key created' },
          { rules: ['cloud-logging-disabled'], label: 'logging stopped' },
        ],
        window: '1h',
        ...tail,
        tests: [
          {
            name: 'fires when the key is followed by StopLogging within the hour',
            records: [
              keyFor('svc-report', BASE),
              ct({
                name: 'StopLogging',
                source: 'cloudtrail.amazonaws.com',
                at: BASE + 10 * MIN,
                params: { name: 'org-trail' },
              }),
            ],
            withRules: [`${id}-key`],
            expect: { findings: 1 },
          },
          {
            name: 'stays quiet when logging is stopped without a new key',
            records: [
              ct({
                name: 'StopLogging',
                source: 'cloudtrail.amazonaws.com',
                at: BASE + 10 * MIN,
                params: { name: 'org-trail' },
              }),
            ],
            expect: { findings: 0 },
          },
        ],
        note: `The step rule ${id}-key is written next to this file.`,
      };
    default:
      return {
        ...meta,
        title: '{actor.name} created an access key for {params.userName}',
        description:
          'An IAM access key was created: long-lived credentials an attacker keeps after the first way in is closed.',
        actions: ['CreateAccessKey'],
        when: {
          all: [
            { field: 'outcome', equals: 'success' },
            { field: 'params.userName', exists: true },
          ],
        },
        ...tail,
        tests: [
          {
            name: 'fires when an access key is created',
            records: [keyFor('svc-report', BASE)],
            expect: { findings: 1 },
          },
          {
            name: 'stays quiet when the call was denied',
            records: [keyFor('svc-report', BASE, 'AccessDenied')],
            expect: { findings: 0 },
          },
        ],
      };
  }
}

function render(doc: Record<string, unknown>, schemaRef: string): string {
  const { note: _note, ...rest } = doc;
  const clean = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return `# yaml-language-server: $schema=${schemaRef}\n# Tripline rule: docs/rules.md. Check it with \`tripline test\`.\n${stringify(clean, { lineWidth: 110 })}`;
}

async function writeNew(abs: string, shown: string, text: string): Promise<void> {
  try {
    const fh = await open(abs, 'wx');
    await fh.writeFile(text);
    await fh.close();
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new UsageError(
      code === 'EEXIST'
        ? `${shown} exists already; choose another id or --dir (it is never overwritten).`
        : `cannot write ${shown}: ${(err as Error).message}.`,
    );
  }
}

/** Runs `tripline rules new` and resolves to its exit code. */
export async function rulesNewCommand(
  argv: readonly string[],
  io: CommandIO,
  flagLines: (specs: readonly FlagSpec[]) => string,
): Promise<number> {
  const hint = 'Run `tripline rules new --help`.';
  const { flags, positionals } = parseArgs(argv, RULES_NEW_FLAGS, hint);
  if (flags.has('help')) {
    io.out.write(rulesNewHelp(flagLines));
    return 0;
  }
  const [id, ...extra] = positionals;
  if (id === undefined)
    throw new UsageError(`rules new needs a rule id, e.g. \`tripline rules new my-detection\`. ${hint}`);
  if (extra.length) throw new UsageError(`rules new takes one id (got ${orList([id, ...extra])}). ${hint}`);
  if (!RULE_ID_RE.test(id))
    throw new UsageError(`'${id}' is not a rule id: use kebab-case, like admin-consent-all-users. ${hint}`);
  if (io.rules.some((r) => r.id === id))
    io.err.write(`tripline: note: '${id}' is a shipped rule; your file replaces it wherever it is loaded.\n`);
  const kind = (flags.get('kind') as string | undefined) ?? 'match';
  if (UNAVAILABLE_KINDS[kind]) throw new UsageError(`${UNAVAILABLE_KINDS[kind]}. ${hint}`);
  const dirArg = (flags.get('dir') as string | undefined) ?? '.';
  const dir = isAbsolute(dirArg) ? dirArg : resolve(io.cwd, dirArg);
  const schemaRef =
    relative(dir, join(__dirname, '..', '..', 'schemas', 'rule.schema.json')) || 'rule.schema.json';
  const doc = scaffold(id, kind);
  const written: string[] = [];
  await mkdir(dir, { recursive: true }).catch((err: Error) => {
    throw new UsageError(`cannot create the folder ${dirArg}: ${err.message}.`);
  });
  if (kind === 'sequence') {
    const step = scaffold(`${id}-key`, 'match');
    step['emit'] = false;
    step['title'] = 'Access key created by {actor.name}';
    step['falsePositives'] = [];
    step['tests'] = [
      {
        name: 'signals when an access key is created',
        records: [
          ct({
            name: 'CreateAccessKey',
            source: 'iam.amazonaws.com',
            at: BASE,
            params: { userName: 'svc-report' },
          }),
        ],
        expect: { findings: 0, signals: 1 },
      },
      {
        name: 'stays quiet on other calls',
        records: [ct({ name: 'ListUsers', source: 'iam.amazonaws.com', at: BASE })],
        expect: { findings: 0, signals: 0 },
      },
    ];
    const shown = join(dirArg, `${id}-key.yaml`);
    await writeNew(join(dir, `${id}-key.yaml`), shown, render(step, schemaRef));
    written.push(shown);
  }
  const shown = join(dirArg, `${id}.yaml`);
  await writeNew(join(dir, `${id}.yaml`), shown, render(doc, schemaRef));
  written.push(shown);
  io.out.write(
    `wrote ${written.join(' and ')} (${kind}). Next: edit it, then \`tripline test ${dirArg}\` and \`tripline replay <logs> --rules ${dirArg}\`.\n`,
  );
  return 0;
}
