/**
 * `bunq-webhooks trigger` against the local runtime: each category with a fixture becomes one published event
 * of that detail-type, with the fresh object id the command printed; two triggers are two events (fresh ids
 * and times, not duplicates); refusals and bad input end in the documented exit codes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixtureFor, projectFixtures } from '../../cli/trigger-fixtures';
import { CALLBACK_CATEGORIES } from '../../shared/bunq/callback/categories';
import { runCli } from '../unit/cli/support';
import { startTestRuntime, type TestRuntime } from './helpers';

jest.setTimeout(120_000);

let t: TestRuntime;
beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(async () => {
  await t.dispose();
});

const fixtures = projectFixtures();
const withFixture = Object.keys(CALLBACK_CATEGORIES).filter((category) => fixtureFor(category, fixtures));

/** Resolves once an event for each of these object ids is published (the runtime publishes asynchronously). */
async function eventsFor(objectIds: readonly unknown[]) {
  for (;;) {
    const events = (await t.events()).filter((event) => objectIds.includes(event.detail.objectId));
    if (objectIds.every((id) => events.some((event) => event.detail.objectId === id))) return events;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('bunq-webhooks trigger', () => {
  it('offers a fixture for every category that documents an object', () => {
    const without = Object.entries(CALLBACK_CATEGORIES)
      .filter(([category, info]) => info.objectTypes.length > 0 && !withFixture.includes(category))
      .map(([category]) => category);
    expect(without).toEqual([]);
  });

  it('turns a trigger of each category into one event of that category, with the id it printed', async () => {
    const sent: Array<{ category: string; objectId: unknown; objectType: unknown }> = [];
    for (const category of withFixture) {
      const result = await runCli(['trigger', category, '--url', t.runtime.callbackUrl, '--json']);
      expect({ category, code: result.code, stderr: result.stderr }).toMatchObject({ category, code: 0 });
      const json = result.json();
      expect(json).toMatchObject({ ok: true, category, status: 200 });
      sent.push({ category, objectId: json.objectId, objectType: json.objectType });
    }
    const events = await eventsFor(sent.map((item) => item.objectId));
    const published = events.map((event) => ({
      category: event['detail-type'],
      objectId: event.detail.objectId,
      objectType: event.detail.objectType,
    }));
    expect(published).toEqual(expect.arrayContaining(sent));
    expect(published).toHaveLength(sent.length);
    expect(await t.deadLetters()).toEqual([]);
  });

  it('sends a new callback each time: two triggers are two events, not a duplicate', async () => {
    const first = await runCli(['trigger', 'MUTATION', '--url', t.runtime.callbackUrl, '--json']);
    const second = await runCli(['trigger', 'MUTATION', '--url', t.runtime.callbackUrl, '--json']);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.json().objectId).not.toEqual(second.json().objectId);
    const events = await eventsFor([first.json().objectId, second.json().objectId]);
    expect(events).toHaveLength(2);
    expect(new Set(events.map((event) => event.detail.dedupKey)).size).toBe(2);
  });

  it('says what was sent and what the answer means', async () => {
    const result = await runCli(['trigger', 'PAYMENT', '--url', t.runtime.callbackUrl]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /sending PAYMENT Payment \d+, -?\d+\.\d{2} [A-Z]{3} \(from test\/fixtures\/objects\/payment\.json\)/,
    );
    expect(result.stdout).toMatch(/-> 200 OK/);
    expect(result.stdout).toContain('accepted: the callback is durably queued');
    // The token is a secret: the URL is shown shortened.
    expect(`${result.stdout}${result.stderr}`).not.toContain(t.runtime.callbackUrl);
  });

  it('sends a --fixture file as given, made fresh', async () => {
    const file = join(t.dir, 'my-callback.json');
    await writeFile(
      file,
      JSON.stringify({
        NotificationUrl: {
          category: 'OAUTH',
          event_type: 'OAUTH_AUTHORIZATION',
          object: { OauthClient: { id: 7, created: '2020-01-01 00:00:00.000000', status: 'ACTIVE' } },
        },
      }),
    );
    const result = await runCli([
      'trigger',
      'OAUTH',
      '--url',
      t.runtime.callbackUrl,
      '--fixture',
      file,
      '--json',
    ]);
    expect(result.code).toBe(0);
    const [event] = await eventsFor([result.json().objectId]);
    expect(event?.['detail-type']).toBe('OAUTH');
    expect(event?.detail.objectId).toBe(result.json().objectId);
    expect(event?.detail.objectId).not.toBe(7);
  });

  it('exits 1 with the meaning when the endpoint refuses it (wrong token)', async () => {
    const wrong = t.runtime.callbackUrl.replace(/\/callbacks\/.*$/, `/callbacks/${'x'.repeat(43)}`);
    const result = await runCli(['trigger', 'MUTATION', '--url', wrong]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/-> 40[13]/);
    expect(result.stdout).toContain('wrong token');
  });

  it('exits 1 naming the endpoint when nothing listens there', async () => {
    const result = await runCli(['trigger', 'MUTATION', '--url', 'http://127.0.0.1:9/callbacks/x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Is the endpoint running');
  });

  it.each([
    [['trigger'], 2, /Give one category/],
    [['trigger', 'mutation', '--url', 'http://127.0.0.1:9/c'], 2, /did you mean MUTATION/],
    [['trigger', 'OAUTH', '--url', 'http://127.0.0.1:9/c'], 2, /No fixture for OAUTH/],
    [['trigger', 'MUTATION'], 2, /Missing the callback URL|Missing --url/],
    [['trigger', 'MUTATION', '--url', 'http://127.0.0.1:9/c', '--fixture', 'no/such.json'], 3, /cannot read/],
  ])('%j exits %i', async (argv, code, message) => {
    const result = await runCli(argv);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });
});
