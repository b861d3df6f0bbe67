/**
 * SQS `SendMessage` over the lean JSON client: the ingest's {@link CallbackQueue} without the SDK's SQS
 * client. Like the SDK's SQS client it checks the MD5 digests SQS returns for the body and the attributes,
 * so a message corrupted on the way is an error (the ingest then answers 5xx and bunq retries) rather than
 * a silently wrong copy.
 */
import { createHash } from 'node:crypto';
import type { CallbackQueue, DeadLetterQueue, QueueMessage } from '../pipeline/ports';
import { type AwsJsonCall, type AwsJsonClientOptions, createAwsJsonClient } from './json-client';

/** SQS answered, but not with digests of what was sent. */
export class SqsDigestMismatchError extends Error {
  override readonly name = 'SqsDigestMismatchError';
}

const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

function lengthPrefixed(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * The MD5 of string message attributes as SQS computes it: for each attribute in name order, the
 * length-prefixed name, the length-prefixed data type, the transport byte 1 (string), the length-prefixed
 * value (SQS developer guide, "Calculating the MD5 message digest for message attributes").
 */
export function messageAttributesMd5(attributes: Readonly<Record<string, string>>): string {
  const parts: Buffer[] = [];
  for (const name of Object.keys(attributes).sort()) {
    parts.push(lengthPrefixed(name), lengthPrefixed('String'), Buffer.from([1]));
    parts.push(lengthPrefixed(attributes[name] as string));
  }
  return md5(Buffer.concat(parts));
}

/** The SQS endpoint a queue URL lives on: its own origin, as the SDK's `useQueueUrlAsEndpoint` does. */
export function queueEndpoint(queueUrl: string): string {
  return new URL(queueUrl).origin;
}

/** The region in a queue URL's host (`sqs.<region>.amazonaws.com`), or `fallback` (loopback, custom). */
export function queueRegion(queueUrl: string, fallback: string): string {
  const match = /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(queueUrl).hostname);
  return match?.[1] ?? fallback;
}

export interface LeanSqsQueueOptions
  extends Partial<Omit<AwsJsonClientOptions, 'signingName' | 'targetPrefix' | 'jsonVersion'>> {
  readonly queueUrl: string;
  /** Region when the queue URL does not name one. @default process.env.AWS_REGION */
  readonly region?: string;
  /** A caller to use instead of creating one (tests). */
  readonly call?: AwsJsonCall;
}

/** A queue that resolves once SQS accepted the message, with matching digests. */
export function leanSqsQueue(options: LeanSqsQueueOptions): CallbackQueue & DeadLetterQueue {
  const call =
    options.call ??
    createAwsJsonClient({
      ...options,
      signingName: 'sqs',
      targetPrefix: 'AmazonSQS',
      jsonVersion: '1.0',
      region: queueRegion(options.queueUrl, options.region ?? process.env.AWS_REGION ?? 'us-east-1'),
      endpoint: options.endpoint ?? queueEndpoint(options.queueUrl),
    });
  return {
    async send(message: QueueMessage) {
      const attributes: Record<string, { DataType: 'String'; StringValue: string }> = {};
      for (const [name, value] of Object.entries(message.attributes)) {
        attributes[name] = { DataType: 'String', StringValue: value };
      }
      const output = (await call('SendMessage', {
        QueueUrl: options.queueUrl,
        MessageBody: message.body,
        ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
      })) as { MD5OfMessageBody?: unknown; MD5OfMessageAttributes?: unknown };
      if (output.MD5OfMessageBody !== md5(message.body)) {
        throw new SqsDigestMismatchError(
          `SQS returned body digest ${String(output.MD5OfMessageBody)} for a body whose MD5 is ${md5(message.body)}; the message may be corrupted, so it is not acknowledged`,
        );
      }
      if (
        Object.keys(attributes).length > 0 &&
        output.MD5OfMessageAttributes !== messageAttributesMd5(message.attributes)
      ) {
        throw new SqsDigestMismatchError(
          `SQS returned attributes digest ${String(output.MD5OfMessageAttributes)}, expected ${messageAttributesMd5(message.attributes)}; the message may be corrupted, so it is not acknowledged`,
        );
      }
    },
  };
}
