/** Shared set-up for the infra tests: the app as cdk.json configures it, and template walkers. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addNagChecks, buildApp } from '../../infra/build-app';
import { TriplineStack, type TriplineStackProps } from '../../infra/tripline-stack';
import { POLLING_SOURCES } from '#shared/config/sources';
import type { PollSourceRegistry } from '#shared/sources/registry';

/**
 * A registry with every polling source, whose collectors are never built: synth only checks that
 * enabled sources are registered, so tests of the stack's shape enable any source with it.
 */
export const STUB_REGISTRY: PollSourceRegistry = Object.fromEntries(
  POLLING_SOURCES.map((s) => [
    s,
    {
      create: () => {
        throw new Error(`stub registration of ${s}: not for running`);
      },
    },
  ]),
);

const ROOT = path.resolve(__dirname, '..', '..');

/** The stand-in poller handler, until functions/aws/poller/index.ts exists. */
export const FIXTURE_POLLER_ENTRY = path.join(__dirname, 'fixtures', 'poller', 'index.ts');

/** The context cdk.json gives every `cdk` command (feature flags and Tripline defaults). */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

/** A fresh App with cdk.json's context plus `context`, as `cdk synth -c key=value` would build it. */
export function appWithContext(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...cdkJsonContext(), ...context } });
}

/** Builds the app exactly as infra/app.ts does (cdk-nag included) and returns its stack and template. */
export function synthFromContext(context: Record<string, unknown> = {}): {
  app: App;
  stack: TriplineStack;
  template: Template;
} {
  const { app, stack } = buildApp(appWithContext(context));
  return { app, stack, template: Template.fromStack(stack) };
}

/**
 * Builds a stack from props (for what context cannot say, such as a fixture poller entry), in an app
 * with cdk.json's context and the cdk-nag checks, like the real one.
 */
export function synthFromProps(props: TriplineStackProps): {
  app: App;
  stack: TriplineStack;
  template: Template;
} {
  const app = appWithContext();
  const stack = new TriplineStack(app, 'Tripline', { registry: STUB_REGISTRY, ...props });
  addNagChecks(app);
  return { app, stack, template: Template.fromStack(stack) };
}

/** An IAM policy statement as CloudFormation holds it. */
export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
  Sid?: string;
}

/**
 * Every policy statement anywhere in the template (IAM policies and roles, key policies, topic and
 * queue policies, ...), with the logical id of the resource holding it.
 */
export function allStatements(template: Template): { resource: string; statement: Statement }[] {
  const out: { resource: string; statement: Statement }[] = [];
  const walk = (resource: string, node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(resource, item);
    } else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (Array.isArray(record['Statement'])) {
        for (const statement of record['Statement'] as Statement[]) out.push({ resource, statement });
      }
      for (const value of Object.values(record)) walk(resource, value);
    }
  };
  for (const [id, resource] of Object.entries(template.toJSON()['Resources'] as Record<string, unknown>)) {
    walk(id, (resource as { Properties?: unknown }).Properties);
  }
  return out;
}

/** Actions of a statement as a list. */
export function actionsOf(statement: Statement): string[] {
  const actions = statement.Action ?? [];
  return Array.isArray(actions) ? actions : [actions];
}

/** Resources of one CloudFormation type, by logical id. */
export function resourcesOfType(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, unknown>; DeletionPolicy?: string }> {
  return template.findResources(type) as Record<
    string,
    { Properties: Record<string, unknown>; DeletionPolicy?: string }
  >;
}
