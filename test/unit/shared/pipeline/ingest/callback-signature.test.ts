import {
  generateRsaKeyPair,
  privateKeyFromPem,
  publicKeyFromPem,
  signBytes,
} from '../../../../../shared/bunq/api/crypto';
import {
  checkCallbackSignature,
  signatureHeader,
  signatureRefuses,
} from '../../../../../shared/pipeline/ingest/callback-signature';

const BODY = Buffer.from('{"NotificationUrl":{"category":"MUTATION","object":{"Payment":{"id":1}}}}');

let serverKey: ReturnType<typeof privateKeyFromPem>;
let serverPublicKey: ReturnType<typeof publicKeyFromPem>;
let otherPublicKey: ReturnType<typeof publicKeyFromPem>;
beforeAll(async () => {
  const server = await generateRsaKeyPair();
  const other = await generateRsaKeyPair();
  serverKey = privateKeyFromPem(server.privateKeyPem);
  serverPublicKey = publicKeyFromPem(server.publicKeyPem);
  otherPublicKey = publicKeyFromPem(other.publicKeyPem);
});

describe('checkCallbackSignature', () => {
  it('is valid for bunq’s signature over the exact body bytes', () => {
    expect(checkCallbackSignature(BODY, signBytes(BODY, serverKey), serverPublicKey)).toBe('valid');
  });

  it('is invalid for another key, another body, or a garbled signature', () => {
    const signature = signBytes(BODY, serverKey);
    expect(checkCallbackSignature(BODY, signature, otherPublicKey)).toBe('invalid');
    expect(checkCallbackSignature(Buffer.from(`${BODY} `), signature, serverPublicKey)).toBe('invalid');
    expect(checkCallbackSignature(BODY, 'not base64 at all!', serverPublicKey)).toBe('invalid');
  });

  it('says missing without a header, and no-key when there is nothing to check it with', () => {
    expect(checkCallbackSignature(BODY, undefined, serverPublicKey)).toBe('missing');
    expect(checkCallbackSignature(BODY, signBytes(BODY, serverKey), undefined)).toBe('no-key');
  });
});

describe('signatureHeader', () => {
  it('finds the header whatever its case, and ignores an empty one', () => {
    expect(signatureHeader({ 'X-Bunq-Server-Signature': 'abc' })).toBe('abc');
    expect(signatureHeader({ 'x-bunq-server-signature': 'abc' })).toBe('abc');
    expect(signatureHeader({ 'x-bunq-server-signature': ' ' })).toBeUndefined();
    expect(signatureHeader({ 'x-bunq-client-signature': 'abc' })).toBeUndefined();
    expect(signatureHeader(undefined)).toBeUndefined();
  });
});

describe('signatureRefuses', () => {
  it.each([
    ['off', 'invalid', false],
    ['log', 'invalid', false],
    ['log', 'missing', false],
    ['enforce', 'valid', false],
    ['enforce', 'invalid', true],
    ['enforce', 'missing', true],
    ['enforce', 'no-key', true],
  ] as const)('%s refuses %s: %s', (mode, result, refused) => {
    expect(signatureRefuses(mode, result)).toBe(refused);
  });
});
