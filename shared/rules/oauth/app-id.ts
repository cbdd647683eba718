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

/** A third-party (not Microsoft first-party) app id, or undefined. */
export function thirdPartyAppIdOf(e: TriplineEvent): string | undefined {
  const id = appIdOf(e);
  return id && !isFirstParty(id) ? id : undefined;
}
