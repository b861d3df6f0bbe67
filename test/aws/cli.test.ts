/**
 * The operator CLI's AWS commands against moto: the stack's outputs from a real CloudFormation
 * DescribeStacks, queues, the token secret and the archive in moto. moto 5.2.1 implements what `status`,
 * `rotate-token` and `replay` call; it lacks SQS StartMessageMoveTask, so `redrive` cannot run here.
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CreateArchiveCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { eventPatternForRoute } from '../../shared/routing/event-pattern';
import { runCli } from '../unit/cli/support';
import {
  ACCOUNT_ID,
  type AwsClients,
  awsClients,
  createQueue,
  describeAws,
  destroyClients,
  motoEndpoint,
  queueDepth,
  REGION,
  uniqueName,
} from './support/aws';
import { createPipelineResources, drain, type PipelineResources } from './support/pipeline-resources';

const OLD_TOKEN = 'oldTokenaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const BASE_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/callbacks/';

describeAws('the CLI against moto', () => {
  let clients: AwsClients;
  let cloudFormation: CloudFormationClient;
  let resources: PipelineResources;
  let stackName: string;
  let tokenSecretArn: string;
  let busArn: string;
  let archiveArn: string;
  /** The queue behind a MUTATION route's rule, and the rule's ARN. */
  let route: { url: string; ruleArn: string };

  const cli = (...argv: string[]) =>
    runCli([...argv, '--stack', stackName, '--json'], {
      cloudFormation,
      secretsManager: clients.secrets,
      sqs: clients.sqs,
      eventBridge: clients.events,
    });

  beforeAll(async () => {
    clients = awsClients();
    cloudFormation = new CloudFormationClient({
      endpoint: motoEndpoint,
      region: REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    resources = await createPipelineResources(clients);
    busArn = `arn:aws:events:${REGION}:${ACCOUNT_ID}:event-bus/${resources.busName}`;
    const archive = await clients.events.send(
      new CreateArchiveCommand({ ArchiveName: uniqueName('archive'), EventSourceArn: busArn }),
    );
    archiveArn = archive.ArchiveArn as string;
    const secret = await clients.secrets.send(
      new CreateSecretCommand({
        Name: uniqueName('callback-token'),
        SecretString: JSON.stringify({ token: OLD_TOKEN }),
      }),
    );
    tokenSecretArn = secret.ARN as string;

    const routeQueue = await createQueue(clients.sqs, uniqueName('route-ledger'));
    const ruleName = uniqueName('route-ledger');
    const rule = await clients.events.send(
      new PutRuleCommand({
        Name: ruleName,
        EventBusName: resources.busName,
        EventPattern: JSON.stringify(eventPatternForRoute({ categories: ['MUTATION'] }, 'bunq')),
      }),
    );
    await clients.events.send(
      new PutTargetsCommand({
        Rule: ruleName,
        EventBusName: resources.busName,
        Targets: [{ Id: 'q', Arn: routeQueue.arn }],
      }),
    );
    route = { url: routeQueue.url, ruleArn: rule.RuleArn as string };

    // The stack: the outputs the CLI reads, pointing at the resources above.
    stackName = uniqueName('BunqWebhooks');
    const outputs: Record<string, string> = {
      EventBusArn: busArn,
      EventArchiveArn: archiveArn,
      CallbackQueueUrl: resources.callbacks.url,
      DeadLetterQueueUrl: resources.deadLetters.url,
      DeadLetterQueueArn: resources.deadLetters.arn,
      TokenSecretArn: tokenSecretArn,
      CallbackBaseUrl: BASE_URL,
    };
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: JSON.stringify({
          Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
        }),
      }),
    );
  });
  afterAll(() => {
    cloudFormation.destroy();
    destroyClients(clients);
  });

  it('status: reads the stack, counts the queues and reports the token state', async () => {
    for (const url of [resources.deadLetters.url, resources.deadLetters.url, resources.callbacks.url]) {
      await clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{}' }));
    }
    const run = await cli('status');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const json = run.json();
    expect(json.queues).toEqual([
      expect.objectContaining({ output: 'DeadLetterQueueUrl', waiting: 2, inFlight: 0 }),
      expect.objectContaining({ output: 'CallbackQueueUrl', waiting: 1, inFlight: 0 }),
    ]);
    expect(json.token).toEqual({
      previousToken: false,
      previousTokenValidUntil: null,
      previousTokenValid: false,
    });
    expect(json.callback).toEqual({ url: null, baseUrl: BASE_URL });
  });

  it('rotate-token: writes the new token with the old one valid for the overlap, and refuses a second rotation during it', async () => {
    const before = Date.now();
    const run = await cli('rotate-token', '--no-register', '--overlap', '2h');
    expect(run.code).toBe(0);
    const secret = JSON.parse(
      (await clients.secrets.send(new GetSecretValueCommand({ SecretId: tokenSecretArn }))).SecretString ??
        '{}',
    ) as { token: string; previousToken: string; previousTokenValidUntil: string };
    expect(secret.previousToken).toBe(OLD_TOKEN);
    expect(secret.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const until = Date.parse(secret.previousTokenValidUntil);
    expect(until).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
    expect(run.json()).toMatchObject({ tokenSecretArn, secretWritten: true, registered: false });

    const again = await cli('rotate-token', '--no-register');
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/still valid|earlier rotation/i);
    const status = (await cli('status')).json();
    expect(status.token).toEqual({
      previousToken: true,
      previousTokenValidUntil: secret.previousTokenValidUntil,
      previousTokenValid: true,
    });
  });

  it('replay: chooses the rules routing the categories from the real rule list, and the archive replays', async () => {
    const put = await clients.events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: resources.busName,
            Source: 'bunq',
            DetailType: 'MUTATION',
            Detail: JSON.stringify({
              category: 'MUTATION',
              eventType: 'MUTATION_CREATED',
              dedupKey: 'v1:replayed',
            }),
          },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    const [live] = await drain(clients, route.url, 1);
    expect(JSON.parse(live?.Body ?? '{}')['replay-name']).toBeUndefined();

    const to = new Date(Date.now() - 1_000);
    const from = new Date(to.getTime() - 3_600_000);
    const run = await cli(
      'replay',
      '--from',
      from.toISOString(),
      '--to',
      to.toISOString(),
      '--categories',
      'MUTATION',
      '--poll-interval',
      '1s',
    );
    expect(run.code).toBe(0);
    const json = run.json();
    expect(json).toMatchObject({ state: 'COMPLETED', archiveArn, eventBusArn: busArn });
    // The rule list came from moto: exactly the MUTATION route's rule (not the observer, which matches all).
    expect(json.filterArns).toEqual([route.ruleArn]);

    const [replayed] = await drain(clients, route.url, 1);
    const event = JSON.parse(replayed?.Body ?? '{}') as {
      'replay-name'?: string;
      detail: { dedupKey: string };
    };
    expect(event['replay-name']).toBe(json.name);
    expect(event.detail.dedupKey).toBe('v1:replayed');
  });

  it('redrive: moto 5.2.1 has no StartMessageMoveTask, so the command fails there (covered by mocks instead)', async () => {
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: resources.deadLetters.url, MessageBody: '{}' }),
    );
    // moto answers the unknown action with an HTML error page, which the SDK cannot parse.
    await expect(
      clients.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: resources.deadLetters.arn })),
    ).rejects.toThrow();
    const run = await cli('redrive');
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ ok: false, command: 'redrive', error: { type: 'OperationError' } });
    // Nothing moved.
    expect((await queueDepth(clients.sqs, resources.deadLetters.url)).visible).toBeGreaterThan(0);
  });
});
