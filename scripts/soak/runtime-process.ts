/**
 * The local runtime as the soak's child process: started on loopback in its own process group with a clean
 * environment, found under the tsx wrapper for memory sampling, and ended by signalling that group alone.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Options } from './options';
import { MAX_BODY_BYTES } from './plan';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** The pid of the process running `local/main.ts` under the tsx wrapper (tsx starts it as a child). */
export function runtimePid(wrapperPid: number): number {
  const children = (pid: number): number[] => {
    try {
      return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
        readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
          .split(' ')
          .filter((part) => part.trim() !== '')
          .map(Number),
      );
    } catch {
      return [];
    }
  };
  const queue = [wrapperPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (pid !== wrapperPid && cmdline.includes('local/main.ts')) return pid;
    } catch {
      // Gone or not Linux: fall through to the wrapper itself.
    }
    queue.push(...children(pid));
  }
  return wrapperPid;
}

/** Resident memory of a process in KiB: /proc on Linux, `ps` elsewhere; null when it is gone. */
export function rssKb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match?.[1] !== undefined) return Number(match[1]);
  } catch {
    // Not Linux, or gone.
  }
  const ps = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  const value = Number(ps.stdout.trim());
  return ps.status === 0 && Number.isFinite(value) && value > 0 ? value : null;
}

export interface Runtime {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  readonly log: () => string;
}

export function startRuntime(dir: string, token: string, options: Options): Promise<Runtime> {
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ ingest: { maxBodyBytes: MAX_BODY_BYTES } }));
  const logPath = join(dir, 'runtime.log');
  const child = spawn(
    TSX,
    [
      'local/main.ts',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--token',
      token,
      '--allowed-cidrs',
      '127.0.0.1/32,::1/128',
      '--config',
      configPath,
      '--events-file',
      join(dir, 'events.jsonl'),
      '--dead-letter-file',
      join(dir, 'dead-letters.jsonl'),
      '--drain-timeout-ms',
      String(options.drainTimeoutMs),
      '--visibility-timeout-ms',
      '500',
    ],
    {
      cwd: ROOT,
      // A clean environment: nothing of the caller's (PORT, CALLBACK_TOKEN, ALLOWED_CIDRS...) leaks in.
      env: {
        ...Object.fromEntries(
          ['PATH', 'HOME', 'TMPDIR', 'LANG'].flatMap((name) => {
            const value = process.env[name];
            return value === undefined ? [] : [[name, value]];
          }),
        ),
        POWERTOOLS_LOG_LEVEL: options.logLevel,
        POWERTOOLS_METRICS_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a failed run can still end every process it started.
      detached: true,
    },
  );
  // The runtime's output goes to a file; the last 64 KiB are kept for the report of a failed run.
  const logFile = createWriteStream(logPath);
  let tail = '';
  const keep = (chunk: Buffer): void => {
    logFile.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-65_536);
  };
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      logFile.end();
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(
      () => reject(new Error(`the runtime did not start within 60 s:\n${tail}`)),
      60_000,
    );
    child.stderr?.on('data', keep);
    child.stdout?.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (ready) return;
      const match = /Callback URL:\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(tail);
      if (match?.[1] !== undefined) {
        ready = true;
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), exited, log: () => tail });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the runtime exited with ${code} before it was ready:\n${tail}`));
    });
  });
}

/** Signals the child's process group (the tsx wrapper, the runtime, esbuild's service): ours alone. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
