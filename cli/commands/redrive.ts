/**
 * `redrive`: move the dead-lettered callbacks back to the callbacks queue with an SQS message move task
 * (`redriveDeadLetters` in `cli/redrive-task.ts`), reporting progress until it ends.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { STACK_OUTPUTS } from '../../shared/wiring/stack-outputs';
import type { Command } from '../command';
import { parseDuration } from '../duration';
import { EXIT, UsageError } from '../errors';
import { COMMON_OPTIONS } from '../options';
import { redriveDeadLetters } from '../redrive-task';

export const REDRIVE_OPTIONS = {
  'dead-letter-queue-arn': {
    type: 'string',
    value: '<arn>',
    env: 'DEAD_LETTER_QUEUE_ARN',
    description: 'dead-letter queue to empty (default: stack output DeadLetterQueueArn)',
  },
  'dead-letter-queue-url': {
    type: 'string',
    value: '<url>',
    description: 'its URL, to count messages first (default: stack output DeadLetterQueueUrl)',
  },
  'destination-arn': {
    type: 'string',
    value: '<arn>',
    description: 'move to this queue instead (default: back to the queue each message came from)',
  },
  rate: {
    type: 'string',
    value: '<n>',
    description: "at most n messages per second, 1 to 500 (default: SQS's pace)",
  },
  'poll-interval': {
    type: 'string',
    value: '<duration>',
    description: 'time between progress reads (default 2s)',
  },
  'dry-run': { type: 'boolean', description: 'count the messages without moving them' },
} as const;

export const redriveCommand: Command = {
  name: 'redrive',
  summary: 'move dead-lettered callbacks back to the callbacks queue',
  description:
    'Starts an SQS message move task from the dead-letter queue back to the queue each message came from, ' +
    'and reports progress until it ends. Fix the cause first: redriven messages are processed normally, and ' +
    'callbacks already published are suppressed by the dedupe store. Nothing is started when the queue is ' +
    "empty. (The routes' dead-letter queues hold EventBridge deliveries, not callbacks: they have no source " +
    'queue to move back to.)',
  sections: [
    { title: 'Options', options: REDRIVE_OPTIONS },
    { title: 'Common', options: COMMON_OPTIONS },
  ],
  examples: [
    'bunq-webhooks redrive --stack BunqWebhooks --dry-run',
    'bunq-webhooks redrive --stack BunqWebhooks --rate 50',
  ],
  exitCodes: [
    '0  moved, nothing to move, or dry run',
    '1  the move task failed or was cancelled, or AWS failed',
    '2  a flag is missing or wrong',
    '3  the stack, an output or the queue does not exist',
  ],
  async run(context) {
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
  },
};
