/**
 * bunq's signatures: RSA PKCS#1 v1.5 with SHA-256 over the exact body bytes, base64 in a header
 * (`X-Bunq-Client-Signature` on requests, `X-Bunq-Server-Signature` on responses; bunq's API docs,
 * "Signing": only the body is signed; full-request signatures are no longer validated).
 * Keys are 2048-bit RSA in PEM: PKCS#8 for the private key, SPKI for the public key.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateKeyPairCallback,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPairCallback);

export interface RsaKeyPair {
  /** PKCS#8 PEM. A secret: never log it. */
  readonly privateKeyPem: string;
  /** SPKI PEM (what bunq calls `client_public_key`). */
  readonly publicKeyPem: string;
}

export async function generateRsaKeyPair(): Promise<RsaKeyPair> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** Parses a private key PEM. Throws without echoing the key. */
export function privateKeyFromPem(pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new Error('The private key is not a valid PEM private key.', { cause: stripMessage(error) });
  }
}

/** Parses a public key PEM (SPKI, or PKCS#1 `RSA PUBLIC KEY`). */
export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey({ key: pem, format: 'pem' });
}

/** The SPKI PEM of a private key's public half. */
export function publicKeyPemOf(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}

/** base64 RSA PKCS#1 v1.5 SHA-256 signature over `bytes`. */
export function signBytes(bytes: Uint8Array, privateKey: KeyObject): string {
  return sign('sha256', bytes, privateKey).toString('base64');
}

/** Whether `signatureBase64` is a valid signature over `bytes`. False for anything malformed. */
export function verifyBytes(bytes: Uint8Array, signatureBase64: string, publicKey: KeyObject): boolean {
  const signature = Buffer.from(signatureBase64.trim(), 'base64');
  if (signature.length === 0) return false;
  try {
    return verify('sha256', bytes, publicKey, signature);
  } catch {
    return false;
  }
}

// OpenSSL errors can quote input; keep only the code so nothing of a key reaches a log via `cause`.
function stripMessage(error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code;
  return new Error(typeof code === 'string' ? code : 'invalid key');
}
