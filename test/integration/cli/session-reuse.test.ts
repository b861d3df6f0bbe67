/**
 * The CLI keeps its bunq session between runs: `bunq-webhooks status` twice, as separate processes, against
 * a simulator with bunq's rate limits on (one new session per 30 s). The first run installs, registers a
 * device and opens a session; the second makes none of those calls, so it does not wait out the session
 * limit. The saved session is the user's alone (0600 in a 0700 directory) and never holds the API key.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBunqSimulator, startBunqSimulator } from '../../../simulator/server';
import { type Finished, ROOT, runProcess } from './run-process';

/** The bin as `npx bunq-webhooks` runs it, with only the session cache directory and no cloud settings. */
function cli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return runProcess(process.execPath, [join(ROOT, 'bin', 'bunq-webhooks.js'), ...args], { env });
}

const SETUP_CALLS = /^\/(installation|device-server|session-server)$/;

/** The sign-in calls (installation, device, session) the simulator has answered so far, in order. */
const setupCallsTo = (sim: RunningBunqSimulator): string[] =>
  sim.simulator.requestLog
    .filter((entry) => entry.method === 'POST' && SETUP_CALLS.test(entry.path))
    .map((entry) => entry.path);

describe('bunq-webhooks across runs', () => {
  let sim: RunningBunqSimulator;
  let configDir: string;
  let env: NodeJS.ProcessEnv;
  let args: string[];

  beforeAll(async () => {
    sim = await startBunqSimulator({ port: 0 });
    configDir = await mkdtemp(join(tmpdir(), 'bunq-webhooks-config-'));
    const user = sim.simulator.createUser();
    env = { BUNQ_WEBHOOKS_CONFIG_DIR: configDir, BUNQ_WEBHOOKS_SESSION_CACHE: '' };
    args = [
      'status',
      '--bunq-base-url',
      sim.origin,
      '--api-key',
      user.apiKey,
      '--callback-url',
      `http://127.0.0.1:3000/callbacks/${'t'.repeat(43)}`,
      '--allow-http',
      '--json',
    ];
  });

  afterAll(async () => {
    await sim.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  const setupCalls = () => setupCallsTo(sim);

  it('signs in once, then reuses the saved session in the next run', async () => {
    const first = await cli(args, env);
    expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 0 });
    expect(first.stderr).toContain('signing in');
    expect(setupCalls()).toEqual(['/installation', '/device-server', '/session-server']);

    const second = await cli(args, env);
    expect({ code: second.code, stderr: second.stderr }).toMatchObject({ code: 0 });
    expect(second.stderr).toContain('reusing the saved session');
    // No set-up call at all, so nothing waits for bunq's one-session-per-30-seconds limit.
    expect(setupCalls()).toHaveLength(3);
    expect(JSON.parse(second.stdout)).toMatchObject({ ok: true });
  }, 120_000);

  it('keeps the session in a user-only file that does not hold the API key', async () => {
    const dir = join(configDir, 'sessions');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    const file = join(dir, files[0] ?? '');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, 'utf8');
    const apiKey = args[args.indexOf('--api-key') + 1] ?? '';
    expect(text).not.toContain(apiKey);
    expect(JSON.parse(text)).toMatchObject({ baseUrl: `${sim.origin}/v1`, sessionToken: expect.any(String) });
  });
});

describe('bunq-webhooks with a saved session bunq no longer honours', () => {
  // Sessions may be opened freely here: these runs open a second one on purpose.
  const relaxed = { rateLimits: { sessionServer: { limit: 100, windowMs: 30_000 } } };
  let sim: RunningBunqSimulator;
  let configDir: string;
  let args: string[];
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    sim = await startBunqSimulator({ port: 0, ...relaxed });
    configDir = await mkdtemp(join(tmpdir(), 'bunq-webhooks-config-'));
    const user = sim.simulator.createUser();
    env = { BUNQ_WEBHOOKS_CONFIG_DIR: configDir, BUNQ_WEBHOOKS_SESSION_CACHE: '' };
    args = ['status', '--bunq-base-url', sim.origin, '--api-key', user.apiKey, '--allow-http'];
  });

  afterEach(async () => {
    await sim.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  const setupCalls = () => setupCallsTo(sim);

  it('opens a new session when bunq expired the saved one, and keeps the installation', async () => {
    expect((await cli(args, env)).code).toBe(0);
    await fetch(`${sim.origin}/_simulator/sessions/expire`, { method: 'POST', body: '{}' });
    const before = setupCalls().length;
    const run = await cli(args, env);
    expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
    expect(setupCalls().slice(before)).toEqual(['/session-server']);
  }, 120_000);

  it('forgets a saved installation bunq refuses, so the next run signs in afresh', async () => {
    expect((await cli(args, env)).code).toBe(0);
    // Another bunq behind the same address (the simulator restarted): it knows neither installation nor session.
    const port = sim.port;
    await sim.stop();
    sim = await startBunqSimulator({ port, ...relaxed });
    const user = sim.simulator.createUser({ apiKey: args[args.indexOf('--api-key') + 1] });
    expect(user.id).toBeGreaterThan(0);
    const refused = await cli(args, env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the saved session; it is forgotten');
    const again = await cli(args, env);
    expect({ code: again.code, stderr: again.stderr }).toMatchObject({ code: 0 });
    expect(again.stderr).toContain('signing in');
  }, 120_000);

  it('keeps nothing with --no-session-cache', async () => {
    const run = await cli([...args, '--no-session-cache'], env);
    expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
    expect(await readdir(configDir)).toEqual([]);
  }, 120_000);
});
