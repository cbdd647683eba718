/** Sign-in record builders shared by the identity rules' cases. */
import { BASE, MIN, signIn, ualRecord, workspaceActivity } from './records';

export const ROPC_UA = 'python-requests/2.31.0';

/** A UAL sign-in (AzureActiveDirectoryStsLogon) with the user agent and request type Entra writes. */
export function ualSignIn(o: {
  user: string;
  ip: string;
  at: number;
  ok: boolean;
  ua: string;
  errorNumber?: string;
}) {
  return ualRecord({
    op: o.ok ? 'UserLoggedIn' : 'UserLoginFailed',
    user: o.user,
    at: o.at,
    workload: 'AzureActiveDirectory',
    recordType: 15,
    result: o.ok ? 'Success' : 'Failed',
    UserType: 0,
    ClientIP: o.ip,
    ActorIpAddress: o.ip,
    ObjectId: '00000002-0000-0000-c000-000000000000',
    AzureActiveDirectoryEventType: 1,
    ExtendedProperties: [
      { Name: 'ResultStatusDetail', Value: o.ok ? 'Success' : 'UserError' },
      { Name: 'UserAgent', Value: o.ua },
      { Name: 'RequestType', Value: 'OAuth2:Token' },
    ],
    ApplicationId: '1b730954-1685-4b74-9bfd-dac224a7b894',
    ErrorNumber: o.ok ? '0' : (o.errorNumber ?? '50126'),
    ...(o.ok ? {} : { LogonError: 'InvalidUserNameOrPassword' }),
  });
}

/** `n` failures (50126) for `upn` from `ip`, one a minute from `from`. */
export const failures = (upn: string, ip: string, n: number, from = BASE) =>
  Array.from({ length: n }, (_, i) => signIn({ upn, ip, at: from + i * MIN, errorCode: 50126 }));

/** A successful resource-owner password grant, as spray tools make. */
export const ropcSuccess = (upn: string, ip: string, at: number) =>
  signIn({
    upn,
    ip,
    at,
    authenticationProtocol: 'ropc',
    userAgent: ROPC_UA,
    clientAppUsed: 'Mobile Apps and Desktop clients',
  });

/** Workspace login events with the given parameters. */
export const wsLogin = (
  email: string,
  at: number,
  name: string,
  parameters: Array<Record<string, unknown>>,
) =>
  workspaceActivity({
    app: 'login',
    email,
    at,
    ip: '45.9.148.3',
    events: [{ type: 'login', name, parameters: parameters as never }],
  });
