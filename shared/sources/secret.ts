/**
 * Collector credentials live in Secrets Manager, one JSON secret per source (the stack creates it with
 * the keys of `SOURCE_CREDENTIALS` empty; the operator fills them in). {@link SecretsManagerJson}
 * reads a secret once per container and again after `ttlMs`, so a rotated secret is picked up without
 * a redeploy, and reports an unreadable or incomplete secret with what to do.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** A secret that cannot be used: missing, not JSON, or without the keys the source needs. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
  constructor(
    message: string,
    /** The secret's ARN or name. */
    readonly secretId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Reads a JSON secret. */
export interface SecretJsonReader {
  /**
   * The secret's JSON object, with every key of `required` present as a non-empty string.
   *
   * @throws {@link SecretError} naming the secret and each missing key.
   */
  read(secretId: string, required?: readonly string[]): Promise<Record<string, unknown>>;
}

/** Options of {@link SecretsManagerJson}. */
export interface SecretsManagerJsonOptions {
  /** @default a client for the function's region */
  client?: SecretsManagerClient;
  /** How long a read value is reused. @default 15 minutes */
  ttlMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * {@link SecretJsonReader} over Secrets Manager `GetSecretValue`, cached per secret for `ttlMs`.
 *
 * @example
 * ```ts
 * const secrets = new SecretsManagerJson();
 * const { tenantId, clientId, clientSecret } = await secrets.read(config.secretArn, ['tenantId', 'clientId', 'clientSecret']);
 * ```
 */
export class SecretsManagerJson implements SecretJsonReader {
  private readonly client: SecretsManagerClient;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { at: number; value: Record<string, unknown> }>();

  constructor(opts: SecretsManagerJsonOptions = {}) {
    this.client = opts.client ?? new SecretsManagerClient({});
    this.ttlMs = opts.ttlMs ?? 15 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  async read(secretId: string, required: readonly string[] = []): Promise<Record<string, unknown>> {
    const hit = this.cache.get(secretId);
    const value =
      hit && this.now() - hit.at < this.ttlMs
        ? hit.value
        : await this.fetch(secretId).then((v) => this.keep(secretId, v));
    const missing = required.filter(
      (k) => typeof value[k] !== 'string' || (value[k] as string).trim() === '',
    );
    if (missing.length > 0) {
      this.cache.delete(secretId); // the operator may be filling it in right now
      throw new SecretError(
        `Secret ${secretId} has no value for ${missing.map((k) => JSON.stringify(k)).join(', ')}. ` +
          `Put them in with: aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '{${required.map((k) => `"${k}":"…"`).join(',')}}'`,
        secretId,
      );
    }
    return value;
  }

  private keep(secretId: string, value: Record<string, unknown>): Record<string, unknown> {
    this.cache.set(secretId, { at: this.now(), value });
    return value;
  }

  private async fetch(secretId: string): Promise<Record<string, unknown>> {
    let text: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      text = out.SecretString;
    } catch (e) {
      throw new SecretError(
        `Secret ${secretId} cannot be read (${(e as Error).name}: ${(e as Error).message}). Check that it exists and that the function's role may call secretsmanager:GetSecretValue on it.`,
        secretId,
        { cause: e },
      );
    }
    if (text === undefined || text.trim() === '')
      throw new SecretError(`Secret ${secretId} holds no string value; store a JSON object in it.`, secretId);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new SecretError(`Secret ${secretId} is not JSON; store a JSON object in it.`, secretId, {
        cause: e,
      });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new SecretError(
        `Secret ${secretId} is JSON but not an object; store a JSON object in it.`,
        secretId,
      );
    return parsed as Record<string, unknown>;
  }
}
