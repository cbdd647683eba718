/**
 * The Azure Functions host, as far as the tests need it: `@azure/functions` registers functions with
 * the worker's core API (`@azure/functions-core`, which only exists inside the worker). The test files
 * mock that module (virtual) with {@link coreApiMock}, so `app.eventHub` / `app.timer` really build the
 * binding metadata and hand over the handler, and {@link registrations} gives both back.
 */
import { InvocationContext } from '@azure/functions';
import type { InvocationContextInit } from '@azure/functions';

/** A function as the worker received it. */
export interface Registration {
  metadata: {
    name: string;
    bindings: Record<string, Record<string, unknown>>;
    retryOptions?: Record<string, unknown>;
  };
  handler: (...args: unknown[]) => Promise<unknown>;
}

const captured: Registration[] = [];

/** The stand-in for `@azure/functions-core` (pass to `jest.mock(..., { virtual: true })`). */
export function coreApiMock(): Record<string, unknown> {
  return {
    registerFunction: (metadata: Registration['metadata'], handler: Registration['handler']) => {
      captured.push({ metadata, handler });
      return { dispose: () => undefined };
    },
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerHook: () => ({ dispose: () => undefined }),
    Disposable: class {},
  };
}

/** Registrations since the last call, by function name. */
export function registrations(): Map<string, Registration> {
  const out = new Map(captured.map((r) => [r.metadata.name, r]));
  captured.length = 0;
  return out;
}

/** A log line written through the invocation context. */
export interface LogLine {
  level: string;
  text: string;
}

/** A real InvocationContext whose log lines are kept. */
export function invocation(init: InvocationContextInit = {}): {
  context: InvocationContext;
  logs: LogLine[];
} {
  const logs: LogLine[] = [];
  const context = new InvocationContext({
    invocationId: `inv-${Math.random().toString(36).slice(2)}`,
    ...init,
    logHandler: (level, ...args) => logs.push({ level, text: args.map(String).join(' ') }),
  });
  return { context, logs };
}
