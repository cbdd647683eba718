/**
 * Builds the Tripline CDK app from context: the stack, and the cdk-nag AWS Solutions checks that fail
 * `cdk synth` on any unacknowledged error. infra/app.ts runs it; tests call it directly.
 *
 * @module
 */
import { Annotations, App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SCHEDULE_KEY_PREFIX, stackSettingsFromContext, unknownContextKeys } from './context';
import { InvalidPropsError } from './errors';
import { TriplineStack, checkStackProps } from './tripline-stack';
import { userConfigFromContext } from './user-config';

/**
 * Builds the app: stack from context, cdk-nag checks registered.
 *
 * @throws {@link InvalidPropsError} when the context or the stack props are invalid.
 */
export function buildApp(app: App = new App()): { app: App; stack: TriplineStack } {
  const { stackName, props, problems } = stackSettingsFromContext(app.node);
  const all = [...problems, ...checkStackProps(props)];
  let userConfig;
  try {
    userConfig = userConfigFromContext(app.node);
  } catch (e) {
    if (!(e instanceof InvalidPropsError)) throw e;
    all.push(...e.problems);
  }
  if (all.length > 0) throw new InvalidPropsError(all);
  const stack = new TriplineStack(app, stackName, {
    ...props,
    ...(userConfig ? { userConfig } : {}),
    description: 'Tripline: detects attacks on SaaS and cloud tenants from their audit logs',
  });
  for (const key of unknownContextKeys(app.node)) {
    Annotations.of(stack).addWarningV2(
      'tripline:unknownContextKey',
      `Context key "${key}" is not a Tripline setting and is ignored (see docs/deploy.md; schedules are ${SCHEDULE_KEY_PREFIX}<source>)`,
    );
  }
  addNagChecks(app);
  return { app, stack };
}

/**
 * Registers the cdk-nag AWS Solutions checks on `app`. cdk-nag 3 runs as a CDK policy-validation
 * plugin (it replaced v2's Aspect): an unacknowledged error fails synthesis. It also copies each
 * acknowledgement into its resource's Metadata, so the template records why a rule is waived.
 */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
}
