/**
 * The onboarding's AWS adapters on moto: provisioned users' credentials in Secrets Manager (one secret per
 * provision, created once, then written by the bunq client as it opens the user's session) and the fleet
 * registry in DynamoDB; then one onboarding over both against the bunq simulator.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { dynamoFleetRegistry } from '../../functions/commons/fleet-registry';
import { secretsManagerFleetCredentials } from '../../functions/commons/fleet-secrets';
import { BunqApiClient } from '../../shared/bunq/api/client';
import { httpTokenExchange } from '../../shared/pipeline/onboard/oauth-exchange';
import { onboardProvisionedUser } from '../../shared/pipeline/onboard/onboard';
import { FLEET_TABLE_KEY } from '../../shared/wiring/function-env';
import { type RunningBunqSimulator, startBunqSimulator } from '../../simulator/server';
import { createFleetTable } from '../support/fleet-table';
import { type AwsClients, awsClients, describeAws, destroyClients, uniqueName } from './support/aws';

describeAws('fleet adapters on moto', () => {
  let clients: AwsClients;
  let sim: RunningBunqSimulator;
  beforeAll(async () => {
    clients = awsClients();
    sim = await startBunqSimulator({ port: 0, rateLimits: false, retryIntervalMs: 20 });
  });
  afterAll(async () => {
    await sim.stop();
    destroyClients(clients);
  });

  it('creates a credential secret once, and a second create of the same provision keeps the first token', async () => {
    const prefix = `${uniqueName('stack')}/fleet/`;
    const store = secretsManagerFleetCredentials({ client: clients.secrets, prefix });
    const ref = store.refFor(7);
    expect(ref).toBe(`${prefix}provision-7`);
    expect(await store.exists(ref)).toBe(false);
    await store.create(ref, 'first-token');
    await store.create(ref, 'second-token');
    expect(await store.exists(ref)).toBe(true);
    expect((await store.stateStore(ref).load()).apiKey).toBe('first-token');
  });

  it('onboards a provisioned user: token in its secret, entry in the table without it, filter at its URL', async () => {
    const created = await fetch(`${sim.origin}/_simulator/users`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'UserCompany', partner: true }),
    });
    const partner = (await created.json()) as {
      userId: number;
      oauthClientId: string;
      oauthClientSecret: string;
      oauthRedirectUri: string;
    };
    const provisioned = await fetch(`${sim.origin}/_simulator/partners/${partner.userId}/provisions`, {
      method: 'POST',
      body: JSON.stringify({ count: 1 }),
    });
    const [provision] = (
      (await provisioned.json()) as { provisions: Array<{ provisionId: number; userId: number }> }
    ).provisions;
    const code = sim.simulator
      .listProvisions(partner.userId)
      .find((p) => p.id === provision?.provisionId)?.authorizationCode;
    expect(code).toEqual(expect.any(String));

    const tableName = uniqueName('fleet');
    await createFleetTable(clients.dynamo, tableName);
    const prefix = `${uniqueName('stack')}/fleet/`;
    const credentials = secretsManagerFleetCredentials({ client: clients.secrets, prefix });
    const outcome = await onboardProvisionedUser(
      {
        provisionId: provision?.provisionId as number,
        provisionStatus: 'ACTIVE',
        oauthStatus: 'ACCEPTED',
        authorizationCode: code as string,
        redirectUri: partner.oauthRedirectUri,
        updated: null,
        receivedAt: new Date().toISOString(),
      },
      {
        exchange: httpTokenExchange({
          tokenUrl: sim.oauthTokenUrl,
          credentials: async () => ({
            clientId: partner.oauthClientId,
            clientSecret: partner.oauthClientSecret,
          }),
        }),
        credentials,
        userApi: (stateStore) => new BunqApiClient({ baseUrl: sim.baseUrl, stateStore, rateLimits: false }),
        registry: dynamoFleetRegistry({ client: clients.dynamo, tableName }),
        target: { baseUrl: 'https://hooks.example.com/callbacks/', currentToken: async () => 'T'.repeat(43) },
        categories: ['MUTATION'],
      },
    );
    expect(outcome).toMatchObject({ status: 'onboarded', userId: provision?.userId });
    const ref = credentials.refFor(provision?.provisionId as number);
    const secret = JSON.parse(
      (await clients.secrets.send(new GetSecretValueCommand({ SecretId: ref }))).SecretString ?? '{}',
    ) as Record<string, unknown>;
    // The client wrote the session it opened into the user's own secret.
    expect(Object.keys(secret)).toEqual(expect.arrayContaining(['apiKey', 'sessionToken', 'userId']));
    const item = await clients.dynamo.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { [FLEET_TABLE_KEY]: { N: String(provision?.userId) } },
      }),
    );
    expect(item.Item?.credentialsRef?.S).toBe(ref);
    expect(JSON.stringify(item.Item)).not.toContain(secret.apiKey as string);
  });
});
