/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0): a `node:http` server that routes
 * `POST /callbacks/{token}` to the ingest handler as a real-shaped `APIGatewayProxyEventV2` and writes its
 * result back. The body is passed base64-encoded with `isBase64Encoded: true`, so the bytes reach the
 * handler exactly as sent. Paths and tokens are never logged (the path carries the token).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { unmapIpv4 } from '../shared/pipeline/ingest/cidr';
import { HttpServerStartError } from './errors';

/** API Gateway's own request size limit. */
export const DEFAULT_MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** Time a client has to send the request line and headers. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Time a client has to send the whole body once its headers arrived. bunq sends a few KiB at once. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
/** Open connections at most; more are refused at accept. */
export const DEFAULT_MAX_CONNECTIONS = 512;
/** An idle keep-alive connection is closed after this long. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
export const CALLBACK_ROUTE_KEY = 'POST /callbacks/{token}';
/** A provisioned user's route (see `USER_CALLBACK_ROUTE_PATH` in `infra/constructs/ingest-api.ts`). */
export const USER_CALLBACK_ROUTE_KEY = 'POST /callbacks/{token}/u/{userId}';
const CALLBACK_PATH = /^\/callbacks\/([^/]+)(?:\/u\/([^/]+))?$/;

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
  /** A client that has not sent its headers within this is cut off (408, closed). @default 10000 */
  readonly headersTimeoutMs?: number;
  /** A client that has not sent its whole body within this after its headers is cut off (408, closed). @default 10000 */
  readonly bodyTimeoutMs?: number;
  /** Connections open at once at most; further ones are closed at accept. @default 512 */
  readonly maxConnections?: number;
}

export interface CallbackHttpServer {
  readonly host: string;
  readonly port: number;
  /** `http://<host>:<port>` (IPv6 hosts in brackets). */
  readonly baseUrl: string;
  /**
   * Stops accepting connections, closes idle ones and those still sending a request (that request was
   * not accepted; bunq sends it again), answers 503 to requests arriving on open keep-alive connections,
   * and resolves once every request already being handled has been answered and all connections are closed.
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

/**
 * Reads the body up to `max` bytes within `timeoutMs`; beyond the size stops collecting and discards the
 * rest, past the time gives up.
 */
function readBody(
  req: IncomingMessage,
  max: number,
  timeoutMs: number,
): Promise<Buffer | 'too-large' | 'timeout'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const timer = setTimeout(() => {
      req.off('data', onData);
      chunks.length = 0;
      resolve('timeout');
    }, timeoutMs);
    req.once('close', () => clearTimeout(timer));
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > max) {
        clearTimeout(timer);
        req.off('data', onData);
        chunks.length = 0;
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks, total));
    });
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
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
  const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger;
  let stopping = false;
  /** Requests whose body was read and whose handler runs: a stop waits for these, and only these. */
  let handling = 0;
  const idleWaiters = new Set<() => void>();
  /** Every open connection, and whether it is in the handling phase. */
  const sockets = new Map<Socket, { handling: boolean }>();
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
    encodedUserId: string | undefined,
    body: Buffer,
    timeEpoch: number,
    requestId: string,
  ): Promise<Reply> => {
    let token: string;
    let userId: string | undefined;
    try {
      token = decodeURIComponent(encodedToken);
      userId = encodedUserId === undefined ? undefined : decodeURIComponent(encodedUserId);
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
    const routeKey = userId === undefined ? CALLBACK_ROUTE_KEY : USER_CALLBACK_ROUTE_KEY;
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey,
      rawPath,
      rawQueryString: url.search.slice(1),
      ...(cookies ? { cookies } : {}),
      headers,
      ...(url.search.length > 1 ? { queryStringParameters } : {}),
      pathParameters: userId === undefined ? { token } : { token, userId },
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
        routeKey,
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
    const body =
      declared > maxRequestBytes ? 'too-large' : await readBody(req, maxRequestBytes, bodyTimeoutMs);
    if (body === 'timeout') {
      // A slow sender holds a connection and memory; bunq sends its few KiB at once and retries a 408.
      res.shouldKeepAlive = false;
      send(res, json(408, { message: 'Request Timeout' }, { connection: 'close' }), requestId);
      res.once('finish', () => req.socket.destroy());
      logger.warn('request body not received in time; connection closed', { requestId, bodyTimeoutMs });
      return;
    }
    if (body === 'too-large') {
      // Nothing more is buffered; the connection closes after the answer.
      req.resume();
      res.shouldKeepAlive = false;
      send(res, json(413, { message: 'Request Entity Too Large' }, { connection: 'close' }), requestId);
      logger.warn('request body over the local API Gateway limit', { requestId, maxRequestBytes });
      return;
    }
    if (stopping) {
      send(res, json(503, { message: 'Service Unavailable' }, { 'retry-after': '5' }), requestId);
      return;
    }
    const state = sockets.get(req.socket);
    if (state !== undefined) state.handling = true;
    handling += 1;
    try {
      send(res, await invoke(req, url, rawPath, match[1], match[2], body, timeEpoch, requestId), requestId);
    } finally {
      handling -= 1;
      if (state !== undefined) state.handling = false;
      if (handling === 0) {
        for (const waiter of idleWaiters) waiter();
        idleWaiters.clear();
      }
    }
  };

  const server = createServer(
    // Node checks the headers and request timeouts on this interval; its default (30 s) lets a slow
    // client outlive them by that much.
    {
      connectionsCheckingInterval: Math.min(1_000, headersTimeoutMs),
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        logger.error('request failed', { error });
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: 'Internal Server Error' }));
        } else {
          res.destroy();
        }
      });
    },
  );
  server.headersTimeout = headersTimeoutMs;
  // Node's own cut-off for the whole request, behind ours for the body.
  server.requestTimeout = headersTimeoutMs + bodyTimeoutMs + 1_000;
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  let lastDropLog = 0;
  server.on('drop', () => {
    const now = Date.now();
    if (now - lastDropLog < 1_000) return;
    lastDropLog = now;
    logger.warn('connection refused: too many open connections', { maxConnections: server.maxConnections });
  });
  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { handling: false });
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // Node answers 408 on its own timeouts; say so in the log, and close whatever else went wrong.
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      logger.warn('request headers not received in time; connection closed', { headersTimeoutMs });
    }
    if (socket.writable && !socket.writableEnded) {
      const status =
        error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : error.code === 'HPE_HEADER_OVERFLOW'
            ? '431 Request Header Fields Too Large'
            : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    }
    socket.destroy();
  });

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
            // Idle, slow or half-sent: nothing accepted rides on these, so they do not hold the stop.
            for (const [socket, state] of sockets) if (!state.handling) socket.destroy();
            if (handling > 0) await new Promise<void>((done) => idleWaiters.add(done));
            server.closeAllConnections();
            for (const socket of sockets.keys()) socket.destroy();
            await closed;
          })();
          return closing;
        },
      });
    });
  });
}
