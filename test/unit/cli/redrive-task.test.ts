import { ListMessageMoveTasksCommand, SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { RedriveError } from '../../../cli/errors';
import { redriveDeadLetters } from '../../../cli/redrive-task';
import { moveTaskCompletes } from './support';

const DLQ = 'arn:aws:sqs:eu-west-1:123456789012:callbacks-dlq';
const sqs = mockClient(SQSClient);
const noSleep = async () => undefined;

beforeEach(() => sqs.reset());

describe('redriveDeadLetters', () => {
  it('starts a message move task back to the source queue and follows it to completion', async () => {
    moveTaskCompletes(sqs);
    const progress: string[] = [];
    const result = await redriveDeadLetters({
      sqs: new SQSClient({}),
      deadLetterQueueArn: DLQ,
      sleep: noSleep,
      onProgress: (p) => progress.push(`${p.status}:${p.moved}`),
    });
    expect(result).toMatchObject({ status: 'COMPLETED', moved: 7, taskHandle: 'task-1' });
    expect(progress).toEqual(['RUNNING:3', 'COMPLETED:7']);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: DLQ,
      DestinationArn: undefined,
      MaxNumberOfMessagesPerSecond: undefined,
    });
  });

  it('reports a failed move with its reason', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-2' });
    sqs.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        { TaskHandle: 'task-2', Status: 'FAILED', FailureReason: 'AWS.SimpleQueueService.NonExistentQueue' },
      ],
    });
    const result = await redriveDeadLetters({
      sqs: new SQSClient({}),
      deadLetterQueueArn: DLQ,
      sleep: noSleep,
    });
    expect(result).toMatchObject({
      status: 'FAILED',
      failureReason: 'AWS.SimpleQueueService.NonExistentQueue',
    });
  });

  it('passes a destination and a rate through', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 't' });
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [{ TaskHandle: 't', Status: 'COMPLETED' }] });
    await redriveDeadLetters({
      sqs: new SQSClient({}),
      deadLetterQueueArn: DLQ,
      destinationArn: 'arn:aws:sqs:eu-west-1:123456789012:other',
      maxNumberOfMessagesPerSecond: 10,
      sleep: noSleep,
    });
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toMatchObject({
      DestinationArn: 'arn:aws:sqs:eu-west-1:123456789012:other',
      MaxNumberOfMessagesPerSecond: 10,
    });
  });

  it('fails clearly when SQS loses track of the task', async () => {
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'gone' });
    sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    await expect(
      redriveDeadLetters({ sqs: new SQSClient({}), deadLetterQueueArn: DLQ, sleep: noSleep }),
    ).rejects.toThrow(RedriveError);
  });
});
