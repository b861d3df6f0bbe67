/**
 * For consumers: the bunq object of an event, whether it travelled inline (`detail.object`) or was too large
 * and was stored (`detail.objectRef`, an `s3://` URI in AWS or a `file://` URI locally). The stored bytes are
 * checked against the event's SHA-256 before they are parsed.
 *
 * ```ts
 * const object = await resolveCallbackObject(event.detail, { s3: new S3Client({}) });
 * ```
 * The consumer's role needs `s3:GetObject` on the pipeline's claim-check bucket.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CallbackEventDetail } from './callback-event';

export class CallbackObjectError extends Error {
  override readonly name = 'CallbackObjectError';
}

export interface ResolveOptions {
  /** Needed for `s3://` references. */
  readonly s3?: S3Client;
}

async function fetchBytes(uri: string, options: ResolveOptions): Promise<Uint8Array> {
  if (uri.startsWith('file://')) return readFile(fileURLToPath(uri));
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (match === null)
    throw new CallbackObjectError(`unsupported object reference "${uri}": expected s3:// or file://`);
  if (options.s3 === undefined) {
    throw new CallbackObjectError(
      `object reference ${uri} needs an S3 client: pass { s3: new S3Client({}) }`,
    );
  }
  const output = await options.s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
  if (output.Body === undefined) throw new CallbackObjectError(`S3 returned no body for ${uri}`);
  return output.Body.transformToByteArray();
}

export async function resolveCallbackObject(
  detail: Pick<CallbackEventDetail, 'object' | 'objectRef'>,
  options: ResolveOptions = {},
): Promise<Record<string, unknown>> {
  if (detail.object !== null) return detail.object;
  const ref = detail.objectRef;
  if (ref === null) throw new CallbackObjectError('the event has neither an object nor an object reference');
  const bytes = await fetchBytes(ref.uri, options);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== ref.sha256) {
    throw new CallbackObjectError(`object at ${ref.uri} does not match the event's SHA-256 (got ${sha256})`);
  }
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
}
