/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0): a `node:http` server that routes
 * `POST /callbacks/{token}` to the ingest handler as a real-shaped `APIGatewayProxyEventV2` and writes its
 * result back. The body is passed base64-encoded with `isBase64Encoded: true`, so the bytes reach the
 * handler exactly as sent. Paths and tokens are never logged (the path carries the token).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { unmapIpv4 } from '../shared/pipeline/ingest/cidr';
import { HttpServerStartError } from './errors';

/** API Gateway's own request size limit. */
export const DEFAULT_MAX_REQUEST_BYTES = 10 * 1024 * 1024;
export const CALLBACK_ROUTE_KEY = 'POST /callbacks/{token}';
const CALLBACK_PATH = /^\/callbacks\/([^/]+)$/;

export type CallbackHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface CallbackHttpServerOptions {
  readonly handler: CallbackHandler;
  readonly logger: Logger;
  /** @default 3000 (0 picks a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Largest request body read; larger is answered 413 without reading it. @default 10 MiB */
  readonly maxRequestBytes?: number;
}

export interface CallbackHttpServer {
  readonly host: string;
  readonly port: number;
  /** `http://<host>:<port>` (IPv6 hosts in brackets). */
  readonly baseUrl: string;
  /**
   * Stops accepting connections, answers 503 to requests arriving on open keep-alive connections, and
   * resolves once every request already being handled has been answered and all connections are closed.
   */
  close(): Promise<void>;
}

type Reply = {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: string | Buffer;
};

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** API Gateway's `requestContext.time`: `03/Sep/2025:08:24:14 +0000`. */
export function apiGatewayTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Reads the body up to `max` bytes; beyond that stops collecting and discards the rest. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > max) {
        req.off('data', onData);
        chunks.length = 0;
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, total)));
    req.once('error', reject);
  });
}

function headersOf(req: IncomingMessage): { headers: Record<string, string>; cookies: string[] | undefined } {
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') {
      cookies = (Array.isArray(value) ? value.join('; ') : value).split(/;\s*/).filter((c) => c.length > 0);
      continue;
    }
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return { headers, cookies };
}

export function startCallbackHttpServer(options: CallbackHttpServerOptions): Promise<CallbackHttpServer> {
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger;
  let stopping = false;
  let active = 0;
  const idleWaiters = new Set<() => void>();
  let localPort = 0;

  const send = (res: ServerResponse, reply: Reply, requestId: string): void => {
    const headers: Record<string, string> = { ...reply.headers, 'apigw-requestid': requestId };
    if (stopping) headers.connection = 'close';
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  };

  const invoke = async (
    req: IncomingMessage,
    url: URL,
    rawPath: string,
    encodedToken: string,
    body: Buffer,
    timeEpoch: number,
    requestId: string,
  ): Promise<Reply> => {
    let token: string;
    try {
      token = decodeURIComponent(encodedToken);
    } catch {
      return json(400, { message: 'Bad Request' });
    }
    const sourceIp = unmapIpv4(req.socket.remoteAddress ?? '');
    const { headers, cookies } = headersOf(req);
    headers['x-forwarded-for'] = sourceIp;
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-port'] = String(localPort);
    // A Map, not an object: a parameter named `toString` or `__proto__` is a parameter like any other.
    const query = new Map<string, string>();
    for (const [name, value] of url.searchParams) {
      const previous = query.get(name);
      query.set(name, previous === undefined ? value : `${previous},${value}`);
    }
    const queryStringParameters: Record<string, string> = Object.fromEntries(query);
    const method = (req.method ?? 'GET').toUpperCase();
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: CALLBACK_ROUTE_KEY,
      rawPath,
      rawQueryString: url.search.slice(1),
      ...(cookies ? { cookies } : {}),
      headers,
      ...(url.search.length > 1 ? { queryStringParameters } : {}),
      pathParameters: { token },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? `${host}:${localPort}`,
        domainPrefix: (headers.host ?? host).split('.')[0] ?? host,
        http: {
          method,
          path: rawPath,
          protocol: `HTTP/${req.httpVersion}`,
          sourceIp,
          userAgent: headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: CALLBACK_ROUTE_KEY,
        stage: '$default',
        time: apiGatewayTime(timeEpoch),
        timeEpoch,
      },
      // API Gateway omits the body of a request that has none.
      ...(body.length > 0 ? { body: body.toString('base64') } : {}),
      isBase64Encoded: body.length > 0,
    };

    let result: APIGatewayProxyStructuredResultV2;
    try {
      result = await options.handler(event);
    } catch (error) {
      logger.error('ingest handler threw; answering 500', { requestId, error });
      return json(500, { message: 'Internal Server Error' });
    }
    const replyHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) replyHeaders[name] = String(value);
    const text = result.body ?? '';
    return {
      status: result.statusCode ?? 200,
      headers: replyHeaders,
      body: result.isBase64Encoded ? Buffer.from(text, 'base64') : text,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const timeEpoch = Date.now();
    const requestId = randomUUID();
    const method = (req.method ?? 'GET').toUpperCase();
    if (stopping) {
      req.resume();
      send(res, json(503, { message: 'Service Unavailable' }, { 'retry-after': '5' }), requestId);
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://local');
    } catch {
      // A request target no URL parser takes (`http://[::1/...`, `//[x/...`): the client's error, not ours.
      req.resume();
      send(res, json(400, { message: 'Bad Request' }), requestId);
      return;
    }
    const rawPath = url.pathname;

    if (rawPath === '/healthz') {
      req.resume();
      const reply =
        method === 'GET' || method === 'HEAD'
          ? json(200, { status: 'ok' })
          : json(405, { message: 'Method Not Allowed' }, { allow: 'GET, HEAD' });
      send(res, reply, requestId);
      return;
    }
    const match = CALLBACK_PATH.exec(rawPath);
    if (match?.[1] === undefined) {
      req.resume();
      send(res, json(404, { message: 'Not Found' }), requestId);
      return;
    }
    if (method !== 'POST') {
      // The handler answers 405 too; answering here keeps a stray GET from reaching it at all.
      req.resume();
      send(res, json(405, { message: 'Method Not Allowed' }, { allow: 'POST' }), requestId);
      return;
    }

    const declared = Number(req.headers['content-length'] ?? 0);
    const body = declared > maxRequestBytes ? 'too-large' : await readBody(req, maxRequestBytes);
    if (body === 'too-large') {
      // Nothing more is buffered; the connection closes after the answer.
      req.resume();
      res.shouldKeepAlive = false;
      send(res, json(413, { message: 'Request Entity Too Large' }, { connection: 'close' }), requestId);
      logger.warn('request body over the local API Gateway limit', { requestId, maxRequestBytes });
      return;
    }
    send(res, await invoke(req, url, rawPath, match[1], body, timeEpoch, requestId), requestId);
  };

  const server = createServer((req, res) => {
    active += 1;
    handle(req, res)
      .catch((error: unknown) => {
        logger.error('request failed', { error });
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: 'Internal Server Error' }));
        } else {
          res.destroy();
        }
      })
      .finally(() => {
        active -= 1;
        if (active === 0) {
          for (const waiter of idleWaiters) waiter();
          idleWaiters.clear();
        }
      });
  });
  // API Gateway's integration timeout.
  server.requestTimeout = 30_000;

  return new Promise((resolve, reject) => {
    const onError = (error: Error): void =>
      reject(
        new HttpServerStartError(`cannot listen on ${host}:${options.port ?? 3000}: ${error.message}`, {
          cause: error,
        }),
      );
    server.once('error', onError);
    server.listen(options.port ?? 3000, host, () => {
      server.off('error', onError);
      const address = server.address() as AddressInfo;
      localPort = address.port;
      const urlHost = address.family === 'IPv6' || host.includes(':') ? `[${host}]` : host;
      let closing: Promise<void> | undefined;
      resolve({
        host,
        port: localPort,
        baseUrl: `http://${urlHost}:${localPort}`,
        close() {
          closing ??= (async () => {
            stopping = true;
            const closed = new Promise<void>((done) => server.close(() => done()));
            server.closeIdleConnections();
            if (active > 0) await new Promise<void>((done) => idleWaiters.add(done));
            server.closeAllConnections();
            await closed;
          })();
          return closing;
        },
      });
    });
  });
}
