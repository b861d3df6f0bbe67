/**
 * Fuzzing the callback token check: it matches exactly the valid tokens, and its comparison does not depend
 * on where or whether the candidate differs: every valid token is compared (no early exit), always as two
 * SHA-256 digests of the same length, whatever the candidate's length or content.
 */
// The default import is the module object itself, which the token check calls through: a spy on it sees the calls.
import crypto from 'node:crypto';
import fc from 'fast-check';
import { tokenMatches } from '../../../../../shared/pipeline/ingest/token';
import { presentedToken, runs } from '../../../../fuzz/hostile';

const CURRENT = 'current_token_0123456789abcdefghijklmnopqrstuv';
const PREVIOUS = 'previous_token_0123456789abcdefghijklmnopqrstu';

afterEach(() => jest.restoreAllMocks());

describe('tokenMatches under fuzzing', () => {
  it('accepts exactly the valid tokens: one character or one length away is refused', () => {
    fc.assert(
      fc.property(
        presentedToken({ current: CURRENT, previous: PREVIOUS }),
        fc.boolean(),
        (presented, withPrevious) => {
          const valid = withPrevious ? [CURRENT, PREVIOUS] : [CURRENT];
          const expected = presented.token !== undefined && valid.includes(presented.token);
          expect(tokenMatches(presented.token, valid)).toBe(expected);
        },
      ),
      { numRuns: runs(500) },
    );
  });

  it('compares every valid token, as equal-length digests, whatever the candidate', () => {
    const compare = jest.spyOn(crypto, 'timingSafeEqual');
    fc.assert(
      fc.property(
        fc.oneof(
          presentedToken({ current: CURRENT, previous: PREVIOUS }).map((presented) => presented.token),
          fc.string({ maxLength: 4_096, unit: 'binary' }),
        ),
        fc.constantFrom([CURRENT], [CURRENT, PREVIOUS], [PREVIOUS, CURRENT]),
        (candidate, valid) => {
          compare.mockClear();
          tokenMatches(candidate, valid);
          // One comparison per valid token, even after a match: no early exit to time.
          expect(compare).toHaveBeenCalledTimes(valid.length);
          for (const [a, b] of compare.mock.calls) {
            expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
          }
        },
      ),
      { numRuns: runs(300) },
    );
  });
});
