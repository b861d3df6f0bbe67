/**
 * HTTP/1.1 over a raw loopback socket: requests no HTTP client would send (any method, any request target,
 * any header bytes, lying framing), and the first response's status line and headers read back.
 */
import { connect } from 'node:net';

export interface RawRequest {
  readonly method: string;
  /** The request target as sent: origin form, absolute form, `*`, or anything else. */
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** How the body is framed: a right Content-Length, chunked, or no framing header at all. */
  readonly framing: 'content-length' | 'chunked' | 'none';
}

export interface RawResponse {
  /** The status code, or null when the server closed without a status line. */
  readonly status: number | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The request's bytes, with `Host` and `Connection: close` unless the headers already name them. */
export function encodeRequest(request: RawRequest): Buffer {
  const names = new Set(request.headers.map(([name]) => name.toLowerCase()));
  const lines = [`${request.method} ${request.target} HTTP/1.1`];
  if (!names.has('host')) lines.push('Host: 127.0.0.1');
  lines.push('Connection: close');
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`);
  let body = request.body;
  if (request.framing === 'content-length') lines.push(`Content-Length: ${body.length}`);
  if (request.framing === 'chunked') {
    lines.push('Transfer-Encoding: chunked');
    body = Buffer.concat([
      ...(body.length > 0 ? [Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')] : []),
      Buffer.from('0\r\n\r\n'),
    ]);
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

/** Parses the first final response in `bytes`, after any 1xx (headers as latin1, lower-cased names). */
export function parseResponse(bytes: Buffer): RawResponse {
  // `Expect: 100-continue` gets an interim `100 Continue` first.
  const text = bytes
    .toString('latin1')
    .replace(/^(HTTP\/1\.[01] 1\d\d[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n)+/, '');
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: match?.[1] === undefined ? null : Number(match[1]),
    headers,
    body: end === -1 ? '' : text.slice(end + 4),
  };
}

/**
 * Sends the request on a fresh connection and reads until the server closes it (every request asks for
 * `Connection: close`), or `timeoutMs` passes. Never rejects: a reset connection is a response without status.
 */
export function sendRaw(port: number, request: RawRequest | Buffer, timeoutMs = 5_000): Promise<RawResponse> {
  const bytes = Buffer.isBuffer(request) ? request : encodeRequest(request);
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseResponse(Buffer.concat(chunks)));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', finish);
    socket.on('close', finish);
    // The server may answer and close before the whole request is written (413, 431): that is fine.
    socket.write(bytes, () => undefined);
  });
}
