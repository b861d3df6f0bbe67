/**
 * A loopback stand-in for the AWS JSON-protocol calls the functions make on their hot paths, so the real
 * SDK clients (and the ingest's lean client) serialize, sign, send and parse exactly as in AWS, over a
 * kept-alive connection as in Lambda. It answers what AWS answers on success: SQS SendMessage (with the
 * body's MD5), DynamoDB PutItem / UpdateItem / DeleteItem (every key is new, so every condition holds),
 * EventBridge PutEvents, Secrets Manager GetSecretValue (`{"token": …}` from BENCH_TOKEN). Run as its own
 * process so its CPU is not counted against the code being measured. Prints `PORT <n>` once listening.
 * (moto would do, but it closes the connection after every answer, which Lambda's SDK clients never see.)
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

type Handler = (input: Record<string, unknown>) => unknown;

function attributesMd5(attributes: Record<string, { StringValue: string }>): string {
  const hash = createHash('md5');
  const prefixed = (value: string) => {
    const bytes = Buffer.from(value, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    prefixed(name);
    prefixed('String');
    hash.update(Buffer.from([1]));
    prefixed((attributes[name] as { StringValue: string }).StringValue);
  }
  return hash.digest('hex');
}

const HANDLERS: Record<string, Handler> = {
  'AmazonSQS.SendMessage': (input) => ({
    MessageId: randomUUID(),
    MD5OfMessageBody: md5(String(input.MessageBody)),
    ...(input.MessageAttributes === undefined
      ? {}
      : {
          MD5OfMessageAttributes: attributesMd5(
            input.MessageAttributes as Record<string, { StringValue: string }>,
          ),
        }),
  }),
  'DynamoDB_20120810.PutItem': () => ({}),
  'DynamoDB_20120810.UpdateItem': () => ({}),
  'DynamoDB_20120810.DeleteItem': () => ({}),
  'AWSEvents.PutEvents': (input) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries as unknown[]).map(() => ({ EventId: randomUUID() })),
  }),
  'secretsmanager.GetSecretValue': (input) => ({
    ARN: input.SecretId,
    Name: 'token',
    SecretString: JSON.stringify({ token: process.env.BENCH_TOKEN ?? '' }),
    VersionId: 'v1',
  }),
};

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const handler = HANDLERS[target];
    const contentType = String(request.headers['content-type'] ?? 'application/x-amz-json-1.0');
    if (handler === undefined) {
      response.writeHead(400, { 'content-type': contentType });
      response.end(JSON.stringify({ __type: 'UnsupportedOperation', message: target }));
      return;
    }
    const body = JSON.stringify(handler(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    response.writeHead(200, { 'content-type': contentType, 'x-amzn-requestid': randomUUID() });
    response.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address !== null && typeof address === 'object') process.stdout.write(`PORT ${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
