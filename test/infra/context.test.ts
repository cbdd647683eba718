import { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/build-app';
import { CONTEXT_KEYS, stackSettingsFromContext, unknownContextKeys } from '../../infra/context';
import { InvalidPropsError } from '../../infra/errors';
import { TRIPLINE_DEFAULTS } from '../../infra/tripline-stack';
import { appWithContext, cdkJsonContext } from './helpers';

const read = (context: Record<string, unknown>) => stackSettingsFromContext(new App({ context }).node);

describe('stackSettingsFromContext', () => {
  it('leaves every prop to the stack defaults when the context says nothing', () => {
    expect(read({})).toEqual({ stackName: 'Tripline', props: {}, problems: [] });
  });

  it('reads -c alertEmail=... and merges it with a comma-separated alertEmails', () => {
    expect(
      read({ alertEmail: 'oncall@example.com', alertEmails: ' sec@example.com, soc@example.com ,' }).props,
    ).toEqual({
      alertEmails: ['oncall@example.com', 'sec@example.com', 'soc@example.com'],
    });
  });

  it('reads the trail bucket settings and the LookupEvents regions', () => {
    expect(
      read({
        trailBucket: 'org-trail-logs',
        trailPrefix: 'org',
        trailKmsKey: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        trailNotifications: 'false',
        lookupRegions: 'us-east-1, eu-west-1',
      }).props,
    ).toEqual({
      trailBucket: 'org-trail-logs',
      trailPrefix: 'org',
      trailKmsKey: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      trailNotifications: false,
      lookupRegions: ['us-east-1', 'eu-west-1'],
    });
  });

  it('reads command-line strings and cdk.json JSON values alike', () => {
    const fromCli = read({
      enabledSources: 'cloudtrail,graph',
      stateRetentionDays: '30',
      logRetentionDays: '90',
      autoRevoke: 'dry-run',
      responder: '{"minSeverity":"high"}',
      retainState: 'false',
      readOnlyEvents: 'false',
      'schedules.graph': 'rate(10 minutes)',
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      lateness: '30m',
      logLevel: 'debug',
      opsEmails: 'ops@example.com',
    }).props;
    const fromJson = read({
      enabledSources: ['cloudtrail', 'graph'],
      stateRetentionDays: 30,
      logRetentionDays: 90,
      autoRevoke: 'dry-run',
      responder: { minSeverity: 'high' },
      retainState: false,
      readOnlyEvents: false,
      'schedules.graph': 'rate(10 minutes)',
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      lateness: '30m',
      logLevel: 'DEBUG',
      opsEmails: ['ops@example.com'],
    }).props;
    const expected = {
      enabledSources: ['cloudtrail', 'graph'],
      stateRetentionDays: 30,
      logRetentionDays: 90,
      autoRevoke: 'dry-run',
      responder: { minSeverity: 'high' },
      retainState: false,
      readOnlyEvents: false,
      schedules: { graph: 'rate(10 minutes)' },
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      lateness: '30m',
      logLevel: 'DEBUG',
      opsEmails: ['ops@example.com'],
    };
    expect(fromCli).toEqual(expected);
    expect(fromJson).toEqual(expected);
  });

  it('treats blank values as unset, so cdk.json can hold empty placeholders', () => {
    expect(read({ alertEmails: '', tenantId: ' ', stateRetentionDays: '' }).props).toEqual({});
  });

  it('names the stack and pins its environment only when asked', () => {
    const settings = read({ stackName: 'TriplineProd', account: '123456789012', region: 'eu-west-1' });
    expect(settings.stackName).toBe('TriplineProd');
    expect(settings.props.env).toEqual({ account: '123456789012', region: 'eu-west-1' });
  });

  it('reports every value of the wrong type, and leaves it out', () => {
    const { props, problems } = read({
      stateRetentionDays: 'ninety',
      autoRevoke: true,
      responder: '[1]',
      enabledSources: 42,
      tenantId: 7,
    });
    expect(props).toEqual({});
    expect(problems).toEqual([
      { setting: 'enabledSources', message: 'must be a comma-separated string or a list of strings, got 42' },
      { setting: 'stateRetentionDays', message: 'must be a number, got "ninety"' },
      { setting: 'autoRevoke', message: 'must be a string, got true' },
      { setting: 'responder', message: 'must be a JSON object, got "[1]"' },
      { setting: 'tenantId', message: 'must be a string, got 7' },
    ]);
  });
});

describe('unknownContextKeys', () => {
  afterEach(() => jest.restoreAllMocks());

  it('flags likely typos of Tripline keys and ignores CDK feature flags', () => {
    const app = new App({
      context: { ...cdkJsonContext(), alertEmial: 'x@example.com', 'schedules.grpah': 'rate(5 minutes)' },
    });
    expect(unknownContextKeys(app.node)).toEqual(['alertEmial', 'schedules.grpah']);
  });

  it('warns about them on the stack', () => {
    // Synthesis prints the validation report, warnings included; the assertion below is what counts.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const { stack } = buildApp(appWithContext({ alertEmial: 'x@example.com' }));
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('Context key "alertEmial" is not a Tripline setting'),
    );
  });
});

describe('buildApp', () => {
  it('reports unreadable context and invalid settings together', () => {
    let error: unknown;
    try {
      buildApp(
        appWithContext({
          stateRetentionDays: 'ninety',
          alertEmail: 'nobody',
          enabledSources: 'cloudtrail,slack',
        }),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidPropsError);
    expect((error as InvalidPropsError).message).toBe(
      [
        'Invalid Tripline settings (3 problems):',
        '  - stateRetentionDays: must be a number, got "ninety"',
        '  - alertEmails: "nobody" is not an e-mail address',
        '  - enabledSources: "slack" is not a source; use cloudtrail, graph, m365, workspace, cloudtrail-lookup',
      ].join('\n'),
    );
  });

  it('builds a stack with no CDK warnings from the defaults', () => {
    const { stack } = buildApp(appWithContext());
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });
});

describe('cdk.json', () => {
  const context = cdkJsonContext();

  it('runs the app through tsx, so a fresh checkout synthesizes without a build step', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect((require('../../cdk.json') as { app: string }).app).toBe('node bin/run-ts.cjs infra/app.ts');
  });

  it('shows the Tripline defaults, and they agree with the code', () => {
    expect(context[CONTEXT_KEYS.enabledSources]).toBe(TRIPLINE_DEFAULTS.enabledSources.join(','));
    expect(context[CONTEXT_KEYS.stateRetentionDays]).toBe(TRIPLINE_DEFAULTS.stateRetentionDays);
    expect(context[CONTEXT_KEYS.logRetentionDays]).toBe(TRIPLINE_DEFAULTS.logRetentionDays);
    expect(context[CONTEXT_KEYS.autoRevoke]).toBe(TRIPLINE_DEFAULTS.autoRevoke);
    expect(context[CONTEXT_KEYS.retainState]).toBe(TRIPLINE_DEFAULTS.retainState);
    expect(context[CONTEXT_KEYS.readOnlyEvents]).toBe(TRIPLINE_DEFAULTS.readOnlyEvents);
  });

  it('holds no Tripline key the app does not read', () => {
    expect(unknownContextKeys(new App({ context }).node)).toEqual([]);
  });
});
