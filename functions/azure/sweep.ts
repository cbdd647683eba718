/**
 * Daily timer: deletes expired state from Table Storage, which has no TTL of its own (readers already
 * ignore dead items; this keeps the table from growing). Bounded per run; a partial sweep continues the
 * next day.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import { AzureTableStateStore } from '#shared/state/azure-table';
import { buildAzureRuntime, errorText, logTo } from './runtime';
import type { AzureRuntime, AzureRuntimeOptions } from './runtime';

/** Most entities one sweep deletes. */
export const SWEEP_MAX_ITEMS = 50_000;

export type SweepHandler = (
  timer: Timer,
  context: InvocationContext,
) => Promise<{ deleted: number; complete: boolean }>;

/** Builds the sweep handler. */
export function createSweepHandler(options: AzureRuntimeOptions = {}): SweepHandler {
  let runtime: AzureRuntime | undefined;
  return async (_timer, context) => {
    try {
      runtime ??= buildAzureRuntime(options);
    } catch (e) {
      context.error(`Tripline cannot start: ${errorText(e)}`);
      throw e;
    }
    const store = runtime.store;
    if (!(store instanceof AzureTableStateStore)) {
      logTo(context, 'info', 'State is not in Table Storage; nothing to sweep', { store: store.name });
      return { deleted: 0, complete: true };
    }
    const res = await store.sweepExpired(runtime.now(), SWEEP_MAX_ITEMS);
    logTo(context, 'info', 'Expired state swept', { table: store.tableName, ...res });
    return res;
  };
}
