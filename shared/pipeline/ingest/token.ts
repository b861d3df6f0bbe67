/**
 * Callback token checks. bunq documents no signature on callbacks (`X-Bunq-Server-Signature` is documented on
 * API responses only), so the secret token in the URL path is what authenticates a request: compared in
 * constant time, with the previous token still valid during a rotation's overlap.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
// zod/mini: the ingest imports this on every cold start, and mini tree-shakes to a few KB.
import * as z from 'zod/mini';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * True when `candidate` equals one of `validTokens`. Both sides are hashed first so the comparison takes
 * the same time whatever the lengths, and every valid token is compared (no early exit).
 */
export function tokenMatches(candidate: string | undefined, validTokens: readonly string[]): boolean {
  const candidateDigest = digest(candidate ?? '');
  let matched = false;
  for (const token of validTokens) {
    // The comparison runs first, so every token is compared whatever the outcome of the earlier ones.
    matched = timingSafeEqual(candidateDigest, digest(token)) || matched;
  }
  return matched;
}

/** Shortest token accepted in the secret: 128 bits of base62 is 22 characters; insist on 32. */
export const MIN_TOKEN_LENGTH = 32;

const tokenSchema = z
  .string()
  .check(
    z.minLength(MIN_TOKEN_LENGTH, `a callback token needs at least ${MIN_TOKEN_LENGTH} characters`),
    z.regex(
      /^[A-Za-z0-9_-]+$/,
      'a callback token may use only letters, digits, "_" and "-" (it sits in a URL)',
    ),
  );

export const callbackTokenSecretSchema = z.object({
  token: tokenSchema,
  previousToken: z.optional(tokenSchema),
  previousTokenValidUntil: z.optional(z.iso.datetime({ offset: true })),
});

export type CallbackTokens = z.infer<typeof callbackTokenSecretSchema>;

/** The tokens valid at `now`: the current one, and the previous one until its overlap ends. */
export function validTokensAt(secret: CallbackTokens, now: Date): string[] {
  const tokens = [secret.token];
  if (secret.previousToken !== undefined) {
    const until = secret.previousTokenValidUntil;
    if (until === undefined || Date.parse(until) > now.getTime()) tokens.push(secret.previousToken);
  }
  return tokens;
}
