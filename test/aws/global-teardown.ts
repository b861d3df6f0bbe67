/**
 * The AWS tier's global teardown: removes the bundles and stops the tier's `moto_server` by its process id,
 * waiting for it to exit.
 */
import { rmSync } from 'node:fs';
import { stopMoto } from './support/moto-server';

export default async function globalTeardown(): Promise<void> {
  if (globalThis.bunqWebhooksBundleDir !== undefined) {
    rmSync(globalThis.bunqWebhooksBundleDir, { recursive: true, force: true });
    globalThis.bunqWebhooksBundleDir = undefined;
  }
  const moto = globalThis.bunqWebhooksMoto;
  if (moto === undefined) return;
  globalThis.bunqWebhooksMoto = undefined;
  await stopMoto(moto);
}
