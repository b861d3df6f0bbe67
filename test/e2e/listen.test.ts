/**
 * `bunq-webhooks listen` with the local runtime and the bunq simulator: the runtime's URL is registered for
 * the chosen categories next to another integration's filter, a callback bunq sends reaches the runtime and
 * becomes an event, and on SIGINT exactly the filters for that URL are removed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningBunqSimulator, startBunqSimulator } from '../../simulator/server';
import { runCli } from '../unit/cli/support';
import { startTestRuntime, type TestRuntime } from './helpers';

jest.setTimeout(120_000);

let t: TestRuntime;
let sim: RunningBunqSimulator;
beforeAll(async () => {
  t = await startTestRuntime();
  sim = await startBunqSimulator({ port: 0, retryIntervalMs: 50 });
});
afterAll(async () => {
  await sim.stop();
  await t.dispose();
});

interface Filter {
  readonly category: string;
  readonly notification_target: string;
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('bunq-webhooks listen', () => {
  it('registers the URL, receives what bunq sends, and unregisters exactly that URL on SIGINT', async () => {
    const control = `${sim.origin}/_simulator`;
    const user = sim.simulator.createUser();
    const foreign = { category: 'PAYMENT', notification_target: 'https://other-integration.example/hook' };
    await fetch(`${control}/users/${user.id}/notification-filters`, {
      method: 'PUT',
      body: JSON.stringify([foreign]),
    });
    const filters = async (): Promise<Filter[]> =>
      ((await (await fetch(`${control}/users/${user.id}/notification-filters`)).json()) as Filter[]).map(
        ({ category, notification_target }) => ({ category, notification_target }),
      );

    let interrupt: (signal: string) => void = () => undefined;
    const interrupted = new Promise<string>((resolve) => {
      interrupt = resolve;
    });
    const url = t.runtime.callbackUrl;
    const listening = runCli(
      [
        'listen',
        '--bunq-base-url',
        sim.origin,
        '--api-key',
        user.apiKey,
        '--url',
        url,
        '--categories',
        'MUTATION',
        '--allow-http',
      ],
      { interrupted: () => interrupted },
    );

    await until(async () =>
      (await filters()).some((filter) => filter.notification_target === url) ? true : undefined,
    );
    expect(await filters()).toEqual(
      expect.arrayContaining([foreign, { category: 'MUTATION', notification_target: url }]),
    );

    const callback = JSON.parse(
      readFileSync(join(__dirname, '..', 'fixtures', 'mutation-payment.json'), 'utf8'),
    );
    callback.NotificationUrl.object.Payment.id = 424242;
    await fetch(`${control}/emit`, { method: 'POST', body: JSON.stringify({ userId: user.id, callback }) });
    const event = await until(async () =>
      (await t.events()).find((candidate) => candidate.detail.objectId === 424242),
    );
    expect(event['detail-type']).toBe('MUTATION');

    interrupt('SIGINT');
    const result = await listening;
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    expect(result.stderr).toContain('listening: bunq sends MUTATION');
    expect(result.stdout).toContain('unregistered 1 filter(s)');
    expect(await filters()).toEqual([foreign]);
  });

  it.each([
    [['listen', '--categories', 'MUTATION', '--api-key', 'k'], /Missing --url/],
    [['listen', '--url', 'https://x.example/callbacks/t', '--api-key', 'k'], /Missing --categories/],
  ])('%j exits 2', async (argv, message) => {
    const result = await runCli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('refuses a plain-HTTP URL without --allow-http (bunq calls only HTTPS)', async () => {
    const result = await runCli([
      'listen',
      '--api-key',
      'k',
      '--url',
      'http://127.0.0.1:3000/callbacks/t',
      '--categories',
      'MUTATION',
    ]);
    expect(result.code).toBe(4);
  });
});
