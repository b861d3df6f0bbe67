/**
 * An independent AWS implementation on loopback: `moto_server` (SQS, DynamoDB, EventBridge, S3, Secrets
 * Manager) started on a free port and stopped by the caller. Used by tests and by `npm run bench`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { freePort } from './runtime-process';

export interface Moto {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** moto_server is not installed (or not on PATH). */
export class MotoUnavailableError extends Error {
  override readonly name = 'MotoUnavailableError';
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/moto-api/', method: 'GET' }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Starts moto_server on a free loopback port and resolves once it answers (at most `timeoutMs`). */
export async function startMoto(timeoutMs = 60_000): Promise<Moto> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new MotoUnavailableError(`moto_server could not start (${error.message}); install moto[server]`),
      ),
    );
    child.once('exit', (code) =>
      reject(new MotoUnavailableError(`moto_server exited with ${code} before answering: ${stderr}`)),
    );
  });
  failed.catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  // Poll until it answers: moto takes a second or two to import its services.
  while (!(await Promise.race([answers(port), failed]))) {
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new MotoUnavailableError(`moto_server did not answer on port ${port} within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { endpoint: `http://127.0.0.1:${port}`, port, stop: () => stopChild(child) };
}
