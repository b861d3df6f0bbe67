/** Runs the CLI in-process with captured output; SQS answers shared by the CLI's tests. */
import {
  ListMessageMoveTasksCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { AwsClientStub } from 'aws-sdk-client-mock';
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

/** SQS starts message move task `task-1`, lists it running (3 of 7 moved), then completed (7 moved). */
export function moveTaskCompletes(sqs: AwsClientStub<SQSClient>): void {
  sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
  sqs
    .on(ListMessageMoveTasksCommand)
    .resolvesOnce({
      Results: [
        {
          TaskHandle: 'task-1',
          Status: 'RUNNING',
          ApproximateNumberOfMessagesMoved: 3,
          ApproximateNumberOfMessagesToMove: 7,
        },
      ],
    })
    .resolves({
      Results: [{ TaskHandle: 'task-1', Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 7 }],
    });
}
