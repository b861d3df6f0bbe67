/**
 * Redrive: move the messages of a dead-letter queue back to the queue they came from with an SQS message
 * move task, and follow it to the end. The pipeline processes redriven messages normally; callbacks whose
 * events were already published are suppressed by the dedupe store.
 */
import {
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { RedriveError } from './errors';

export interface RedriveOptions {
  readonly sqs: SQSClient;
  /** ARN of the dead-letter queue to empty (stack output `DeadLetterQueueArn`). */
  readonly deadLetterQueueArn: string;
  /** Where to move the messages. @default the queue each message came from */
  readonly destinationArn?: string;
  /** Throttle of the move. @default SQS's own (up to 500 per second) */
  readonly maxNumberOfMessagesPerSecond?: number;
  /** How often to ask for progress. @default 2000 */
  readonly pollIntervalMs?: number;
  /** Called with each progress reading. */
  readonly onProgress?: (progress: RedriveProgress) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RedriveProgress {
  readonly status: string;
  readonly moved: number;
  readonly toMove: number | undefined;
}

export interface RedriveResult extends RedriveProgress {
  readonly taskHandle: string;
  readonly failureReason: string | undefined;
}

const FINISHED = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function progressOf(task: ListMessageMoveTasksResultEntry): RedriveProgress {
  return {
    status: task.Status ?? 'UNKNOWN',
    moved: task.ApproximateNumberOfMessagesMoved ?? 0,
    toMove: task.ApproximateNumberOfMessagesToMove,
  };
}

export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveResult> {
  const sleep = options.sleep ?? defaultSleep;
  const started = await options.sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: options.deadLetterQueueArn,
      DestinationArn: options.destinationArn,
      MaxNumberOfMessagesPerSecond: options.maxNumberOfMessagesPerSecond,
    }),
  );
  const taskHandle = started.TaskHandle;
  if (taskHandle === undefined) throw new RedriveError('SQS started no message move task (no task handle)');

  for (;;) {
    await sleep(options.pollIntervalMs ?? 2_000);
    const listed = await options.sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: options.deadLetterQueueArn, MaxResults: 10 }),
    );
    const task = listed.Results?.find((entry) => entry.TaskHandle === taskHandle);
    if (task === undefined)
      throw new RedriveError(`the message move task ${taskHandle} is not listed any more`);
    const progress = progressOf(task);
    options.onProgress?.(progress);
    if (FINISHED.has(progress.status)) {
      return { ...progress, taskHandle, failureReason: task.FailureReason };
    }
  }
}
