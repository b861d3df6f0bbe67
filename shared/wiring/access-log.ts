/**
 * The API access-log line: one JSON line per request, the format the stack deploys
 * (`infra/constructs/ingest-api.ts`) and the size the cost model prices (`bench/cost.ts`).
 *
 * Deliberately without `$context.path`: the path holds the callback token, which must never reach a log;
 * the route key (`POST /callbacks/{token}`, `$default` for any other path) is logged instead. Short field
 * names and nothing that is the same on every line (protocol) or fixed by the function (response length):
 * at one line per callback, every byte is a share of the log bill (docs/COST.md). docs/OPERATIONS.md names
 * each field.
 */
export const ACCESS_LOG_FIELDS = {
  /** API Gateway's request id: the ingest's log lines and the queued message carry it too. */
  id: '$context.requestId',
  /** When API Gateway received the request (epoch ms). */
  at: '$context.requestTimeEpoch',
  ip: '$context.identity.sourceIp',
  ua: '$context.identity.userAgent',
  route: '$context.routeKey',
  /** What the caller was answered. */
  status: '$context.status',
  /** Receipt to answer (ms). */
  ms: '$context.responseLatency',
  /** The ingest function's invocation: status, duration (ms) and error message (`-` when none). */
  fnStatus: '$context.integrationStatus',
  fnMs: '$context.integrationLatency',
  err: '$context.integrationErrorMessage',
} as const;

/** A typical line's values (an accepted bunq callback), for pricing the format. */
const TYPICAL: Record<keyof typeof ACCESS_LOG_FIELDS, string> = {
  id: 'Ab1CdEfGhIjKlMn=',
  at: '1764652200123',
  ip: '185.40.108.10',
  ua: 'bunq-callback/1.0',
  route: 'POST /callbacks/{token}',
  status: '200',
  ms: '23',
  fnStatus: '200',
  fnMs: '21',
  err: '-',
};

/** Bytes of a typical access-log line, as written (one JSON line). */
export function typicalAccessLogBytes(): number {
  return Buffer.byteLength(JSON.stringify(TYPICAL), 'utf8');
}
