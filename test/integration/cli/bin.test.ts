/**
 * The installed command as an operator runs it: `npx bunq-webhooks register ...` in a child process against a
 * simulator on 127.0.0.1 (bunq's rate limits on), then the filters checked through the simulator's control API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDatabase } from '../../../local/sqlite/database';
import { type RunningBunqSimulator, startBunqSimulator } from '../../../simulator/server';
import { type Finished, runProcess } from './run-process';

/** `npx bunq-webhooks ...` as an operator types it. */
function npx(args: readonly string[], timeoutMs = 60_000): Promise<Finished> {
  return runProcess('npx', ['--no-install', 'bunq-webhooks', ...args], { timeoutMs });
}

describe('npx bunq-webhooks', () => {
  let sim: RunningBunqSimulator;

  beforeAll(async () => {
    sim = await startBunqSimulator({ port: 0 });
  });

  afterAll(async () => {
    await sim.stop();
  });

  it('registers MUTATION and PAYMENT at a running simulator, keeping the filter already there', async () => {
    const control = `${sim.origin}/_simulator`;
    const user = (await (await fetch(`${control}/users`, { method: 'POST', body: '{}' })).json()) as {
      userId: number;
      apiKey: string;
    };
    const foreign = 'https://other-integration.example/hook';
    await fetch(`${control}/users/${user.userId}/notification-filters`, {
      method: 'PUT',
      body: JSON.stringify([{ category: 'MUTATION', notification_target: foreign }]),
    });
    const callbackUrl = `http://127.0.0.1:3000/callbacks/${'t'.repeat(43)}`;

    const result = await npx([
      'register',
      '--bunq-base-url',
      sim.origin,
      '--api-key',
      user.apiKey,
      '--callback-url',
      callbackUrl,
      '--categories',
      'MUTATION,PAYMENT',
      '--allow-http',
    ]);
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('added 2, removed 0');

    const filters = (await (
      await fetch(`${control}/users/${user.userId}/notification-filters`)
    ).json()) as Array<{
      category: string;
      notification_target: string;
    }>;
    expect(filters.map(({ category, notification_target }) => ({ category, notification_target }))).toEqual([
      { category: 'MUTATION', notification_target: foreign },
      { category: 'MUTATION', notification_target: callbackUrl },
      { category: 'PAYMENT', notification_target: callbackUrl },
    ]);
  }, 90_000);

  it('exits 2 with the reason on a usage error', async () => {
    const result = await npx(['register', '--categories', 'MUTATION']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Missing the callback URL');
  }, 90_000);

  it('reads the local runtime’s SQLite fleet registry from the bundle (the native module stays outside it)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bin-fleet-'));
    try {
      new LocalDatabase({ dataDir }).close();
      const result = await npx(['fleet', 'list', '--data-dir', dataDir, '--json']);
      expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, users: [] });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
