/** Runs the CLI as an operator does, in a child process, with no cloud or bunq settings of the caller's. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `command args` in the project root, the caller's BUNQ_API_KEY, BUNQ_BASE_URL and BUNQ_WEBHOOKS_STACK
 * blanked and `env` added; resolves with the exit code and the output once it has exited. With `timeoutMs`,
 * a run that has not finished by then is killed and rejected with its output (a bound, not a timing check).
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number } = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BUNQ_API_KEY: '', BUNQ_BASE_URL: '', BUNQ_WEBHOOKS_STACK: '', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
            reject(
              new Error(
                `${command} ${args.join(' ')} did not finish in ${options.timeoutMs} ms:\n${stdout}\n${stderr}`,
              ),
            );
          }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
