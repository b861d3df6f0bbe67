/**
 * The local runtime as a real process group for the crash and drain tests: started detached (its own
 * process group, so a signal reaches npm, tsx and node alike), with helpers to wait for its health check,
 * post to it over a keep-alive agent, and wait until every process of the group is gone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../../bench/free-port';

export const REPO_ROOT = join(__dirname, '..', '..');

export interface RuntimeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: () => string;
  /** Resolves once no process of the group is left. */
  gone(): Promise<void>;
  /** Signals the whole process group (npm or tsx and the node process running the runtime). */
  signal(signal: NodeJS.Signals): void;
}

export { freePort };

const groupAlive = (group: number): boolean => {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls `probe` until it returns a value; fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls `check` until it holds; fails after `timeoutMs` naming `what`. */
export function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<true> {
  return waitFor(async () => ((await check()) ? true : undefined), timeoutMs, what);
}

/**
 * Starts the runtime: what `npm start` runs (`node --import tsx local/main.ts`) by default, or `npm start --`
 * itself with `viaNpm`. Resolves once its health check answers.
 */
export async function startRuntimeProcess(args: readonly string[], viaNpm = false): Promise<RuntimeProcess> {
  const port = await freePort();
  const all = ['--port', String(port), ...args];
  const child = viaNpm
    ? spawn('npm', ['start', '--silent', '--', ...all], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
    : spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', ...all], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const group = child.pid ?? 0;
  const running: RuntimeProcess = {
    child,
    port,
    output: () => output,
    gone: () =>
      waitFor(() => (groupAlive(group) ? undefined : true), 110_000, 'every runtime process to exit').then(
        () => undefined,
      ),
    signal(signal) {
      if (groupAlive(group)) process.kill(-group, signal);
    },
  };
  started.push(running);
  await waitFor(
    async () => ((await status(port, 'GET', '/healthz')) === 200 ? true : undefined),
    100_000,
    `the runtime's health check (output: ${output})`,
  );
  return running;
}

const started: RuntimeProcess[] = [];
/** Kills every process group a test started and waits for it (for afterEach). */
export async function killStartedRuntimes(): Promise<void> {
  for (const running of started.splice(0)) {
    running.signal('SIGKILL');
    await running.gone();
  }
}

const agents = new Map<number, Agent>();
/** Status of one request (0 when the connection failed). */
export function status(port: number, method: string, path: string, body?: string): Promise<number> {
  let agent = agents.get(port);
  if (agent === undefined) {
    agent = new Agent({ keepAlive: true, maxSockets: 32 });
    agents.set(port, agent);
  }
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

export function destroyAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}
