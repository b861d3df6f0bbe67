/**
 * The AWS tier's global setup: starts one `moto_server` for every test file of the tier and hands its
 * endpoint to the workers through the environment. Without moto on PATH the tier is skipped, saying so once.
 */
import {
  MOTO_ENDPOINT_ENV,
  MOTO_INSTALL_HINT,
  onPath,
  type RunningMoto,
  startMoto,
} from './support/moto-server';

declare global {
  // Shared with the global teardown, which runs in the same process.
  var bunqWebhooksMoto: RunningMoto | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (!onPath('moto_server')) {
    delete process.env[MOTO_ENDPOINT_ENV];
    process.stdout.write(
      `\nAWS tier skipped: moto_server is not on PATH (get it with: ${MOTO_INSTALL_HINT}).\n`,
    );
    return;
  }
  const moto = await startMoto();
  globalThis.bunqWebhooksMoto = moto;
  process.env[MOTO_ENDPOINT_ENV] = moto.endpoint;
}
