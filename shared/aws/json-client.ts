/**
 * A lean client for AWS services that speak the AWS JSON protocol (one `POST /` per operation, the operation
 * named in `X-Amz-Target`), signed with Signature Version 4 by the SDK's own signer (`@smithy/signature-v4`).
 *
 * Why not the SDK client: the ingest makes two calls (SQS `SendMessage`, Secrets Manager `GetSecretValue`),
 * and the SDK's clients, with their endpoint rule sets, credential chain and protocol machinery, are about
 * 330 KB of bundle that every cold start loads before the first callback is acknowledged. This client is a
 * few KB over `node:https`, with the SDK's standard retry behaviour for what the ingest needs: up to three
 * attempts on throttling, 5xx and network errors, with jittered exponential backoff.
 *
 * Credentials come from the environment, which is where Lambda puts the execution role's
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`); the region from `AWS_REGION`.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';

/** The credentials a request is signed with. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A failed AWS call: the service's error code (`__type`) or a transport failure, and whether a retry may help. */
export class AwsRequestError extends Error {
  override readonly name = 'AwsRequestError';
  constructor(
    message: string,
    /** The service's error code without its namespace (e.g. `QueueDoesNotExist`), or `NetworkError`. */
    readonly code: string,
    /** The HTTP status, or 0 when no response arrived. */
    readonly status: number,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Credentials are missing from the environment: the client cannot sign. */
export class MissingCredentialsError extends Error {
  override readonly name = 'MissingCredentialsError';
}

/** Reads the credentials Lambda puts in the environment, at each call (they are fixed for a sandbox). */
export function environmentCredentials(env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new MissingCredentialsError(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set. Lambda sets them from the execution role; when running by hand, export them.',
    );
  }
  const sessionToken = env.AWS_SESSION_TOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/** The regional endpoint of a service, in the partition of the region (`amazonaws.com.cn` in China). */
export function regionalEndpoint(endpointPrefix: string, region: string): string {
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${endpointPrefix}.${region}.${domain}`;
}

export interface AwsJsonClientOptions {
  /** The signing name, e.g. `sqs`, `secretsmanager`. */
  readonly signingName: string;
  /** The `X-Amz-Target` prefix, e.g. `AmazonSQS`, `secretsmanager`. */
  readonly targetPrefix: string;
  /** `1.0` (SQS) or `1.1` (Secrets Manager): the `application/x-amz-json-*` content type. */
  readonly jsonVersion: '1.0' | '1.1';
  readonly region: string;
  /** Origin to send to (`https://host[:port]`, or `http://` on loopback for tests). */
  readonly endpoint: string;
  /** @default environmentCredentials */
  readonly credentials?: () => AwsCredentials;
  /** Attempts per call, the first included. @default 3 (the SDK's standard mode) */
  readonly maxAttempts?: number;
  /** Milliseconds one attempt may take before it is abandoned and retried. @default 10000 */
  readonly attemptTimeoutMs?: number;
  /** Backoff before attempt n+1 is random in [0, min(maxBackoffMs, baseBackoffMs * 2^n)). @default 100 */
  readonly baseBackoffMs?: number;
  /** @default 20000 */
  readonly maxBackoffMs?: number;
}

/** Calls one operation with a JSON input and resolves with the parsed JSON output. */
export type AwsJsonCall = (operation: string, input: Readonly<Record<string, unknown>>) => Promise<unknown>;

/** The SDK's throttling codes (`@smithy/core` service-error-classification): retried like 5xx. */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const toBytes = (data: ArrayBuffer | ArrayBufferView): Uint8Array =>
  ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);

/** SHA-256 in the shape the signer expects (a `Checksum` constructor), over `node:crypto`. */
class NodeSha256 {
  private hash: Hash | Hmac;
  private readonly secret: string | Uint8Array | undefined;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined || typeof secret === 'string' ? secret : toBytes(secret);
    this.hash = this.start();
  }
  private start(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.start();
  }
}

interface RawResponse {
  readonly status: number;
  readonly body: string;
}

/** Error codes arrive as `__type` (`com.amazonaws.sqs#QueueDoesNotExist`); keep the name after the `#`. */
function errorCode(body: unknown): string {
  const raw =
    typeof body === 'object' && body !== null && typeof (body as { __type?: unknown }).__type === 'string'
      ? (body as { __type: string }).__type
      : 'UnknownError';
  return raw.split(':')[0]?.split('#').pop() ?? raw;
}

function errorMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const record = body as Record<string, unknown>;
  const message = record.message ?? record.Message;
  return typeof message === 'string' ? message : '';
}

/**
 * Creates a signed JSON-protocol caller for one service endpoint. The connection pool is kept alive between
 * calls, as the SDK's is, so a warm Lambda reuses its TLS connection.
 */
export function createAwsJsonClient(options: AwsJsonClientOptions): AwsJsonCall {
  const url = new URL(options.endpoint);
  const secure = url.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  const credentials = options.credentials ?? (() => environmentCredentials());
  const signer = new SignatureV4({
    service: options.signingName,
    region: options.region,
    credentials: async () => credentials(),
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  const maxAttempts = options.maxAttempts ?? 3;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
  const baseBackoffMs = options.baseBackoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 20_000;

  async function attempt(operation: string, body: string): Promise<RawResponse> {
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': contentType,
        'content-length': String(Buffer.byteLength(body, 'utf8')),
        'x-amz-target': `${options.targetPrefix}.${operation}`,
      },
      body,
    });
    return new Promise((resolve, reject) => {
      const req = send(
        {
          method: 'POST',
          host: url.hostname,
          port: url.port === '' ? undefined : Number(url.port),
          path: '/',
          headers: signed.headers,
          agent,
          timeout: attemptTimeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${attemptTimeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  async function once(operation: string, body: string): Promise<unknown> {
    let response: RawResponse;
    try {
      response = await attempt(operation, body);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AwsRequestError(
        `${options.targetPrefix}.${operation} to ${url.host} failed before an answer: ${reason}`,
        'NetworkError',
        0,
        true,
        { cause: error },
      );
    }
    let parsed: unknown;
    try {
      parsed = response.body === '' ? {} : JSON.parse(response.body);
    } catch {
      parsed = undefined;
    }
    if (response.status >= 200 && response.status < 300 && parsed !== undefined) return parsed;
    const code = errorCode(parsed);
    const retryable = response.status >= 500 || response.status === 429 || THROTTLING_CODES.has(code);
    throw new AwsRequestError(
      `${options.targetPrefix}.${operation} answered ${response.status} ${code}${parsed === undefined ? ' (not JSON)' : ''}: ${errorMessage(parsed) || 'no message'}`,
      code,
      response.status,
      retryable,
    );
  }

  return async (operation, input) => {
    const body = JSON.stringify(input);
    for (let n = 1; ; n += 1) {
      try {
        return await once(operation, body);
      } catch (error) {
        if (!(error instanceof AwsRequestError) || !error.retryable || n >= maxAttempts) throw error;
        const ceiling = Math.min(maxBackoffMs, baseBackoffMs * 2 ** n);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
      }
    }
  };
}
