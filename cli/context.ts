/**
 * What every command works with: the terminal (stdout for results, stderr for progress and warnings), the
 * parsed flags, the stack's outputs (CloudFormation DescribeStacks, read once), AWS clients and the bunq
 * client. Everything external is injectable through {@link CliDeps}, so tests pass mocks or the simulator.
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  BUNQ_PRODUCTION_BASE_URL,
  BunqApiClient,
  type BunqApiClientOptions,
} from '../shared/bunq/api/client';
import type { BunqLogger } from '../shared/bunq/api/logger';
import { SecretsManagerBunqStateStore } from '../shared/bunq/api/secrets-manager-state-store';
import { type BunqState, type BunqStateStore, InMemoryBunqStateStore } from '../shared/bunq/api/state';
import type { FetchLike } from '../shared/bunq/api/transport';
import { guardPlaceholderApiKey } from '../shared/pipeline/recovery/state-guard';
import { STACK_OUTPUTS, type StackOutputName } from '../shared/wiring/stack-outputs';
import { NotFoundError, UsageError } from './errors';
import type { Flags } from './options';
import { FileBunqStateStore, sessionCacheDir, sessionFile } from './session-cache';
import { resolveBunqBaseUrl, type UrlShower, urlShower } from './urls';

/** Where output goes. */
export interface CliIo {
  /** Results: text, or the one JSON document with `--json`. */
  stdout(text: string): void;
  /** Progress, warnings and errors. */
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
}

/** The AWS clients the commands use. */
interface AwsClients {
  cloudFormation: CloudFormationClient;
  secretsManager: SecretsManagerClient;
  sqs: SQSClient;
  eventBridge: EventBridgeClient;
  dynamoDb: DynamoDBClient;
}

/** Injection points; every one has a default. */
export interface CliDeps extends Readonly<Partial<AwsClients>> {
  /** Overrides for the bunq client (fetch, clock, backoff, rate limits, key generation). */
  readonly bunq?: Partial<
    Pick<BunqApiClientOptions, 'fetch' | 'clock' | 'backoff' | 'rateLimits' | 'generateKeyPair' | 'random'>
  >;
  /** Where the bunq client keeps its installation and session (default: memory, from the API key). */
  readonly bunqStateStore?: BunqStateStore;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Waits between progress polls (replay, redrive). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Resolves with the signal's name when the user asks a waiting command (`listen`) to stop. @default SIGINT or SIGTERM */
  readonly interrupted?: () => Promise<string>;
  /** Extra trusted certificate authorities for `pin-certificate` (tests). */
  readonly tlsCa?: string | readonly string[];
}

/** The bunq client and the user it works for. */
export interface BunqSession {
  readonly client: BunqApiClient;
  readonly userId: number;
  readonly baseUrl: string;
}

/** Where the bunq state comes from: an injected store (tests), or a state read from a flag or the secret. */
interface BunqStateSource {
  readonly injected?: BunqStateStore;
  readonly state: BunqState;
  /** The base URL the poller's state was made for. */
  readonly storedBaseUrl?: string;
}

/** Whether a state holds a session the client will use as is (the client's own margin: 30 s). */
function sessionUsable(state: BunqState, baseUrl: string, now: Date): boolean {
  const expiresAt = state.sessionExpiresAt === undefined ? Number.NaN : Date.parse(state.sessionExpiresAt);
  return (
    state.sessionToken !== undefined &&
    state.userId !== undefined &&
    (state.baseUrl === undefined || state.baseUrl === baseUrl) &&
    expiresAt - 30_000 > now.getTime()
  );
}

/** The CLI's 429 backoff: long enough to outlast bunq's 1-per-30-seconds session limit. */
export const CLI_BUNQ_BACKOFF = { maxRetries: 5, baseDelayMs: 2_000, maxDelayMs: 30_000 } as const;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class CliContext {
  readonly json: boolean;
  readonly showUrl: UrlShower;
  private outputsPromise: Promise<ReadonlyMap<string, string>> | undefined;
  private bunqPromise: Promise<BunqSession> | undefined;
  private clients: Partial<AwsClients> = {};

  constructor(
    readonly io: CliIo,
    readonly deps: CliDeps,
    readonly flags: Flags,
    readonly command: string,
    private readonly declared: ReadonlySet<string>,
  ) {
    this.json = flags.boolean('json');
    this.showUrl = urlShower(this.has('show-urls') && flags.boolean('show-urls'));
  }

  /** The command's words besides flags (`trigger <CATEGORY>`). */
  get positionals(): readonly string[] {
    return this.flags.positionals;
  }

  /** Whether this command declares a flag. */
  has(flag: string): boolean {
    return this.declared.has(flag);
  }

  /** A progress line on stderr. */
  progress(message: string): void {
    this.io.stderr(`${message}\n`);
  }

  warn(message: string): void {
    this.io.stderr(`warning: ${message}\n`);
  }

  now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Resolves with the signal's name on the first SIGINT or SIGTERM (or the injected stand-in). */
  interrupted(): Promise<string> {
    if (this.deps.interrupted !== undefined) return this.deps.interrupted();
    return new Promise((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve(signal);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  }

  sleep(ms: number): Promise<void> {
    return (this.deps.sleep ?? defaultSleep)(ms);
  }

  get stackName(): string | undefined {
    return this.flags.string('stack');
  }

  private get awsConfig(): { region?: string } {
    const region = this.flags.string('region');
    return region === undefined ? {} : { region };
  }

  /** An AWS client: the injected one, else one made once for `--region`. */
  private client<K extends keyof AwsClients>(
    kind: K,
    make: (config: { region?: string }) => AwsClients[K],
  ): AwsClients[K] {
    const injected: Partial<AwsClients> = this.deps;
    const client = this.clients[kind] ?? injected[kind] ?? make(this.awsConfig);
    this.clients[kind] = client;
    return client;
  }

  cloudFormation(): CloudFormationClient {
    return this.client('cloudFormation', (config) => new CloudFormationClient(config));
  }

  secretsManager(): SecretsManagerClient {
    return this.client('secretsManager', (config) => new SecretsManagerClient(config));
  }

  sqs(): SQSClient {
    return this.client('sqs', (config) => new SQSClient(config));
  }

  eventBridge(): EventBridgeClient {
    return this.client('eventBridge', (config) => new EventBridgeClient(config));
  }

  dynamoDb(): DynamoDBClient {
    return this.client('dynamoDb', (config) => new DynamoDBClient(config));
  }

  /** The outputs of `--stack` (empty without it), read once. */
  outputs(): Promise<ReadonlyMap<string, string>> {
    this.outputsPromise ??= this.readOutputs();
    return this.outputsPromise;
  }

  private async readOutputs(): Promise<ReadonlyMap<string, string>> {
    const stackName = this.stackName;
    if (stackName === undefined) return new Map();
    let answer: DescribeStacksCommandOutput;
    try {
      answer = await this.cloudFormation().send(new DescribeStacksCommand({ StackName: stackName }));
    } catch (error) {
      if (
        error instanceof Error &&
        error.name === 'ValidationError' &&
        /does not exist/.test(error.message)
      ) {
        throw new NotFoundError(
          `Stack "${stackName}" does not exist in ${await this.regionName()}. Check --stack and --region ` +
            '(or AWS_REGION / your profile); `npx cdk deploy` prints the stack name.',
          { cause: error },
        );
      }
      throw error;
    }
    const stack = answer.Stacks?.[0];
    if (stack === undefined) throw new NotFoundError(`Stack "${stackName}" was not found.`);
    const outputs = new Map<string, string>();
    for (const output of stack.Outputs ?? []) {
      if (output.OutputKey !== undefined && output.OutputValue !== undefined) {
        outputs.set(output.OutputKey, output.OutputValue);
      }
    }
    return outputs;
  }

  private async regionName(): Promise<string> {
    try {
      return `region ${await this.cloudFormation().config.region()}`;
    } catch {
      return 'this region';
    }
  }

  /**
   * A value from its flag, else from a stack output. Without either: a usage error naming both ways; with a
   * stack that lacks the output: not found, naming the output.
   */
  async required(flag: string, outputKey: StackOutputName, what: string): Promise<string> {
    const value = await this.optional(flag, outputKey);
    if (value !== undefined) return value;
    if (this.stackName === undefined) {
      throw new UsageError(
        `Missing ${what}: pass --${flag} <value>, or --stack <name> to read the stack output ${outputKey}.`,
      );
    }
    throw new NotFoundError(
      `Stack "${this.stackName}" has no output ${outputKey} (${what}). Pass --${flag} <value>, or deploy a ` +
        'stack version that has it.',
    );
  }

  /** A value from its flag, else from a stack output, else undefined. */
  async optional(flag: string, outputKey: StackOutputName): Promise<string | undefined> {
    const fromFlag = this.has(flag) ? this.flags.string(flag) : undefined;
    if (fromFlag !== undefined) return fromFlag;
    return (await this.outputs()).get(outputKey);
  }

  /** The bunq client, signed in (installation, device and session as needed), and the user id. */
  bunq(): Promise<BunqSession> {
    this.bunqPromise ??= this.openBunq();
    return this.bunqPromise;
  }

  private async openBunq(): Promise<BunqSession> {
    const allowHttp = this.flags.boolean('allow-http');
    const baseText = this.flags.string('bunq-base-url');
    const baseFromFlag =
      baseText === undefined
        ? undefined
        : resolveBunqBaseUrl(baseText, this.flags.label('bunq-base-url'), allowHttp);
    const source = await this.bunqStateSource();
    const baseUrl = baseFromFlag ?? source.storedBaseUrl ?? BUNQ_PRODUCTION_BASE_URL;
    const store = this.sessionStore(source, baseUrl);
    const client = new BunqApiClient({
      baseUrl,
      stateStore: store,
      logger: this.bunqLogger(),
      backoff: CLI_BUNQ_BACKOFF,
      userAgent: 'bunq-webhooks-cli',
      deviceDescription: 'bunq-webhooks CLI',
      ...this.deps.bunq,
      fetch: this.watchSavedSession(this.deps.bunq?.fetch ?? ((url, init) => fetch(url, init))),
    });
    const reused = sessionUsable(await store.load(), baseUrl, this.now());
    this.progress(
      reused
        ? `bunq API ${baseUrl}: reusing the saved session`
        : `bunq API ${baseUrl}: signing in (bunq allows one new session per 30 s, so this may wait)`,
    );
    const userId = await client.getUserId();
    return { client, userId, baseUrl };
  }

  /**
   * A saved session bunq refuses (revoked, another bunq behind the URL, an installation it no longer knows)
   * is forgotten at the first 401 or 403, so the next run signs in afresh. The client itself first tries a
   * new session; if that works it is saved again.
   */
  private watchSavedSession(inner: FetchLike): FetchLike {
    return async (url, init) => {
      const response = await inner(url, init);
      const saved = this.sessionFile;
      if ((response.status === 401 || response.status === 403) && saved?.loadedFromFile) {
        saved.loadedFromFile = false;
        this.savedSessionRefused = true;
        await saved.clear();
      }
      return response;
    };
  }

  /** Said after the command when bunq refused the saved session (see {@link watchSavedSession}). */
  sessionNotice(): string | undefined {
    return this.savedSessionRefused
      ? 'bunq refused the saved session; it is forgotten, so running the command again signs in afresh.'
      : undefined;
  }

  private savedSessionRefused = false;
  private sessionFile: FileBunqStateStore | undefined;

  /**
   * Where the client keeps its installation and session: the poller's copy when it is for this base URL,
   * else the user's session file for this key and base URL (unless `--no-session-cache`, or no home).
   */
  private sessionStore(source: BunqStateSource, baseUrl: string): BunqStateStore {
    if (source.injected !== undefined) return source.injected;
    const memory = new InMemoryBunqStateStore(source.state);
    if (source.state.baseUrl === baseUrl && source.state.installationToken !== undefined) return memory;
    const off = this.has('no-session-cache') && this.flags.boolean('no-session-cache');
    const dir = off ? undefined : sessionCacheDir(this.io.env);
    if (dir === undefined) return memory;
    this.sessionFile = new FileBunqStateStore(
      sessionFile(dir, source.state.apiKey, baseUrl),
      source.state.apiKey,
      baseUrl,
    );
    return this.sessionFile;
  }

  /**
   * The API key's source: the injected store, `--api-key`/BUNQ_API_KEY, or the stack's bunq state secret.
   * The secret is read, never written: the CLI works on a copy in memory, so the poller's state stays its own.
   */
  private async bunqStateSource(): Promise<BunqStateSource> {
    if (this.deps.bunqStateStore !== undefined) {
      return { injected: this.deps.bunqStateStore, state: await this.deps.bunqStateStore.load() };
    }
    const apiKey = this.flags.string('api-key');
    if (apiKey !== undefined) return { state: { apiKey } };
    const secretId = await this.optional('bunq-state-secret-arn', STACK_OUTPUTS.bunqStateSecretArn);
    if (secretId === undefined) {
      const stackHint =
        this.stackName === undefined
          ? ', or --stack <name> of a stack with failure recovery on (its BunqStateSecretArn secret holds the key)'
          : `; stack "${this.stackName}" has no BunqStateSecretArn output (failure recovery is off)`;
      throw new UsageError(`No bunq API key: set BUNQ_API_KEY or pass --api-key <key>${stackHint}.`);
    }
    const state = await guardPlaceholderApiKey(
      new SecretsManagerBunqStateStore({ secretId, client: this.secretsManager() }),
      secretId,
    ).load();
    return { state, storedBaseUrl: state.baseUrl };
  }

  /** The bunq client's logger: warnings and errors on stderr, every call with `--verbose`. */
  bunqLogger(): BunqLogger {
    const verbose = this.flags.boolean('verbose');
    const line =
      (level: string) =>
      (message: string, ...attributes: Array<Record<string, unknown>>): void => {
        const details = Object.assign({}, ...attributes) as Record<string, unknown>;
        const text = Object.entries(details)
          .filter(([, value]) => value !== undefined)
          .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
          .join(' ');
        this.io.stderr(`bunq ${level}: ${message}${text === '' ? '' : ` (${text})`}\n`);
      };
    const ignore = (): void => {};
    const debug = line('debug');
    return {
      debug: (message, ...attributes) => {
        if (verbose) return debug(message, ...attributes);
        // A long client-side wait (bunq allows one new session per 30 s) must not look like a hang.
        const waited = Object.assign({}, ...attributes).waited;
        if (typeof waited === 'number' && waited >= 1_000) {
          this.progress(`bunq: waited ${(waited / 1_000).toFixed(1)} s for bunq's rate limit`);
        }
      },
      info: verbose ? line('info') : ignore,
      warn: line('warning'),
      error: line('error'),
    };
  }
}
