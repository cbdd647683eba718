/**
 * The Tripline CDK app, run by the CDK CLI (cdk.json): `npx cdk deploy -c alertEmail=oncall@example.com`.
 * Settings come from CDK context; see docs/deploy.md.
 *
 * @module
 */
import { buildApp } from './build-app';
import { InvalidPropsError } from './errors';

try {
  buildApp().app.synth();
} catch (e) {
  if (!(e instanceof InvalidPropsError)) throw e;
  // The problems are the whole story; a stack trace would only bury them.
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
