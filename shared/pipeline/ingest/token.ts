/**
 * Callback token checks. bunq documents no signature on callbacks (`X-Bunq-Server-Signature` is documented on
 * API responses only), so the secret token in the URL path is what authenticates a request: compared in
 * constant time, with the previous token still valid during a rotation's overlap.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
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

/**
 * A new callback token: 32 random bytes, base64url (43 characters of A-Z a-z 0-9 _ -), the one generator of
 * the project (the local runtime, `rotate-token`, the soak). Never starting with "-" or "_": a token starting
 * with "-" reads as a flag on a command line (`--token -abc…` fails as ambiguous), so such a draw (1 in 32)
 * is drawn again; the other 42 characters keep their full 6 bits each.
 */
export function generateCallbackToken(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const token = random(32).toString('base64url');
    if (/^[A-Za-z0-9]/.test(token)) return token;
  }
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
