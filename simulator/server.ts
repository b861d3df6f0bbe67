/**
 * The simulator behind node:http, for the local runtime, demos and loopback tests:
 *
 * ```ts
 * const sim = await startBunqSimulator({ port: 0, retryIntervalMs: 20 });
 * const user = sim.simulator.createUser();
 * const client = new BunqApiClient({ baseUrl: sim.baseUrl, stateStore: new InMemoryBunqStateStore({ apiKey: user.apiKey }) });
 * ...
 * await sim.stop();
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BunqSimulator, type BunqSimulatorOptions, createBunqSimulator } from './simulator';

export const DEFAULT_SIMULATOR_HOST = '127.0.0.1';
const MAX_BODY_BYTES = 1024 * 1024;

export interface StartBunqSimulatorOptions extends BunqSimulatorOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

export interface RunningBunqSimulator {
  /** The bunq API base URL, e.g. `http://127.0.0.1:40123/v1` (what the client takes as `baseUrl`). */
  readonly baseUrl: string;
  /** `http://host:port`: the control API is at `${origin}/_simulator/...`. */
  readonly origin: string;
  /** The OAuth token exchange, `${origin}/oauth/v1/token` (bunq: `https://api.oauth.bunq.com/v1/token`). */
  readonly oauthTokenUrl: string;
  readonly host: string;
  readonly port: number;
  /** The core, for in-process control (users, filters, emit, faults, ...). */
  readonly simulator: BunqSimulator;
  /** Resolves when no callback delivery is pending. */
  idle(): Promise<void>;
  /** Stops deliveries, closes every connection and the listener. */
  stop(): Promise<void>;
}

export async function startBunqSimulator(
  options: StartBunqSimulatorOptions = {},
): Promise<RunningBunqSimulator> {
  const simulator = await createBunqSimulator(options);
  const host = options.host ?? DEFAULT_SIMULATOR_HOST;
  const server = createServer((request, response) => {
    void serve(simulator, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    baseUrl: `${origin}/v1`,
    origin,
    oauthTokenUrl: `${origin}/oauth/v1/token`,
    host,
    port,
    simulator,
    idle: () => simulator.idle(),
    stop: () => {
      stopped ??= stop(simulator, server);
      return stopped;
    },
  };
}

async function stop(simulator: BunqSimulator, server: Server): Promise<void> {
  simulator.close();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

async function serve(
  simulator: BunqSimulator,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > MAX_BODY_BYTES) {
        response.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
        response.end(JSON.stringify({ Error: [{ error_description: 'The request body is too large.' }] }));
        return;
      }
      chunks.push(buffer);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const answer = await simulator.handle({
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers,
      body: Buffer.concat(chunks),
      remoteAddress: request.socket.remoteAddress ?? 'unknown',
    });
    if (answer.drop) {
      request.socket.destroy();
      return;
    }
    response.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
    response.end(answer.body);
  } catch {
    if (!response.headersSent) {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ Error: [{ error_description: 'Internal simulator error.' }] }));
    } else {
      response.destroy();
    }
  }
}
