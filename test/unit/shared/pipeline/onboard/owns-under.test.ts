/** `ownsUnder`: the one rule for "this notification target is ours" (poller, fleet reconciler, onboarding). */
import { ownsUnder, userCallbackUrl } from '../../../../../shared/pipeline/onboard/ports';

const BASE = 'https://ours.example/prod/callbacks/';

describe('ownsUnder', () => {
  it.each([BASE, BASE.slice(0, -1)])('owns the partner’s URL and every user’s URL under %s', (base) => {
    const owns = ownsUnder(base);
    expect(owns(`${BASE}token-1`)).toBe(true);
    expect(owns(userCallbackUrl(BASE, 'token-1', 4711))).toBe(true);
    // An old token's URL is still ours (the reconciler repairs it).
    expect(owns(userCallbackUrl(BASE, 'token-0', 4711))).toBe(true);
  });

  it.each([
    ['another integration', 'https://other-integration.example/hook'],
    ['our host, another path', 'https://ours.example/prod/other/token-1'],
    [
      'a path sharing the prefix but not the segment',
      'https://ours.example/prod/callbacks-other/token-1/u/9',
    ],
    ['another stage', 'https://ours.example/dev/callbacks/token-1'],
    ['another host ending like ours', 'https://not-ours.example/prod/callbacks/token-1'],
  ])('does not own %s', (_name, target) => {
    expect(ownsUnder(BASE)(target)).toBe(false);
    // Without the trailing slash too: the base is a whole path segment, not a string prefix.
    expect(ownsUnder(BASE.slice(0, -1))(target)).toBe(false);
  });
});
