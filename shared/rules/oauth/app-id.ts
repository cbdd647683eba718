import type { TriplineEvent } from '../../events/types';
import { isFirstParty } from '../known-apps';

/**
 * The OAuth client an event is about or acted through: the consented app, the app that read the
 * mailbox or file, the app that made an admin change. Lower-cased so Entra and UAL spellings agree.
 */
export function appIdOf(e: TriplineEvent): string | undefined {
  const raw =
    e.app?.id ??
    e.actor.appId ??
    (typeof e.params.originating_app_id === 'string' ? e.params.originating_app_id : undefined);
  return raw ? raw.toLowerCase() : undefined;
}

/**
 * A third-party (not Microsoft first-party) app id, or undefined. A grant that names the client only
 * by its service principal's object id (admin consent through the API) gives `sp:<object id>`: it is
 * not a known first-party app, and the object id is all the record says.
 */
export function thirdPartyAppIdOf(e: TriplineEvent): string | undefined {
  const id = appIdOf(e);
  if (id) return isFirstParty(id) ? undefined : id;
  const sp = e.app?.servicePrincipalId;
  return sp ? `sp:${sp.toLowerCase()}` : undefined;
}

/** The service principal object id an event names for its app, lower-cased. */
export function servicePrincipalOf(e: TriplineEvent): string | undefined {
  const sp = e.app?.servicePrincipalId;
  return sp ? sp.toLowerCase() : undefined;
}
