/**
 * Starts and stops `moto_server` (an independent implementation of the AWS APIs, in Python) on a free
 * loopback port, for the AWS tier's global setup and teardown.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { freePort } from '../../support/runtime-process';

/** The environment variable the global setup passes the endpoint to the test workers in. */
export const MOTO_ENDPOINT_ENV = 'BUNQ_WEBHOOKS_MOTO_ENDPOINT';

/** How to get moto and cfn-lint where they are missing. */
export const MOTO_INSTALL_HINT = 'pip install "moto[server]" cfn-lint';

/** How long moto may take to answer after it was started (it takes 1-3 s here). */
const START_DEADLINE_MS = 60_000;
/** How long moto may take to exit after SIGTERM before it is killed. */
const STOP_DEADLINE_MS = 10_000;

export class MotoServerError extends Error {
  override readonly name = 'MotoServerError';
}

/** Whether an executable is on PATH (`command -v`, so shims and aliases count as the shell sees them). */
export function onPath(executable: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${executable}`], { stdio: 'ignore' }).status === 0;
}

export interface RunningMoto {
  readonly endpoint: string;
  readonly process: ChildProcess;
}

/** Resolves once `endpoint` answers, rejects when the process exits first or the deadline passes. */
async function waitUntilServing(child: ChildProcess, endpoint: string, output: () => string): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited (code ${code}, signal ${signal})`;
  });
  while (Date.now() < deadline) {
    if (exited !== null) throw new MotoServerError(`moto_server ${exited} before serving: ${output()}`);
    try {
      const answer = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      if (answer.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new MotoServerError(`moto_server did not answer on ${endpoint} within ${START_DEADLINE_MS} ms`);
}

/** Starts moto on a free 127.0.0.1 port and resolves once it serves. */
export async function startMoto(): Promise<RunningMoto> {
  let lastError: unknown;
  // A free port can be taken between the probe and moto's bind: try a few.
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      // Keep only the tail: moto logs one line per request.
      stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
    });
    try {
      await waitUntilServing(child, endpoint, () => stderr);
      // From here on its request log is noise.
      child.stderr?.removeAllListeners('data');
      child.stderr?.resume();
      return { endpoint, process: child };
    } catch (error) {
      lastError = error;
      await stopMoto({ endpoint, process: child });
    }
  }
  throw lastError;
}

/** Stops moto by its process id and resolves once it exited. */
export async function stopMoto(moto: RunningMoto): Promise<void> {
  const child = moto.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
  await exited;
  clearTimeout(timer);
}
