/**
 * `X-Bunq-Server-Signature` on callbacks. bunq documents this header on API responses: base64 of RSA PKCS#1
 * v1.5 SHA-256 over the exact body bytes, verified with the `server_public_key` the installation returned.
 * Whether callbacks carry it is not documented, so the check is a mode: `off` (not looked at), `log` (checked
 * and counted, never refused: the default) and `enforce` (a callback without a valid signature is refused).
 * The token stays the authentication either way; a valid signature adds that the body is bunq's.
 */
import type { KeyObject } from 'node:crypto';
import { verifyBytes } from '../../bunq/api/crypto';

/** The header, lower-cased as API Gateway (payload 2.0) and Node's HTTP server hand it over. */
export const CALLBACK_SIGNATURE_HEADER = 'x-bunq-server-signature';

export const CALLBACK_SIGNATURE_MODES = ['off', 'log', 'enforce'] as const;
export type CallbackSignatureMode = (typeof CALLBACK_SIGNATURE_MODES)[number];

/**
 * What the check found: no header; a signature that verifies; one that does not; or a header with no key
 * to check it against (the installation has not happened yet and none is configured).
 */
export type SignatureResult = 'missing' | 'valid' | 'invalid' | 'no-key';

/** The signature header of a request, whatever the case of its name; `undefined` when absent or empty. */
export function signatureHeader(
  headers: Readonly<Record<string, string | undefined>> | undefined,
): string | undefined {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === CALLBACK_SIGNATURE_HEADER && value !== undefined && value.trim() !== '') {
      return value;
    }
  }
  return undefined;
}

/** Checks `signature` over the body bytes as received (before anything is replaced in them). */
export function checkCallbackSignature(
  body: Uint8Array,
  signature: string | undefined,
  serverPublicKey: KeyObject | undefined,
): SignatureResult {
  if (signature === undefined) return 'missing';
  if (serverPublicKey === undefined) return 'no-key';
  return verifyBytes(body, signature, serverPublicKey) ? 'valid' : 'invalid';
}

/** Whether `mode` refuses a callback with this result: `enforce` accepts a valid signature only. */
export function signatureRefuses(mode: CallbackSignatureMode, result: SignatureResult): boolean {
  return mode === 'enforce' && result !== 'valid';
}
