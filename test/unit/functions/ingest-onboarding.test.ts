/**
 * The ingest with partner onboarding on: a provision callback's OAuth code goes to the onboarding queue
 * only, both payload secrets are masked in the stored body, and `/callbacks/{token}/u/{userId}` carries the
 * user id to the normalizer as a message attribute.
 */
import { composeIngest } from '../../../functions/compose/ingest';
import { decodeOnboardingJob } from '../../../shared/pipeline/onboard/onboarding-job';
import { PAYLOAD_SECRET_MARKER } from '../../../shared/pipeline/onboard/provision';
import { MESSAGE_ATTRIBUTE } from '../../../shared/pipeline/queued-callback';
import { fixtureText, PARTNER_SECRETS } from '../../support/fixtures';
import { apiGatewayEvent } from '../../support/lambda';
import { capturingLogger, RecordingMetrics, RecordingQueue } from '../../support/pipeline';

const TOKEN = 'current_token_0123456789abcdefghijklmnop';

function build(onboarding: boolean) {
  const queue = new RecordingQueue();
  const onboardingQueue = new RecordingQueue();
  const { logger, lines } = capturingLogger();
  const handler = composeIngest(
    { allowedSourceCidrs: ['185.40.108.0/22'], maxBodyBytes: 1_000_000 },
    {
      queue,
      ...(onboarding ? { onboardingQueue } : {}),
      tokens: { validTokens: async () => [TOKEN] },
      logger,
      metrics: new RecordingMetrics(),
    },
  );
  return { handler, queue, onboardingQueue, lines };
}

describe('ingest with partner onboarding', () => {
  it('puts the OAuth code on the onboarding queue only and masks both payload secrets in the stored body', async () => {
    const { handler, queue, onboardingQueue, lines } = build(true);
    const body = fixtureText('partner-user-provision');
    expect((await handler(apiGatewayEvent({ token: TOKEN, body }))).statusCode).toBe(200);

    const [stored] = queue.messages;
    for (const secret of PARTNER_SECRETS) expect(stored?.body).not.toContain(secret);
    expect(stored?.body).toContain(`"authorization_code": "${PAYLOAD_SECRET_MARKER}"`);
    // The rest of the body is byte-exact: putting the secrets back gives the body as received.
    const restored = (stored?.body ?? '')
      .replace(
        `"authorization_code": "${PAYLOAD_SECRET_MARKER}"`,
        `"authorization_code": "${PARTNER_SECRETS[0]}"`,
      )
      .replace(`code=${PAYLOAD_SECRET_MARKER}`, `code=${PARTNER_SECRETS[0]}`)
      .replace(`"token_value": "${PAYLOAD_SECRET_MARKER}"`, `"token_value": "${PARTNER_SECRETS[1]}"`);
    expect(restored).toBe(body);

    expect(onboardingQueue.messages).toHaveLength(1);
    expect(decodeOnboardingJob(onboardingQueue.messages[0]?.body ?? '')).toMatchObject({
      provisionId: 7,
      provisionStatus: 'ACTIVE',
      oauthStatus: 'ACCEPTED',
      authorizationCode: PARTNER_SECRETS[0],
      redirectUri: 'https://yourpartner.com/oauth/callback',
    });
    for (const secret of PARTNER_SECRETS) expect(lines.join('\n')).not.toContain(secret);
  });

  it('answers 503 and enqueues nothing when the onboarding queue refuses the job, so bunq retries', async () => {
    const { handler, queue, onboardingQueue } = build(true);
    onboardingQueue.failNext = 1;
    const response = await handler(
      apiGatewayEvent({ token: TOKEN, body: fixtureText('partner-user-provision') }),
    );
    expect(response.statusCode).toBe(503);
    expect(queue.messages).toEqual([]);
  });

  it('keeps the body as received when onboarding is off, and leaves other categories alone when it is on', async () => {
    const off = build(false);
    const body = fixtureText('partner-user-provision');
    await off.handler(apiGatewayEvent({ token: TOKEN, body }));
    expect(off.queue.messages[0]?.body).toBe(body);

    const on = build(true);
    const mutation = fixtureText('mutation-payment');
    await on.handler(apiGatewayEvent({ token: TOKEN, body: mutation }));
    expect(on.onboardingQueue.messages).toEqual([]);
    expect(on.queue.messages[0]?.body).toBe(mutation);
  });

  it('carries the user id of /callbacks/{token}/u/{userId} as a message attribute, and refuses a bad one', async () => {
    const { handler, queue } = build(false);
    const event = apiGatewayEvent({ token: TOKEN, body: fixtureText('mutation-payment') });
    const withUser = { ...event, pathParameters: { token: TOKEN, userId: '4711' } };
    expect((await handler(withUser)).statusCode).toBe(200);
    expect(queue.messages[0]?.attributes[MESSAGE_ATTRIBUTE.userId]).toBe('4711');
    expect((await handler({ ...event, pathParameters: { token: TOKEN, userId: 'me' } })).statusCode).toBe(
      404,
    );
    expect((await handler(event)).statusCode).toBe(200);
    expect(queue.messages[1]?.attributes[MESSAGE_ATTRIBUTE.userId]).toBeUndefined();
  });
});
