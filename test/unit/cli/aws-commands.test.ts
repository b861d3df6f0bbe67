/**
 * The AWS side of the CLI with aws-sdk-client-mock: stack outputs, rotate-token's secret, status's queue
 * depths and poller date, replay's StartReplay input and progress, redrive.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeReplayCommand,
  EventBridgeClient,
  ListRulesCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { callbackTokenSecretSchema } from '../../../shared/pipeline/ingest/token';
import { moveTaskCompletes, runCli } from './support';

const ACCOUNT = '123456789012';
const STACK = 'BunqWebhooks';
const OUTPUTS = {
  CallbackBaseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/callbacks/',
  TokenSecretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:token-AbCdEf`,
  EventBusName: 'bunq',
  EventBusArn: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/bunq`,
  EventArchiveArn: `arn:aws:events:eu-west-1:${ACCOUNT}:archive/bunq-archive`,
  CallbackQueueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/callbacks`,
  DeadLetterQueueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/callbacks-dlq`,
  DeadLetterQueueArn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:callbacks-dlq`,
  ClaimCheckBucketName: 'claim-check',
  RoutePaymentsRuleArn: `arn:aws:events:eu-west-1:${ACCOUNT}:rule/bunq/route-payments`,
  RoutePaymentsDeadLetterQueueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/route-payments-dlq`,
};
const POLLER_SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:bunq-state-XyZ`;
const OLD_TOKEN = 'o'.repeat(43);
const NOW = new Date('2026-02-01T12:00:00.000Z');

const cloudFormation = mockClient(CloudFormationClient);
const secrets = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
const events = mockClient(EventBridgeClient);

function stackWith(outputs: Record<string, string>): void {
  cloudFormation.on(DescribeStacksCommand, { StackName: STACK }).resolves({
    Stacks: [
      {
        StackName: STACK,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: NOW,
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
}

const deps = { now: () => NOW };

afterEach(() => {
  cloudFormation.reset();
  secrets.reset();
  sqs.reset();
  events.reset();
});

describe('stack outputs', () => {
  it('reads the outputs of --stack once through DescribeStacks', async () => {
    stackWith(OUTPUTS);
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '4' } });
    const result = await runCli(['redrive', '--stack', STACK, '--dry-run'], deps);
    expect(result.code).toBe(0);
    expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(1);
    expect(cloudFormation.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({
      StackName: STACK,
    });
    expect(sqs.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input.QueueUrl).toBe(
      OUTPUTS.DeadLetterQueueUrl,
    );
    expect(result.stdout).toContain(`Would move 4 message(s) from ${OUTPUTS.DeadLetterQueueArn}`);
  });

  it('exits 3 when the stack does not exist, naming --stack and --region', async () => {
    const missing = Object.assign(new Error(`Stack with id ${STACK} does not exist`), {
      name: 'ValidationError',
    });
    cloudFormation.on(DescribeStacksCommand).rejects(missing);
    const result = await runCli(['redrive', '--stack', STACK], deps);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Stack "BunqWebhooks" does not exist in .*Check --stack and --region/);
  });

  it('exits 3 when the stack lacks an output, and 2 without a stack, naming the flag either way', async () => {
    const { DeadLetterQueueArn: _arn, ...rest } = OUTPUTS;
    stackWith(rest);
    const noOutput = await runCli(['redrive', '--stack', STACK], deps);
    expect(noOutput.code).toBe(3);
    expect(noOutput.stderr).toContain('has no output DeadLetterQueueArn');
    const noStack = await runCli(['redrive'], deps);
    expect(noStack.code).toBe(2);
    expect(noStack.stderr).toContain('pass --dead-letter-queue-arn <value>, or --stack <name>');
  });
});

describe('rotate-token', () => {
  beforeEach(() => {
    stackWith(OUTPUTS);
    secrets
      .on(GetSecretValueCommand, { SecretId: OUTPUTS.TokenSecretArn })
      .resolves({ SecretString: JSON.stringify({ token: OLD_TOKEN }) });
    secrets.on(PutSecretValueCommand).resolves({});
  });

  it('writes a new random token with the old one valid for the overlap (default 24h)', async () => {
    const result = await runCli(['rotate-token', '--stack', STACK, '--no-register', '--json'], deps);
    expect(result.code).toBe(0);
    const put = secrets.commandCalls(PutSecretValueCommand);
    expect(put).toHaveLength(1);
    expect(put[0]?.args[0].input.SecretId).toBe(OUTPUTS.TokenSecretArn);
    const written = JSON.parse(put[0]?.args[0].input.SecretString ?? '');
    expect(written).toEqual({
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      previousToken: OLD_TOKEN,
      previousTokenValidUntil: '2026-02-02T12:00:00.000Z',
    });
    expect(written.token).not.toBe(OLD_TOKEN);
    expect(callbackTokenSecretSchema.safeParse(written).success).toBe(true);
    expect(result.json()).toMatchObject({
      ok: true,
      secretWritten: true,
      registered: false,
      previousTokenValidUntil: '2026-02-02T12:00:00.000Z',
      callbackUrl: expect.stringMatching(
        /^https:\/\/abc123\.execute-api\.eu-west-1\.amazonaws\.com\/callbacks\/.{4}…$/,
      ),
    });
    expect(result.stdout).not.toContain(written.token);
  });

  it('takes --overlap, and --dry-run writes nothing', async () => {
    await runCli(['rotate-token', '--stack', STACK, '--no-register', '--overlap', '2d'], deps);
    const written = JSON.parse(
      secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretString ?? '',
    );
    expect(written.previousTokenValidUntil).toBe('2026-02-03T12:00:00.000Z');
    secrets.resetHistory();
    const dry = await runCli(['rotate-token', '--stack', STACK, '--no-register', '--dry-run'], deps);
    expect(dry.code).toBe(0);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it("refuses (4) while an earlier rotation's old token is still valid, unless --force", async () => {
    secrets.on(GetSecretValueCommand, { SecretId: OUTPUTS.TokenSecretArn }).resolves({
      SecretString: JSON.stringify({
        token: 'n'.repeat(43),
        previousToken: OLD_TOKEN,
        previousTokenValidUntil: '2026-02-01T18:00:00Z',
      }),
    });
    const refused = await runCli(['rotate-token', '--stack', STACK, '--no-register'], deps);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('valid until 2026-02-01T18:00:00.000Z');
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    const forced = await runCli(['rotate-token', '--stack', STACK, '--no-register', '--force'], deps);
    expect(forced.code).toBe(0);
    const written = JSON.parse(
      secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretString ?? '',
    );
    expect(written.previousToken).toBe('n'.repeat(43));
  });

  it('refuses an overlap under 10 minutes (4) and a token secret of the wrong shape (1)', async () => {
    expect(
      (await runCli(['rotate-token', '--stack', STACK, '--no-register', '--overlap', '5m'], deps)).code,
    ).toBe(4);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"token":"short"}' });
    const bad = await runCli(['rotate-token', '--stack', STACK, '--no-register'], deps);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not a valid token secret (token:');
    expect(bad.stderr).not.toContain('"short"');
  });
});

describe('status (AWS parts)', () => {
  beforeEach(() => {
    secrets.on(GetSecretValueCommand, { SecretId: OUTPUTS.TokenSecretArn }).resolves({
      SecretString: JSON.stringify({
        token: 'n'.repeat(43),
        previousToken: OLD_TOKEN,
        previousTokenValidUntil: '2026-02-01T18:00:00Z',
      }),
    });
    sqs.on(GetQueueAttributesCommand, { QueueUrl: OUTPUTS.DeadLetterQueueUrl }).resolves({
      Attributes: {
        ApproximateNumberOfMessages: '3',
        ApproximateNumberOfMessagesNotVisible: '1',
        ApproximateNumberOfMessagesDelayed: '0',
      },
    });
    sqs.on(GetQueueAttributesCommand, { QueueUrl: OUTPUTS.RoutePaymentsDeadLetterQueueUrl }).resolves({
      Attributes: { ApproximateNumberOfMessages: '2' },
    });
    sqs.on(GetQueueAttributesCommand, { QueueUrl: OUTPUTS.CallbackQueueUrl }).resolves({
      Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '5' },
    });
  });

  it('shows the dead-letter queue depths, the token overlap and that recovery is off', async () => {
    stackWith(OUTPUTS);
    const result = await runCli(['status', '--stack', STACK, '--json'], deps);
    expect(result.code).toBe(0);
    const json = result.json();
    expect(json.queues).toEqual([
      { output: 'DeadLetterQueueUrl', url: OUTPUTS.DeadLetterQueueUrl, waiting: 3, inFlight: 1, delayed: 0 },
      {
        output: 'RoutePaymentsDeadLetterQueueUrl',
        url: OUTPUTS.RoutePaymentsDeadLetterQueueUrl,
        waiting: 2,
        inFlight: 0,
        delayed: 0,
      },
      { output: 'CallbackQueueUrl', url: OUTPUTS.CallbackQueueUrl, waiting: 0, inFlight: 5, delayed: 0 },
    ]);
    expect(json.token).toEqual({
      previousToken: true,
      previousTokenValidUntil: '2026-02-01T18:00:00Z',
      previousTokenValid: true,
    });
    expect(json.bunq).toBeNull();
    expect(json.poller).toEqual({ enabled: false });
    const attributes = sqs.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input.AttributeNames;
    expect(attributes).toEqual([
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed',
    ]);
    const text = await runCli(['status', '--stack', STACK], deps);
    expect(text.stdout).toContain('DeadLetterQueueUrl: 3 waiting, 1 in flight');
    expect(text.stdout).toContain('previous token is still accepted until 2026-02-01T18:00:00Z');
  });

  it("dates the poller's last run by its state secret, and reports a part that fails without hiding the rest (exit 1)", async () => {
    stackWith({ ...OUTPUTS, BunqStateSecretArn: POLLER_SECRET });
    secrets.on(DescribeSecretCommand, { SecretId: POLLER_SECRET }).resolves({
      LastAccessedDate: new Date('2026-02-01T00:00:00Z'),
      LastChangedDate: new Date('2026-01-20T08:00:00Z'),
    });
    secrets
      .on(GetSecretValueCommand, { SecretId: POLLER_SECRET })
      .resolves({ SecretString: '{"apiKey":"REPLACE_WITH_YOUR_BUNQ_API_KEY"}' });
    const result = await runCli(['status', '--stack', STACK, '--json'], deps);
    expect(result.code).toBe(1);
    const json = result.json();
    expect(json.poller).toMatchObject({
      enabled: true,
      stateSecretLastReadOn: '2026-02-01',
      precision: 'day',
    });
    expect(json.bunq).toEqual({ error: expect.stringContaining('The bunq API key is not configured') });
    expect((json.queues as unknown[]).length).toBe(3);
  });
});

describe('replay', () => {
  const rule = (name: string, pattern: unknown, extra: Record<string, unknown> = {}) => ({
    Name: name,
    Arn: `arn:aws:events:eu-west-1:${ACCOUNT}:rule/bunq/${name}`,
    EventPattern: pattern === undefined ? undefined : JSON.stringify(pattern),
    State: 'ENABLED' as const,
    ...extra,
  });
  const window = ['--from', '2026-01-31T08:00:00Z', '--to', '2026-01-31T10:00:00Z'];

  beforeEach(() => {
    stackWith(OUTPUTS);
    events
      .on(ListRulesCommand, { EventBusName: 'bunq', NextToken: undefined })
      .resolves({
        Rules: [
          rule('route-payments', { source: ['bunq'], 'detail-type': ['PAYMENT', 'MUTATION'] }),
          rule('route-cards', { source: ['bunq'], 'detail-type': ['CARD_TRANSACTION_SUCCESSFUL'] }),
          rule('everything', { source: ['bunq'] }),
          rule('Events-Archive-bunq', { account: [ACCOUNT] }, { ManagedBy: 'events.amazonaws.com' }),
        ],
        NextToken: 'page-2',
      })
      .on(ListRulesCommand, { EventBusName: 'bunq', NextToken: 'page-2' })
      .resolves({
        Rules: [rule('route-mutations-off', { 'detail-type': ['MUTATION'] }, { State: 'DISABLED' })],
      });
    events.on(StartReplayCommand).resolves({ State: 'STARTING' });
  });

  it('replays the window only to the rules that route the categories, and follows it to completion', async () => {
    events
      .on(DescribeReplayCommand)
      .resolvesOnce({ State: 'RUNNING', EventLastReplayedTime: new Date('2026-01-31T09:00:00Z') })
      .resolves({ State: 'COMPLETED', EventLastReplayedTime: new Date('2026-01-31T10:00:00Z') });
    const result = await runCli(
      ['replay', '--stack', STACK, ...window, '--categories', 'MUTATION', '--name', 'fix-42'],
      deps,
    );
    expect(result.code).toBe(0);
    expect(events.commandCalls(StartReplayCommand)[0]?.args[0].input).toEqual({
      ReplayName: 'fix-42',
      Description: 'bunq-webhooks replay of MUTATION',
      EventSourceArn: OUTPUTS.EventArchiveArn,
      EventStartTime: new Date('2026-01-31T08:00:00Z'),
      EventEndTime: new Date('2026-01-31T10:00:00Z'),
      Destination: {
        Arn: OUTPUTS.EventBusArn,
        FilterArns: [`arn:aws:events:eu-west-1:${ACCOUNT}:rule/bunq/route-payments`],
      },
    });
    expect(result.stderr).toContain('route-payments (MUTATION) -- also gets PAYMENT of the window');
    expect(result.stderr).toContain('left out: everything: matches every category');
    expect(result.stderr).toContain('left out: route-mutations-off: disabled');
    expect(result.stderr).toContain('RUNNING: 50% of the window replayed');
    expect(result.stdout).toContain('Replay fix-42 completed.');
  });

  it('replays to the whole bus without --categories, and --dry-run starts nothing', async () => {
    const dry = await runCli(['replay', '--stack', STACK, ...window, '--dry-run', '--json'], deps);
    expect(dry.code).toBe(0);
    expect(dry.json()).toMatchObject({ dryRun: true, filterArns: null });
    expect(events.commandCalls(StartReplayCommand)).toHaveLength(0);
    const started = await runCli(['replay', '--stack', STACK, ...window, '--no-wait'], deps);
    expect(started.code).toBe(0);
    expect(events.commandCalls(StartReplayCommand)[0]?.args[0].input.Destination).toEqual({
      Arn: OUTPUTS.EventBusArn,
    });
    expect(events.commandCalls(DescribeReplayCommand)).toHaveLength(0);
  });

  it('exits 3 when no rule routes the categories, and 1 when the replay fails', async () => {
    const none = await runCli(['replay', '--stack', STACK, ...window, '--categories', 'CHAT'], deps);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('No rule on bunq routes CHAT');
    expect(events.commandCalls(StartReplayCommand)).toHaveLength(0);
    events.on(DescribeReplayCommand).resolves({ State: 'FAILED', StateReason: 'archive gone' });
    const failed = await runCli(['replay', '--stack', STACK, ...window], deps);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('FAILED: archive gone');
  });

  it('replays to the routes named with --routes (stack outputs Route<Name>RuleArn)', async () => {
    const result = await runCli(
      ['replay', '--stack', STACK, ...window, '--routes', 'payments', '--no-wait'],
      deps,
    );
    expect(result.code).toBe(0);
    expect(events.commandCalls(StartReplayCommand)[0]?.args[0].input.Destination).toEqual({
      Arn: OUTPUTS.EventBusArn,
      FilterArns: [OUTPUTS.RoutePaymentsRuleArn],
    });
    const unknown = await runCli(['replay', '--stack', STACK, ...window, '--routes', 'cards'], deps);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain(
      'has no route "cards" (no output RouteCardsRuleArn); route outputs: RoutePaymentsRuleArn',
    );
  });

  it('checks the window (exit 2)', async () => {
    const reversed = await runCli(
      ['replay', '--stack', STACK, '--from', '2026-01-31T10:00:00Z', '--to', '2026-01-31T08:00:00Z'],
      deps,
    );
    expect(reversed.code).toBe(2);
    const future = await runCli(
      ['replay', '--stack', STACK, '--from', '2026-01-31T10:00:00Z', '--to', '2026-03-01T00:00:00Z'],
      deps,
    );
    expect(future.stderr).toContain('is in the future');
    expect((await runCli(['replay', '--stack', STACK], deps)).stderr).toContain('Missing the window');
  });
});

describe('redrive', () => {
  beforeEach(() => stackWith(OUTPUTS));

  it('moves the dead letters back with redriveDeadLetters, reporting progress on stderr', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '7' } });
    moveTaskCompletes(sqs);
    const result = await runCli(['redrive', '--stack', STACK, '--rate', '50', '--json'], deps);
    expect(result.code).toBe(0);
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: OUTPUTS.DeadLetterQueueArn,
      DestinationArn: undefined,
      MaxNumberOfMessagesPerSecond: 50,
    });
    expect(result.stderr).toContain('RUNNING: 3 of 7 moved');
    expect(result.json()).toMatchObject({ ok: true, status: 'COMPLETED', moved: 7, taskHandle: 'task-1' });
  });

  it('starts nothing when the queue is empty, and exits 1 when the move fails', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
    const empty = await runCli(['redrive', '--stack', STACK], deps);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('nothing to redrive');
    expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);

    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2' } });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-2' });
    sqs.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        { TaskHandle: 'task-2', Status: 'FAILED', FailureReason: 'AWS.SimpleQueueService.NonExistentQueue' },
      ],
    });
    const failed = await runCli(['redrive', '--stack', STACK], deps);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Redrive FAILED: AWS.SimpleQueueService.NonExistentQueue');
  });

  it('checks --rate (exit 2)', async () => {
    const result = await runCli(['redrive', '--stack', STACK, '--rate', '501'], deps);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--rate must be a whole number from 1 to 500');
  });
});
