/** Runs the CLI in-process with captured output. */
import type { CliDeps } from '../../../cli/context';
import { run } from '../../../cli/main';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as the `--json` document. */
  json(): Record<string, unknown>;
}

/** `bunq-webhooks <argv>` with `env` as the whole environment (nothing leaks in from the test process). */
export async function runCli(
  argv: readonly string[],
  deps: CliDeps = {},
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await run(
    argv,
    {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      env,
    },
    { sleep: async () => undefined, ...deps },
  );
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> };
}
