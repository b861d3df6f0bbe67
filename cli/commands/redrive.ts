/**
 * `redrive`: move the dead-lettered callbacks back to the callbacks queue with an SQS message move task
 * (`redriveDeadLetters` in `cli/redrive-task.ts`), reporting progress until it ends.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { STACK_OUTPUTS } from '../../shared/wiring/stack-outputs';
import type { CommandOutput } from '../command';
import { defineCommand } from '../command-table';
import type { CliContext } from '../context';
import { parseDuration } from '../duration';
import { EXIT, UsageError } from '../errors';
import { redriveDeadLetters } from '../redrive-task';

async function redrive(context: CliContext): Promise<CommandOutput> {
  const { flags } = context;
  const rateText = flags.string('rate');
  const rate = rateText === undefined ? undefined : Number(rateText);
  if (rate !== undefined && (!Number.isInteger(rate) || rate < 1 || rate > 500)) {
    throw new UsageError(`--rate must be a whole number from 1 to 500, got "${rateText}"`);
  }
  const pollIntervalMs = parseDuration(flags.string('poll-interval') ?? '2s', '--poll-interval');
  const deadLetterQueueArn = await context.required(
    'dead-letter-queue-arn',
    STACK_OUTPUTS.deadLetterQueueArn,
    'the dead-letter queue ARN',
  );
  if (!deadLetterQueueArn.startsWith('arn:')) {
    throw new UsageError(
      `${flags.label('dead-letter-queue-arn')} must be a queue ARN (arn:aws:sqs:...), got "${deadLetterQueueArn}"`,
    );
  }
  const destinationArn = flags.string('destination-arn');
  const queueUrl = await context.optional('dead-letter-queue-url', STACK_OUTPUTS.deadLetterQueueUrl);
  let waiting: number | null = null;
  if (queueUrl !== undefined) {
    const answer = await context.sqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    waiting = Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0);
  }
  const base = { command: 'redrive', deadLetterQueueArn, destinationArn: destinationArn ?? null, waiting };
  if (waiting === 0) {
    return {
      json: { ...base, dryRun: flags.boolean('dry-run'), status: 'NOTHING_TO_MOVE', moved: 0 },
      text: 'The dead-letter queue is empty: nothing to redrive.',
    };
  }
  if (flags.boolean('dry-run')) {
    return {
      json: { ...base, dryRun: true, status: null, moved: 0 },
      text: `Would move ${waiting ?? 'every'} message(s) from ${deadLetterQueueArn} back to ${destinationArn ?? 'their source queue'}. Dry run: nothing moved.`,
    };
  }
  context.progress(`moving ${waiting ?? 'the'} message(s) from ${deadLetterQueueArn}`);
  const result = await redriveDeadLetters({
    sqs: context.sqs(),
    deadLetterQueueArn,
    destinationArn,
    maxNumberOfMessagesPerSecond: rate,
    pollIntervalMs,
    sleep: (ms) => context.sleep(ms),
    onProgress: (progress) =>
      context.progress(
        `${progress.status}: ${progress.moved}${progress.toMove === undefined ? '' : ` of ${progress.toMove}`} moved`,
      ),
  });
  const ok = result.status === 'COMPLETED';
  return {
    exitCode: ok ? EXIT.ok : EXIT.failure,
    json: {
      ...base,
      dryRun: false,
      status: result.status,
      moved: result.moved,
      taskHandle: result.taskHandle,
      failureReason: result.failureReason ?? null,
    },
    text: ok
      ? `Redrive completed: ${result.moved} message(s) moved back.`
      : `Redrive ${result.status}: ${result.failureReason ?? 'no reason given'} (${result.moved} moved).`,
  };
}

export const redriveCommand = defineCommand('redrive', redrive);
