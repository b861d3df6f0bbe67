/**
 * The runtime bench's load client: HTTP/1.1 POSTs over a pool of keep-alive connections, one request at a
 * time per connection, further requests waiting for a free one (as `http.Agent` with `keepAlive` and
 * `maxSockets` does). It writes prebuilt bytes and reads only the status line and `content-length` of each
 * answer: it shares the machine's cores with the runtime it measures, so it spends as little as it can.
 */
import { connect, type Socket } from 'node:net';

const HEADERS_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

interface Pending {
  readonly parts: readonly Buffer[];
  readonly resolve: (status: number) => void;
}

interface Connection {
  readonly socket: Socket;
  /** The request waiting for its answer on this connection. */
  current: Pending | undefined;
  received: Buffer;
  /** `performance.now()` when it last went idle. */
  idleSince: number;
}

/**
 * An idle connection older than this is closed rather than reused: well inside the runtime's 5 s
 * keep-alive timeout, so a request is never written to a connection the server is closing at that moment
 * (the keep-alive race every HTTP client has; it would count as a failed request).
 */
const MAX_IDLE_MS = 2_000;

export class KeepAliveClient {
  readonly #host: string;
  readonly #port: number;
  readonly #maxSockets: number;
  readonly #idle: Connection[] = [];
  readonly #waiting: Pending[] = [];
  readonly #open = new Set<Connection>();

  constructor(host: string, port: number, maxSockets: number) {
    this.#host = host;
    this.#port = port;
    this.#maxSockets = maxSockets;
  }

  /**
   * POSTs `parts` (the body, in pieces) to `path`; resolves with the status, 0 when the connection failed
   * or closed before the answer.
   */
  post(path: string, parts: readonly Buffer[]): Promise<number> {
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    const head = Buffer.from(
      `POST ${path} HTTP/1.1\r\nhost: ${this.#host}:${this.#port}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`,
      'latin1',
    );
    return new Promise((resolve) => {
      const pending: Pending = { parts: [head, ...parts], resolve };
      const connection =
        this.#freshIdle() ?? (this.#open.size < this.#maxSockets ? this.#connect() : undefined);
      if (connection === undefined) this.#waiting.push(pending);
      else this.#send(connection, pending);
    });
  }

  /** The most recently idle connection, closing those idle for too long. */
  #freshIdle(): Connection | undefined {
    const now = performance.now();
    // Oldest first: the stack's bottom idled longest.
    while (this.#idle.length > 0 && now - (this.#idle[0] as Connection).idleSince > MAX_IDLE_MS) {
      const stale = this.#idle.shift() as Connection;
      this.#open.delete(stale);
      stale.socket.destroy();
    }
    return this.#idle.pop();
  }

  destroy(): void {
    for (const connection of this.#open) connection.socket.destroy();
  }

  #connect(): Connection {
    const socket = connect({ host: this.#host, port: this.#port, noDelay: true });
    const connection: Connection = {
      socket,
      current: undefined,
      received: Buffer.alloc(0),
      idleSince: performance.now(),
    };
    this.#open.add(connection);
    socket.on('data', (chunk: Buffer) => this.#receive(connection, chunk));
    const gone = (): void => {
      this.#open.delete(connection);
      const index = this.#idle.indexOf(connection);
      if (index >= 0) this.#idle.splice(index, 1);
      const current = connection.current;
      connection.current = undefined;
      current?.resolve(0);
      // A request left waiting gets a new connection.
      const next = this.#waiting.shift();
      if (next !== undefined) this.#send(this.#connect(), next);
    };
    socket.on('error', () => undefined);
    socket.on('close', gone);
    return connection;
  }

  #send(connection: Connection, pending: Pending): void {
    connection.current = pending;
    connection.received = Buffer.alloc(0);
    connection.socket.cork();
    for (const part of pending.parts) connection.socket.write(part);
    connection.socket.uncork();
  }

  #receive(connection: Connection, chunk: Buffer): void {
    const received = connection.received.length === 0 ? chunk : Buffer.concat([connection.received, chunk]);
    connection.received = received;
    const end = received.indexOf(HEADERS_END);
    if (end < 0 || connection.current === undefined) return;
    const headers = received.toString('latin1', 0, end);
    const length = Number(CONTENT_LENGTH.exec(headers)?.[1] ?? 0);
    if (received.length < end + HEADERS_END.length + length) return;
    const current = connection.current;
    connection.current = undefined;
    connection.received = Buffer.alloc(0);
    current.resolve(Number(headers.slice(9, 12)));
    if (/\r\nconnection:\s*close/i.test(headers)) {
      connection.socket.destroy();
      return;
    }
    const next = this.#waiting.shift();
    if (next === undefined) {
      connection.idleSince = performance.now();
      this.#idle.push(connection);
    } else this.#send(connection, next);
  }
}
