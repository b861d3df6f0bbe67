/**
 * `npm run bunq-simulator` as a process: prints its base URL, answers, and exits 0 on SIGTERM and SIGINT.
 * Run as `npm run` runs it, `node --import tsx`: one process that gets the signal itself (the `tsx` binary
 * would relay it and SIGKILL a child that does not acknowledge within 30 ms, exit 143 on a busy machine).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

function start(): { child: ChildProcessWithoutNullStreams; baseUrl: Promise<string>; output: () => string } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'simulator/main.ts', '--port', '0', '--retry-interval-ms', '20', '--create-user'],
    {
      cwd: ROOT,
      stdio: 'pipe',
    },
  );
  let output = '';
  const baseUrl = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no base URL printed:\n${output}`)), 100_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`exited early:\n${output}`));
    });
  });
  return { child, baseUrl, output: () => output };
}

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('bunq simulator command', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'serves until %s, then exits 0',
    async (signal) => {
      const { child, baseUrl, output } = start();
      try {
        const url = await baseUrl;
        const origin = url.replace(/\/v1$/, '');
        expect(await (await fetch(`${origin}/_simulator/health`)).json()).toEqual({ ok: true });
        expect(output()).toMatch(/\{"userId":1,"apiKey":"sim_[0-9a-f]{64}","kind":"UserPerson"\}/);
        const install = await fetch(`${url}/installation`, { method: 'POST', body: '{}' });
        expect(install.status).toBe(400); // missing bunq headers
        const exited = exitCode(child);
        child.kill(signal);
        expect(await exited).toBe(0);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
    120_000,
  );
});
