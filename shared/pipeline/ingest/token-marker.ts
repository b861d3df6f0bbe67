/**
 * Keeps the callback token out of everything the pipeline stores. bunq puts the URL it called, token
 * included, in the body (`NotificationUrl.target_url`), so a body kept verbatim would hold the credential in
 * every queue message, dead-letter record and claim-check object. The ingest replaces every occurrence of a
 * valid token with {@link CALLBACK_TOKEN_MARKER} before the body leaves it, and keeps the SHA-256 of the body
 * as received, so the original stays verifiable by whoever holds the token.
 *
 * A byte replace is exact: tokens use only `A-Za-z0-9_-`, which neither JSON nor a URL escapes, so the token
 * appears in the bytes exactly as it appears in the path.
 */
import { createHash } from 'node:crypto';

/**
 * What replaces the token in a stored body. Braces are not URL-safe, so the marker is never a valid token
 * itself, and it reads like the route's own `/callbacks/{token}`.
 */
export const CALLBACK_TOKEN_MARKER = '{callback-token}';

const MARKER_BYTES = Buffer.from(CALLBACK_TOKEN_MARKER, 'utf8');

/** Replaces every occurrence of `needle` in `haystack` with `replacement`; the input is never modified. */
export function replaceAll(haystack: Buffer, needle: Buffer, replacement: Buffer): Buffer {
  if (needle.length === 0) return haystack;
  let at = haystack.indexOf(needle);
  if (at === -1) return haystack;
  const parts: Buffer[] = [];
  let from = 0;
  while (at !== -1) {
    parts.push(haystack.subarray(from, at), replacement);
    from = at + needle.length;
    at = haystack.indexOf(needle, from);
  }
  parts.push(haystack.subarray(from));
  return Buffer.concat(parts);
}

/**
 * The body with every occurrence of each of `tokens` (the current and, during a rotation, the previous one)
 * replaced by {@link CALLBACK_TOKEN_MARKER}. Longer tokens go first, so one containing another is replaced
 * whole.
 */
export function redactCallbackTokens(body: Buffer, tokens: readonly string[]): Buffer {
  const ordered = [...new Set(tokens)].filter((t) => t.length > 0).sort((a, b) => b.length - a.length);
  return ordered.reduce(
    (current, token) => replaceAll(current, Buffer.from(token, 'utf8'), MARKER_BYTES),
    body,
  );
}

/** Hex SHA-256 of the bytes: kept with a redacted body as the digest of the body as received. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Whether a stored (redacted) body is the one received with digest `receivedSha256`, given the token it was
 * sent to: the marker is put back and the result hashed. False when any byte differs.
 */
export function isReceivedBody(storedBody: Buffer, token: string, receivedSha256: string): boolean {
  const restored = replaceAll(storedBody, MARKER_BYTES, Buffer.from(token, 'utf8'));
  return sha256Hex(restored) === receivedSha256.toLowerCase();
}
