/**
 * Helpers for the end-to-end tests of the local runtime: a runtime on an ephemeral loopback port with its
 * files in a fresh temporary directory, typed readers for the events and dead-letter files, and callback
 * bodies derived from the PARTNER_USER_PROVISION fixture.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseCommandLine } from '../../local/cli';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../local/runtime';
import { callbackEventDetailSchema } from '../../shared/contract/callback-event';
import {
  type RunningBunqSimulator,
  type StartBunqSimulatorOptions,
  startBunqSimulator,
} from '../../simulator/server';

export const FIXTURE_PATH = join(__dirname, '..', 'fixtures', 'partner-user-provision.json');
/** The seed's PARTNER_USER_PROVISION body, byte for byte. */
export const fixtureBody: Buffer = readFileSync(FIXTURE_PATH);

// Loose at every level: parsing must keep every field, the copies below are sent as callbacks.
const fixtureSchema = z.looseObject({
  NotificationUrl: z.looseObject({
    object: z.looseObject({
      PartnerUserProvision: z.looseObject({
        id: z.number(),
        oauth_request: z.looseObject({ authorization_code: z.string() }),
        credential: z.looseObject({ token_value: z.string() }),
      }),
    }),
  }),
});
export const fixture = fixtureSchema.parse(JSON.parse(fixtureBody.toString('utf8')));
export const fixtureObject = fixture.NotificationUrl.object.PartnerUserProvision;
/** Payload secrets that must never reach a log line. */
export const payloadSecrets = [
  fixtureObject.oauth_request.authorization_code,
  fixtureObject.credential.token_value,
] as const;

/** A distinct callback (its own dedupe key): the fixture with another object id. */
export function distinctCallback(id: number): string {
  const copy = structuredClone(fixture);
  copy.NotificationUrl.object.PartnerUserProvision.id = id;
  return JSON.stringify(copy);
}

export const TEST_TOKEN = 'e2e-test-token-0123456789abcdefghijklmnop';

export const busEventSchema = z.object({
  version: z.literal('0'),
  id: z.uuid(),
  'detail-type': z.string(),
  source: z.string(),
  account: z.literal('000000000000'),
  time: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
  region: z.literal('local'),
  resources: z.array(z.string()).length(0),
  detail: callbackEventDetailSchema,
});
export type BusEventLine = z.infer<typeof busEventSchema>;

export const deadLetterSchema = z.object({
  deadLetteredAt: z.iso.datetime(),
  reason: z.string().min(1),
  detail: z.string().nullable(),
  queue: z.literal('callbacks'),
  body: z.string(),
  bodyEncoding: z.enum(['utf8', 'base64']),
  attributes: z.record(z.string(), z.string()),
});
export type DeadLetterLine = z.infer<typeof deadLetterSchema>;

async function readLines<T>(path: string, schema: z.ZodType<T>): Promise<T[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => schema.parse(JSON.parse(line)));
}

export const readEvents = (path: string): Promise<BusEventLine[]> => readLines(path, busEventSchema);
export const readDeadLetters = (path: string): Promise<DeadLetterLine[]> => readLines(path, deadLetterSchema);

/** The body bytes a dead-letter line holds. */
export const deadLetterBytes = (line: DeadLetterLine): Buffer =>
  Buffer.from(line.body, line.bodyEncoding === 'base64' ? 'base64' : 'utf8');

export interface TestRuntime {
  readonly runtime: LocalRuntime;
  readonly dir: string;
  readonly eventsFile: string;
  readonly deadLetterFile: string;
  events(): Promise<BusEventLine[]>;
  deadLetters(): Promise<DeadLetterLine[]>;
  /** POSTs a body to the runtime's callback URL (or `url`). */
  post(body: string | Buffer, url?: string): Promise<Response>;
  /** Stops the runtime (if not yet) and removes the directory. */
  dispose(): Promise<void>;
}

/** A runtime process's files in a fresh temporary directory, and the flags (token included) that put them there. */
export interface ProcessRuntimeFiles {
  readonly dir: string;
  readonly eventsFile: string;
  /** `--token`, `--data-dir` and `--events-file`. */
  readonly args: readonly string[];
}

/** The runtime's options as the command line `argv` (and `env`) give them; fails on another command. */
export async function runOptions(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const command = await parseCommandLine(argv, env);
  if (command.kind !== 'run') throw new Error('expected a run command');
  return command.options;
}

export async function processRuntimeFiles(name: string): Promise<ProcessRuntimeFiles> {
  const dir = await mkdtemp(join(tmpdir(), `bunq-local-${name}-`));
  const eventsFile = join(dir, 'events.jsonl');
  return {
    dir,
    eventsFile,
    args: ['--token', TEST_TOKEN, '--data-dir', join(dir, 'data'), '--events-file', eventsFile],
  };
}

export async function startTestRuntime(options: Partial<LocalRuntimeOptions> = {}): Promise<TestRuntime> {
  const dir = await mkdtemp(join(tmpdir(), 'bunq-local-e2e-'));
  const eventsFile = join(dir, 'events.jsonl');
  const deadLetterFile = join(dir, 'dead-letters.jsonl');
  const runtime = await startLocalRuntime({
    port: 0,
    host: '127.0.0.1',
    token: TEST_TOKEN,
    eventsFile,
    deadLetterFile,
    visibilityTimeoutMs: 200,
    drainTimeoutMs: 10_000,
    // Inside the test's directory, so a test sees (and disposes of) every file the runtime wrote.
    claimCheckDir: join(dir, 'claim-checks'),
    ...options,
  });
  return {
    runtime,
    dir,
    eventsFile,
    deadLetterFile,
    events: () => readEvents(eventsFile),
    deadLetters: () => readDeadLetters(deadLetterFile),
    post: (body, url = runtime.callbackUrl) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    async dispose() {
      await runtime.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Start functions for the bunq simulator and the test runtime whose results are stopped after each test
 * (runtimes first, then simulators), so a failed test leaves nothing listening.
 */
export function startedPerTest(): {
  simulator(options: StartBunqSimulatorOptions): Promise<RunningBunqSimulator>;
  runtime(options?: Partial<LocalRuntimeOptions>): Promise<TestRuntime>;
} {
  const runtimes: TestRuntime[] = [];
  const simulators: RunningBunqSimulator[] = [];
  afterEach(async () => {
    for (const local of runtimes.splice(0)) await local.dispose();
    for (const simulator of simulators.splice(0)) await simulator.stop();
  });
  return {
    async simulator(options) {
      const simulator = await startBunqSimulator(options);
      simulators.push(simulator);
      return simulator;
    },
    async runtime(options) {
      const local = await startTestRuntime(options);
      runtimes.push(local);
      return local;
    },
  };
}

/** Calls the simulator's control API (`/_simulator…`) and returns its JSON answer. */
export function simulatorControl(
  origin: string,
): (method: string, path: string, body?: unknown) => Promise<unknown> {
  return async (method, path, body) => {
    const answer = await fetch(`${origin}/_simulator${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await answer.json()) as unknown;
  };
}
