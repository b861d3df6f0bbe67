/**
 * `X-Bunq-Server-Signature` on callbacks, end to end on loopback: the bunq simulator signs the callbacks it
 * delivers with its server key; the local runtime, configured with that key in `enforce` mode, publishes
 * them, and refuses a callback with the right token but no signature, or a forged one.
 */
import {
  generateRsaKeyPair,
  privateKeyFromPem,
  type RsaKeyPair,
  signBytes,
} from '../../shared/bunq/api/crypto';
import { parsePipelineConfig } from '../../shared/config/pipeline-config';
import { distinctCallback, simulatorControl, startedPerTest } from './helpers';

jest.setTimeout(30_000);

const start = startedPerTest();
let bunqKeys: RsaKeyPair;
let otherKeys: RsaKeyPair;
beforeAll(async () => {
  [bunqKeys, otherKeys] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair()]);
});

describe('callback signatures, enforced', () => {
  it('publishes what bunq signed and refuses the right token without a valid signature', async () => {
    const local = await start.runtime({
      config: parsePipelineConfig({
        ingest: { callbackSignature: { mode: 'enforce', serverPublicKeyPem: bunqKeys.publicKeyPem } },
      }),
    });
    const sim = await start.simulator({
      port: 0,
      retryIntervalMs: 50,
      signCallbacks: true,
      keyPair: bunqKeys,
    });
    const control = simulatorControl(sim.origin);
    const user = (await control('POST', '/users', {})) as { userId: number };
    await control('PUT', `/users/${user.userId}/notification-filters`, [
      { category: 'PARTNER_USER_PROVISION', notification_target: local.runtime.callbackUrl },
    ]);
    await control('POST', '/emit', { userId: user.userId, callback: JSON.parse(distinctCallback(501)) });
    expect(await control('GET', '/idle?timeoutMs=10000')).toEqual({ idle: true });
    expect(await control('GET', `/users/${user.userId}/failures`)).toEqual([]);

    const unsigned = distinctCallback(502);
    expect((await local.post(unsigned)).status).toBe(403);
    const forged = distinctCallback(503);
    const forgedResponse = await fetch(local.runtime.callbackUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'X-Bunq-Server-Signature': signBytes(Buffer.from(forged), privateKeyFromPem(otherKeys.privateKeyPem)),
      },
      body: forged,
    });
    expect(forgedResponse.status).toBe(403);
    await local.runtime.stop();

    expect((await local.events()).map((event) => event.detail.objectId)).toEqual([501]);
  });
});
