/**
 * Backoff for transient failures: the n-th failed delivery of a message waits `base × 2^(n-1)` seconds,
 * capped, with ±20 % jitter so a burst of failures does not come back as a burst.
 */
export interface BackoffPolicy {
  /** Wait after the first failure, in seconds. */
  readonly baseSeconds: number;
  /** Longest wait, in seconds (SQS allows at most 43,200). */
  readonly maxSeconds: number;
}

export function backoffSeconds(
  policy: BackoffPolicy,
  receiveCount: number,
  random: () => number = Math.random,
): number {
  const attempt = Number.isFinite(receiveCount) ? Math.max(1, Math.floor(receiveCount)) : 1;
  const exponential = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.min(attempt - 1, 30));
  const jittered = exponential * (0.8 + 0.4 * random());
  return Math.max(0, Math.min(policy.maxSeconds, 43_200, Math.round(jittered)));
}
