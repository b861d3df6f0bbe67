import { callbackTokenSecretSchema } from '../../../../../shared/pipeline/ingest/token';
import {
  CALLBACK_TOKEN_MARKER,
  isReceivedBody,
  redactCallbackTokens,
  sha256Hex,
} from '../../../../../shared/pipeline/ingest/token-marker';

const CURRENT = 'Zk3_rT9-aQ7bL2mN8pX4cV6dF1gH5jK0sW3eR7tY';
const PREVIOUS = 'pL9oK8iJ7uH6yG5tF4rD3eS2wA1qZ0xC9vB8nM7_';

const bunqBody = (token: string, extra = ''): string =>
  JSON.stringify({
    NotificationUrl: {
      target_url: `https://callbacks.example.com/callbacks/${token}`,
      category: 'MUTATION',
      event_type: 'MUTATION_CREATED',
      object: { Payment: { id: 1, description: `${extra}` } },
    },
  });

describe('redactCallbackTokens', () => {
  it('replaces the token in target_url and everywhere else, leaving every other byte as it was', () => {
    const body = Buffer.from(bunqBody(CURRENT, `ref ${CURRENT}${CURRENT} end`));
    const redacted = redactCallbackTokens(body, [CURRENT, PREVIOUS]);
    expect(redacted.toString()).toBe(
      bunqBody(CALLBACK_TOKEN_MARKER, `ref ${CALLBACK_TOKEN_MARKER}${CALLBACK_TOKEN_MARKER} end`),
    );
    expect(redacted.includes(CURRENT)).toBe(false);
  });

  it('replaces the previous token too, during a rotation', () => {
    const redacted = redactCallbackTokens(Buffer.from(bunqBody(PREVIOUS, CURRENT)), [CURRENT, PREVIOUS]);
    expect(redacted.toString()).toBe(bunqBody(CALLBACK_TOKEN_MARKER, CALLBACK_TOKEN_MARKER));
  });

  it('works on bytes that are not UTF-8 text, and leaves a body without the token as the same bytes', () => {
    const binary = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0x00]),
      Buffer.from(CURRENT),
      Buffer.from([0xc3]),
    ]);
    expect(redactCallbackTokens(binary, [CURRENT])).toEqual(
      Buffer.concat([
        Buffer.from([0xff, 0xfe, 0x00]),
        Buffer.from(CALLBACK_TOKEN_MARKER),
        Buffer.from([0xc3]),
      ]),
    );
    const plain = Buffer.from(bunqBody('someone-elses-path'));
    expect(redactCallbackTokens(plain, [CURRENT])).toEqual(plain);
  });

  it('uses a marker that can never be a valid token', () => {
    expect(callbackTokenSecretSchema.safeParse({ token: CALLBACK_TOKEN_MARKER }).success).toBe(false);
  });
});

describe('isReceivedBody', () => {
  it('verifies a redacted body against the digest of the body as received, given the token', () => {
    const received = Buffer.from(bunqBody(CURRENT, CURRENT));
    const digest = sha256Hex(received);
    const stored = redactCallbackTokens(received, [CURRENT]);
    expect(isReceivedBody(stored, CURRENT, digest)).toBe(true);
    expect(isReceivedBody(stored, PREVIOUS, digest)).toBe(false);
    const tampered = Buffer.from(stored.toString().replace('MUTATION_CREATED', 'MUTATION_UPDATED'));
    expect(isReceivedBody(tampered, CURRENT, digest)).toBe(false);
  });

  it('is the hex SHA-256 of the bytes', () => {
    expect(sha256Hex(Buffer.from('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
