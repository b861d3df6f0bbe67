/**
 * The logging surface the bunq client needs (the client passes one attributes object per line). A
 * Powertools `Logger` fits it as is; the default is silent.
 * The client only ever passes identifiers, HTTP statuses, paths and durations here: never the API key, a
 * token, a key or a request or response body.
 */

export interface BunqLogger {
  debug(message: string, ...attributes: Array<Record<string, unknown>>): void;
  info(message: string, ...attributes: Array<Record<string, unknown>>): void;
  warn(message: string, ...attributes: Array<Record<string, unknown>>): void;
  error(message: string, ...attributes: Array<Record<string, unknown>>): void;
}

const ignore = (): void => {};

export const silentLogger: BunqLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
