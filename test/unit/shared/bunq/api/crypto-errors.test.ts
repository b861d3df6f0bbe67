import {
  generateRsaKeyPair,
  privateKeyFromPem,
  publicKeyFromPem,
  publicKeyPemOf,
  signBytes,
  verifyBytes,
} from '../../../../../shared/bunq/api/crypto';
import {
  BunqApiError,
  BunqBadRequestError,
  BunqError,
  BunqRateLimitError,
  BunqServerError,
  BunqUnexpectedStatusError,
  bunqApiErrorFor,
} from '../../../../../shared/bunq/api/errors';

describe('signatures', () => {
  let privatePem: string;
  let publicPem: string;
  beforeAll(async () => {
    ({ privateKeyPem: privatePem, publicKeyPem: publicPem } = await generateRsaKeyPair());
  });

  it('makes 2048-bit RSA keys as PKCS#8 and SPKI PEM', () => {
    expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(publicPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(privateKeyFromPem(privatePem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(publicKeyPemOf(privateKeyFromPem(privatePem))).toBe(publicPem);
  });

  it('signs the exact bytes (RSA PKCS#1 v1.5 SHA-256, base64) and detects any change', () => {
    const body = Buffer.from('{"secret":"x","description":"é"}', 'utf8');
    const signature = signBytes(body, privateKeyFromPem(privatePem));
    expect(Buffer.from(signature, 'base64')).toHaveLength(256);
    const key = publicKeyFromPem(publicPem);
    expect(verifyBytes(body, signature, key)).toBe(true);
    expect(verifyBytes(Buffer.from('{"secret":"x", "description":"é"}', 'utf8'), signature, key)).toBe(false);
    expect(verifyBytes(body, 'not base64 at all', key)).toBe(false);
    expect(verifyBytes(body, '', key)).toBe(false);
  });

  it('does not echo a broken private key in the error', () => {
    const broken = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----';
    expect(() => privateKeyFromPem(broken)).toThrow('The private key is not a valid PEM private key.');
    try {
      privateKeyFromPem(broken);
    } catch (error) {
      expect(String((error as Error).cause)).not.toContain('c2VjcmV0');
    }
  });
});

describe('bunqApiErrorFor', () => {
  const details = { method: 'GET', path: '/user/1/x', descriptions: ['Nope.'], responseId: 'r-1' };

  it('builds the error class of the status with its fields and a readable message', () => {
    const error = bunqApiErrorFor({ ...details, status: 400 }, { cause: new Error('root') });
    expect(error).toBeInstanceOf(BunqBadRequestError);
    expect(error).toBeInstanceOf(BunqApiError);
    expect(error).toBeInstanceOf(BunqError);
    expect(error).toMatchObject({
      name: 'BunqBadRequestError',
      status: 400,
      description: 'Nope.',
      responseId: 'r-1',
    });
    expect(error.message).toBe('bunq GET /user/1/x failed with HTTP 400: Nope.');
    expect((error.cause as Error).message).toBe('root');
  });

  it.each([
    [400, 'BunqBadRequestError'],
    [401, 'BunqUnauthorizedError'],
    [403, 'BunqForbiddenError'],
    [404, 'BunqNotFoundError'],
    [405, 'BunqMethodNotAllowedError'],
    [429, 'BunqRateLimitError'],
    [466, 'BunqSignatureRequiredError'],
    [490, 'BunqUserError'],
    [491, 'BunqMaintenanceError'],
    [500, 'BunqServerError'],
    [599, 'BunqServerError'],
    [402, 'BunqUnexpectedStatusError'],
    [600, 'BunqUnexpectedStatusError'],
  ])('builds HTTP %i as %s', (status, name) => {
    const error = bunqApiErrorFor({ ...details, status });
    expect(error).toBeInstanceOf(BunqApiError);
    expect(error.name).toBe(name);
    expect(error.status).toBe(status);
  });

  it('maps every 5xx to BunqServerError and unknown statuses to BunqUnexpectedStatusError', () => {
    expect(bunqApiErrorFor({ ...details, status: 502 })).toBeInstanceOf(BunqServerError);
    expect(bunqApiErrorFor({ ...details, status: 418 })).toBeInstanceOf(BunqUnexpectedStatusError);
  });

  it('keeps Retry-After on 429', () => {
    const error = bunqApiErrorFor({ ...details, status: 429, retryAfterMs: 2_000 });
    expect(error).toBeInstanceOf(BunqRateLimitError);
    expect((error as BunqRateLimitError).retryAfterMs).toBe(2_000);
  });

  it.each([
    ['Insufficient authorisation.', true],
    ['Insufficient authentication.', true],
    [' insufficient AUTHORISATION. ', true],
    ['Insufficient permissions.', false],
  ])('"%s" means an expired session: %s', (description, expired) => {
    expect(bunqApiErrorFor({ ...details, status: 401, descriptions: [description] }).isSessionExpired).toBe(
      expired,
    );
  });

  it('says so when the body had no description', () => {
    expect(bunqApiErrorFor({ ...details, status: 500, descriptions: [] }).description).toBe(
      '(no error description in the response)',
    );
  });
});
