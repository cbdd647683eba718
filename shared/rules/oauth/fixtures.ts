/** A consent-phishing story shared by the OAuth rules' cases. */
import {
  BASE,
  HOUR,
  MIN,
  consentAudit,
  fileDownloaded,
  mailItemsAccessed,
  workspaceAuthorize,
} from '../testing/records';

export const EVIL_APP = '6f2d8c41-3a9e-4b7d-9c15-e0a4b2f7d381';
export const EVIL_NAME = 'Mail Archiver Pro';

export const consent = (
  at = BASE,
  scopes = ['Mail.ReadWrite', 'Files.Read.All', 'offline_access', 'User.Read'],
  consentType: 'Principal' | 'AllPrincipals' = 'Principal',
  appId = EVIL_APP,
  appName = EVIL_NAME,
) => consentAudit({ upn: 'bob@contoso.com', ip: '185.220.101.47', at, appId, appName, scopes, consentType });

export const reads = (n: number, from: number, stepMs = MIN, appId = EVIL_APP) =>
  Array.from({ length: n }, (_, i) =>
    i % 5 === 4
      ? fileDownloaded({
          user: 'bob@contoso.com',
          at: from + i * stepMs,
          appId,
          file: `Finance/Q${(i % 4) + 1}-forecast-${i}.xlsx`,
        })
      : mailItemsAccessed({
          user: i % 2 ? 'bob@contoso.com' : 'finance@contoso.com',
          at: from + i * stepMs,
          appId,
        }),
  );

export const googleAuthorize = (scopes: string[], at = BASE) =>
  workspaceAuthorize({
    email: 'carol@contoso-labs.com',
    at,
    clientId: '884512376601-q8p3k2mv1c7s9d0f.apps.googleusercontent.com',
    appName: 'PDF Converter Pro',
    scopes,
  });

export { BASE, HOUR, MIN };
