/**
 * The lean AWS JSON client the ingest uses in place of the SDK: against moto (an independent SQS and
 * Secrets Manager), and against a loopback server that misbehaves the ways AWS can (throttling, 5xx, a
 * non-JSON answer, wrong digests, a dropped connection).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { AwsRequestError, createAwsJsonClient } from '../../shared/aws/json-client';
import { leanSecretsProvider, UnreadableSecretError } from '../../shared/aws/secrets';
import { leanSqsQueue, messageAttributesMd5, SqsDigestMismatchError } from '../../shared/aws/sqs-queue';
import { encodeQueuedCallback } from '../../shared/pipeline/queued-callback';
import { fixtureText } from '../support/fixtures';
import { type Moto, startMoto } from '../support/moto';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'eu-west-1';

describe('lean AWS client against moto', () => {
  let moto: Moto;
  let sqs: SQSClient;
  beforeAll(async () => {
    moto = await startMoto();
    sqs = new SQSClient({ endpoint: moto.endpoint, region, credentials });
  }, 90_000);
  afterAll(async () => {
    sqs?.destroy();
    await moto?.stop();
  });

  it('sends a queued callback that the SDK receives byte-exact, with its attributes', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'lean-send' }));
    const queue = leanSqsQueue({ queueUrl: QueueUrl as string, endpoint: moto.endpoint, region });
    const message = encodeQueuedCallback({
      body: Buffer.from(fixtureText('mutation-payment')),
      receivedAt: '2026-01-01T00:00:00.000Z',
      sourceIp: '185.40.108.10',
      requestId: 'req-1',
    });
    await queue.send(message);
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
    );
    const [got] = received.Messages ?? [];
    expect(got?.Body).toBe(message.body);
    const attributes = Object.fromEntries(
      Object.entries(got?.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
    );
    expect(attributes).toEqual(message.attributes);
  });

  it('computes the attribute digest SQS computes', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'lean-md5' }));
    const attributes = { receivedAt: '2026-01-01T00:00:00.000Z', b: 'ü€', a: 'x' };
    const answer = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'x',
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
        ),
      }),
    );
    expect(messageAttributesMd5(attributes)).toBe(answer.MD5OfMessageAttributes);
  });

  it('fails with the service error code for a queue that does not exist, without retrying', async () => {
    const queue = leanSqsQueue({
      queueUrl: `${moto.endpoint}/123456789012/missing`,
      endpoint: moto.endpoint,
      region,
    });
    await expect(queue.send({ body: 'x', attributes: {} })).rejects.toMatchObject({
      name: 'AwsRequestError',
      code: expect.stringMatching(/QueueDoesNotExist|NonExistentQueue/),
      retryable: false,
    });
  });

  it('reads a JSON secret, caches it for maxAge, and re-reads it on forceFetch', async () => {
    const sm = new SecretsManagerClient({ endpoint: moto.endpoint, region, credentials });
    const { ARN } = await sm.send(
      new CreateSecretCommand({
        Name: 'lean-token',
        SecretString: JSON.stringify({ token: 'a'.repeat(32) }),
      }),
    );
    sm.destroy();
    let now = 0;
    const calls: string[] = [];
    const real = createAwsJsonClient({
      signingName: 'secretsmanager',
      targetPrefix: 'secretsmanager',
      jsonVersion: '1.1',
      region,
      endpoint: moto.endpoint,
    });
    const provider = leanSecretsProvider({
      call: (operation, input) => {
        calls.push(operation);
        return real(operation, input);
      },
      nowMs: () => now,
    });
    const read = (forceFetch = false) =>
      provider.get(ARN as string, { maxAge: 60, forceFetch, transform: 'json' });
    await expect(read()).resolves.toEqual({ token: 'a'.repeat(32) });
    now = 59_000;
    await read();
    expect(calls).toHaveLength(1);
    await read(true);
    now = 200_000;
    await read();
    expect(calls).toHaveLength(3);
  });
});

describe('lean AWS client against a misbehaving endpoint', () => {
  let server: Server;
  let endpoint: string;
  let answer: (req: IncomingMessage, body: string) => { status: number; body: string } | 'drop';
  const seen: { target: string; authorization: string; token: string; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({
          target: String(req.headers['x-amz-target']),
          authorization: String(req.headers.authorization),
          token: String(req.headers['x-amz-security-token']),
          body,
        });
        const reply = answer(req, body);
        if (reply === 'drop') {
          req.socket.destroy();
          return;
        }
        res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
  });

  const client = (maxAttempts = 3) =>
    createAwsJsonClient({
      signingName: 'sqs',
      targetPrefix: 'AmazonSQS',
      jsonVersion: '1.0',
      region,
      endpoint,
      maxAttempts,
      baseBackoffMs: 1,
      credentials: () => ({ ...credentials, sessionToken: 'session-token' }),
    });

  it('signs with SigV4 for the service and region, with the session token', async () => {
    answer = () => ({ status: 200, body: '{}' });
    await client()('GetQueueUrl', { QueueName: 'q' });
    expect(seen[0]?.target).toBe('AmazonSQS.GetQueueUrl');
    expect(seen[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/eu-west-1\/sqs\/aws4_request, SignedHeaders=[a-z0-9;-]*content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    expect(seen[0]?.token).toBe('session-token');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ QueueName: 'q' });
  });

  it('retries throttling and 5xx, then succeeds', async () => {
    const replies = [
      {
        status: 400,
        body: JSON.stringify({ __type: 'com.amazonaws.sqs#RequestThrottled', message: 'slow' }),
      },
      { status: 503, body: '' },
      { status: 200, body: '{"ok":1}' },
    ];
    answer = () => replies.shift() ?? { status: 500, body: '' };
    await expect(client()('X', {})).resolves.toEqual({ ok: 1 });
    expect(seen).toHaveLength(3);
  });

  it('retries a dropped connection and gives up after maxAttempts with the transport error', async () => {
    answer = () => 'drop';
    const error = await client(2)('X', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect(error).toMatchObject({ code: 'NetworkError', status: 0, retryable: true });
    expect(seen).toHaveLength(2);
  });

  it('does not retry a client error, and names the code and message', async () => {
    answer = () => ({
      status: 400,
      body: JSON.stringify({ __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'bad attribute' }),
    });
    await expect(client()('X', {})).rejects.toThrow(/answered 400 InvalidParameterValue: bad attribute/);
    expect(seen).toHaveLength(1);
  });

  it('treats a 200 that is not JSON as a failure', async () => {
    answer = () => ({ status: 200, body: '<html>' });
    await expect(client(1)('X', {})).rejects.toThrow(/not JSON/);
  });

  it('rejects a send whose returned digests do not match what was sent', async () => {
    answer = () => ({
      status: 200,
      body: JSON.stringify({ MessageId: 'm', MD5OfMessageBody: '0'.repeat(32) }),
    });
    const queue = leanSqsQueue({ queueUrl: `${endpoint}/1/q`, call: client(1) });
    await expect(queue.send({ body: 'x', attributes: {} })).rejects.toBeInstanceOf(SqsDigestMismatchError);
  });

  it('rejects a binary or non-JSON secret without quoting it', async () => {
    const provider = (SecretString: unknown) => leanSecretsProvider({ call: async () => ({ SecretString }) });
    await expect(provider(undefined).get('s', { maxAge: 1, transform: 'json' })).rejects.toBeInstanceOf(
      UnreadableSecretError,
    );
    const error = await provider('not-json-secret-value')
      .get('s', { maxAge: 1, transform: 'json' })
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(UnreadableSecretError);
    expect((error as Error).message).not.toContain('not-json-secret-value');
  });
});
