/**
 * A loopback stand-in for SQS speaking its JSON protocol (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.*`), so the
 * real SDK client serializes, signs and sends exactly as in AWS. Run as its own process so its CPU time is
 * not counted against the handler being measured. Prints `PORT <n>` once listening.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const target = String(request.headers['x-amz-target'] ?? '');
    if (target !== 'AmazonSQS.SendMessage') {
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: 'com.amazonaws.sqs#UnsupportedOperation', message: target }));
      return;
    }
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { MessageBody: string };
    const body = JSON.stringify({
      MessageId: randomUUID(),
      MD5OfMessageBody: createHash('md5').update(input.MessageBody, 'utf8').digest('hex'),
    });
    response.writeHead(200, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': randomUUID(),
    });
    response.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address !== null && typeof address === 'object') process.stdout.write(`PORT ${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
