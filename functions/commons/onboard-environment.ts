/**
 * The onboarding function's settings and resources, read once from the environment the CDK stack sets
 * (names in `ONBOARD_ENV` of `shared/wiring/function-env.ts`). A missing variable throws at cold start.
 */
import { ONBOARD_ENV } from '../../shared/wiring/function-env';
import type { OnboardSettings } from '../compose/onboard';
import { listEnv, requireEnv } from './env';

export function onboardEnvironment(env: NodeJS.ProcessEnv = process.env) {
  const settings: OnboardSettings = {
    categories: listEnv(ONBOARD_ENV.categories, env),
    callbackBaseUrl: requireEnv(ONBOARD_ENV.callbackBaseUrl, env),
  };
  return {
    settings,
    fleetTableName: requireEnv(ONBOARD_ENV.fleetTableName, env),
    oauthClientSecretArn: requireEnv(ONBOARD_ENV.oauthClientSecretArn, env),
    oauthTokenUrl: requireEnv(ONBOARD_ENV.oauthTokenUrl, env),
    bunqBaseUrl: requireEnv(ONBOARD_ENV.bunqBaseUrl, env),
    credentialSecretPrefix: requireEnv(ONBOARD_ENV.credentialSecretPrefix, env),
    tokenSecretArn: requireEnv(ONBOARD_ENV.tokenSecretArn, env),
  };
}
