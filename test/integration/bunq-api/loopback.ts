/** Loopback helpers for the bunq integration tests: a callback receiver and a tampering proxy. */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface Receiver {
  readonly url: string;
  readonly received: ReceivedCallback[];
  /** The status answered from now on. */
  status: number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

async function readBody(message: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A callback target on 127.0.0.1 that records every request and answers `status`. */
export async function startReceiver(status: number): Promise<Receiver> {
  const received: ReceivedCallback[] = [];
  const receiver = { status } as Receiver;
  const server = createServer(async (request, response) => {
    const body = (await readBody(request)).toString('utf8');
    received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
    response.writeHead(receiver.status, { 'content-type': 'text/plain' });
    response.end('ok');
  });
  const origin = await listen(server);
  return Object.assign(receiver, { url: `${origin}/callbacks/token`, received, close: () => close(server) });
}

export type ResponseRewrite = (
  path: string,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
) => { headers: Record<string, string>; body: Buffer };

/** A reverse proxy to `target` (an origin) that may rewrite responses: a man in the middle for tests. */
export async function startProxy(
  target: string,
  rewrite: ResponseRewrite,
): Promise<{ origin: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: upstream.host },
      },
      async (answer) => {
        const answerBody = await readBody(answer);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (
            typeof value === 'string' &&
            name !== 'content-length' &&
            name !== 'connection' &&
            name !== 'keep-alive'
          ) {
            headers[name] = value;
          }
        }
        const changed = rewrite(request.url ?? '', answer.statusCode ?? 502, headers, answerBody);
        response.writeHead(answer.statusCode ?? 502, {
          ...changed.headers,
          'content-length': String(changed.body.length),
        });
        response.end(changed.body);
      },
    );
    forwarded.on('error', () => {
      response.writeHead(502);
      response.end();
    });
    forwarded.end(body);
  });
  const origin = await listen(server);
  return { origin, close: () => close(server) };
}
