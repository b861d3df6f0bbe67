import {
  callbackTokenSecretSchema,
  tokenMatches,
  validTokensAt,
} from '../../../../../shared/pipeline/ingest/token';

const CURRENT = 'A'.repeat(40);
const PREVIOUS = 'B'.repeat(40);

describe('tokenMatches', () => {
  it('accepts the current and the previous token', () => {
    expect(tokenMatches(CURRENT, [CURRENT, PREVIOUS])).toBe(true);
    expect(tokenMatches(PREVIOUS, [CURRENT, PREVIOUS])).toBe(true);
  });

  it.each([
    ['one character different', `${'A'.repeat(39)}B`],
    ['one character shorter', 'A'.repeat(39)],
    ['one character longer', 'A'.repeat(41)],
    ['a different case', 'a'.repeat(40)],
    ['empty', ''],
  ])('rejects a token %s', (_, candidate) => {
    expect(tokenMatches(candidate, [CURRENT])).toBe(false);
  });

  it('rejects a missing token and matches nothing when no token is valid', () => {
    expect(tokenMatches(undefined, [CURRENT])).toBe(false);
    expect(tokenMatches(CURRENT, [])).toBe(false);
  });
});

describe('validTokensAt', () => {
  const now = new Date('2026-01-01T12:00:00Z');

  it('keeps the previous token during its overlap window and drops it afterwards', () => {
    const secret = {
      token: CURRENT,
      previousToken: PREVIOUS,
      previousTokenValidUntil: '2026-01-01T12:00:01Z',
    };
    expect(validTokensAt(secret, now)).toEqual([CURRENT, PREVIOUS]);
    expect(validTokensAt(secret, new Date('2026-01-01T12:00:01Z'))).toEqual([CURRENT]);
  });

  it('keeps a previous token without an end indefinitely', () => {
    expect(validTokensAt({ token: CURRENT, previousToken: PREVIOUS }, now)).toEqual([CURRENT, PREVIOUS]);
  });
});

describe('callbackTokenSecretSchema', () => {
  it('refuses short tokens and characters that do not belong in a URL path', () => {
    expect(callbackTokenSecretSchema.safeParse({ token: 'short' }).success).toBe(false);
    expect(callbackTokenSecretSchema.safeParse({ token: `${'A'.repeat(40)}/x` }).success).toBe(false);
    expect(callbackTokenSecretSchema.safeParse({ token: CURRENT }).success).toBe(true);
  });
});
