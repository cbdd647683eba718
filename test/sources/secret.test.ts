import { SecretError, SecretsManagerJson } from '../../shared/sources/secret';
import { startFakeSecretsManager, type FakeSecretsManager } from '../support/fake-secrets-manager';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:tripline/graph-AbCdEf';

describe('collector credentials from Secrets Manager', () => {
  let sm: FakeSecretsManager;
  beforeEach(async () => {
    sm = await startFakeSecretsManager();
  });
  afterEach(() => sm.close());

  it('reads the JSON secret once and reuses it until the cache lifetime ends', async () => {
    sm.secrets.set(ARN, JSON.stringify({ tenantId: 't', clientId: 'c', clientSecret: 's' }));
    let t = 0;
    const reader = new SecretsManagerJson({ client: sm.client(), ttlMs: 60_000, now: () => t });
    expect(await reader.read(ARN, ['tenantId', 'clientId', 'clientSecret'])).toEqual({
      tenantId: 't',
      clientId: 'c',
      clientSecret: 's',
    });
    t = 59_000;
    await reader.read(ARN);
    expect(sm.reads).toHaveLength(1);
    t = 61_000;
    await reader.read(ARN);
    expect(sm.reads).toHaveLength(2);
  });

  it('names the keys an operator has not filled in yet, and how to fill them', async () => {
    sm.secrets.set(ARN, JSON.stringify({ tenantId: 't', clientId: '', clientSecret: '' }));
    const reader = new SecretsManagerJson({ client: sm.client() });
    await expect(reader.read(ARN, ['tenantId', 'clientId', 'clientSecret'])).rejects.toThrow(
      /has no value for "clientId", "clientSecret".*aws secretsmanager put-secret-value --secret-id arn:aws:secretsmanager/,
    );
  });

  it('reads the secret again after it was found incomplete, so a fix applies on the next run', async () => {
    sm.secrets.set(ARN, JSON.stringify({ key: '' }));
    const reader = new SecretsManagerJson({ client: sm.client(), ttlMs: 3_600_000 });
    await expect(reader.read(ARN, ['key'])).rejects.toBeInstanceOf(SecretError);
    sm.secrets.set(ARN, JSON.stringify({ key: 'filled' }));
    await expect(reader.read(ARN, ['key'])).resolves.toEqual({ key: 'filled' });
  });

  it('says what to check when the secret is missing, and refuses one that is not a JSON object', async () => {
    const reader = new SecretsManagerJson({ client: sm.client() });
    await expect(reader.read(ARN)).rejects.toThrow(
      /cannot be read \(ResourceNotFoundException.*GetSecretValue/,
    );
    sm.secrets.set(ARN, 'not json');
    await expect(reader.read(ARN)).rejects.toThrow(/is not JSON/);
    sm.secrets.set(ARN, '["a"]');
    await expect(reader.read(ARN)).rejects.toThrow(/not an object/);
  });
});
