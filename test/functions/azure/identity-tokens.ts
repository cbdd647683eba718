/**
 * The fake Microsoft APIs (Graph, Management Activity) check bearer tokens through a `FakeEntra`.
 * On Azure the pollers present the Function App's managed identity tokens instead: this adapter makes
 * the fake managed identity endpoint the token issuer those fakes trust. A token is accepted by an
 * API whose origin is the resource it was issued for, in the identity's tenant, until it is revoked
 * (then the API answers 401, as Graph does to an expired token).
 */
import type { FakeEntra } from '../../support/fake-entra';
import type { FakeIdentity } from '../../support/fake-identity';

export interface IdentityIssuer {
  /** Pass to startFakeGraph / startFakeManagement in place of the fake Entra. */
  entra: FakeEntra;
  /** Every token issued so far is refused from now on. */
  revokeAll(): void;
  /** Tokens are accepted again. */
  restore(): void;
}

export function identityIssuer(identity: FakeIdentity, tenantId: string): IdentityIssuer {
  // Tokens are `mi-<n>-<resource>`, n counting from 1: those up to this number are revoked.
  let revokedUpTo = 0;
  const unsupported = (): never => {
    throw new Error('the managed identity issuer only checks tokens');
  };
  const entra: FakeEntra = {
    base: identity.endpoint,
    register: unsupported,
    requests: [],
    issued: [],
    expiresInSeconds: 3600,
    expireAll: unsupported,
    failNext: unsupported,
    close: async () => undefined,
    check: (authorization, audience) => {
      const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
      if (token === undefined) return { ok: false, reason: 'missing' };
      const resource = identity.resourceOf(token);
      if (resource === undefined) return { ok: false, reason: 'unknown token' };
      if (Number(/^mi-(\d+)-/.exec(token)?.[1] ?? 0) <= revokedUpTo) return { ok: false, reason: 'expired' };
      if (resource.replace(/\/$/, '') !== audience.replace(/\/$/, ''))
        return { ok: false, reason: `issued for ${resource}` };
      return { ok: true, tenantId, clientId: '00000000-0000-0000-0000-00000000c11e' };
    },
  };
  return {
    entra,
    revokeAll: () => {
      revokedUpTo = identity.requests.length;
    },
    restore: () => {
      revokedUpTo = 0;
    },
  };
}
