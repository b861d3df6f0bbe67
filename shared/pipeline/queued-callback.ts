/**
 * The wire format between the ingest and the normalizer: the raw callback body, byte-exact but for the
 * callback token (replaced by a marker, see `ingest/token-marker.ts`), plus what the ingest knew when it
 * accepted it, as SQS message attributes: among them the SHA-256 of the body as received.
 *
 * The body travels as the message body itself when it is text SQS can carry (so an operator reading the
 * dead-letter queue sees the JSON), and base64-encoded otherwise, flagged by the `bodyEncoding` attribute.
 */
import type { RecoveredBy } from '../contract/callback-event';
import type { QueueMessage } from './ports';

export interface QueuedCallback {
  /** The request body as received (after API Gateway's base64 is undone), the callback token replaced. */
  readonly body: Buffer;
  /** Hex SHA-256 of the body as received, before the token was replaced; absent on messages from before. */
  readonly receivedSha256?: string;
  /** RFC 3339 time the ingest received the request. */
  readonly receivedAt: string;
  /** The caller's address as API Gateway saw it. */
  readonly sourceIp: string;
  /** API Gateway's request id, for correlating logs. */
  readonly requestId: string;
  /** Set when the callback was not delivered by bunq on its own (the reconciler's rebuilt callbacks). */
  readonly recoveredBy?: RecoveredBy | null;
  /** The bunq user it belongs to, from the URL it was sent to (`/callbacks/{token}/u/{userId}`), or null. */
  readonly userId?: number | null;
}

export const MESSAGE_ATTRIBUTE = {
  receivedAt: 'receivedAt',
  sourceIp: 'sourceIp',
  requestId: 'requestId',
  recoveredBy: 'recoveredBy',
  userId: 'userId',
  bodyEncoding: 'bodyEncoding',
  receivedSha256: 'receivedSha256',
  deadLetterReason: 'deadLetterReason',
  deadLetterDetail: 'deadLetterDetail',
} as const;

export type BodyEncoding = 'utf8' | 'base64';

// SQS accepts #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. Lone surrogates never
// survive UTF-8 decoding, so only control characters and U+FFFE/U+FFFF need checking.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters SQS refuses.
const SQS_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Chooses the message body for raw bytes: the text itself when SQS can carry it unchanged, else base64. */
export function encodeBody(body: Buffer): { body: string; encoding: BodyEncoding } {
  let text: string | undefined;
  try {
    text = utf8.decode(body);
  } catch {
    text = undefined;
  }
  if (text !== undefined && !SQS_FORBIDDEN.test(text)) return { body: text, encoding: 'utf8' };
  return { body: body.toString('base64'), encoding: 'base64' };
}

export function encodeQueuedCallback(callback: QueuedCallback): QueueMessage {
  const { body, encoding } = encodeBody(callback.body);
  return {
    body,
    attributes: {
      [MESSAGE_ATTRIBUTE.receivedAt]: callback.receivedAt,
      [MESSAGE_ATTRIBUTE.sourceIp]: callback.sourceIp,
      [MESSAGE_ATTRIBUTE.requestId]: callback.requestId,
      [MESSAGE_ATTRIBUTE.bodyEncoding]: encoding,
      ...(callback.receivedSha256 === undefined
        ? {}
        : { [MESSAGE_ATTRIBUTE.receivedSha256]: callback.receivedSha256 }),
      ...(callback.recoveredBy == null ? {} : { [MESSAGE_ATTRIBUTE.recoveredBy]: callback.recoveredBy }),
      ...(callback.userId == null ? {} : { [MESSAGE_ATTRIBUTE.userId]: String(callback.userId) }),
    },
  };
}

/** Size SQS counts for a message: body plus each attribute's name, type and value. */
export function queueMessageSize(message: QueueMessage): number {
  let size = Buffer.byteLength(message.body, 'utf8');
  for (const [name, value] of Object.entries(message.attributes)) {
    size += Buffer.byteLength(name, 'utf8') + 'String'.length + Buffer.byteLength(value, 'utf8');
  }
  return size;
}

export class MalformedQueueMessageError extends Error {
  override readonly name = 'MalformedQueueMessageError';
}

/**
 * Reads a queued callback back. Missing metadata is tolerated (a message moved by hand may lack it);
 * `fallbackReceivedAt` then stands in for the receive time.
 */
export function decodeQueuedCallback(message: QueueMessage, fallbackReceivedAt: string): QueuedCallback {
  const encoding = message.attributes[MESSAGE_ATTRIBUTE.bodyEncoding] ?? 'utf8';
  if (encoding !== 'utf8' && encoding !== 'base64') {
    throw new MalformedQueueMessageError(`unknown bodyEncoding attribute "${encoding}"`);
  }
  const receivedSha256 = message.attributes[MESSAGE_ATTRIBUTE.receivedSha256];
  return {
    body: encoding === 'base64' ? Buffer.from(message.body, 'base64') : Buffer.from(message.body, 'utf8'),
    ...(receivedSha256 === undefined ? {} : { receivedSha256 }),
    receivedAt: message.attributes[MESSAGE_ATTRIBUTE.receivedAt] ?? fallbackReceivedAt,
    sourceIp: message.attributes[MESSAGE_ATTRIBUTE.sourceIp] ?? 'unknown',
    requestId: message.attributes[MESSAGE_ATTRIBUTE.requestId] ?? 'unknown',
    ...recoveredByOf(message.attributes[MESSAGE_ATTRIBUTE.recoveredBy]),
    ...userIdOf(message.attributes[MESSAGE_ATTRIBUTE.userId]),
  };
}

function userIdOf(value: string | undefined): { userId?: number } {
  if (value === undefined) return {};
  const id = Number(value);
  if (/^[1-9][0-9]*$/.test(value) && Number.isSafeInteger(id)) return { userId: id };
  throw new MalformedQueueMessageError(`unknown userId attribute "${value}"; expected a bunq user id`);
}

function recoveredByOf(value: string | undefined): { recoveredBy?: RecoveredBy } {
  if (value === undefined) return {};
  if (value === 'reconciliation' || value === 'failure-retry') return { recoveredBy: value };
  throw new MalformedQueueMessageError(
    `unknown recoveredBy attribute "${value}"; expected reconciliation or failure-retry`,
  );
}
