/**
 * URLs the CLI handles: the bunq base URL (names, or any URL such as the simulator's), the callback URL
 * (HTTPS unless `--allow-http`), and how URLs are shown: a callback URL carries its secret token in the
 * path, so long path segments are shortened unless `--show-urls`.
 */
import { BUNQ_PRODUCTION_BASE_URL, BUNQ_SANDBOX_BASE_URL } from '../shared/bunq/api/client';
import { RefusedError, UsageError } from './errors';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Whether a host name is this machine (where plain HTTP cannot leak anything). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function parseUrl(text: string, label: string, example: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new UsageError(`${label} must be an absolute URL such as ${example}, got "${text}"`);
  }
}

/**
 * The bunq API base URL for `--bunq-base-url`: `production`, `sandbox`, or a URL (`/v1` added when its
 * path is empty, so `http://127.0.0.1:3100` reaches the simulator). Plain HTTP carries the API key and the
 * session token, so it is allowed to loopback only, or anywhere with `allowHttp`.
 */
export function resolveBunqBaseUrl(text: string, label: string, allowHttp: boolean): string {
  const name = text.toLowerCase();
  if (name === 'production') return BUNQ_PRODUCTION_BASE_URL;
  if (name === 'sandbox') return BUNQ_SANDBOX_BASE_URL;
  const url = parseUrl(text, label, `"production", "sandbox" or http://127.0.0.1:3100`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`${label} must be an http(s) URL, got "${url.protocol}"`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !allowHttp) {
    throw new RefusedError(
      `${label} is plain HTTP to ${url.host}: the API key and session token would cross the network in clear. ` +
        'Use https://, or pass --allow-http for a test server you trust.',
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UsageError(`${label} must not have a query or fragment, got "${text}"`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path === '' ? '/v1' : path}`;
}

/**
 * Checks a callback URL: absolute, HTTPS (bunq requires it), or HTTP with `allowHttp` (local only). Throws
 * {@link RefusedError} for HTTP without the flag, before anything is changed.
 */
export function checkCallbackUrl(text: string, label: string, allowHttp: boolean): string {
  const url = parseUrl(text, label, 'https://abc123.execute-api.eu-west-1.amazonaws.com/callbacks/<token>');
  if (url.protocol === 'https:') return url.toString();
  if (url.protocol === 'http:') {
    if (allowHttp) return url.toString();
    throw new RefusedError(
      `${label} is not HTTPS (${url.protocol}//${url.host}): bunq only calls HTTPS targets. For a local ` +
        'target (the simulator, npm start) pass --allow-http.',
    );
  }
  throw new UsageError(`${label} must be an https:// URL, got "${url.protocol}"`);
}

/** Path segments this long or longer are treated as secrets when shown (our tokens have 43 characters). */
const SECRET_SEGMENT_LENGTH = 16;

/**
 * A URL as it may be shown: origin, path with long segments cut to their first 4 characters, query replaced
 * by `?…`. Applied to every target, ours and other integrations' alike: theirs may carry tokens too.
 */
export function maskUrl(target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return target.length > SECRET_SEGMENT_LENGTH ? `${target.slice(0, 4)}…` : target;
  }
  const path = url.pathname
    .split('/')
    .map((segment) => (segment.length >= SECRET_SEGMENT_LENGTH ? `${segment.slice(0, 4)}…` : segment))
    .join('/');
  return `${url.origin}${path}${url.search === '' ? '' : '?…'}`;
}

/** A function showing URLs in full or masked. */
export type UrlShower = (url: string) => string;

export const urlShower = (showUrls: boolean): UrlShower => (showUrls ? (url) => url : maskUrl);
