/**
 * The ingest handler with the real SQS adapter and Secrets Manager token source; the AWS clients answer
 * through aws-sdk-client-mock, so the commands the handler sends are checked as sent.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { sqsQueue } from '../../../functions/commons/aws-adapters';
import { secretTokenSource } from '../../../functions/commons/secret-token-source';
import { composeIngest } from '../../../functions/compose/ingest';
import type { IngestHandler } from '../../../functions/handlers/ingest-handler';
import {
  generateRsaKeyPair,
  privateKeyFromPem,
  type RsaKeyPair,
  signBytes,
} from '../../../shared/bunq/api/crypto';
import type { CallbackSignatureMode } from '../../../shared/pipeline/ingest/callback-signature';
import {
  fixedServerPublicKey,
  type ServerPublicKeySource,
  stateServerPublicKey,
} from '../../../shared/pipeline/ingest/server-public-key';
import {
  CALLBACK_TOKEN_MARKER,
  isReceivedBody,
  sha256Hex,
} from '../../../shared/pipeline/ingest/token-marker';
import { fixtureText, PARTNER_SECRETS } from '../../support/fixtures';
import { apiGatewayEvent } from '../../support/lambda';
import { capturingLogger, RecordingMetrics } from '../../support/pipeline';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/callbacks';
const TOKEN = 'current_token_0123456789abcdefghijklmnop';
const NEW_TOKEN = 'rotated_token_0123456789abcdefghijklmnop';
const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);

interface SignatureOverrides {
  readonly mode: CallbackSignatureMode;
  /** Stands in for the installation's key (the poller's state). */
  readonly key?: ServerPublicKeySource;
}

function build(
  overrides: { allowedSourceCidrs?: string[]; maxBodyBytes?: number; signature?: SignatureOverrides } = {},
) {
  const { logger, lines } = capturingLogger();
  const metrics = new RecordingMetrics();
  const handler: IngestHandler = composeIngest(
    {
      allowedSourceCidrs: overrides.allowedSourceCidrs ?? ['185.40.108.0/22'],
      maxBodyBytes: overrides.maxBodyBytes ?? 1_000_000,
      ...(overrides.signature === undefined ? {} : { callbackSignature: { mode: overrides.signature.mode } }),
    },
    {
      queue: sqsQueue(new SQSClient({}), QUEUE_URL),
      tokens: secretTokenSource({
        provider: new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) }),
        secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token',
        maxAgeSeconds: 60,
      }),
      logger,
      metrics,
      ...(overrides.signature?.key === undefined ? {} : { serverPublicKey: overrides.signature.key }),
    },
  );
  return { handler, lines, metrics };
}

beforeEach(() => {
  sqs.reset();
  secrets.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: TOKEN }) });
});

describe('ingest handler', () => {
  it('enqueues the raw body byte-exact with receive time, source and request id, then answers 200', async () => {
    const { handler } = build();
    const body = fixtureText('partner-user-provision');
    const event = apiGatewayEvent({ token: TOKEN, body, timeEpoch: Date.parse('2025-09-03T08:24:15.250Z') });
    const response = await handler(event);
    expect(response.statusCode).toBe(200);
    const sent = sqs.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      MessageBody: body,
      MessageAttributes: {
        receivedAt: { DataType: 'String', StringValue: '2025-09-03T08:24:15.250Z' },
        sourceIp: { DataType: 'String', StringValue: '185.40.108.10' },
        requestId: { DataType: 'String', StringValue: event.requestContext.requestId },
        bodyEncoding: { DataType: 'String', StringValue: 'utf8' },
        receivedSha256: { DataType: 'String', StringValue: sha256Hex(Buffer.from(body)) },
      },
    });
  });
  it('replaces the token in the body before enqueueing and keeps the SHA-256 of the body as received', async () => {
    // During a rotation: bunq still calls the previous token's URL and echoes it.
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ token: NEW_TOKEN, previousToken: TOKEN }),
    });
    const { handler } = build();
    const body = fixtureText('mutation-payment')
      .replace('/callbacks/REDACTED', `/callbacks/${TOKEN}`)
      .replace('"Groceries"', `"Groceries ${TOKEN}"`);
    expect(body.split(TOKEN)).toHaveLength(3);
    expect((await handler(apiGatewayEvent({ token: TOKEN, body }))).statusCode).toBe(200);
    const input = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    const stored = Buffer.from(input?.MessageBody ?? '');
    expect(stored.toString()).toBe(body.replaceAll(TOKEN, CALLBACK_TOKEN_MARKER));
    const digest = input?.MessageAttributes?.receivedSha256?.StringValue ?? '';
    expect(digest).toBe(sha256Hex(Buffer.from(body)));
    expect(isReceivedBody(stored, TOKEN, digest)).toBe(true);
  });

  it('decodes a base64 body from API Gateway before enqueueing it', async () => {
    const { handler } = build();
    const body = fixtureText('mutation-payment');
    await handler(
      apiGatewayEvent({ token: TOKEN, body: Buffer.from(body).toString('base64'), isBase64Encoded: true }),
    );
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody).toBe(body);
  });

  it('answers 503 and claims nothing when SQS refuses the message, so bunq retries', async () => {
    sqs
      .on(SendMessageCommand)
      .rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));
    const { handler, lines } = build();
    const response = await handler(apiGatewayEvent({ token: TOKEN, body: fixtureText('mutation-payment') }));
    expect(response.statusCode).toBe(503);
    expect(lines.some((line) => line.includes('could not be enqueued'))).toBe(true);
  });

  it.each<[string, Parameters<typeof apiGatewayEvent>[0], number]>([
    ['a wrong token', { token: `${TOKEN.slice(0, -1)}X` }, 403],
    ['a source outside the range', { token: TOKEN, sourceIp: '1.2.3.4' }, 403],
    ['a GET', { token: TOKEN, method: 'GET' }, 405],
    ['an oversized body', { token: TOKEN, body: 'x'.repeat(2_000) }, 413],
  ])('rejects %s with a 4xx, never enqueues it and logs nothing of its body', async (_, options, status) => {
    const { handler, lines } = build({ maxBodyBytes: 1_024 });
    const body = options?.body ?? fixtureText('partner-user-provision');
    const response = await handler(apiGatewayEvent({ ...options, body }));
    expect(response.statusCode).toBe(status);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    const logged = lines.join('\n');
    for (const secret of PARTNER_SECRETS) expect(logged).not.toContain(secret);
    expect(logged).not.toContain(body.slice(0, 40));
    expect(logged).not.toContain(`${TOKEN.slice(0, -1)}X`);
  });

  it('accepts a token rotated after the cache was filled by re-reading the secret once', async () => {
    const { handler } = build();
    expect((await handler(apiGatewayEvent({ token: TOKEN, body: '{}' }))).statusCode).toBe(200);
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ token: NEW_TOKEN, previousToken: TOKEN }),
    });
    expect((await handler(apiGatewayEvent({ token: NEW_TOKEN, body: '{}' }))).statusCode).toBe(200);
    expect((await handler(apiGatewayEvent({ token: TOKEN, body: '{}' }))).statusCode).toBe(200);
  });

  it('re-reads the secret at most once per interval however many bad tokens arrive', async () => {
    const { handler } = build();
    for (let i = 0; i < 20; i += 1) await handler(apiGatewayEvent({ token: `bad-${i}`, body: '{}' }));
    // One read to fill the cache, one forced refresh for the first mismatch.
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('fails closed when the secret is malformed, without echoing its value', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ token: 'tiny-secret' }) });
    const { handler } = build();
    await expect(handler(apiGatewayEvent({ token: 'tiny-secret', body: '{}' }))).rejects.toThrow(
      /not a valid callback token secret \(fields: token\)/,
    );
    await expect(handler(apiGatewayEvent({ token: 'tiny-secret', body: '{}' }))).rejects.not.toThrow(
      /tiny-secret"/,
    );
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('base64-encodes a binary body for SQS and marks it so', async () => {
    const { handler } = build();
    const bytes = Buffer.from([0x00, 0xff, 0x10]);
    await handler(apiGatewayEvent({ token: TOKEN, body: bytes.toString('base64'), isBase64Encoded: true }));
    const input = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(input?.MessageBody).toBe(bytes.toString('base64'));
    expect(input?.MessageAttributes?.bodyEncoding?.StringValue).toBe('base64');
  });

  it('counts rejected callbacks by reason, and writes no metric for an accepted one (API Gateway counts it)', async () => {
    const { handler, metrics } = build();
    expect((await handler(apiGatewayEvent({ token: TOKEN, body: '{}' }))).statusCode).toBe(200);
    expect(metrics.recorded).toEqual([]);
    await handler(apiGatewayEvent({ token: 'wrong', body: '{}' }));
    await handler(apiGatewayEvent({ token: TOKEN, body: '{}', sourceIp: '8.8.8.8' }));
    expect(metrics.named('CallbacksRejected')).toEqual([
      '1@reason=invalid-token',
      '1@reason=source-not-allowed',
    ]);
  });

  it('counts a failed enqueue', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('down'));
    const { handler, metrics } = build();
    await handler(apiGatewayEvent({ token: TOKEN, body: '{}' }));
    expect(metrics.named('EnqueueFailed')).toEqual(['1']);
  });
});

describe('callback signatures', () => {
  let bunq: RsaKeyPair;
  let other: RsaKeyPair;
  beforeAll(async () => {
    [bunq, other] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair()]);
  });
  const body = fixtureText('mutation-payment');
  const headersFor = (kind: 'none' | 'bunq' | 'forged'): Record<string, string> =>
    kind === 'none'
      ? {}
      : {
          'x-bunq-server-signature': signBytes(
            Buffer.from(body),
            privateKeyFromPem((kind === 'bunq' ? bunq : other).privateKeyPem),
          ),
        };

  it.each([
    ['log', 'missing', 200, 'none'],
    ['log', 'valid', 200, 'bunq'],
    ['log', 'invalid', 200, 'forged'],
    ['enforce', 'valid', 200, 'bunq'],
    ['enforce', 'missing', 403, 'none'],
    ['enforce', 'invalid', 403, 'forged'],
  ] as const)('%s mode: counts %s and answers %i', async (mode, result, status, kind) => {
    const { handler, metrics } = build({ signature: { mode, key: fixedServerPublicKey(bunq.publicKeyPem) } });
    const response = await handler(apiGatewayEvent({ token: TOKEN, body, headers: headersFor(kind) }));
    expect(response.statusCode).toBe(status);
    expect(metrics.named('CallbackSignatures')).toEqual([`1@result=${result}`]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(status === 200 ? 1 : 0);
    if (status === 403) expect(metrics.named('CallbacksRejected')).toContain('1@reason=invalid-signature');
  });

  it('off mode: does not look at the header, and counts nothing', async () => {
    const { handler, metrics } = build({
      signature: { mode: 'off', key: fixedServerPublicKey(bunq.publicKeyPem) },
    });
    const response = await handler(apiGatewayEvent({ token: TOKEN, body, headers: headersFor('forged') }));
    expect(response.statusCode).toBe(200);
    expect(metrics.named('CallbackSignatures')).toEqual([]);
  });

  it('uses the installation’s key from the bunq state; before the installation a signature is no-key', async () => {
    let state: Record<string, unknown> = { apiKey: 'k' };
    const { handler, metrics } = build({
      signature: { mode: 'log', key: stateServerPublicKey(async () => state) },
    });
    await handler(apiGatewayEvent({ token: TOKEN, body, headers: headersFor('bunq') }));
    state = { apiKey: 'k', serverPublicKeyPem: bunq.publicKeyPem };
    await handler(apiGatewayEvent({ token: TOKEN, body, headers: headersFor('bunq') }));
    expect(metrics.named('CallbackSignatures')).toEqual(['1@result=no-key', '1@result=valid']);
  });

  it('enforce mode: answers 503 (bunq retries) when the key cannot be read, and enqueues nothing', async () => {
    const unreadable = stateServerPublicKey(async () => {
      throw new Error('AccessDenied');
    });
    const { handler, lines } = build({ signature: { mode: 'enforce', key: unreadable } });
    const response = await handler(apiGatewayEvent({ token: TOKEN, body, headers: headersFor('bunq') }));
    expect(response.statusCode).toBe(503);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(lines.some((line) => line.includes('no server public key'))).toBe(true);
  });
});
