import { Logger } from '@aws-lambda-powertools/logger';
import type { BunqLogger } from '../../../../../shared/bunq/api/logger';
import { createHarness } from './harness';

describe('BunqLogger', () => {
  it('accepts a Powertools Logger as is', async () => {
    const powertools = new Logger({ serviceName: 'bunq-api-test', logLevel: 'DEBUG' });
    const lines: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const logger: BunqLogger = powertools;
    try {
      const { makeClient } = await createHarness();
      await makeClient({ logger }).ensureSession();
    } finally {
      jest.restoreAllMocks();
    }
    const messages = lines
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).message as string);
    expect(messages).toEqual(expect.arrayContaining(['bunq call', 'bunq session created']));
  });
});
