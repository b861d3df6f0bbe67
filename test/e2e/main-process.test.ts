/**
 * `npm start` as a real process: `node --import tsx local/main.ts` prints its callback URL, accepts a callback over HTTP,
 * and on SIGTERM drains and exits 0. Its output never carries payload secrets.
 *
 * The test runs what `npm start` runs, `node --import tsx local/main.ts`: one process, so the SIGTERM reaches
 * the runtime itself and the exit code is the runtime's. Not through npm (`npm run` exits on SIGTERM at once
 * while its child still drains) nor the `tsx` binary (a parent that waits only 30 ms for the child to
 * acknowledge a signal, then SIGKILLs it and exits 143: on a busy machine, a lost drain).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureBody, payloadSecrets, readDeadLetters, readEvents, TEST_TOKEN } from './helpers';

// A bound for a hung process, not a timing assertion: every wait below is on a condition.
jest.setTimeout(120_000);

const REPO_ROOT = join(__dirname, '..', '..');

interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'DEBUG', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a test that fails midway can still end every process it started.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    if (started.some((running) => running.child.exitCode !== null)) throw new Error(`exited before ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const started: Running[] = [];
let dir: string | undefined;

afterEach(async () => {
  for (const running of started.splice(0)) {
    if (
      running.child.exitCode === null &&
      running.child.signalCode === null &&
      running.child.pid !== undefined
    ) {
      try {
        process.kill(-running.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await running.exited;
  }
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('local/main.ts as a process', () => {
  it('prints the callback URL, publishes a callback, and drains and exits 0 on SIGTERM', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bunq-local-main-'));
    const eventsFile = join(dir, 'events.jsonl');
    const deadLetterFile = join(dir, 'dead-letters.jsonl');
    const running = run(['--port', '0', '--events-file', eventsFile, '--dead-letter-file', deadLetterFile], {
      CALLBACK_TOKEN: TEST_TOKEN,
    });
    started.push(running);

    const callbackUrl = await waitFor(
      () => /(http:\/\/127\.0\.0\.1:\d+\/callbacks\/\S+)/.exec(running.stdout())?.[1],
      100_000,
      `the callback URL on stdout (stderr: ${running.stderr()})`,
    );
    expect(callbackUrl).toMatch(new RegExp(`/callbacks/${TEST_TOKEN}$`));

    const response = await fetch(callbackUrl, { method: 'POST', body: fixtureBody });
    expect(response.status).toBe(200);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);

    const events = await readEvents(eventsFile);
    expect(events).toHaveLength(1);
    expect(events[0]?.['detail-type']).toBe('PARTNER_USER_PROVISION');
    expect(await readDeadLetters(deadLetterFile)).toEqual([]);

    // One line per event for people, with what they look for first.
    expect(running.stdout()).toMatch(
      /^event {2}PARTNER_USER_PROVISION {2}PartnerUserProvision \S+ {2}no amount {2}routes: none$/m,
    );

    const lines = `${running.stdout()}\n${running.stderr()}`.split('\n');
    // The logs did run (so the check below means something), and carried identifiers.
    const busLog = lines.find((line) => line.includes('"event on local bus"'));
    expect(busLog).toContain('"detailType":"PARTNER_USER_PROVISION"');
    expect(busLog).toContain('"routes":[]');
    for (const secret of payloadSecrets) {
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    }
    // The callback token appears only where the callback URL is printed.
    expect(lines.filter((line) => line.includes(TEST_TOKEN) && !line.includes(callbackUrl))).toEqual([]);
  });

  it('keeps the events in a default file under its data directory, and prints where', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bunq-local-main-'));
    // tmpdir() follows TMPDIR: the default file lands in this test's directory.
    const running = run(['--port', '0'], { CALLBACK_TOKEN: TEST_TOKEN, TMPDIR: dir });
    started.push(running);
    const callbackUrl = await waitFor(
      () => /(http:\/\/127\.0\.0\.1:\d+\/callbacks\/\S+)/.exec(running.stdout())?.[1],
      100_000,
      `the callback URL on stdout (stderr: ${running.stderr()})`,
    );
    const eventsFile = join(dir, 'bunq-webhooks-local', 'events.jsonl');
    expect(running.stdout()).toContain(`Events:        ${eventsFile} (the default`);
    expect((await fetch(callbackUrl, { method: 'POST', body: fixtureBody })).status).toBe(200);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect((await readEvents(eventsFile)).map((event) => event['detail-type'])).toEqual([
      'PARTNER_USER_PROVISION',
    ]);
  });

  it('exits 2 naming the flag when a value is invalid', async () => {
    const running = run(['--port', 'eighty']);
    started.push(running);
    expect(await running.exited).toBe(2);
    expect(running.stderr()).toContain('--port');
  });
});
