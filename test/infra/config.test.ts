import { ENV, ENV_NAMES } from '#shared/config/env';
import {
  ConfigError,
  LAMBDA_CONFIG_DEFAULTS,
  loadLambdaConfig,
  parseDuration,
  toLambdaEnvironment,
} from '#shared/config/lambda-config';
import { POLLING_SOURCES, SOURCE_CREDENTIALS } from '#shared/config/sources';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:tripline-findings';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tripline/graph-AbCdEf';

const minimal = {
  [ENV.STATE_TABLE_NAME]: 'tripline-state',
  [ENV.FINDINGS_TOPIC_ARN]: TOPIC,
  [ENV.SOURCE]: 'cloudtrail',
};

function errorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadLambdaConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

function problemsOf(env: Record<string, string | undefined>): ConfigError['problems'] {
  return errorOf(env).problems;
}

describe('ENV', () => {
  it('maps every name to itself, so ENV.X is the variable X', () => {
    for (const [key, value] of Object.entries(ENV)) expect(value).toBe(key);
  });

  it('has no duplicate names', () => {
    expect(new Set(ENV_NAMES).size).toBe(ENV_NAMES.length);
  });
});

describe('loadLambdaConfig', () => {
  it('applies every default when only the required variables are set', () => {
    expect(loadLambdaConfig(minimal)).toEqual({
      stateTableName: 'tripline-state',
      findingsTopicArn: TOPIC,
      source: 'cloudtrail',
      tenantId: undefined,
      latenessMs: 15 * 60_000,
      secretArn: undefined,
      stateRetentionDays: 90,
      logLevel: 'INFO',
      serviceName: 'tripline',
      metricsNamespace: 'Tripline',
    });
  });

  it('reads every optional variable', () => {
    const config = loadLambdaConfig({
      ...minimal,
      [ENV.SOURCE]: 'graph',
      [ENV.SECRET_ARN]: SECRET,
      [ENV.TENANT_ID]: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      [ENV.LATENESS]: '2h',
      [ENV.STATE_RETENTION_DAYS]: '30',
      [ENV.LOG_LEVEL]: 'debug',
      [ENV.POWERTOOLS_SERVICE_NAME]: 'tripline-graph',
      [ENV.POWERTOOLS_METRICS_NAMESPACE]: 'Acme/Tripline',
    });
    expect(config).toEqual({
      stateTableName: 'tripline-state',
      findingsTopicArn: TOPIC,
      source: 'graph',
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      latenessMs: 2 * 3_600_000,
      secretArn: SECRET,
      stateRetentionDays: 30,
      logLevel: 'DEBUG',
      serviceName: 'tripline-graph',
      metricsNamespace: 'Acme/Tripline',
    });
  });

  it('treats blank optional variables as unset', () => {
    const config = loadLambdaConfig({
      ...minimal,
      [ENV.TENANT_ID]: '  ',
      [ENV.LATENESS]: '',
      [ENV.LOG_LEVEL]: '',
    });
    expect(config.tenantId).toBeUndefined();
    expect(config.latenessMs).toBe(15 * 60_000);
    expect(config.logLevel).toBe('INFO');
  });

  it('reports every missing required variable at once, with what to set', () => {
    const problems = problemsOf({});
    expect(problems.map((p) => [p.variable, p.problem])).toEqual([
      [ENV.STATE_TABLE_NAME, 'is not set'],
      [ENV.FINDINGS_TOPIC_ARN, 'is not set'],
      [ENV.SOURCE, 'is not set'],
    ]);
    for (const p of problems) expect(p.fix).toMatch(/^Set /);
  });

  it('reports every invalid value at once, missing and malformed together', () => {
    const problems = problemsOf({
      [ENV.FINDINGS_TOPIC_ARN]: 'arn:aws:sqs:eu-west-1:123456789012:not-a-topic',
      [ENV.SOURCE]: 'slack',
      [ENV.TENANT_ID]: 'two words',
      [ENV.LATENESS]: '15 minutes',
      [ENV.SECRET_ARN]: 'my-secret',
      [ENV.STATE_RETENTION_DAYS]: '0',
      [ENV.LOG_LEVEL]: 'loud',
      [ENV.POWERTOOLS_METRICS_NAMESPACE]: 'has spaces',
    });
    expect(Object.fromEntries(problems.map((p) => [p.variable, p.problem]))).toEqual({
      [ENV.STATE_TABLE_NAME]: 'is not set',
      [ENV.FINDINGS_TOPIC_ARN]: 'is not an SNS topic ARN',
      [ENV.SOURCE]: 'is not a known source',
      [ENV.TENANT_ID]: 'contains whitespace',
      [ENV.LATENESS]: 'is not a positive duration',
      [ENV.SECRET_ARN]: 'is not a Secrets Manager secret ARN',
      [ENV.STATE_RETENTION_DAYS]: 'is out of range',
      [ENV.LOG_LEVEL]: 'is not a log level',
      [ENV.POWERTOOLS_METRICS_NAMESPACE]: 'is not a valid CloudWatch namespace',
    });
  });

  it('renders one message line per problem, naming the variable and the fix', () => {
    const error = errorOf({ ...minimal, [ENV.STATE_RETENTION_DAYS]: 'many', [ENV.LATENESS]: 'soon' });
    expect(error.name).toBe('ConfigError');
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('Invalid Tripline function configuration (2 problems):');
    expect(lines[1]).toMatch(/^ {2}- LATENESS is not a positive duration\. Set a whole-number duration/);
    expect(lines[2]).toMatch(
      /^ {2}- STATE_RETENTION_DAYS is not a whole number of days\. Set a whole number of days/,
    );
  });

  it.each(POLLING_SOURCES.filter((s) => SOURCE_CREDENTIALS[s] !== undefined))(
    'requires SECRET_ARN for the %s poller, even alongside other problems',
    (source) => {
      const problems = problemsOf({ [ENV.SOURCE]: source, [ENV.FINDINGS_TOPIC_ARN]: TOPIC });
      expect(problems.map((p) => p.variable)).toEqual([ENV.STATE_TABLE_NAME, ENV.SECRET_ARN]);
      expect(problems[1]?.problem).toBe(`is not set, and source ${source} needs API credentials`);
    },
  );

  it('does not require SECRET_ARN for cloudtrail-lookup, which uses the function role', () => {
    expect(loadLambdaConfig({ ...minimal, [ENV.SOURCE]: 'cloudtrail-lookup' }).secretArn).toBeUndefined();
  });

  it('reads process.env when called without an argument', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, minimal);
      expect(loadLambdaConfig().stateTableName).toBe('tripline-state');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe('toLambdaEnvironment', () => {
  it('writes what loadLambdaConfig reads (round trip with every setting)', () => {
    const env = toLambdaEnvironment({
      stateTableName: 'tripline-state',
      findingsTopicArn: TOPIC,
      source: 'workspace',
      secretArn: SECRET,
      tenantId: 'C03az79cb',
      lateness: '30m',
      stateRetentionDays: 14,
      logLevel: 'WARN',
      serviceName: 'tripline-workspace',
      metricsNamespace: 'Tripline',
    });
    expect(loadLambdaConfig(env)).toEqual({
      stateTableName: 'tripline-state',
      findingsTopicArn: TOPIC,
      source: 'workspace',
      tenantId: 'C03az79cb',
      latenessMs: 30 * 60_000,
      secretArn: SECRET,
      stateRetentionDays: 14,
      logLevel: 'WARN',
      serviceName: 'tripline-workspace',
      metricsNamespace: 'Tripline',
    });
  });

  it('writes defaults explicitly and leaves unset optional values out', () => {
    const env = toLambdaEnvironment({
      stateTableName: 't-state',
      findingsTopicArn: TOPIC,
      source: 'cloudtrail',
    });
    expect(env).toEqual({
      STATE_TABLE_NAME: 't-state',
      FINDINGS_TOPIC_ARN: TOPIC,
      SOURCE: 'cloudtrail',
      LATENESS: LAMBDA_CONFIG_DEFAULTS.lateness,
      STATE_RETENTION_DAYS: '90',
      LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: 'tripline',
      POWERTOOLS_METRICS_NAMESPACE: 'Tripline',
    });
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['14d', 1_209_600_000],
    ['1w', 604_800_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', '0m', '-5m', '15 minutes', 'm', '2 fortnights'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
