/**
 * Where the CDK app finds the project: handler entry points and the files esbuild bundles with.
 * Resolved from this file, so `cdk synth` works from any working directory.
 *
 * @module
 */
import * as path from 'node:path';

/** The repository root (the folder holding package.json and package-lock.json). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The lock file NodejsFunction hashes and installs from. */
export const LOCK_FILE = path.join(PROJECT_ROOT, 'package-lock.json');

/** The tsconfig esbuild reads (for the `#shared/*` path alias). */
export const TSCONFIG = path.join(PROJECT_ROOT, 'tsconfig.json');

/** Entry of the real-time CloudTrail handler (EventBridge -> SQS -> Lambda). */
export const REALTIME_ENTRY = path.join(PROJECT_ROOT, 'functions', 'aws', 'cloudtrail-realtime', 'index.ts');

/** Entry of the shared poller handler template; one function per enabled polling source runs it. */
export const POLLER_ENTRY = path.join(PROJECT_ROOT, 'functions', 'aws', 'poller', 'index.ts');

/** Entry of the S3 trail files handler (trail bucket -> S3 notifications -> SQS -> Lambda). */
export const TRAIL_ENTRY = path.join(PROJECT_ROOT, 'functions', 'aws', 'cloudtrail-s3', 'index.ts');
