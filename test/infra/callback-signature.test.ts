/**
 * `ingest.callbackSignature` reaches the ingest: its mode, a configured key, or (in enforce mode, with the
 * failure poller and no key) read access to the poller's state secret for the installation's server public key.
 * That secret also holds the bunq API key, so log mode (the default) never widens access to it.
 */

import { generateKeyPairSync } from 'node:crypto';
import type { Template } from 'aws-cdk-lib/assertions';
import { INGEST_ENV, RETRY_FAILURES_ENV } from '../../shared/wiring/function-env';
import { actionsOf, ingestFunctionId, roleStatements, SYNTH_TIMEOUT_MS, synthStack } from './support/synth';

const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

const templates = {} as Record<
  'defaults' | 'recovery' | 'enforceFromState' | 'configuredKey' | 'off',
  Template
>;
beforeAll(() => {
  templates.defaults = synthStack({}, { bundle: false }).template;
  templates.recovery = synthStack({ recovery: { enabled: true } }, { bundle: false }).template;
  templates.enforceFromState = synthStack(
    { recovery: { enabled: true }, ingest: { callbackSignature: { mode: 'enforce' } } },
    { bundle: false },
  ).template;
  templates.configuredKey = synthStack(
    {
      recovery: { enabled: true },
      ingest: { callbackSignature: { mode: 'enforce', serverPublicKeyPem: PEM } },
    },
    { bundle: false },
  ).template;
  templates.off = synthStack(
    { recovery: { enabled: true }, ingest: { callbackSignature: { mode: 'off' } } },
    { bundle: false },
  ).template;
}, SYNTH_TIMEOUT_MS);

const ingestEnv = (template: Template): Record<string, unknown> => {
  const resources = template.toJSON().Resources as Record<
    string,
    { Properties: { Environment: { Variables: Record<string, unknown> } } }
  >;
  return resources[ingestFunctionId(template)]?.Properties.Environment.Variables ?? {};
};
const stateSecretId = (template: Template) =>
  (
    Object.values(template.findResources('AWS::Lambda::Function')).find(
      (fn) =>
        (fn as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties
          .Environment?.Variables?.[RETRY_FAILURES_ENV.bunqStateSecretArn] !== undefined,
    ) as { Properties: { Environment: { Variables: Record<string, { Ref: string }> } } }
  ).Properties.Environment.Variables[RETRY_FAILURES_ENV.bunqStateSecretArn]?.Ref;
const readsStateSecret = (template: Template): boolean =>
  roleStatements(template, ingestFunctionId(template)).some(
    (statement) =>
      actionsOf(statement).includes('secretsmanager:GetSecretValue') &&
      JSON.stringify(statement.Resource).includes(String(stateSecretId(template))),
  );

describe('callback signatures in the stack', () => {
  test('the ingest checks signatures in log mode by default', () => {
    expect(ingestEnv(templates.defaults)[INGEST_ENV.callbackSignatureMode]).toBe('log');
    expect(ingestEnv(templates.defaults)[INGEST_ENV.signatureKeyStateSecretArn]).toBeUndefined();
  });

  test('in log mode with the failure poller and no key, the ingest gets no access to the state secret', () => {
    expect(ingestEnv(templates.recovery)[INGEST_ENV.signatureKeyStateSecretArn]).toBeUndefined();
    expect(readsStateSecret(templates.recovery)).toBe(false);
  });

  test('in enforce mode with the failure poller and no key, the ingest may read the state secret for the key', () => {
    expect(ingestEnv(templates.enforceFromState)[INGEST_ENV.signatureKeyStateSecretArn]).toEqual({
      Ref: stateSecretId(templates.enforceFromState),
    });
    expect(readsStateSecret(templates.enforceFromState)).toBe(true);
  });

  test('a configured key goes to the ingest, which then gets no access to the state secret', () => {
    const env = ingestEnv(templates.configuredKey);
    expect(env[INGEST_ENV.callbackSignatureMode]).toBe('enforce');
    expect(env[INGEST_ENV.serverPublicKeyPem]).toBe(PEM);
    expect(env[INGEST_ENV.signatureKeyStateSecretArn]).toBeUndefined();
    expect(readsStateSecret(templates.configuredKey)).toBe(false);
  });

  test('mode off grants nothing', () => {
    expect(ingestEnv(templates.off)[INGEST_ENV.callbackSignatureMode]).toBe('off');
    expect(readsStateSecret(templates.off)).toBe(false);
  });
});
