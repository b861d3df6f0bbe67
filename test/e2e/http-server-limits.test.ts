/**
 * The local API Gateway stand-in against hostile and slow clients on loopback: a body dribbled slower than
 * the body timeout and headers that never end are cut off (408, connection closed); connections beyond the
 * bound are refused; a stop is not held open by idle or slow connections, but still answers the request it
 * is handling.
 */
import { connect, type Socket } from 'node:net';
import { type CallbackHttpServer, startCallbackHttpServer } from '../../local/http-server';
import { createLogger } from '../../shared/logging/observability';

const logger = createLogger('http-limits-test');
const servers: CallbackHttpServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await server.close();
});

async function start(
  options: Partial<Parameters<typeof startCallbackHttpServer>[0]> = {},
): Promise<CallbackHttpServer> {
  const server = await startCallbackHttpServer({
    handler: async () => ({ statusCode: 200, body: '{"message":"OK"}' }),
    logger,
    port: 0,
    ...options,
  });
  servers.push(server);
  return server;
}

interface Raw {
  readonly socket: Socket;
  /** Everything the server sent. */
  readonly received: () => string;
  /** Resolves when the server closed the connection. */
  readonly closed: Promise<void>;
}

function raw(server: CallbackHttpServer): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    sockets.push(socket);
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
    socket.once('error', reject);
  });
}

/** Writes one byte at a time until the connection closes (or `limit` bytes), yielding between bytes. */
async function dribble(connection: Raw, limit: number): Promise<number> {
  let sent = 0;
  let open = true;
  void connection.closed.then(() => {
    open = false;
  });
  while (open && sent < limit) {
    connection.socket.write('x');
    sent += 1;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return sent;
}

const POST_HEAD = (length: number): string =>
  `POST /callbacks/token HTTP/1.1\r\nhost: local\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;

describe('local HTTP server limits', () => {
  it.each([
    ['that dribbles its body slower than the body timeout', { bodyTimeoutMs: 300 }, POST_HEAD(100_000)],
    [
      'whose headers never end',
      { headersTimeoutMs: 300 },
      'POST /callbacks/token HTTP/1.1\r\nhost: local\r\n',
    ],
  ])('cuts off a client %s, with 408', async (_what, options, head) => {
    const server = await start(options);
    const client = await raw(server);
    client.socket.write(head);
    // Far more bytes than fit in the timeout at this pace: only the server's cut-off ends the loop.
    const sent = await dribble(client, 100_000);
    await client.closed;
    expect(sent).toBeLessThan(100_000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('refuses connections beyond its bound', async () => {
    const server = await start({ maxConnections: 2 });
    const held = [await raw(server), await raw(server)];
    const third = await raw(server);
    await third.closed;
    expect(third.received()).toBe('');
    // The two within the bound still work.
    held[0]?.socket.write(`${POST_HEAD(2)}{}`);
    await new Promise<void>((resolve) => held[0]?.socket.once('data', () => resolve()));
    expect(held[0]?.received()).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('stops without waiting for idle or slow connections, but answers the request it is handling', async () => {
    let release: (() => void) | undefined;
    const handling = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: (() => void) | undefined;
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const server = await start({
      bodyTimeoutMs: 600_000,
      headersTimeoutMs: 600_000,
      handler: async () => {
        entered?.();
        await handling;
        return { statusCode: 200, body: '{"message":"OK"}' };
      },
    });
    const idle = await raw(server);
    const slowBody = await raw(server);
    slowBody.socket.write(POST_HEAD(1_000));
    const slowHeaders = await raw(server);
    slowHeaders.socket.write('POST /callbacks/token HTTP/1.1\r\n');
    const busy = await raw(server);
    busy.socket.write(`${POST_HEAD(2)}{}`);
    await inHandler;
    void dribble(slowBody, 1_000_000);
    void dribble(slowHeaders, 1_000_000);

    const stopped = server.close();
    // The slow and idle connections are cut at once; the request being handled is not.
    await Promise.all([idle.closed, slowBody.closed, slowHeaders.closed]);
    expect(busy.received()).toBe('');
    release?.();
    await stopped;
    await busy.closed;
    expect(busy.received()).toMatch(/^HTTP\/1\.1 200 /);
  });
});
