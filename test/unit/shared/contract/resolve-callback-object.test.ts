import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CallbackObjectError,
  resolveCallbackObject,
} from '../../../../shared/contract/resolve-callback-object';

const object = { id: 1, content: 'x'.repeat(100) };
const bytes = Buffer.from(JSON.stringify(object));
const sha256 = createHash('sha256').update(bytes).digest('hex');
const s3 = mockClient(S3Client);
/** The part of S3's streaming body the helper uses. */
const body = (data: Buffer) =>
  ({ transformToByteArray: async () => new Uint8Array(data) }) as unknown as NonNullable<
    import('@aws-sdk/client-s3').GetObjectCommandOutput['Body']
  >;

beforeEach(() => s3.reset());

describe('resolveCallbackObject', () => {
  it('returns an inline object as it is', async () => {
    await expect(resolveCallbackObject({ object, objectRef: null })).resolves.toBe(object);
  });

  it('reads a file:// reference and checks its digest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'resolve-'));
    const path = join(dir, 'o.json');
    await writeFile(path, bytes);
    const ref = { uri: pathToFileURL(path).href, bytes: bytes.length, sha256 };
    await expect(resolveCallbackObject({ object: null, objectRef: ref })).resolves.toEqual(object);
  });

  it('fetches an s3:// reference with the given client', async () => {
    s3.on(GetObjectCommand, { Bucket: 'claims', Key: 'objects/ab/abc.json' }).resolves({
      Body: body(bytes),
    });
    const ref = { uri: 's3://claims/objects/ab/abc.json', bytes: bytes.length, sha256 };
    await expect(
      resolveCallbackObject({ object: null, objectRef: ref }, { s3: new S3Client({}) }),
    ).resolves.toEqual(object);
  });

  it('refuses bytes that do not match the event digest', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(Buffer.from('{"id":2}')) });
    const ref = { uri: 's3://claims/k', bytes: 8, sha256 };
    await expect(
      resolveCallbackObject({ object: null, objectRef: ref }, { s3: new S3Client({}) }),
    ).rejects.toThrow(/does not match the event's SHA-256/);
  });

  it('says what is missing: an S3 client, or any object at all', async () => {
    const ref = { uri: 's3://claims/k', bytes: 1, sha256 };
    await expect(resolveCallbackObject({ object: null, objectRef: ref })).rejects.toThrow(
      /needs an S3 client/,
    );
    await expect(resolveCallbackObject({ object: null, objectRef: null })).rejects.toThrow(
      CallbackObjectError,
    );
    await expect(
      resolveCallbackObject({ object: null, objectRef: { uri: 'https://x/y', bytes: 1, sha256 } }),
    ).rejects.toThrow(/unsupported object reference/);
  });
});
