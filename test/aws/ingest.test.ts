/**
 * The ingest function against moto, in both forms (TypeScript sources and the deployable bundle): the token
 * read from a real Secrets Manager secret (rotation overlap included), callbacks enqueued on a real SQS
 * queue with their attributes, base64 bodies and SQS's size limit.
 */
import { createHash } from 'node:crypto';
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DEFAULT_MAX_BODY_BYTES } from '../../shared/contract/limits';
import { MESSAGE_ATTRIBUTE } from '../../shared/pipeline/queued-callback';
import { INGEST_ENV } from '../../shared/wiring/function-env';
import { fixtureText } from '../support/fixtures';
import { apiGatewayEvent } from '../support/lambda';
import {
  type AwsClients,
  awsClients,
  createQueue,
  describeAws,
  destroyClients,
  queueDepth,
  receive,
  uniqueName,
} from './support/aws';
import { CODE_FORMS, loadHandler } from './support/bundles';

type IngestHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const TOKEN_A = 'tokenAaaaaaaaaaaaaaaaaA1b2C3d4E5f6G7h8I9j0K1';
const TOKEN_B = 'tokenBbbbbbbbbbbbbbbbbZ9y8X7w6V5u4T3s2R1q0P9';

interface Ingest {
  readonly queueUrl: string;
  readonly secretArn: string;
  /** A new instance of the function (a cold start: empty secret cache). */
  coldStart(): IngestHandler;
}

describeAws.each(CODE_FORMS)('ingest (%s) on moto', (form) => {
  let clients: AwsClients;
  beforeAll(() => {
    clients = awsClients();
  });
  afterAll(() => destroyClients(clients));

  async function ingest(): Promise<Ingest> {
    const queue = await createQueue(clients.sqs, uniqueName('callbacks'));
    const secret = await clients.secrets.send(
      new CreateSecretCommand({
        Name: uniqueName('callback-token'),
        SecretString: JSON.stringify({ token: TOKEN_A }),
      }),
    );
    const secretArn = secret.ARN as string;
    const environment = {
      [INGEST_ENV.queueUrl]: queue.url,
      [INGEST_ENV.tokenSecretArn]: secretArn,
      [INGEST_ENV.allowedSourceCidrs]: '185.40.108.0/22',
      [INGEST_ENV.maxBodyBytes]: String(DEFAULT_MAX_BODY_BYTES),
      [INGEST_ENV.tokenCacheSeconds]: '60',
    };
    return {
      queueUrl: queue.url,
      secretArn,
      coldStart: () => loadHandler<IngestHandler>(form, 'ingest', environment),
    };
  }

  it('enqueues an accepted callback byte-exact with its attributes, and only after a valid token', async () => {
    const { queueUrl, coldStart } = await ingest();
    const handler = coldStart();
    const body = fixtureText('mutation-payment');
    const event = apiGatewayEvent({ token: TOKEN_A, body });
    expect((await handler(event)).statusCode).toBe(200);
    expect((await handler(apiGatewayEvent({ token: TOKEN_B, body }))).statusCode).toBe(403);
    expect(
      (await handler(apiGatewayEvent({ token: TOKEN_A, body, sourceIp: '203.0.113.9' }))).statusCode,
    ).toBe(403);

    const messages = await receive(clients.sqs, queueUrl);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message?.Body).toBe(body);
    const attributes = Object.fromEntries(
      Object.entries(message?.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
    );
    expect(attributes).toEqual({
      [MESSAGE_ATTRIBUTE.receivedAt]: new Date(event.requestContext.timeEpoch).toISOString(),
      [MESSAGE_ATTRIBUTE.sourceIp]: '185.40.108.10',
      [MESSAGE_ATTRIBUTE.requestId]: event.requestContext.requestId,
      [MESSAGE_ATTRIBUTE.bodyEncoding]: 'utf8',
      // The body carries no token, so the body as received is the body as stored.
      [MESSAGE_ATTRIBUTE.receivedSha256]: createHash('sha256').update(body).digest('hex'),
    });
  });

  it('carries a body SQS cannot take as text in base64, and keeps every byte', async () => {
    const { queueUrl, coldStart } = await ingest();
    const handler = coldStart();
    // Latin-1 "é" (0xE9) is not UTF-8; a control character is not allowed in an SQS body either.
    const bytes = Buffer.concat([
      Buffer.from('{"NotificationUrl":{"category":"MUTATION","x":"caf', 'utf8'),
      Buffer.from([0xe9, 0x01]),
      Buffer.from('"}}', 'utf8'),
    ]);
    const event = apiGatewayEvent({ token: TOKEN_A, body: bytes.toString('base64'), isBase64Encoded: true });
    expect((await handler(event)).statusCode).toBe(200);
    const [message] = await receive(clients.sqs, queueUrl);
    expect(message?.MessageAttributes?.[MESSAGE_ATTRIBUTE.bodyEncoding]?.StringValue).toBe('base64');
    expect(Buffer.from(message?.Body ?? '', 'base64').equals(bytes)).toBe(true);
  });

  it("takes a body up to the limit into SQS, answers 413 above it and for a base64 body over SQS's 1 MiB", async () => {
    const { queueUrl, coldStart } = await ingest();
    const handler = coldStart();
    const prefix = '{"NotificationUrl":{"category":"MUTATION","object":{"Payment":{"description":"';
    const suffix = '"}}}}';
    const ofSize = (bytes: number) =>
      `${prefix}${'x'.repeat(bytes - prefix.length - suffix.length)}${suffix}`;

    const atLimit = ofSize(DEFAULT_MAX_BODY_BYTES);
    expect((await handler(apiGatewayEvent({ token: TOKEN_A, body: atLimit }))).statusCode).toBe(200);
    expect(
      (await handler(apiGatewayEvent({ token: TOKEN_A, body: ofSize(DEFAULT_MAX_BODY_BYTES + 1) })))
        .statusCode,
    ).toBe(413);
    // Within the body limit, but base64 makes it a third larger than SQS takes: refused, not a 5xx.
    const binary = Buffer.concat([Buffer.from(ofSize(800_000), 'utf8'), Buffer.from([0xff])]);
    const tooLargeAsBase64 = apiGatewayEvent({
      token: TOKEN_A,
      body: binary.toString('base64'),
      isBase64Encoded: true,
    });
    expect((await handler(tooLargeAsBase64)).statusCode).toBe(413);

    const messages = await receive(clients.sqs, queueUrl);
    expect(messages.map((message) => message.Body?.length)).toEqual([atLimit.length]);
    expect(messages[0]?.Body).toBe(atLimit);
    expect((await queueDepth(clients.sqs, queueUrl)).visible).toBe(0);
  });

  it('accepts the new token at once after a rotation, the old one during the overlap, and not after it', async () => {
    const { secretArn, coldStart } = await ingest();
    const warm = coldStart();
    const body = fixtureText('mutation-payment');
    const status = async (handler: IngestHandler, token: string) =>
      (await handler(apiGatewayEvent({ token, body }))).statusCode;
    expect(await status(warm, TOKEN_A)).toBe(200);

    const rotate = (validUntil: Date) =>
      clients.secrets.send(
        new PutSecretValueCommand({
          SecretId: secretArn,
          SecretString: JSON.stringify({
            token: TOKEN_B,
            previousToken: TOKEN_A,
            previousTokenValidUntil: validUntil.toISOString(),
          }),
        }),
      );
    await rotate(new Date(Date.now() + 3_600_000));
    // The warm instance still caches the old secret: the new token makes it re-read the secret once.
    expect(await status(warm, TOKEN_B)).toBe(200);
    expect(await status(warm, TOKEN_A)).toBe(200);

    await rotate(new Date(Date.now() - 1_000));
    const cold = coldStart();
    expect(await status(cold, TOKEN_A)).toBe(403);
    expect(await status(cold, TOKEN_B)).toBe(200);
  });
});
