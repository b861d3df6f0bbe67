/** The AWS tier's global teardown: stops the tier's `moto_server` by its process id and waits for it. */
import { stopMoto } from './support/moto-server';

export default async function globalTeardown(): Promise<void> {
  const moto = globalThis.bunqWebhooksMoto;
  if (moto === undefined) return;
  globalThis.bunqWebhooksMoto = undefined;
  await stopMoto(moto);
}
