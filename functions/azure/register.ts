/**
 * Registers the functions of Tripline's Azure Functions app (Node.js v4 programming model) that the
 * application settings ask for. The app's entry point (./index.ts) calls it once when the worker loads.
 *
 * - `entraEventHub` (Event Hub trigger, batches): when ENTRA_EVENTHUB_NAME is set;
 * - `pollGraph` / `pollM365` (timers, every 5 minutes by default): the sources TRIPLINE_POLL_SOURCES
 *   names (`graph`: Entra directory audits and sign-ins through Microsoft Graph; `m365`: the unified
 *   audit log through the Office 365 Management Activity API);
 * - `stateSweep` (timer, daily): when state is in Table Storage.
 *
 * Registration reads the settings without validating them all: a missing setting is reported, with
 * every other problem, by the first invocation (see `loadAzureConfig`).
 */
import { app } from '@azure/functions';
import {
  AZURE_CONFIG_DEFAULTS,
  AZURE_POLL_SOURCES,
  AZURE_SETTINGS,
  ENTRA_EVENTHUB_CONNECTION,
} from '#shared/config/azure';
import type { AzurePollSource } from '#shared/config/azure';
import { createEntraEventHubHandler, ENTRA_EVENTHUB_RETRY, entraDeadLetter } from './entra-eventhub';
import { createPollerHandler } from './pollers';
import type { AzurePollerOptions } from './pollers';
import { createSweepHandler } from './sweep';

/** Function names, as they appear in the portal and in logs. */
export const FUNCTION_NAMES = {
  entraEventHub: 'entraEventHub',
  pollGraph: 'pollGraph',
  pollM365: 'pollM365',
  stateSweep: 'stateSweep',
} as const;

const POLLER_NAMES: Readonly<Record<AzurePollSource, string>> = {
  graph: FUNCTION_NAMES.pollGraph,
  m365: FUNCTION_NAMES.pollM365,
};

const setting = (env: Readonly<Record<string, string | undefined>>, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
};

/**
 * Registers the functions with the Functions host. Tests call it with local endpoints and capture
 * the registrations.
 */
export function registerFunctions(options: AzurePollerOptions = {}): string[] {
  const env = options.env ?? process.env;
  const registered: string[] = [];
  if (setting(env, AZURE_SETTINGS.ENTRA_EVENTHUB_NAME) !== undefined) {
    app.eventHub(FUNCTION_NAMES.entraEventHub, {
      connection: ENTRA_EVENTHUB_CONNECTION,
      eventHubName: `%${AZURE_SETTINGS.ENTRA_EVENTHUB_NAME}%`,
      consumerGroup:
        setting(env, AZURE_SETTINGS.ENTRA_EVENTHUB_CONSUMER_GROUP) ?? AZURE_CONFIG_DEFAULTS.consumerGroup,
      cardinality: 'many',
      retry: ENTRA_EVENTHUB_RETRY,
      extraOutputs: [entraDeadLetter],
      handler: createEntraEventHubHandler(options),
    });
    registered.push(FUNCTION_NAMES.entraEventHub);
  }
  // Known names are registered; an unknown one is reported by every invocation's settings check.
  const pollSources = (setting(env, AZURE_SETTINGS.POLL_SOURCES) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is AzurePollSource => (AZURE_POLL_SOURCES as readonly string[]).includes(s));
  for (const source of new Set(pollSources)) {
    app.timer(POLLER_NAMES[source], {
      schedule: setting(env, AZURE_SETTINGS.POLL_SCHEDULE) ?? AZURE_CONFIG_DEFAULTS.pollSchedule,
      handler: createPollerHandler(source, options),
    });
    registered.push(POLLER_NAMES[source]);
  }
  if ((setting(env, AZURE_SETTINGS.STATE_STORE) ?? AZURE_CONFIG_DEFAULTS.stateStore) === 'azure-table') {
    app.timer(FUNCTION_NAMES.stateSweep, {
      schedule: setting(env, AZURE_SETTINGS.SWEEP_SCHEDULE) ?? AZURE_CONFIG_DEFAULTS.sweepSchedule,
      handler: createSweepHandler(options),
    });
    registered.push(FUNCTION_NAMES.stateSweep);
  }
  return registered;
}
