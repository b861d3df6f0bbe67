import { Logger } from '@aws-lambda-powertools/logger';
import { createLogger } from '../../../../shared/logging/observability';
import {
  isSecretField,
  REDACTED,
  redact,
  redactText,
  SECRET_FIELDS,
} from '../../../../shared/logging/redact';
import { PARTNER_SECRETS } from '../../../support/fixtures';
import { captureLines } from '../../../support/pipeline';

describe('SECRET_FIELDS', () => {
  it.each([
    'authorization_code',
    'token_value',
    'tokenValue',
    'Token-Value',
    'secret',
    'api_key',
    'apiKey',
    'token',
    'session_token',
    'private_key',
    'cvc2',
    'card_generated_cvc2',
    'pin_code',
    'password',
    'X-Bunq-Client-Authentication',
    'target_url',
    'notification_target',
    'redirect_url',
  ])('%s is secret', (key) => {
    expect(isSecretField(key)).toBe(true);
  });

  it.each([
    'token_status',
    'pin_status',
    'authorisation_status',
    'card_authorisation_id_response',
    'description',
    'dedupKey',
    'code',
    'secure_code_id',
    'server_public_key',
    'callback_url',
  ])('%s is not', (key) => {
    expect(isSecretField(key)).toBe(false);
  });

  it('is one list with no duplicates once case and separators are ignored', () => {
    const canonical = SECRET_FIELDS.map((name) => name.toLowerCase().replace(/[^a-z0-9]/g, ''));
    expect(new Set(canonical).size).toBe(SECRET_FIELDS.length);
  });
});

describe('redactText', () => {
  const [code, tokenValue] = PARTNER_SECRETS;

  it.each([
    ['JSON quoted in text', `Invalid input {"authorization_code":"${code}","status":"ACCEPTED"}`],
    ['JSON inside a JSON string', `{"detail":"{\\"token_value\\":\\"${tokenValue}\\"}"}`],
    ['an OAuth redirect URL', `redirected to https://yourpartner.com/oauth/callback?code=${code}&state=x`],
    [
      'the callback URL',
      'POST https://abc.execute-api.eu-west-1.amazonaws.com/callbacks/s3cr3t-t0k3n-value failed',
    ],
  ])('scrubs %s', (_name, text) => {
    const scrubbed = redactText(text);
    for (const secret of [code, tokenValue, 's3cr3t-t0k3n-value']) expect(scrubbed).not.toContain(secret);
    expect(scrubbed).toContain(REDACTED);
  });

  it('leaves harmless text and fields alone', () => {
    const text = '{"token_status":"ACTIVE","description":"code review"} see https://x.test/a?page=2';
    expect(redactText(text)).toBe(text);
  });
});

describe('redact', () => {
  it('copies a value with secret fields replaced at any depth', () => {
    const value = {
      a: [{ credential: { token_value: 'x', status: 'PENDING' } }],
      token_status: null,
      secret: 1,
    };
    expect(redact(value)).toEqual({
      a: [{ credential: { token_value: REDACTED, status: 'PENDING' } }],
      token_status: null,
      secret: REDACTED,
    });
  });
});

describe('a Powertools Logger with the redacting replacer', () => {
  it('keeps secrets out of attributes, nested objects, errors and messages', () => {
    const logger = createLogger('redaction-test');
    logger.setLogLevel('DEBUG');
    const lines = captureLines(logger);
    const [code, tokenValue] = PARTNER_SECRETS;
    logger.debug('provision', { oauth_request: { authorization_code: code, status: 'ACCEPTED' } });
    logger.info('credential', { credential: { token_value: tokenValue, token_status: 'ACTIVE' } });
    logger.warn('failed', { error: new Error(`ValidationException: {"authorization_code":"${code}"}`) });
    logger.error(`redirect to https://p.example/cb?code=${code}`);
    logger.info('filter', { notification_target: 'https://h.example/callbacks/t0ken-in-url' });
    expect(lines).toHaveLength(5);
    const all = lines.join('\n');
    for (const secret of [...PARTNER_SECRETS, 't0ken-in-url']) expect(all).not.toContain(secret);
    expect(all).toContain('"token_status":"ACTIVE"');
    expect(all).toContain('"status":"ACCEPTED"');
  });

  it('(control) a plain Powertools Logger would have printed them', () => {
    const logger = new Logger({ serviceName: 'control', logLevel: 'DEBUG' });
    const lines = captureLines(logger);
    logger.info('credential', { credential: { token_value: PARTNER_SECRETS[1] } });
    expect(lines.join('\n')).toContain(PARTNER_SECRETS[1]);
  });
});
