/**
 * No secret at rest outside Secrets Manager (Contract 1): bunq echoes the URL it called, token included, in
 * `NotificationUrl.target_url`. Whatever a body carries, the token reaches no queue message, dead-letter
 * record, claim-check object, event or other file of the local runtime; the SHA-256 of the body as received
 * keeps the original verifiable.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CALLBACK_TOKEN_MARKER, isReceivedBody, sha256Hex } from '../../shared/pipeline/ingest/token-marker';
import { deadLetterBytes, fixture, startTestRuntime, TEST_TOKEN, type TestRuntime } from './helpers';

jest.setTimeout(30_000);

let local: TestRuntime | undefined;
afterEach(async () => {
  await local?.dispose();
  local = undefined;
});

/** Every file under `dir`, with its bytes. */
async function filesUnder(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const path = join(entry.parentPath, entry.name);
        return { path, bytes: await readFile(path) };
      }),
  );
}

/** The fixture, sent to `targetUrl`, with its own id, and the token also inside a text field. */
function bunqBody(targetUrl: string, id: number, category = 'PARTNER_USER_PROVISION', padding = 0): string {
  const copy = structuredClone(fixture);
  const notification = copy.NotificationUrl as Record<string, unknown>;
  notification.target_url = targetUrl;
  notification.category = category;
  const object = copy.NotificationUrl.object.PartnerUserProvision as Record<string, unknown>;
  object.id = id;
  object.note = `forwarded from ${targetUrl} (${TEST_TOKEN})${' '.repeat(padding)}`;
  return JSON.stringify(copy);
}

describe('the callback token at rest', () => {
  it('is in no queue message, dead-letter record, claim-check object, event or local file', async () => {
    local = await startTestRuntime();

    const url = local.runtime.callbackUrl;
    expect(url).toContain(TEST_TOKEN);
    const notJson = `{"NotificationUrl":{"target_url":"${url}", oops`;
    const bodies = [
      bunqBody(url, 101),
      bunqBody(url, 102, 'AN_INVENTED_CATEGORY'),
      // Too large for an event: its object goes to the claim-check store.
      bunqBody(url, 103, 'PARTNER_USER_PROVISION', 300_000),
      notJson,
    ];
    for (const body of bodies) expect((await local.post(body)).status).toBe(200);
    await local.runtime.stop();

    const events = await local.events();
    expect(events.map((event) => event.detail.objectId).sort()).toEqual([101, 102, 103]);
    expect(events.find((event) => event.detail.objectId === 103)?.detail.objectRef).toEqual(
      expect.any(Object),
    );
    const deadLetters = await local.deadLetters();
    expect(deadLetters).toHaveLength(1);

    const files = await filesUnder(local.dir);
    expect(files.some((file) => file.path.includes('claim-checks'))).toBe(true);
    const holding = files.filter((file) => file.bytes.includes(TEST_TOKEN)).map((file) => file.path);
    expect(holding).toEqual([]);

    // What was stored is the body with the marker, verifiable against the digest of what was received.
    const [deadLetter] = deadLetters;
    const stored = deadLetterBytes(deadLetter ?? never());
    expect(stored.toString()).toBe(notJson.replace(TEST_TOKEN, CALLBACK_TOKEN_MARKER));
    expect(deadLetter?.attributes.receivedSha256).toBe(sha256Hex(Buffer.from(notJson)));
    expect(isReceivedBody(stored, TEST_TOKEN, deadLetter?.attributes.receivedSha256 ?? '')).toBe(true);
  });
});

function never(): never {
  throw new Error('expected a dead letter');
}
