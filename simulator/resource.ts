/**
 * What every bunq resource of the simulator shares: the clock and id sequences ({@link SimContext}), the
 * route table shape ({@link Route}) and bunq's rules for request bodies and query parameters.
 */
import { MAX_PAGE_SIZE } from '../shared/bunq/api/limits';
import type { HttpMethod } from '../shared/bunq/api/rate-limiter';
import type { BunqSimulatorOptions } from './model';
import { type BunqPaginationJson, BunqProtocolError, formatBunqTime, type SimRequest } from './protocol';

/** Options, clock and id sequences, shared by every resource so ids and times line up across them. */
export class SimContext {
  private readonly sequences = new Map<string, number>();

  constructor(
    readonly options: BunqSimulatorOptions,
    /** Epoch milliseconds (fractions give bunq's microseconds). */
    readonly now: () => number,
  ) {}

  /** The next id of a sequence (`user`, `filter`, `failure`, ...), from 1. */
  next(sequence: string): number {
    const value = (this.sequences.get(sequence) ?? 0) + 1;
    this.sequences.set(sequence, value);
    return value;
  }

  /** The current time in bunq's format. */
  time(): string {
    return formatBunqTime(this.now());
  }
}

/** One matched API request, as a route handler sees it. */
export interface RouteContext {
  readonly request: SimRequest;
  readonly method: string;
  /** Path after `/v1`, without query. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The pattern's capture groups: `params[0]` is the user id on `/user/{id}/...` paths. */
  readonly params: readonly string[];
}

/** Answers with the JSON payload, or throws {@link BunqProtocolError}. */
export type RouteHandler = (context: RouteContext) => unknown;

/** A path pattern (after `/v1`) and the handler per method. */
export interface Route {
  readonly pattern: RegExp;
  readonly methods: Partial<Record<HttpMethod, RouteHandler>>;
}

/** Runs the first route whose pattern matches: 405 for a method it lacks, 404 when none matches. */
export async function dispatch(
  routes: readonly Route[],
  request: SimRequest,
  method: string,
  path: string,
  query: URLSearchParams,
): Promise<unknown> {
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (match === null) continue;
    const handler = isHttpMethod(method) ? route.methods[method] : undefined;
    if (handler === undefined) {
      throw new BunqProtocolError(405, `Method ${method} is not allowed on this endpoint.`);
    }
    return handler({ request, method, path, query, params: match.slice(1) });
  }
  throw new BunqProtocolError(404, 'Route not found.');
}

/** The JSON object body; 400 for bad JSON and for fields the endpoint does not know (like bunq). */
export function jsonBody(request: SimRequest, allowed: readonly string[]): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new BunqProtocolError(400, 'The request body is not valid JSON.');
  }
  if (!isRecord(value)) throw new BunqProtocolError(400, 'The request body must be a JSON object.');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new BunqProtocolError(400, `Superfluous field "${key}".`);
  }
  return value;
}

export function intParam(query: URLSearchParams, name: string, fallback: number): number {
  return optionalIntParam(query, name) ?? fallback;
}

export function optionalIntParam(query: URLSearchParams, name: string): number | null {
  const text = query.get(name);
  if (text === null) return null;
  if (!/^\d+$/.test(text))
    throw new BunqProtocolError(400, `The parameter "${name}" must be a whole number.`);
  return Number(text);
}

export function isHttpMethod(method: string): method is HttpMethod {
  return method === 'GET' || method === 'POST' || method === 'PUT' || method === 'DELETE';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
}

const DEFAULT_COUNT = 10;

/**
 * One page of a bunq listing: `count` (default 10, 1..200), `older_id` / `newer_id`, and bunq's `Pagination`
 * with `older_url`, `newer_url` and `future_url` (the URL to poll for what comes after the newest item).
 *
 * @param all every item, newest (highest id) first
 * @param basePath the listing's path with `/v1`, e.g. `/v1/user/1/notification-filter-failure`
 * @param keep query parameters repeated in the page URLs (filters), besides `count` when it was given
 */
export function paginate<T extends { readonly id: number }>(
  all: readonly T[],
  query: URLSearchParams,
  basePath: string,
  keep: readonly string[] = [],
): { page: T[]; pagination: BunqPaginationJson } {
  const count = intParam(query, 'count', DEFAULT_COUNT);
  if (count < 1 || count > MAX_PAGE_SIZE) {
    throw new BunqProtocolError(400, `The parameter "count" must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  const olderId = optionalIntParam(query, 'older_id');
  const newerId = optionalIntParam(query, 'newer_id');
  let page: T[];
  if (olderId !== null) page = all.filter((item) => item.id < olderId).slice(0, count);
  else if (newerId !== null) page = all.filter((item) => item.id > newerId).slice(-count);
  else page = all.slice(0, count);

  const kept = keep.flatMap((name) => {
    const value = query.get(name);
    return value === null ? [] : [`${name}=${encodeURIComponent(value)}&`];
  });
  const base = `${basePath}?${query.has('count') ? `count=${count}&` : ''}${kept.join('')}`;
  const lowest = page.at(-1)?.id;
  const highest = page[0]?.id;
  const older_url =
    lowest !== undefined && all.some((item) => item.id < lowest) ? `${base}older_id=${lowest}` : null;
  const newer_url =
    (olderId !== null || newerId !== null) && highest !== undefined && all.some((item) => item.id > highest)
      ? `${base}newer_id=${highest}`
      : null;
  const anchor = highest ?? newerId ?? (olderId !== null ? olderId - 1 : 0);
  return {
    page,
    pagination: {
      future_url: newer_url === null ? `${base}newer_id=${anchor}` : null,
      newer_url,
      older_url,
    },
  };
}
