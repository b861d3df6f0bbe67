/**
 * Where the ingest gets the valid callback tokens (a port: Secrets Manager in AWS, see
 * `functions/commons/secret-token-source.ts`; a fixed set locally), and the policy of re-reading it once
 * when a presented token does not match.
 */
import { type CallbackTokens, callbackTokenSecretSchema, validTokensAt } from './token';

export interface TokenSource {
  /** Tokens valid now. `refresh` bypasses any cache (used once when a token does not match). */
  validTokens(options?: { readonly refresh?: boolean }): Promise<string[]>;
}

/** A fixed set of tokens, for the local runtime and tests. Throws at once when the set is not valid. */
export function staticTokenSource(tokens: CallbackTokens, now: () => Date = () => new Date()): TokenSource {
  const parsed = callbackTokenSecretSchema.parse(tokens);
  return { validTokens: async () => validTokensAt(parsed, now()) };
}

/** How often a token mismatch may force a re-read of the token source. */
export interface TokenRefreshPolicy {
  /** Minimum milliseconds between forced re-reads. @default 5000 */
  readonly intervalMs?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * Runs `check` on the cached tokens; when it fails for the token (`isTokenMismatch`), re-reads the source
 * and runs it once more. A token rotated moments ago may not be in this instance's cache yet; the re-read
 * happens at most once per interval, so a flood of bad tokens cannot become a flood of secret reads.
 */
export function refreshOnceOnMismatch<T>(
  tokens: TokenSource,
  isTokenMismatch: (result: T) => boolean,
  policy: TokenRefreshPolicy = {},
): (check: (validTokens: readonly string[]) => T) => Promise<T> {
  const intervalMs = policy.intervalMs ?? 5_000;
  const now = policy.now ?? (() => new Date());
  let lastForcedRefresh = Number.NEGATIVE_INFINITY;
  return async (check) => {
    const result = check(await tokens.validTokens());
    const nowMs = now().getTime();
    if (!isTokenMismatch(result) || nowMs - lastForcedRefresh < intervalMs) return result;
    lastForcedRefresh = nowMs;
    return check(await tokens.validTokens({ refresh: true }));
  };
}
