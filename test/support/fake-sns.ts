/**
 * A local stand-in for the SNS API endpoint, over real HTTP on 127.0.0.1, for tests that drive
 * `@aws-sdk/client-sns` end to end.
 *
 * Protocol: @aws-sdk/client-sns 3.x speaks awsQuery: `POST /` with an
 * `application/x-www-form-urlencoded` body (`Action=Publish&Version=2010-03-31&TopicArn=...&Message=...
 * &Subject=...&MessageStructure=json&MessageAttributes.entry.1.Name=...&MessageAttributes.entry.1.Value.
 * DataType=String&MessageAttributes.entry.1.Value.StringValue=...`), SigV4-signed, and expects XML
 * responses (`<PublishResponse>` / `<ErrorResponse>`). Only Publish is implemented; anything else is
 * answered with `InvalidAction`.
 *
 * Validation follows SNS: the topic must exist; Message is required; Subject must be printable ASCII
 * without line breaks, start with a letter, digit or punctuation, and be under 100 characters;
 * message + subject + attributes must be at most 262,144 UTF-8 bytes; MessageStructure=json needs a
 * JSON object whose values are strings and which has a "default" key; at most 10 attributes, each with
 * a DataType of String, Number or Binary (optionally `.custom`) and a value.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message attribute as SNS stores it. */
export interface FakeSnsAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** A Publish that the fake accepted, decoded. */
export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  /** The raw Message parameter. */
  message: string;
  messageStructure?: string;
  /** With MessageStructure=json: the per-protocol messages. */
  structured?: Record<string, string>;
  attributes: Record<string, FakeSnsAttribute>;
  /** Message + subject + attributes, UTF-8 bytes, as SNS counts them. */
  bytes: number;
}

/** A request the fake refused, for assertions. */
export interface RejectedRequest {
  status: number;
  code: string;
  message: string;
}

/** 'internal': HTTP 500 InternalError. 'throttle': HTTP 400 Throttling. Both are retryable for the SDK. */
export type FakeSnsFailure = 'internal' | 'throttle';

export interface FakeSns {
  /** `http://127.0.0.1:<port>`: pass as the SNSClient `endpoint`. */
  endpoint: string;
  /** The topic that exists. */
  topicArn: string;
  /** Accepted messages, in arrival order. */
  messages: PublishedMessage[];
  /** Refused requests (validation errors and injected failures), in arrival order. */
  rejected: RejectedRequest[];
  /** Every HTTP request seen, accepted or not. */
  readonly requestCount: number;
  /** Fail the next `n` requests (the SDK's own retries count as requests). */
  failNext(n: number, kind?: FakeSnsFailure): void;
  /** Fail the requests whose decoded Message contains `needle`, until the returned function is called. */
  failWhenMessageContains(needle: string, kind?: FakeSnsFailure): () => void;
  close(): Promise<void>;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const MAX_BYTES = 262_144;
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

class SnsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}

/**
 * Starts the fake on 127.0.0.1 on a random free port, with one topic.
 *
 * @param opts.topicName name of the topic that exists (default `tripline-findings`).
 */
export async function startFakeSns(opts: { topicName?: string } = {}): Promise<FakeSns> {
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${opts.topicName ?? 'tripline-findings'}`;
  const topics = new Set([topicArn]);
  const messages: PublishedMessage[] = [];
  const rejected: RejectedRequest[] = [];
  let requestCount = 0;
  const queuedFailures: FakeSnsFailure[] = [];
  const contentFailures = new Map<string, FakeSnsFailure>();

  const handle = (headers: http.IncomingHttpHeaders, body: string): { status: number; xml: string } => {
    requestCount++;
    const requestId = randomUUID();
    try {
      const queued = queuedFailures.shift();
      if (queued) throw injected(queued);
      if (!String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        throw new SnsError(400, 'InvalidParameter', 'Expected an application/x-www-form-urlencoded body');
      }
      if (!String(headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        throw new SnsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
      }
      const params = new URLSearchParams(body);
      const action = params.get('Action');
      if (action !== 'Publish') {
        throw new SnsError(
          400,
          'InvalidAction',
          `Could not find operation ${action ?? '(none)'} for version`,
        );
      }
      for (const [needle, kind] of contentFailures) {
        if ((params.get('Message') ?? '').includes(needle)) throw injected(kind);
      }
      const accepted = validatePublish(params, topics);
      const messageId = randomUUID();
      messages.push({ messageId, ...accepted });
      return {
        status: 200,
        xml:
          `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId>` +
          `</PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
      };
    } catch (e) {
      const err = e instanceof SnsError ? e : new SnsError(500, 'InternalError', String(e));
      rejected.push({ status: err.status, code: err.code, message: err.message });
      return {
        status: err.status,
        xml:
          `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${err.type}</Type><Code>${xml(err.code)}</Code>` +
          `<Message>${xml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { status, xml: payload } =
        req.method === 'POST'
          ? handle(req.headers, Buffer.concat(chunks).toString('utf8'))
          : { status: 405, xml: '' };
      res.writeHead(status, {
        'content-type': 'text/xml',
        'content-length': Buffer.byteLength(payload),
        'x-amzn-requestid': /<RequestId>([^<]+)</.exec(payload)?.[1] ?? '',
      });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    topicArn,
    messages,
    rejected,
    get requestCount() {
      return requestCount;
    },
    failNext(n, kind = 'internal') {
      for (let i = 0; i < n; i++) queuedFailures.push(kind);
    },
    failWhenMessageContains(needle, kind = 'internal') {
      contentFailures.set(needle, kind);
      return () => {
        contentFailures.delete(needle);
      };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function injected(kind: FakeSnsFailure): SnsError {
  return kind === 'throttle'
    ? new SnsError(400, 'Throttling', 'Rate exceeded')
    : new SnsError(500, 'InternalError', 'Internal error (injected by fake SNS)');
}

function validatePublish(params: URLSearchParams, topics: Set<string>): Omit<PublishedMessage, 'messageId'> {
  const topicArn = params.get('TopicArn') ?? params.get('TargetArn');
  if (!topicArn) throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
  if (!topics.has(topicArn)) throw new SnsError(404, 'NotFound', 'Topic does not exist');

  const message = params.get('Message');
  if (message === null) throw invalid('Message Reason: no value for required parameter');
  if (message.length === 0) throw invalid('Empty message');

  const subject = params.get('Subject') ?? undefined;
  if (subject !== undefined) {
    if (subject.length === 0 || subject.length >= 100) throw invalid('Subject');
    if (!/^[\x20-\x7e]+$/.test(subject)) throw invalid('Subject');
    if (!/^[A-Za-z0-9\p{P}\p{S}]/u.test(subject)) throw invalid('Subject');
  }

  const attributes = parseAttributes(params);

  const bytes =
    Buffer.byteLength(message) +
    Buffer.byteLength(subject ?? '') +
    Object.entries(attributes).reduce(
      (n, [name, a]) =>
        n +
        Buffer.byteLength(name) +
        Buffer.byteLength(a.DataType) +
        Buffer.byteLength(a.StringValue ?? a.BinaryValue ?? ''),
      0,
    );
  if (bytes > MAX_BYTES) throw invalid('Message too long');

  const messageStructure = params.get('MessageStructure') ?? undefined;
  let structured: Record<string, string> | undefined;
  if (messageStructure !== undefined) {
    if (messageStructure !== 'json') throw invalid('MessageStructure');
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      throw invalid('Message Structure - JSON message body failed to parse');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalid('Message Structure - JSON message body failed to parse');
    }
    const obj = parsed as Record<string, unknown>;
    if (typeof obj.default !== 'string') {
      throw invalid('Message Structure - No default entry in JSON message body');
    }
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v !== 'string') throw invalid(`Message Structure - value of ${k} is not a string`);
    }
    structured = obj as Record<string, string>;
  }

  const out: Omit<PublishedMessage, 'messageId'> = { topicArn, message, attributes, bytes };
  if (subject !== undefined) out.subject = subject;
  if (messageStructure !== undefined) out.messageStructure = messageStructure;
  if (structured !== undefined) out.structured = structured;
  return out;
}

function parseAttributes(params: URLSearchParams): Record<string, FakeSnsAttribute> {
  const attributes: Record<string, FakeSnsAttribute> = {};
  for (let i = 1; ; i++) {
    const prefix = `MessageAttributes.entry.${i}`;
    const name = params.get(`${prefix}.Name`);
    if (name === null) break;
    if (i > 10) throw invalid('MessageAttributes: too many attributes (at most 10)');
    if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name) || name.startsWith('.') || name.endsWith('.')) {
      throw invalid(`MessageAttributes: invalid attribute name ${name}`);
    }
    if (name in attributes) throw invalid(`MessageAttributes: duplicate attribute name ${name}`);
    const dataType = params.get(`${prefix}.Value.DataType`);
    if (!dataType || !/^(String|Number|Binary)(\..+)?$/.test(dataType)) {
      throw new SnsError(400, 'ParameterValueInvalid', `The message attribute '${name}' has an invalid type`);
    }
    const stringValue = params.get(`${prefix}.Value.StringValue`);
    const binaryValue = params.get(`${prefix}.Value.BinaryValue`);
    if (dataType.startsWith('Binary') ? !binaryValue : !stringValue) {
      throw new SnsError(
        400,
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value`,
      );
    }
    if (dataType.startsWith('Number') && !Number.isFinite(Number(stringValue))) {
      throw new SnsError(400, 'ParameterValueInvalid', `The message attribute '${name}' is not a number`);
    }
    const attr: FakeSnsAttribute = { DataType: dataType };
    if (stringValue !== null) attr.StringValue = stringValue;
    if (binaryValue !== null) attr.BinaryValue = binaryValue;
    attributes[name] = attr;
  }
  return attributes;
}

function invalid(what: string): SnsError {
  return new SnsError(400, 'InvalidParameter', `Invalid parameter: ${what}`);
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
