/**
 * Where the Microsoft APIs live: the Entra ID login authority, Microsoft Graph and the Office 365
 * Management Activity API, per national cloud, each overridable by an explicit https URL (a private
 * proxy, a test server). Clients never hard-code a host; they take a {@link MicrosoftEndpoints}.
 *
 * | cloud | login authority | Graph | Management Activity API |
 * | --- | --- | --- | --- |
 * | `global` | login.microsoftonline.com | graph.microsoft.com | manage.office.com |
 * | `gcc` | login.microsoftonline.com | graph.microsoft.com | manage-gcc.office.com |
 * | `gcc-high` | login.microsoftonline.us | graph.microsoft.us | manage.office365.us |
 * | `dod` | login.microsoftonline.us | dod-graph.microsoft.us | manage.protection.apps.mil |
 * | `china` | login.chinacloudapi.cn | microsoftgraph.chinacloudapi.cn | (not documented: set it) |
 */

/** The national clouds Tripline knows the endpoints of. */
export const MICROSOFT_CLOUDS = ['global', 'gcc', 'gcc-high', 'dod', 'china'] as const;
/** One of {@link MICROSOFT_CLOUDS}. */
export type MicrosoftCloud = (typeof MICROSOFT_CLOUDS)[number];

/** Base URLs (origins, no trailing slash) of the Microsoft APIs a collector calls. */
export interface MicrosoftEndpoints {
  /** Entra ID login authority host: `https://login.microsoftonline.com`. */
  readonly authorityHost: string;
  /** Microsoft Graph: `https://graph.microsoft.com`. */
  readonly graphBase: string;
  /** Office 365 Management Activity API: `https://manage.office.com`; undefined where unknown. */
  readonly managementBase: string | undefined;
}

const CLOUD_ENDPOINTS: Readonly<Record<MicrosoftCloud, MicrosoftEndpoints>> = {
  global: {
    authorityHost: 'https://login.microsoftonline.com',
    graphBase: 'https://graph.microsoft.com',
    managementBase: 'https://manage.office.com',
  },
  gcc: {
    authorityHost: 'https://login.microsoftonline.com',
    graphBase: 'https://graph.microsoft.com',
    managementBase: 'https://manage-gcc.office.com',
  },
  'gcc-high': {
    authorityHost: 'https://login.microsoftonline.us',
    graphBase: 'https://graph.microsoft.us',
    managementBase: 'https://manage.office365.us',
  },
  dod: {
    authorityHost: 'https://login.microsoftonline.us',
    graphBase: 'https://dod-graph.microsoft.us',
    managementBase: 'https://manage.protection.apps.mil',
  },
  china: {
    authorityHost: 'https://login.chinacloudapi.cn',
    graphBase: 'https://microsoftgraph.chinacloudapi.cn',
    managementBase: undefined,
  },
};

/** Overrides of a cloud's endpoints (any https base URL). */
export interface EndpointOverrides {
  authorityHost?: string | undefined;
  graphBase?: string | undefined;
  managementBase?: string | undefined;
}

/**
 * Why an endpoint URL cannot be used, or undefined when it can: it must be https, and an origin
 * (scheme, host, port) without path, query or credentials, because the Graph client and MSAL append
 * their own paths (a path prefix would be cut off when the Graph client follows a next link).
 */
export function endpointProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol !== 'https:') return 'must use https';
  if (u.username || u.password) return 'must not carry credentials';
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash)
    return `must be an origin such as https://${u.host}, without a path or query`;
  return undefined;
}

/** The URL without a trailing slash. */
function origin(url: string): string {
  return new URL(url).origin;
}

/**
 * The endpoints of `cloud` with `overrides` applied (each override validated by {@link endpointProblem}).
 *
 * @throws RangeError naming the setting and what is wrong with it.
 *
 * @example
 * ```ts
 * resolveEndpoints('gcc-high').managementBase; // 'https://manage.office365.us'
 * resolveEndpoints('global', { graphBase: 'https://localhost:8443' }).graphBase; // 'https://localhost:8443'
 * ```
 */
export function resolveEndpoints(
  cloud: MicrosoftCloud = 'global',
  overrides: EndpointOverrides = {},
): MicrosoftEndpoints {
  const base = CLOUD_ENDPOINTS[cloud];
  const pick = (name: keyof EndpointOverrides, fallback: string | undefined): string | undefined => {
    const v = overrides[name];
    if (v === undefined || v.trim() === '') return fallback;
    const problem = endpointProblem(v.trim());
    if (problem) throw new RangeError(`${name} ${JSON.stringify(v)} ${problem}`);
    return origin(v.trim());
  };
  return {
    authorityHost: pick('authorityHost', base.authorityHost) as string,
    graphBase: pick('graphBase', base.graphBase) as string,
    managementBase: pick('managementBase', base.managementBase),
  };
}

/** The OAuth scope of an API for the client-credentials flow: its origin plus `/.default`. */
export function defaultScope(apiBase: string): string {
  return `${origin(apiBase)}/.default`;
}
