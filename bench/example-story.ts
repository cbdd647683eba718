/**
 * The Contoso example story: builds the files under examples/ from the record builders in
 * bench/generate.ts, deterministically (same code, same bytes).
 *
 *   node bin/run-ts.cjs bench/example-story.ts        # rewrite examples/ data files
 *
 * examples/README.md tells the story; test/examples/example-story.test.ts replays the files and
 * checks the findings, and that the committed files are what this script writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DAY,
  MINUTE,
  Rng,
  assumedRoleIdentity,
  at,
  awsServiceIdentity,
  cloudTrailRecord,
  directoryUser,
  entraAudit,
  entraSignIn,
  entraUserConsent,
  iamUserIdentity,
  isoSec,
  mp,
  mpList,
  sidDomain,
  ualExchangeCmdlet,
  ualFileOperation,
  ualMailItemsAccessed,
  workspaceActivity,
  workspaceAuthorize,
  workspaceLogin,
  wsp,
  LOGON_DELEGATE,
  LOGON_OWNER,
} from './generate';
import type { CloudTrailSpec, DirectoryUser, GeoPlace, SignInSpec } from './generate';

export const TENANT_ID = '7d3e4c2a-91b5-4f0e-8a6d-2c9b1e5f4a70';
export const ORG_NAME = 'contoso.onmicrosoft.com';
export const AWS_ACCOUNT = '444455556666';
export const GOOGLE_CUSTOMER = 'C03x9k2m1';
export const SPRAY_IP = '185.220.101.47';
export const BRUTE_IP = '45.155.205.233';
export const ARCHIVER_APP_ID = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';
export const ARCHIVER_NAME = 'Mail Archiver Pro';
export const PDF_CLIENT_ID = '884512730021-q7v3m9k2l5x8c1n4b6z0d2f9h3j7p5r8.apps.googleusercontent.com';
export const PDF_APP_NAME = 'PDF Converter Pro';

/** Paths of the example files, relative to the repository root. */
export const EXAMPLE_FILES = {
  audit: 'examples/entra/audit-logs.json',
  signin: 'examples/entra/signin-logs.json',
  m365: 'examples/m365/unified-audit.json',
  cloudtrail: 'examples/aws/cloudtrail/444455556666_CloudTrail_us-east-1_20260302T1200Z_a1b2.json.gz',
  workspace: 'examples/workspace/reports-activities.json',
} as const;

export interface ExampleFile {
  path: string;
  /** Bytes as written (gzip for the CloudTrail file). */
  content: Buffer;
  /** The uncompressed text. */
  text: string;
  records: number;
}

type Timed = { t: number; rec: Record<string, unknown> };

const FIRST_DAY = at('2026-02-16T00:00:00');
const LAST_DAY = at('2026-03-04T00:00:00');
const ATTACK_DAY = at('2026-03-02T00:00:00');
/** CloudTrail delivers nothing between StopLogging and StartLogging. */
const TRAIL_OFF = { from: at('2026-03-03T02:14:07'), to: at('2026-03-03T15:10:22') };

const OFFICE_IP = '203.0.113.24';
const LABS_OFFICE_IP = '203.0.113.140';
const ARCHIVER_IPS = ['20.42.128.17', '20.42.128.33'];
const CI_RUNNER_IPS = ['198.51.100.201', '198.51.100.202', '198.51.100.205', '198.51.100.207'];
const EC2_NAT_IP = '203.0.113.90';

const SEATTLE: GeoPlace = {
  city: 'Seattle',
  state: 'Washington',
  countryOrRegion: 'US',
  latitude: 47.6062,
  longitude: -122.3321,
};
const BELLEVUE: GeoPlace = {
  city: 'Bellevue',
  state: 'Washington',
  countryOrRegion: 'US',
  latitude: 47.6101,
  longitude: -122.2015,
};
const FRANKFURT: GeoPlace = {
  city: 'Frankfurt am Main',
  state: 'Hessen',
  countryOrRegion: 'DE',
  latitude: 50.1109,
  longitude: 8.6821,
};
const AMSTERDAM: GeoPlace = {
  city: 'Amsterdam',
  state: 'Noord-Holland',
  countryOrRegion: 'NL',
  latitude: 52.3676,
  longitude: 4.9041,
};
const SOFIA: GeoPlace = {
  city: 'Sofia',
  state: 'Sofia-Capital',
  countryOrRegion: 'BG',
  latitude: 42.6977,
  longitude: 23.3219,
};

const APP_OFFICE = { id: 'd3590ed6-52b3-4102-aeff-aad2292ab01c', name: 'Microsoft Office' };
const APP_OFFICEHOME = { id: '4765445b-32c6-49b0-83e6-1d93765276ca', name: 'OfficeHome' };
const APP_TEAMS = { id: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', name: 'Microsoft Teams' };
const APP_AAD_PS = { id: '1b730954-1685-4b74-9bfd-dac224a7b894', name: 'Azure Active Directory PowerShell' };
const APP_EXO = { id: '00000002-0000-0ff1-ce00-000000000000', name: 'Office 365 Exchange Online' };
const RES_EXO = APP_EXO;
const RES_AAD = { id: '00000002-0000-0000-c000-000000000000', name: 'Windows Azure Active Directory' };
const RES_GRAPH = { id: '00000003-0000-0000-c000-000000000000', name: 'Microsoft Graph' };
const RES_OFFICEHOME = { id: '4765445b-32c6-49b0-83e6-1d93765276ca', name: 'OfficeHome' };
const RES_TEAMS = { id: 'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe', name: 'Microsoft Teams Services' };

const OUTLOOK_APP_ID = 'd3590ed6-52b3-4102-aeff-aad2292ab01c';
const OWA_APP_ID = '00000002-0000-0ff1-ce00-000000000000';
const SP_WEB_APP_ID = '08e18876-6177-487e-b8b5-cf950c1e598c';
const ONEDRIVE_SYNC_APP_ID = 'ab9b8c07-8f02-4f72-87fa-80105867a763';
const EXO_REST_PS_APP_ID = 'fb78d390-0c51-40cd-8e17-fdbfab77341b';

const UA_WIN_EDGE =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0';
const UA_MAC_CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36';
const UA_OUTLOOK_WIN = 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18429; Pro)';
const UA_OUTLOOK_MAC = 'Microsoft Office/16.0 (Macintosh; Mac OS X 14.7; Microsoft Outlook 16.94)';
const UA_SPRAY = 'python-requests/2.31.0';
const UA_ATTACKER_BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const UA_ARCHIVER = 'MailArchiverPro/2.4.1 (+https://mailarchiverpro.example/bot)';
const UA_ONEDRIVE = 'Microsoft SkyDriveSync 25.020.0202.0002 ship; Windows NT 10.0 (26100)';

interface Person {
  user: DirectoryUser;
  os: 'win' | 'mac';
  homeIp: string;
  /** 'daily' users work every weekday and read mail every day; others come in on some days. */
  days: 'daily' | number[];
  mfa: boolean;
  /** Minutes after 15:30 UTC (07:30 in Seattle) when the work day starts. */
  start: number;
}

/** Weekday of a day start (0 Sunday). */
function weekday(day: number): number {
  return new Date(day).getUTCDay();
}

function eachDay(from: number, to: number): number[] {
  const out: number[] = [];
  for (let d = from; d <= to; d += DAY) out.push(d);
  return out;
}

function sortByTime(list: Timed[]): Timed[] {
  return list.sort((a, b) => a.t - b.t);
}

function messageId(rng: Rng): string {
  const host = `${rng.pick(['BN0PR04MB', 'SA1PR04MB', 'CH3PR04MB', 'MW4PR04MB'])}${rng.int(1000, 9999)}`;
  return `<${host}${rng.chars(12, '0123456789ABCDEF')}@${host}.namprd04.prod.outlook.com>`;
}

function externalMessageId(rng: Rng): string {
  return `<${rng.hex(8)}.${rng.hex(12)}@${rng.pick(['mail.fabrikam.example', 'smtp.northwind.example', 'notify.adatum.example', 'mx.tailspin.example'])}>`;
}

/** Builds every example file. Pure: no I/O. */
export function buildExampleFiles(): ExampleFile[] {
  const rng = new Rng('contoso-example-2026-03');
  const dom = sidDomain(rng);
  const u = (name: string, display: string) => directoryUser(rng, `${name}@contoso.com`, display, dom);
  const alice = u('alice', 'Alice Nguyen');
  const bob = u('bob', 'Bob Martinez');
  const dave = u('dave', 'Dave Okafor');
  const erin = u('erin', 'Erin Schulz');
  const finance = u('finance', 'Finance Team');
  const frank = u('frank', 'Frank Li');
  const grace = u('grace', 'Grace Kim');
  const henry = u('henry', 'Henry Adams');
  const ivan = u('ivan', 'Ivan Petrov');
  const judy = u('judy', 'Judy Chen');
  const paul = u('paul', 'Paul Wright');

  const people: Person[] = [
    { user: alice, os: 'win', homeIp: '198.51.100.17', days: 'daily', mfa: true, start: 0 },
    { user: bob, os: 'win', homeIp: '198.51.100.23', days: 'daily', mfa: false, start: 25 },
    { user: dave, os: 'mac', homeIp: '198.51.100.52', days: 'daily', mfa: true, start: 40 },
    { user: erin, os: 'win', homeIp: '198.51.100.61', days: 'daily', mfa: true, start: 10 },
    { user: finance, os: 'win', homeIp: OFFICE_IP, days: 'daily', mfa: true, start: 5 },
    { user: frank, os: 'mac', homeIp: '198.51.100.81', days: 'daily', mfa: true, start: 60 },
    { user: grace, os: 'win', homeIp: '198.51.100.94', days: [1, 4], mfa: true, start: 30 },
    { user: henry, os: 'win', homeIp: '198.51.100.102', days: [2], mfa: true, start: 15 },
    { user: ivan, os: 'win', homeIp: '198.51.100.115', days: [1, 3, 5], mfa: true, start: 50 },
    { user: judy, os: 'win', homeIp: '198.51.100.126', days: [2, 4], mfa: true, start: 20 },
  ];

  const signins: Timed[] = [];
  const audits: Timed[] = [];
  const ual: Timed[] = [];
  const trail: Timed[] = [];
  const gws: Timed[] = [];

  // --- Entra sign-in helpers -----------------------------------------------------------------
  const device = (p: Person, browser: boolean) =>
    p.os === 'win'
      ? {
          operatingSystem: 'Windows10',
          browser: browser ? 'Edge 133.0.0' : 'Rich Client 16.0.18429',
          deviceId: p.user.mailboxGuid,
          displayName: `CONTOSO-${p.user.upn.split('@')[0]?.toUpperCase() ?? ''}-LT`,
          isCompliant: true,
          isManaged: true,
          trustType: 'Azure AD joined',
        }
      : {
          operatingSystem: 'MacOs',
          browser: browser ? 'Chrome 133.0.0' : 'Rich Client 16.94',
          isCompliant: false,
          isManaged: false,
        };
  const signIn = (
    p: Person,
    t: number,
    o: Partial<SignInSpec> & { errorCode?: number; browser?: boolean; atHome?: boolean } = {},
  ) => {
    const browser = o.browser ?? false;
    const spec: SignInSpec = {
      time: t,
      tenantId: TENANT_ID,
      user: p.user,
      app: o.app ?? (browser ? APP_OFFICEHOME : APP_OFFICE),
      resource: o.resource ?? (browser ? RES_OFFICEHOME : RES_EXO),
      ip: o.ip ?? (o.atHome ? p.homeIp : OFFICE_IP),
      errorCode: o.errorCode ?? 0,
      clientAppUsed: o.clientAppUsed ?? (browser ? 'Browser' : 'Mobile Apps and Desktop clients'),
      userAgent:
        o.userAgent ??
        (browser
          ? p.os === 'win'
            ? UA_WIN_EDGE
            : UA_MAC_CHROME
          : p.os === 'win'
            ? UA_OUTLOOK_WIN
            : UA_OUTLOOK_MAC),
      device: o.device ?? device(p, browser),
      place: o.place ?? (o.atHome ? BELLEVUE : SEATTLE),
      mfa: o.mfa ?? p.mfa,
      isInteractive: o.isInteractive ?? true,
    };
    if (o.authenticationProtocol !== undefined) spec.authenticationProtocol = o.authenticationProtocol;
    if (o.risk !== undefined) spec.risk = o.risk;
    signins.push({ t, rec: entraSignIn(rng, spec) });
  };

  // --- UAL helpers ---------------------------------------------------------------------------
  const outlookSync = (p: Person, owner: DirectoryUser, t: number, ip: string) => {
    const delegate = owner !== p.user;
    ual.push({
      t,
      rec: ualMailItemsAccessed(rng, {
        time: t,
        tenantId: TENANT_ID,
        orgName: ORG_NAME,
        user: p.user,
        owner,
        logonType: delegate ? LOGON_DELEGATE : LOGON_OWNER,
        accessType: 'Sync',
        appId: OUTLOOK_APP_ID,
        clientAppId: OUTLOOK_APP_ID,
        clientIp: ip,
        clientInfoString: 'Client=MSExchangeRPC',
        folders: rng.chance(0.5) ? [{ path: '\\Inbox' }, { path: '\\Sent Items' }] : [{ path: '\\Inbox' }],
        sessionId: rng.guid(),
        server: `BN0PR04MB${rng.int(6000, 8999)}`,
      }),
    });
  };
  const owaBind = (p: Person, t: number, ip: string) => {
    const n = rng.int(1, 3);
    const items = [];
    for (let i = 0; i < n; i++)
      items.push({
        internetMessageId: rng.chance(0.6) ? messageId(rng) : externalMessageId(rng),
        sizeInBytes: rng.int(6_000, 240_000),
      });
    ual.push({
      t,
      rec: ualMailItemsAccessed(rng, {
        time: t,
        tenantId: TENANT_ID,
        orgName: ORG_NAME,
        user: p.user,
        owner: p.user,
        logonType: LOGON_OWNER,
        accessType: 'Bind',
        appId: OWA_APP_ID,
        clientAppId: '',
        clientIp: ip,
        clientInfoString: 'Client=OWA;Action=ViaProxy',
        folders: [{ path: '\\Inbox', items }],
        sessionId: rng.guid(),
        server: `BN0PR04MB${rng.int(6000, 8999)}`,
      }),
    });
  };

  const sites = {
    finance: {
      url: 'https://contoso.sharepoint.com/sites/Finance/',
      site: rng.guid(),
      web: rng.guid(),
      list: rng.guid(),
    },
    sales: {
      url: 'https://contoso.sharepoint.com/sites/Sales/',
      site: rng.guid(),
      web: rng.guid(),
      list: rng.guid(),
    },
    eng: {
      url: 'https://contoso.sharepoint.com/sites/Engineering/',
      site: rng.guid(),
      web: rng.guid(),
      list: rng.guid(),
    },
    hr: {
      url: 'https://contoso.sharepoint.com/sites/HR/',
      site: rng.guid(),
      web: rng.guid(),
      list: rng.guid(),
    },
    bobOd: {
      url: 'https://contoso-my.sharepoint.com/personal/bob_contoso_com/',
      site: rng.guid(),
      web: rng.guid(),
      list: rng.guid(),
    },
  };
  type Site = (typeof sites)[keyof typeof sites];
  const userFiles: Array<{ who: DirectoryUser; site: Site; folder: string; files: string[] }> = [
    {
      who: finance,
      site: sites.finance,
      folder: 'Shared Documents/Payables',
      files: ['AP-aging-2026-02.xlsx', 'Vendor-master.xlsx', 'Payment-run-2026-02-20.csv'],
    },
    {
      who: bob,
      site: sites.sales,
      folder: 'Shared Documents/Pipeline',
      files: ['Q1-pipeline.xlsx', 'Northwind-proposal.docx', 'Pricing-2026.pdf'],
    },
    {
      who: erin,
      site: sites.hr,
      folder: 'Shared Documents/Policies',
      files: ['Handbook-2026.pdf', 'Benefits-overview.docx'],
    },
    {
      who: frank,
      site: sites.eng,
      folder: 'Shared Documents/Runbooks',
      files: ['Release-checklist.docx', 'Oncall-rotation.xlsx'],
    },
    {
      who: dave,
      site: sites.sales,
      folder: 'Shared Documents/Campaigns',
      files: ['Spring-launch-brief.docx', 'Brand-assets.zip'],
    },
  ];
  const fileOp = (
    who: DirectoryUser,
    site: Site,
    folder: string,
    file: string,
    t: number,
    ip: string,
    op: 'FileAccessed' | 'FileDownloaded',
    sync: boolean,
  ) => {
    ual.push({
      t,
      rec: ualFileOperation(rng, {
        time: t,
        tenantId: TENANT_ID,
        operation: op,
        workload: site.url.includes('-my.') ? 'OneDrive' : 'SharePoint',
        user: who,
        clientIp: ip,
        siteUrl: site.url,
        folder,
        fileName: file,
        fileSize: rng.int(18_000, 2_400_000),
        applicationId: sync ? ONEDRIVE_SYNC_APP_ID : SP_WEB_APP_ID,
        userAgent: sync ? UA_ONEDRIVE : UA_WIN_EDGE,
        siteId: site.site,
        webId: site.web,
        listId: site.list,
        isManagedDevice: true,
        platform: 'WinDesktop',
        browser: sync ? { name: '', version: '' } : { name: 'Edge', version: '133.0.0.0' },
      }),
    });
  };

  // --- a) baseline: 2026-02-16 .. 2026-03-04, every working day ------------------------------
  const jitter = () => rng.int(0, 20) * MINUTE + rng.int(0, 59) * 1000;
  for (const day of eachDay(FIRST_DAY, LAST_DAY)) {
    const wd = weekday(day);
    const workday = wd >= 1 && wd <= 5;
    for (const p of people) {
      const works = p.days === 'daily' ? workday : p.days.includes(wd);
      // Alice checks mail on Saturday mornings from home; nobody else works weekends.
      const weekendCheck = !workday && p.user === alice && wd === 6;
      if (!works && !weekendCheck) continue;
      const atHome = weekendCheck || (p.homeIp !== OFFICE_IP && rng.chance(0.25));
      const ip = atHome ? p.homeIp : OFFICE_IP;
      const t0 = day + 15 * 60 * MINUTE + 30 * MINUTE + p.start * MINUTE + jitter();
      if (day === ATTACK_DAY && p.user === bob) continue; // bob's Monday is written with the attack below
      signIn(p, t0, { atHome });
      if (rng.chance(0.15)) signIn(p, t0 + rng.int(40, 200) * MINUTE, { atHome, browser: true });
      if (rng.chance(0.06))
        signIn(p, t0 + rng.int(5, 30) * MINUTE, {
          atHome,
          app: APP_TEAMS,
          resource: RES_TEAMS,
          userAgent: p.os === 'win' ? UA_WIN_EDGE : UA_MAC_CHROME,
          clientAppUsed: 'Mobile Apps and Desktop clients',
        });
      if (p.days === 'daily') {
        outlookSync(p, p.user, t0 + rng.int(1, 6) * MINUTE, ip);
        if (p.user === bob && rng.chance(0.6)) outlookSync(p, finance, t0 + rng.int(8, 40) * MINUTE, ip);
        if (rng.chance(0.2)) owaBind(p, t0 + rng.int(60, 300) * MINUTE, ip);
      }
      if (workday && rng.chance(0.35)) {
        const f = userFiles.find((x) => x.who === p.user);
        if (f) {
          const sync = rng.chance(0.4);
          fileOp(
            p.user,
            f.site,
            f.folder,
            rng.pick(f.files),
            t0 + rng.int(30, 360) * MINUTE,
            ip,
            sync ? 'FileDownloaded' : 'FileAccessed',
            sync,
          );
        }
      }
    }
  }
  const byUser = (x: DirectoryUser) => people.find((p) => p.user === x) as Person;

  // Quiet failures: a typo, an MFA prompt, a "stay signed in?" interrupt, background noise.
  signIn(byUser(dave), at('2026-02-18T16:02:11'), { errorCode: 50126, browser: true });
  signIn(byUser(dave), at('2026-02-18T16:02:58'), { browser: true });
  signIn(byUser(judy), at('2026-02-19T16:20:40'), { errorCode: 50140, browser: true });
  signIn(byUser(judy), at('2026-02-19T16:20:52'), { browser: true });
  signIn(byUser(frank), at('2026-02-22T04:40:19'), {
    errorCode: 50126,
    ip: '192.0.2.77',
    place: SOFIA,
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    browser: true,
    device: { operatingSystem: 'Windows10', browser: 'Chrome 120.0.0' },
  });
  signIn(byUser(erin), at('2026-02-24T17:11:05'), { errorCode: 50126, browser: true });
  signIn(byUser(erin), at('2026-02-24T17:11:49'), { browser: true });
  signIn(byUser(ivan), at('2026-02-26T15:55:30'), { errorCode: 50126, browser: true });
  signIn(byUser(ivan), at('2026-02-26T16:40:12'), { errorCode: 50126, browser: true });
  signIn(byUser(ivan), at('2026-02-26T16:41:03'), { browser: true });
  signIn(byUser(alice), at('2026-02-27T18:02:07'), {
    errorCode: 50074,
    browser: true,
    app: { id: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', name: 'Azure Portal' },
    resource: { id: '797f4846-ba00-4fd7-ba43-dac1f8f63013', name: 'Windows Azure Service Management API' },
  });
  signIn(byUser(alice), at('2026-02-27T18:02:41'), {
    browser: true,
    app: { id: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', name: 'Azure Portal' },
    resource: { id: '797f4846-ba00-4fd7-ba43-dac1f8f63013', name: 'Windows Azure Service Management API' },
  });

  // Routine directory administration by Alice (IT).
  const hrTeam = rng.guid();
  const falcon = rng.guid();
  const mfaGroup = rng.guid();
  const memberOf = (t: number, who: DirectoryUser, groupId: string, groupName: string) =>
    audits.push({
      t,
      rec: entraAudit(rng, {
        time: t,
        tenantId: TENANT_ID,
        activity: 'Add member to group',
        category: 'GroupManagement',
        operationType: 'Assign',
        initiatedBy: { user: alice, ip: OFFICE_IP },
        targets: [
          {
            id: who.id,
            displayName: null,
            type: 'User',
            userPrincipalName: who.upn,
            modifiedProperties: [
              mp('Group.ObjectID', groupId),
              mp('Group.DisplayName', groupName),
              mp('Group.WellKnownObjectName', null),
            ],
          },
          { id: groupId, displayName: null, type: 'Group', modifiedProperties: [] },
        ],
      }),
    });
  memberOf(at('2026-02-17T17:05:33'), erin, hrTeam, 'HR Team');
  audits.push({
    t: at('2026-02-19T16:30:12'),
    rec: entraAudit(rng, {
      time: at('2026-02-19T16:30:12'),
      tenantId: TENANT_ID,
      activity: 'Update user',
      category: 'UserManagement',
      operationType: 'Update',
      initiatedBy: { user: alice, ip: OFFICE_IP },
      targets: [
        {
          id: ivan.id,
          displayName: null,
          type: 'User',
          userPrincipalName: ivan.upn,
          modifiedProperties: [
            mpList('JobTitle', ['Support Lead'], ['Support Engineer']),
            mp('Included Updated Properties', 'JobTitle'),
          ],
        },
      ],
      additionalDetails: [{ key: 'UserType', value: 'Member' }],
    }),
  });
  audits.push({
    t: at('2026-02-23T17:45:02'),
    rec: entraAudit(rng, {
      time: at('2026-02-23T17:45:02'),
      tenantId: TENANT_ID,
      activity: 'Reset user password',
      category: 'UserManagement',
      operationType: 'Update',
      initiatedBy: { user: alice, ip: OFFICE_IP },
      targets: [
        {
          id: henry.id,
          displayName: null,
          type: 'User',
          userPrincipalName: henry.upn,
          modifiedProperties: [],
        },
      ],
    }),
  });
  audits.push({
    t: at('2026-02-23T17:52:40'),
    rec: entraAudit(rng, {
      time: at('2026-02-23T17:52:40'),
      tenantId: TENANT_ID,
      activity: 'Change user password',
      category: 'UserManagement',
      operationType: 'Update',
      initiatedBy: { user: henry, ip: OFFICE_IP },
      targets: [
        {
          id: henry.id,
          displayName: null,
          type: 'User',
          userPrincipalName: henry.upn,
          modifiedProperties: [],
        },
      ],
    }),
  });
  // Dave signs in to a whiteboard app with his work account: sign-in scopes only.
  for (const r of entraUserConsent(rng, {
    time: at('2026-02-25T18:20:14'),
    tenantId: TENANT_ID,
    user: dave,
    ip: OFFICE_IP,
    userAgent: UA_MAC_CHROME,
    app: {
      appId: '3c9a7e51-2b84-4f0d-a6e3-9d1c5b7f2e48',
      name: 'Whiteboard Hub',
      replyUrl: 'https://app.whiteboardhub.example/auth/microsoft/callback',
    },
    servicePrincipalId: rng.guid(),
    graphServicePrincipalId: 'b2f1e7a4-5c3d-4e9b-8a6f-0d1c2e3f4a5b',
    scopes: ['openid', 'profile', 'email', 'User.Read', 'offline_access'],
  })) {
    audits.push({ t: at('2026-02-25T18:20:14'), rec: r });
  }
  audits.push({
    t: at('2026-02-26T16:10:44'),
    rec: entraAudit(rng, {
      time: at('2026-02-26T16:10:44'),
      tenantId: TENANT_ID,
      activity: 'Add group',
      category: 'GroupManagement',
      operationType: 'Add',
      initiatedBy: { user: alice, ip: OFFICE_IP },
      targets: [
        {
          id: falcon,
          displayName: 'Project Falcon',
          type: 'Group',
          modifiedProperties: [
            mpList('DisplayName', ['Project Falcon']),
            mpList('MailNickname', ['ProjectFalcon']),
            mp('Included Updated Properties', 'DisplayName, MailNickname'),
          ],
        },
      ],
    }),
  });
  memberOf(at('2026-02-26T16:12:09'), frank, falcon, 'Project Falcon');
  memberOf(at('2026-02-26T16:12:31'), dave, falcon, 'Project Falcon');

  // Exchange administration that is not an attack: a filing rule, a leaver's mail to his assistant.
  ual.push({
    t: at('2026-02-24T17:31:26'),
    rec: ualExchangeCmdlet(rng, {
      time: at('2026-02-24T17:31:26'),
      tenantId: TENANT_ID,
      orgName: ORG_NAME,
      user: erin,
      cmdlet: 'New-InboxRule',
      parameters: [
        ['AlwaysDeleteOutlookRulesBlob', 'False'],
        ['Force', 'False'],
        ['From', 'news@hrweekly.example'],
        ['MoveToFolder', 'Newsletters'],
        ['Name', 'HR Weekly'],
        ['StopProcessingRules', 'False'],
      ],
      objectId: `BN0PR04A003.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/${ORG_NAME}/erin\\HR Weekly`,
      clientIp: `${OFFICE_IP}:51234`,
      appId: OWA_APP_ID,
      appPoolName: 'MSExchangeOWAAppPool',
      server: 'BN0PR04MB7412',
      sessionId: rng.guid(),
    }),
  });
  ual.push({
    t: at('2026-02-26T19:02:51'),
    rec: ualExchangeCmdlet(rng, {
      time: at('2026-02-26T19:02:51'),
      tenantId: TENANT_ID,
      orgName: ORG_NAME,
      user: alice,
      cmdlet: 'Set-Mailbox',
      parameters: [
        ['Identity', paul.id],
        ['ForwardingSmtpAddress', judy.upn],
        ['DeliverToMailboxAndForward', 'True'],
      ],
      objectId: 'paul_4d2e9a1b7c',
      clientIp: `${OFFICE_IP}:50982`,
      appId: EXO_REST_PS_APP_ID,
      appPoolName: 'MSExchangeAdminApiNetCore',
      server: 'BN0PR04MB6620',
      sessionId: rng.guid(),
    }),
  });

  // --- b) 2026-03-02 09:10-09:25 password spray, then 09:31 the spray's ninth try works -------
  const sprayTargets = [alice, dave, erin, frank, grace, henry, ivan, judy];
  const sprayDevice = { operatingSystem: '', browser: 'Python Requests 2.31' };
  sprayTargets.forEach((who, i) => {
    const t = at('2026-03-02T09:10:03') + i * (2 * MINUTE + 4_700);
    signIn(byUser(who), t, {
      errorCode: 50126,
      ip: SPRAY_IP,
      place: FRANKFURT,
      app: APP_AAD_PS,
      resource: RES_AAD,
      clientAppUsed: 'Mobile Apps and Desktop clients',
      userAgent: UA_SPRAY,
      device: sprayDevice,
      authenticationProtocol: 'ropc',
      mfa: false,
    });
  });
  signIn(byUser(bob), at('2026-03-02T09:31:12'), {
    ip: SPRAY_IP,
    place: FRANKFURT,
    app: APP_AAD_PS,
    resource: RES_AAD,
    clientAppUsed: 'Mobile Apps and Desktop clients',
    userAgent: UA_SPRAY,
    device: sprayDevice,
    authenticationProtocol: 'ropc',
    mfa: false,
    risk: 'medium',
  });

  // --- c) 09:40-09:48 brute force on the finance account; smart lockout closes it ------------
  for (let i = 0; i < 12; i++) {
    signIn(byUser(finance), at('2026-03-02T09:40:05') + i * 42_000 + rng.int(0, 900), {
      errorCode: i < 10 ? 50126 : 50053,
      ip: BRUTE_IP,
      place: AMSTERDAM,
      app: APP_OFFICE,
      resource: RES_EXO,
      clientAppUsed: 'Mobile Apps and Desktop clients',
      userAgent: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.12026; Pro)',
      device: { operatingSystem: 'Windows10', browser: 'Rich Client 16.0.12026' },
      authenticationProtocol: 'ropc',
      mfa: false,
    });
  }

  // --- d) 10:04-10:05 bob (the attacker, in a browser) consents to "Mail Archiver Pro" --------
  const attackerBrowser = {
    ip: SPRAY_IP,
    place: FRANKFURT,
    userAgent: UA_ATTACKER_BROWSER,
    device: { operatingSystem: 'Linux', browser: 'Firefox 128.0' },
    clientAppUsed: 'Browser',
    mfa: false,
  };
  const archiverApp = { id: ARCHIVER_APP_ID, name: ARCHIVER_NAME };
  signIn(byUser(bob), at('2026-03-02T10:04:31'), {
    ...attackerBrowser,
    errorCode: 65001,
    app: archiverApp,
    resource: RES_GRAPH,
  });
  const archiverSp = rng.guid();
  for (const r of entraUserConsent(rng, {
    time: at('2026-03-02T10:05:02'),
    tenantId: TENANT_ID,
    user: bob,
    ip: SPRAY_IP,
    userAgent: UA_ATTACKER_BROWSER,
    app: {
      appId: ARCHIVER_APP_ID,
      name: ARCHIVER_NAME,
      replyUrl: 'https://mailarchiverpro.example/oauth/callback',
    },
    servicePrincipalId: archiverSp,
    graphServicePrincipalId: 'b2f1e7a4-5c3d-4e9b-8a6f-0d1c2e3f4a5b',
    scopes: ['Mail.ReadWrite', 'Files.Read.All', 'offline_access', 'User.Read'],
  })) {
    audits.push({ t: at('2026-03-02T10:05:02'), rec: r });
  }
  signIn(byUser(bob), at('2026-03-02T10:05:14'), {
    ...attackerBrowser,
    app: archiverApp,
    resource: RES_GRAPH,
  });

  // --- e) 10:20-13:30 the app reads bob's mailbox and the finance mailbox he is delegate on ----
  const tokenIssued = at('2026-03-02T10:05:14');
  const aadSession = rng.guid();
  const appCtx = () => ({
    AADSessionId: aadSession,
    IssuedAtTime: isoSec(tokenIssued).slice(0, 19),
    UniqueTokenId: rng.chars(22, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
  });
  const bobFolders = ['\\Inbox', '\\Inbox', '\\Sent Items', '\\Archive', '\\Inbox\\Customers'];
  const financeFolders = [
    '\\Inbox',
    '\\Inbox\\Invoices',
    '\\Inbox\\Invoices',
    '\\Sent Items',
    '\\Inbox\\Bank',
  ];
  const readStart = at('2026-03-02T10:20:00');
  const readSpan = at('2026-03-02T13:30:00') - readStart;
  const reads = 140;
  let financeLeft = 50;
  for (let i = 0; i < reads; i++) {
    const t =
      readStart +
      Math.floor((i * readSpan) / (reads - 1)) -
      (i === 0 || i === reads - 1 ? 0 : rng.int(0, 40_000));
    const onFinance = financeLeft > 0 && (reads - i <= financeLeft || rng.chance(50 / 140));
    if (onFinance) financeLeft--;
    const n = rng.int(1, 4);
    const items = [];
    for (let k = 0; k < n; k++)
      items.push({
        internetMessageId: rng.chance(0.5) ? messageId(rng) : externalMessageId(rng),
        sizeInBytes: rng.int(8_000, 900_000),
      });
    ual.push({
      t,
      rec: ualMailItemsAccessed(rng, {
        time: t,
        tenantId: TENANT_ID,
        orgName: ORG_NAME,
        user: bob,
        owner: onFinance ? finance : bob,
        logonType: onFinance ? LOGON_DELEGATE : LOGON_OWNER,
        accessType: 'Bind',
        appId: ARCHIVER_APP_ID,
        clientAppId: ARCHIVER_APP_ID,
        clientIp: rng.pick(ARCHIVER_IPS),
        clientInfoString: 'Client=REST;Client=RESTSystem;;',
        folders: [{ path: rng.pick(onFinance ? financeFolders : bobFolders), items }],
        sessionId: aadSession,
        server: `SA1PR04MB${rng.int(6000, 8999)}`,
        appAccessContext: appCtx(),
      }),
    });
  }
  const loot: Array<[Site, string, string]> = [
    [sites.bobOd, 'Documents', 'Commission-statement-2026-01.pdf'],
    [sites.bobOd, 'Documents', 'Passport-scan.pdf'],
    [sites.bobOd, 'Documents/Customers', 'Northwind-contract-signed.pdf'],
    [sites.bobOd, 'Documents/Customers', 'Tailspin-MSA.docx'],
    [sites.bobOd, 'Documents', 'Expenses-Feb.xlsx'],
    [sites.sales, 'Shared Documents/Pipeline', 'Q1-pipeline.xlsx'],
    [sites.sales, 'Shared Documents/Pipeline', 'Pricing-2026.pdf'],
    [sites.sales, 'Shared Documents/Pipeline', 'Northwind-proposal.docx'],
    [sites.sales, 'Shared Documents/Customers', 'Customer-list-export.csv'],
    [sites.finance, 'Shared Documents/Payables', 'Vendor-master.xlsx'],
    [sites.finance, 'Shared Documents/Payables', 'AP-aging-2026-02.xlsx'],
    [sites.finance, 'Shared Documents/Payables', 'Payment-run-2026-02-20.csv'],
    [sites.finance, 'Shared Documents/Banking', 'Wire-templates.xlsx'],
    [sites.finance, 'Shared Documents/Banking', 'Bank-accounts.xlsx'],
    [sites.finance, 'Shared Documents/Tax', 'W9-collection.zip'],
    [sites.finance, 'Shared Documents/Payroll', 'Payroll-2026-02.xlsx'],
    [sites.eng, 'Shared Documents/Runbooks', 'Release-checklist.docx'],
    [sites.eng, 'Shared Documents/Runbooks', 'ci-deploy_accessKeys.csv'],
    [sites.eng, 'Shared Documents/Runbooks', 'AWS-account-map.xlsx'],
    [sites.eng, 'Shared Documents/Architecture', 'Network-diagram.vsdx'],
    [sites.hr, 'Shared Documents/Policies', 'Handbook-2026.pdf'],
    [sites.hr, 'Shared Documents/People', 'Org-chart-2026.pdf'],
    [sites.hr, 'Shared Documents/People', 'Salary-bands.xlsx'],
    [sites.bobOd, 'Documents', 'VPN-setup.txt'],
    [sites.bobOd, 'Documents', 'Passwords-old.xlsx'],
  ];
  const dlStart = at('2026-03-02T10:40:00');
  const dlSpan = at('2026-03-02T12:50:00') - dlStart;
  loot.forEach(([site, folder, file], i) => {
    const t =
      dlStart +
      Math.floor((i * dlSpan) / (loot.length - 1)) -
      (i === 0 || i === loot.length - 1 ? 0 : rng.int(0, 60_000));
    ual.push({
      t,
      rec: ualFileOperation(rng, {
        time: t,
        tenantId: TENANT_ID,
        operation: 'FileDownloaded',
        workload: site.url.includes('-my.') ? 'OneDrive' : 'SharePoint',
        user: bob,
        clientIp: rng.pick(ARCHIVER_IPS),
        siteUrl: site.url,
        folder,
        fileName: file,
        fileSize: rng.int(4_000, 6_500_000),
        applicationId: ARCHIVER_APP_ID,
        userAgent: UA_ARCHIVER,
        siteId: site.site,
        webId: site.web,
        listId: site.list,
        appAccessContext: {
          AADSessionId: aadSession,
          ClientAppId: ARCHIVER_APP_ID,
          ClientAppName: ARCHIVER_NAME,
          CorrelationId: rng.guid(),
          IssuedAtTime: isoSec(tokenIssued).slice(0, 19),
          UniqueTokenId: rng.chars(22, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
        },
      }),
    });
  });

  // --- f) 10:31 in Outlook on the web from the attacker's browser: forward everything out -----
  signIn(byUser(bob), at('2026-03-02T10:31:05'), { ...attackerBrowser, app: APP_EXO, resource: RES_EXO });
  ual.push({
    t: at('2026-03-02T10:31:40'),
    rec: ualExchangeCmdlet(rng, {
      time: at('2026-03-02T10:31:40'),
      tenantId: TENANT_ID,
      orgName: ORG_NAME,
      user: bob,
      cmdlet: 'New-InboxRule',
      parameters: [
        ['AlwaysDeleteOutlookRulesBlob', 'False'],
        ['Force', 'False'],
        ['ForwardTo', 'bob.archive@protonmail.com'],
        ['Name', '.'],
        ['StopProcessingRules', 'True'],
      ],
      objectId: `SA1PR04A011.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/${ORG_NAME}/bob\\.`,
      clientIp: `${SPRAY_IP}:50712`,
      appId: OWA_APP_ID,
      appPoolName: 'MSExchangeOWAAppPool',
      server: 'SA1PR04MB7731',
      sessionId: rng.guid(),
    }),
  });

  // Bob's own Monday, eight hours later in Seattle: nothing looks wrong to him.
  const bobP = byUser(bob);
  const bobMonday = at('2026-03-02T16:12:09');
  signIn(bobP, bobMonday);
  outlookSync(bobP, bob, bobMonday + 3 * MINUTE, OFFICE_IP);
  outlookSync(bobP, finance, bobMonday + 11 * MINUTE, OFFICE_IP);

  // --- response on 2026-03-03, Seattle morning ----------------------------------------------
  audits.push({
    t: at('2026-03-03T16:05:18'),
    rec: entraAudit(rng, {
      time: at('2026-03-03T16:05:18'),
      tenantId: TENANT_ID,
      activity: 'Update service principal',
      category: 'ApplicationManagement',
      operationType: 'Update',
      initiatedBy: { user: alice, ip: OFFICE_IP },
      targets: [
        {
          id: archiverSp,
          displayName: ARCHIVER_NAME,
          type: 'ServicePrincipal',
          modifiedProperties: [
            mpList('AccountEnabled', [false], [true]),
            mp('Included Updated Properties', 'AccountEnabled'),
            mp('TargetId.ServicePrincipalNames', ARCHIVER_APP_ID),
          ],
        },
      ],
      additionalDetails: [
        { key: 'User-Agent', value: UA_WIN_EDGE },
        { key: 'AppId', value: ARCHIVER_APP_ID },
      ],
    }),
  });
  audits.push({
    t: at('2026-03-03T16:06:02'),
    rec: entraAudit(rng, {
      time: at('2026-03-03T16:06:02'),
      tenantId: TENANT_ID,
      activity: 'Remove delegated permission grant',
      category: 'ApplicationManagement',
      operationType: 'Unassign',
      initiatedBy: { user: alice, ip: OFFICE_IP },
      targets: [
        {
          id: 'b2f1e7a4-5c3d-4e9b-8a6f-0d1c2e3f4a5b',
          displayName: 'Microsoft Graph',
          type: 'ServicePrincipal',
          modifiedProperties: [
            mp(
              'DelegatedPermissionGrant.Scope',
              '',
              ' Mail.ReadWrite Files.Read.All offline_access User.Read',
            ),
            mp('ServicePrincipal.ObjectID', archiverSp),
          ],
        },
      ],
      additionalDetails: [{ key: 'User-Agent', value: UA_WIN_EDGE }],
    }),
  });
  audits.push({
    t: at('2026-03-03T16:08:30'),
    rec: entraAudit(rng, {
      time: at('2026-03-03T16:08:30'),
      tenantId: TENANT_ID,
      activity: 'Reset user password',
      category: 'UserManagement',
      operationType: 'Update',
      initiatedBy: { user: alice, ip: OFFICE_IP },
      targets: [
        { id: bob.id, displayName: null, type: 'User', userPrincipalName: bob.upn, modifiedProperties: [] },
      ],
    }),
  });
  audits.push({
    t: at('2026-03-03T16:08:47'),
    rec: entraAudit(rng, {
      time: at('2026-03-03T16:08:47'),
      tenantId: TENANT_ID,
      activity: 'Update StsRefreshTokenValidFrom Timestamp',
      category: 'UserManagement',
      operationType: 'Update',
      initiatedBy: { user: alice, ip: OFFICE_IP },
      targets: [
        {
          id: bob.id,
          displayName: null,
          type: 'User',
          userPrincipalName: bob.upn,
          modifiedProperties: [
            mp('StsRefreshTokensValidFrom', '2026-03-03T16:08:47Z', '2025-11-04T18:22:10Z'),
            mp('Included Updated Properties', 'StsRefreshTokensValidFrom'),
          ],
        },
      ],
    }),
  });
  ual.push({
    t: at('2026-03-03T16:10:15'),
    rec: ualExchangeCmdlet(rng, {
      time: at('2026-03-03T16:10:15'),
      tenantId: TENANT_ID,
      orgName: ORG_NAME,
      user: alice,
      cmdlet: 'Remove-InboxRule',
      parameters: [
        ['Identity', 'bob\\.'],
        ['AlwaysDeleteOutlookRulesBlob', 'False'],
        ['Force', 'False'],
        ['Confirm', 'False'],
      ],
      objectId: `SA1PR04A011.PROD.OUTLOOK.COM/Microsoft Exchange Hosted Organizations/${ORG_NAME}/bob\\.`,
      clientIp: `${OFFICE_IP}:51877`,
      appId: EXO_REST_PS_APP_ID,
      appPoolName: 'MSExchangeAdminApiNetCore',
      server: 'BN0PR04MB6620',
      sessionId: rng.guid(),
    }),
  });
  memberOf(at('2026-03-03T16:14:02'), bob, mfaGroup, 'MFA Enforced Users');
  // Bob, password reset and MFA registered, back at work.
  signIn(bobP, at('2026-03-03T16:35:44'), { mfa: true, browser: true });
  signIn(bobP, at('2026-03-03T16:36:20'), { mfa: true });
  outlookSync(bobP, bob, at('2026-03-03T16:38:02'), OFFICE_IP);

  // --- CloudTrail ------------------------------------------------------------------------------
  const ssoRole = 'AWSReservedSSO_AdministratorAccess_7c1b2d3e4f5a6b7c';
  const ssoRoleId = 'AROAWZ6QH2KJ4EXAMPLE1';
  const ciUserId = 'AIDAWZ6QH2KJ7EXAMPLE2';
  const ciKey = 'AKIAWZ6QH2KJQEXAMPLE3';
  const ciKeyNew = 'AKIAWZ6QH2KJREXAMPLE4';
  const lambdaRole = 'contoso-billing-export-role';
  const ec2Role = 'contoso-app-ec2';
  const ec2RoleId = 'AROAWZ6QH2KJ5EXAMPLE6';
  const instance = 'i-0c9d8e7f6a5b4c3d2';
  const ciUa =
    'aws-cli/2.24.10 md/awscrt#0.23.8 ua/2.1 os/linux#6.8.0-1021-azure md/arch#x86_64 lang/python#3.12.9 md/pyimpl#CPython exec-env/GitHubActions cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off md/command#cloudformation.deploy';
  const attackerUa =
    'Boto3/1.34.50 md/Botocore#1.34.50 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.50';
  const consoleUa = 'AWS Internal';
  const ct = (c: Omit<CloudTrailSpec, 'account' | 'region'> & { region?: string }) => {
    if (c.time > TRAIL_OFF.from && c.time < TRAIL_OFF.to) return;
    trail.push({
      t: c.time,
      rec: cloudTrailRecord(rng, { account: AWS_ACCOUNT, region: c.region ?? 'us-east-1', ...c }),
    });
  };
  const frankSession = (t: number) =>
    assumedRoleIdentity(
      AWS_ACCOUNT,
      ssoRole,
      frank.upn,
      ssoRoleId,
      `ASIA${rng.chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
      t - 2 * MINUTE,
      { rolePath: '/aws-reserved/sso.amazonaws.com/' },
    );
  const ciIdentity = (key: string) => iamUserIdentity(AWS_ACCOUNT, 'ci-deploy', ciUserId, key);
  const trailArn = `arn:aws:cloudtrail:us-east-1:${AWS_ACCOUNT}:trail/org-trail`;
  for (const day of eachDay(FIRST_DAY, LAST_DAY)) {
    const wd = weekday(day);
    const workday = wd >= 1 && wd <= 5;
    // A Lambda function's role, assumed by the service every eight hours.
    for (const h of [0, 8, 16]) {
      const t = day + h * 60 * MINUTE + 5 * MINUTE + rng.int(0, 40) * 1000;
      const sid = rng.guid();
      ct({
        time: t,
        eventSource: 'sts.amazonaws.com',
        eventName: 'AssumeRole',
        identity: awsServiceIdentity('lambda.amazonaws.com'),
        sourceIp: 'lambda.amazonaws.com',
        userAgent: 'lambda.amazonaws.com',
        requestParameters: {
          roleArn: `arn:aws:iam::${AWS_ACCOUNT}:role/${lambdaRole}`,
          roleSessionName: 'contoso-billing-export',
        },
        responseElements: {
          credentials: {
            accessKeyId: `ASIA${rng.chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
            sessionToken: rng.chars(120, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
            expiration: new Date(t + 12 * 60 * MINUTE).toUTCString(),
          },
        },
        resources: [
          {
            accountId: AWS_ACCOUNT,
            type: 'AWS::IAM::Role',
            ARN: `arn:aws:iam::${AWS_ACCOUNT}:role/${lambdaRole}`,
          },
        ],
        readOnly: true,
        sharedEventId: sid,
      });
    }
    // The app server's SSM agent reports in twice a day.
    for (const h of [3, 15]) {
      const t = day + h * 60 * MINUTE + rng.int(0, 50) * MINUTE;
      ct({
        time: t,
        eventSource: 'ssm.amazonaws.com',
        eventName: 'UpdateInstanceInformation',
        identity: assumedRoleIdentity(
          AWS_ACCOUNT,
          ec2Role,
          instance,
          ec2RoleId,
          `ASIA${rng.chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
          day + 60 * MINUTE,
        ),
        sourceIp: EC2_NAT_IP,
        userAgent: 'aws-sdk-go/1.55.5 (go1.22.12; linux; amd64) amazon-ssm-agent/3.3.1611.0',
        requestParameters: {
          instanceId: instance,
          agentVersion: '3.3.1611.0',
          agentStatus: 'Active',
          platformType: 'Linux',
          platformName: 'Amazon Linux',
          platformVersion: '2023',
          iPAddress: '10.20.1.15',
          computerName: 'ip-10-20-1-15.ec2.internal',
          agentName: 'amazon-ssm-agent',
          availabilityZone: 'us-east-1a',
          availabilityZoneId: 'use1-az4',
        },
        readOnly: false,
      });
    }
    if (!workday) continue;
    // Frank in the console (IAM Identity Center) most afternoons.
    if (rng.chance(0.8)) {
      const t = day + 17 * 60 * MINUTE + rng.int(0, 120) * MINUTE;
      const id = frankSession(t);
      ct({
        time: t,
        eventSource: 'ec2.amazonaws.com',
        eventName: 'DescribeInstances',
        identity: id,
        sourceIp: OFFICE_IP,
        userAgent: consoleUa,
        requestParameters: { instancesSet: {}, filterSet: {} },
        readOnly: true,
        fromConsole: true,
      });
      ct({
        time: t + 40_000,
        eventSource: 'monitoring.amazonaws.com',
        eventName: 'DescribeAlarms',
        identity: id,
        sourceIp: OFFICE_IP,
        userAgent: consoleUa,
        requestParameters: { maxRecords: 100 },
        readOnly: true,
        fromConsole: true,
      });
      if (rng.chance(0.5)) {
        const key = `reports/2026/${new Date(day).toISOString().slice(5, 10)}/usage.csv`;
        ct({
          time: t + 3 * MINUTE,
          eventSource: 's3.amazonaws.com',
          eventName: 'GetObject',
          identity: id,
          sourceIp: OFFICE_IP,
          userAgent:
            '[Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36]',
          requestParameters: {
            bucketName: 'contoso-billing-reports',
            Host: 'contoso-billing-reports.s3.us-east-1.amazonaws.com',
            key,
            'response-content-disposition': 'inline',
          },
          responseElements: null,
          additionalEventData: {
            SignatureVersion: 'SigV4',
            CipherSuite: 'TLS_AES_128_GCM_SHA256',
            bytesTransferredIn: 0,
            AuthenticationMethod: 'QueryString',
            'x-amz-id-2': rng.chars(76, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
            bytesTransferredOut: rng.int(20_000, 400_000),
          },
          resources: [
            { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::contoso-billing-reports/${key}` },
            { accountId: AWS_ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::contoso-billing-reports' },
          ],
          readOnly: true,
          dataEvent: true,
          tlsHost: 'contoso-billing-reports.s3.us-east-1.amazonaws.com',
        });
      }
    }
    // The CI pipeline deploys after the day's merges (until its key is disabled on 03-03).
    const ciKeyNow = day >= at('2026-03-04T00:00:00') ? ciKeyNew : ciKey;
    if (day === at('2026-03-03T00:00:00')) continue;
    const t = day + 18 * 60 * MINUTE + 30 * MINUTE + rng.int(0, 60) * MINUTE;
    const runner = rng.pick(CI_RUNNER_IPS);
    const stack = `arn:aws:cloudformation:us-east-1:${AWS_ACCOUNT}:stack/contoso-web/5e2a9c40-0f1d-11f0-9a7b-0affd3c1b6e1`;
    const cs = `arn:aws:cloudformation:us-east-1:${AWS_ACCOUNT}:changeSet/samcli-deploy${Math.floor(t / 1000)}/${rng.guid()}`;
    const ciId = ciIdentity(ciKeyNow);
    ct({
      time: t,
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetCallerIdentity',
      identity: ciId,
      sourceIp: runner,
      userAgent: ciUa,
      requestParameters: null,
      readOnly: true,
    });
    ct({
      time: t + 4_000,
      eventSource: 'cloudformation.amazonaws.com',
      eventName: 'DescribeStacks',
      identity: ciId,
      sourceIp: runner,
      userAgent: ciUa,
      requestParameters: { stackName: 'contoso-web' },
      readOnly: true,
    });
    ct({
      time: t + 9_000,
      eventSource: 'cloudformation.amazonaws.com',
      eventName: 'CreateChangeSet',
      identity: ciId,
      sourceIp: runner,
      userAgent: ciUa,
      requestParameters: {
        stackName: 'contoso-web',
        changeSetName: cs.split('/')[1] ?? '',
        changeSetType: 'UPDATE',
        capabilities: ['CAPABILITY_IAM'],
      },
      responseElements: { id: cs, stackId: stack },
      readOnly: false,
    });
    ct({
      time: t + 31_000,
      eventSource: 'cloudformation.amazonaws.com',
      eventName: 'ExecuteChangeSet',
      identity: ciId,
      sourceIp: runner,
      userAgent: ciUa,
      requestParameters: { changeSetName: cs, stackName: 'contoso-web' },
      readOnly: false,
    });
  }

  // --- g) 2026-03-03 02:11-02:14 the stolen CI key switches CloudTrail off -----------------------
  const stolen = ciIdentity(ciKey);
  ct({
    time: at('2026-03-03T02:11:40'),
    eventSource: 'sts.amazonaws.com',
    eventName: 'GetCallerIdentity',
    identity: stolen,
    sourceIp: SPRAY_IP,
    userAgent: attackerUa,
    requestParameters: null,
    readOnly: true,
  });
  ct({
    time: at('2026-03-03T02:12:15'),
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'DescribeTrails',
    identity: stolen,
    sourceIp: SPRAY_IP,
    userAgent: attackerUa,
    requestParameters: { trailNameList: [], includeShadowTrails: true },
    readOnly: true,
  });
  ct({
    time: at('2026-03-03T02:12:58'),
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'GetTrailStatus',
    identity: stolen,
    sourceIp: SPRAY_IP,
    userAgent: attackerUa,
    requestParameters: { name: trailArn },
    readOnly: true,
  });
  trail.push({
    t: TRAIL_OFF.from,
    rec: cloudTrailRecord(rng, {
      time: TRAIL_OFF.from,
      account: AWS_ACCOUNT,
      region: 'us-east-1',
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      identity: stolen,
      sourceIp: SPRAY_IP,
      userAgent: attackerUa,
      requestParameters: { name: trailArn },
      readOnly: false,
    }),
  });
  // 15:10 Frank turns the trail back on and disables the key; a new key for CI follows.
  const frankFix = frankSession(TRAIL_OFF.to);
  trail.push({
    t: TRAIL_OFF.to,
    rec: cloudTrailRecord(rng, {
      time: TRAIL_OFF.to,
      account: AWS_ACCOUNT,
      region: 'us-east-1',
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StartLogging',
      identity: frankFix,
      sourceIp: OFFICE_IP,
      userAgent: consoleUa,
      requestParameters: { name: trailArn },
      readOnly: false,
      fromConsole: true,
    }),
  });
  ct({
    time: at('2026-03-03T15:12:41'),
    eventSource: 'iam.amazonaws.com',
    eventName: 'ListAccessKeys',
    identity: frankFix,
    sourceIp: OFFICE_IP,
    userAgent: consoleUa,
    requestParameters: { userName: 'ci-deploy' },
    readOnly: true,
    fromConsole: true,
    tlsHost: 'iam.amazonaws.com',
  });
  ct({
    time: at('2026-03-03T15:13:09'),
    eventSource: 'iam.amazonaws.com',
    eventName: 'UpdateAccessKey',
    identity: frankFix,
    sourceIp: OFFICE_IP,
    userAgent: consoleUa,
    requestParameters: { userName: 'ci-deploy', accessKeyId: ciKey, status: 'Inactive' },
    readOnly: false,
    fromConsole: true,
    tlsHost: 'iam.amazonaws.com',
  });
  ct({
    time: at('2026-03-03T15:20:33'),
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateAccessKey',
    identity: frankFix,
    sourceIp: OFFICE_IP,
    userAgent: consoleUa,
    requestParameters: { userName: 'ci-deploy' },
    responseElements: {
      accessKey: {
        userName: 'ci-deploy',
        accessKeyId: ciKeyNew,
        status: 'Active',
        createDate: 'Mar 3, 2026, 3:20:33 PM',
      },
    },
    readOnly: false,
    fromConsole: true,
    tlsHost: 'iam.amazonaws.com',
  });

  // --- Google Workspace (contoso-labs.com, the Dublin lab) -------------------------------------
  const gUsers = {
    carol: { email: 'carol@contoso-labs.com', profileId: rng.digits(21), ip: '198.51.100.134' },
    ken: { email: 'ken@contoso-labs.com', profileId: rng.digits(21), ip: '198.51.100.141' },
    lena: { email: 'lena@contoso-labs.com', profileId: rng.digits(21), ip: '198.51.100.147' },
    mike: { email: 'mike@contoso-labs.com', profileId: rng.digits(21), ip: '198.51.100.152' },
    nora: { email: 'nora@contoso-labs.com', profileId: rng.digits(21), ip: '198.51.100.160' },
  };
  for (const day of eachDay(FIRST_DAY, LAST_DAY)) {
    const wd = weekday(day);
    if (wd === 0 || wd === 6) continue;
    for (const g of Object.values(gUsers)) {
      if (g === gUsers.carol && day === at('2026-03-03T00:00:00')) continue; // written below
      if (rng.chance(0.12)) continue;
      const t = day + 7 * 60 * MINUTE + 30 * MINUTE + rng.int(0, 100) * MINUTE + rng.int(0, 59) * 1000;
      const ip = rng.chance(0.7) ? LABS_OFFICE_IP : g.ip;
      gws.push({
        t,
        rec: workspaceLogin(rng, {
          time: t,
          customerId: GOOGLE_CUSTOMER,
          email: g.email,
          profileId: g.profileId,
          ip,
          ok: true,
          mfa: true,
        }),
      });
    }
  }
  const wsLogin = (g: (typeof gUsers)[keyof typeof gUsers], iso: string, ok: boolean, ip = LABS_OFFICE_IP) =>
    gws.push({
      t: at(iso),
      rec: workspaceLogin(rng, {
        time: at(iso),
        customerId: GOOGLE_CUSTOMER,
        email: g.email,
        profileId: g.profileId,
        ip,
        ok,
        mfa: true,
      }),
    });
  wsLogin(gUsers.lena, '2026-02-20T08:12:31', false);
  wsLogin(gUsers.lena, '2026-02-20T08:13:02', true);
  const authorize = (
    g: (typeof gUsers)[keyof typeof gUsers],
    iso: string,
    clientId: string,
    appName: string,
    scopes: string[],
    ip: string,
    clientType?: string,
  ) =>
    gws.push({
      t: at(iso),
      rec: workspaceAuthorize(rng, {
        time: at(iso),
        customerId: GOOGLE_CUSTOMER,
        email: g.email,
        profileId: g.profileId,
        ip,
        clientId,
        appName,
        scopes,
        ...(clientType ? { clientType } : {}),
      }),
    });
  authorize(
    gUsers.ken,
    '2026-02-20T10:15:47',
    '330741256508-5h2k9d7f3a1c8e6g4j0m2n5p7q9r1t3v.apps.googleusercontent.com',
    'Acme Calendar Sync',
    [
      'openid',
      'https://www.googleapis.com/auth/userinfo.email',
      'https://www.googleapis.com/auth/calendar.readonly',
    ],
    LABS_OFFICE_IP,
  );
  authorize(
    gUsers.nora,
    '2026-02-25T09:02:13',
    '77185425430.apps.googleusercontent.com',
    'Google Chrome',
    ['https://www.google.com/accounts/OAuthLogin'],
    LABS_OFFICE_IP,
    'NATIVE_DESKTOP',
  );

  // --- h) 2026-03-03 08:00 Carol authorizes "PDF Converter Pro" from a phishing mail -----------
  wsLogin(gUsers.carol, '2026-03-03T07:52:18', true, gUsers.carol.ip);
  authorize(
    gUsers.carol,
    '2026-03-03T08:00:12',
    PDF_CLIENT_ID,
    PDF_APP_NAME,
    [
      'https://mail.google.com/',
      'https://www.googleapis.com/auth/drive',
      'openid',
      'https://www.googleapis.com/auth/userinfo.email',
    ],
    gUsers.carol.ip,
  );
  const apiCalls: Array<[string, string, string]> = [
    ['gmail', 'gmail.users.messages.list', 'GMAIL'],
    ['gmail', 'gmail.users.messages.get', 'GMAIL'],
    ['gmail', 'gmail.users.messages.get', 'GMAIL'],
    ['gmail', 'gmail.users.messages.get', 'GMAIL'],
    ['gmail', 'gmail.users.messages.attachments.get', 'GMAIL'],
    ['drive', 'drive.files.list', 'DRIVE'],
    ['drive', 'drive.files.get', 'DRIVE'],
    ['drive', 'drive.files.export', 'DRIVE'],
    ['gmail', 'gmail.users.messages.list', 'GMAIL'],
    ['gmail', 'gmail.users.messages.get', 'GMAIL'],
  ];
  apiCalls.forEach(([api, method, bucket], i) => {
    const t = at('2026-03-03T08:01:30') + i * 2 * MINUTE + rng.int(0, 50_000);
    gws.push({
      t,
      rec: workspaceActivity(rng, {
        time: t,
        customerId: GOOGLE_CUSTOMER,
        applicationName: 'token',
        actor: { email: gUsers.carol.email, profileId: gUsers.carol.profileId },
        ip: '192.0.2.45',
        events: [
          {
            type: 'auth',
            name: 'activity',
            parameters: [
              wsp.v('api_name', api),
              wsp.v('method_name', method),
              wsp.v('client_id', PDF_CLIENT_ID),
              wsp.i('num_response_bytes', rng.int(2_000, 380_000)),
              wsp.v('product_bucket', bucket),
              wsp.v('app_name', PDF_APP_NAME),
              wsp.v('client_type', 'WEB'),
            ],
          },
        ],
      }),
    });
  });

  // --- files ------------------------------------------------------------------------------------
  const lines = (list: Timed[]) =>
    sortByTime(list)
      .map((x) => JSON.stringify(x.rec))
      .join('\n') + '\n';
  const files: ExampleFile[] = [];
  const add = (path: string, text: string, records: number, gzip = false) =>
    files.push({
      path,
      text,
      records,
      content: gzip ? gzipSync(Buffer.from(text), { level: 9 }) : Buffer.from(text),
    });
  add(EXAMPLE_FILES.audit, lines(audits), audits.length);
  add(EXAMPLE_FILES.signin, lines(signins), signins.length);
  // Management Activity API content blob: one JSON array, records in time order.
  add(
    EXAMPLE_FILES.m365,
    `[\n${sortByTime(ual)
      .map((x) => JSON.stringify(x.rec))
      .join(',\n')}\n]\n`,
    ual.length,
  );
  add(
    EXAMPLE_FILES.cloudtrail,
    JSON.stringify({ Records: sortByTime(trail).map((x) => x.rec) }),
    trail.length,
    true,
  );
  // Reports API page: newest first, as activities.list returns them.
  const page = {
    kind: 'admin#reports#activities',
    etag: `"${rng.chars(27, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')}/${rng.chars(27, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')}"`,
    items: sortByTime(gws)
      .reverse()
      .map((x) => x.rec),
  };
  const head = JSON.stringify({ kind: page.kind, etag: page.etag }).slice(0, -1);
  add(
    EXAMPLE_FILES.workspace,
    `${head},"items":[\n${page.items.map((x) => JSON.stringify(x)).join(',\n')}\n]}\n`,
    gws.length,
  );
  return files;
}

/** Writes the example files under `root` (the repository root). */
export function writeExampleFiles(root: string): ExampleFile[] {
  const files = buildExampleFiles();
  for (const f of files) {
    const abs = join(root, f.path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, f.content);
  }
  return files;
}

if (process.argv[1] === __filename) {
  const files = writeExampleFiles(join(__dirname, '..'));
  let total = 0;
  for (const f of files) {
    total += f.content.length;
    process.stderr.write(`${f.path}: ${f.records} records, ${f.content.length} bytes\n`);
  }
  process.stderr.write(`total ${total} bytes\n`);
}
