/**
 * Wire-level pieces the simulator shares between its bunq API, its control API and its HTTP adapter:
 * the request/response shapes it handles in memory, bunq's envelopes and time format.
 */
import { randomBytes } from 'node:crypto';

/** One HTTP request, as the simulator core sees it (no sockets involved). */
export interface SimRequest {
  readonly method: string;
  /** Path and query, e.g. `/v1/user/1/notification-filter-failure?count=200`. */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The caller's address, for per-source rate limits. */
  readonly remoteAddress: string;
}

export interface SimResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** Close the connection without answering (fault injection). */
  readonly drop?: boolean;
}

/** A bunq error answer raised inside a route. */
export class BunqProtocolError extends Error {
  override readonly name = 'BunqProtocolError';
  constructor(
    readonly status: number,
    readonly description: string,
  ) {
    super(description);
  }
}

export interface BunqPaginationJson {
  readonly future_url: string | null;
  readonly newer_url: string | null;
  readonly older_url: string | null;
}

/** `{"Response":[...]}` (+ `Pagination` for listings). */
export function successBody(items: readonly unknown[], pagination?: BunqPaginationJson): unknown {
  return pagination === undefined ? { Response: items } : { Response: items, Pagination: pagination };
}

/** `{"Error":[{"error_description":...,"error_description_translated":...}]}` */
export function errorBody(description: string): unknown {
  return { Error: [{ error_description: description, error_description_translated: description }] };
}

/** A UTC time in bunq's format `YYYY-MM-DD hh:mm:ss.ssssss`. */
export function formatBunqTime(epochMs: number): string {
  const iso = new Date(Math.floor(epochMs)).toISOString(); // 2026-01-01T10:00:00.123Z
  const micros = String(Math.floor((epochMs % 1) * 1000)).padStart(3, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${micros}`;
}

/** A random token, hex. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('hex');
}

export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
