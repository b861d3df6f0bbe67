/**
 * DynamoDB for the local runtime: `dynalite` (a DynamoDB implementation over an in-memory LevelDB) served
 * on a loopback ephemeral port, with an SDK v3 client pointed at it. Nothing persists across runs.
 */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

export interface LocalDynamoDb {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  /** Destroys the client and closes the server (and its in-memory store). */
  close(): Promise<void>;
}

export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    // dynalite checks that a signature is present, not what it is.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });

  let closed: Promise<void> | undefined;
  return {
    client,
    endpoint,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        client.destroy();
        // The SDK's keep-alive sockets would otherwise hold `close` open until they time out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      return closed;
    },
  };
}
