import { createSourceMatcher } from '../../../../../shared/pipeline/ingest/cidr';
import {
  type CallbackRequest,
  type VerifyOptions,
  verifyCallback,
} from '../../../../../shared/pipeline/ingest/verify';

const TOKEN = 'T0k3n_abcdefghijklmnopqrstuvwxyz012345';
const options: VerifyOptions = {
  isAllowedSource: createSourceMatcher(['185.40.108.0/22', '2001:db8::/32']),
  validTokens: [TOKEN],
  maxBodyBytes: 64,
};
const request = (overrides: Partial<CallbackRequest> = {}): CallbackRequest => ({
  method: 'POST',
  token: TOKEN,
  sourceIp: '185.40.108.5',
  body: '{"NotificationUrl":{}}',
  isBase64Encoded: false,
  ...overrides,
});

describe('verifyCallback', () => {
  it('accepts a POST from an allowed source with the token and returns the body bytes', () => {
    const verdict = verifyCallback(request(), options);
    expect(verdict).toEqual({ accepted: true, body: Buffer.from('{"NotificationUrl":{}}'), userId: null });
  });

  it('reads the user id of /callbacks/{token}/u/{userId}, after the token check', () => {
    expect(verifyCallback(request({ userId: '4711' }), options)).toMatchObject({
      accepted: true,
      userId: 4711,
    });
    for (const userId of ['0', '-1', '12a', '', '1.5', '99999999999999999']) {
      expect(verifyCallback(request({ userId }), options)).toEqual({
        accepted: false,
        status: 404,
        reason: 'invalid-user-id',
      });
    }
    // Authenticity first: a wrong token is 403 whatever the segment.
    expect(verifyCallback(request({ userId: 'x', token: 'wrong' }), options)).toMatchObject({ status: 403 });
  });

  it.each<[string, Partial<CallbackRequest>, number, string]>([
    ['GET', { method: 'GET' }, 405, 'method-not-allowed'],
    ['a source outside the ranges', { sourceIp: '185.40.112.1' }, 403, 'source-not-allowed'],
    ['a missing source', { sourceIp: undefined }, 403, 'source-not-allowed'],
    ['a wrong token', { token: `${TOKEN.slice(0, -1)}X` }, 403, 'invalid-token'],
    ['no token', { token: undefined }, 403, 'invalid-token'],
    ['a body over the limit', { body: 'x'.repeat(65) }, 413, 'body-too-large'],
    [
      'a base64 body over the limit',
      { body: Buffer.alloc(65).toString('base64'), isBase64Encoded: true },
      413,
      'body-too-large',
    ],
    ['an empty body', { body: '' }, 400, 'empty-body'],
    ['no body', { body: undefined }, 400, 'empty-body'],
  ])('rejects %s', (_, overrides, status, reason) => {
    expect(verifyCallback(request(overrides), options)).toEqual({ accepted: false, status, reason });
  });

  it('checks authenticity before size: an unauthenticated oversized body is 403, not 413', () => {
    const verdict = verifyCallback(request({ token: 'wrong', body: 'x'.repeat(1000) }), options);
    expect(verdict).toMatchObject({ status: 403, reason: 'invalid-token' });
  });

  it('accepts a body of exactly the limit, counted in bytes not characters', () => {
    expect(verifyCallback(request({ body: 'x'.repeat(64) }), options).accepted).toBe(true);
    // 32 two-byte characters are 64 bytes; 33 are 66.
    expect(verifyCallback(request({ body: 'é'.repeat(32) }), options).accepted).toBe(true);
    expect(verifyCallback(request({ body: 'é'.repeat(33) }), options)).toMatchObject({ status: 413 });
  });

  it('decodes base64 bodies byte-exact', () => {
    const bytes = Buffer.from([0x7b, 0x00, 0xff, 0x7d]);
    const verdict = verifyCallback(
      request({ body: bytes.toString('base64'), isBase64Encoded: true }),
      options,
    );
    expect(verdict.accepted && verdict.body.equals(bytes)).toBe(true);
  });

  it('accepts IPv6 and IPv4-mapped sources inside the ranges', () => {
    expect(verifyCallback(request({ sourceIp: '2001:db8::42' }), options).accepted).toBe(true);
    expect(verifyCallback(request({ sourceIp: '::ffff:185.40.111.255' }), options).accepted).toBe(true);
  });

  it('accepts the previous token during a rotation', () => {
    const previous = 'previous_token_0123456789abcdefghijklmn';
    expect(
      verifyCallback(request({ token: previous }), { ...options, validTokens: [TOKEN, previous] }).accepted,
    ).toBe(true);
  });
});
