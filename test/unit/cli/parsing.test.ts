import { parseDuration, parseTimestamp } from '../../../cli/duration';
import { RefusedError, UsageError } from '../../../cli/errors';
import { categoriesFlag, parseFlags } from '../../../cli/options';
import { checkCallbackUrl, maskUrl, resolveBunqBaseUrl } from '../../../cli/urls';

describe('resolveBunqBaseUrl', () => {
  it('knows production and sandbox by name', () => {
    expect(resolveBunqBaseUrl('production', '--bunq-base-url', false)).toBe('https://api.bunq.com/v1');
    expect(resolveBunqBaseUrl('Sandbox', '--bunq-base-url', false)).toBe(
      'https://public-api.sandbox.bunq.com/v1',
    );
  });

  it('adds /v1 to a bare origin and keeps a given path', () => {
    expect(resolveBunqBaseUrl('http://127.0.0.1:3100', 'x', false)).toBe('http://127.0.0.1:3100/v1');
    expect(resolveBunqBaseUrl('http://127.0.0.1:3100/v1/', 'x', false)).toBe('http://127.0.0.1:3100/v1');
  });

  it('refuses plain HTTP off this machine unless --allow-http', () => {
    expect(() => resolveBunqBaseUrl('http://bunq.example', 'x', false)).toThrow(RefusedError);
    expect(resolveBunqBaseUrl('http://bunq.example', 'x', true)).toBe('http://bunq.example/v1');
    expect(() => resolveBunqBaseUrl('not a url', '--bunq-base-url', false)).toThrow(
      /--bunq-base-url must be/,
    );
  });
});

describe('checkCallbackUrl', () => {
  it('accepts HTTPS, and HTTP only with --allow-http', () => {
    expect(checkCallbackUrl('https://x.example/callbacks/t', '--callback-url', false)).toBe(
      'https://x.example/callbacks/t',
    );
    expect(() => checkCallbackUrl('http://127.0.0.1:3000/callbacks/t', '--callback-url', false)).toThrow(
      /not HTTPS.*--allow-http/,
    );
    expect(checkCallbackUrl('http://127.0.0.1:3000/callbacks/t', '--callback-url', true)).toBe(
      'http://127.0.0.1:3000/callbacks/t',
    );
  });
});

describe('maskUrl', () => {
  it('shortens long path segments (tokens) and hides the query', () => {
    expect(maskUrl(`https://x.example/callbacks/${'a'.repeat(43)}?key=secret`)).toBe(
      'https://x.example/callbacks/aaaa…?…',
    );
    expect(maskUrl('https://x.example/callbacks/short')).toBe('https://x.example/callbacks/short');
  });
});

describe('durations and times', () => {
  it('parses units and combinations', () => {
    expect(parseDuration('24h', '--overlap')).toBe(86_400_000);
    expect(parseDuration('1h30m', '--overlap')).toBe(5_400_000);
    expect(() => parseDuration('24', '--overlap')).toThrow(/--overlap must be a duration/);
  });

  it('takes RFC 3339 times with a zone only', () => {
    expect(parseTimestamp('2026-01-31T08:00:00Z', '--from').toISOString()).toBe('2026-01-31T08:00:00.000Z');
    expect(parseTimestamp('2026-01-31T10:00:00+02:00', '--from').toISOString()).toBe(
      '2026-01-31T08:00:00.000Z',
    );
    expect(() => parseTimestamp('2026-01-31 08:00', '--from')).toThrow(UsageError);
  });
});

describe('flags', () => {
  const specs = {
    categories: { type: 'string', description: '' },
    'api-key': { type: 'string', env: 'BUNQ_API_KEY', description: '' },
  } as const;

  it('falls back to the environment variable and says so in labels', () => {
    const flags = parseFlags([], specs, { BUNQ_API_KEY: 'k' }, 'register');
    expect(flags.string('api-key')).toBe('k');
    expect(flags.label('api-key')).toBe('--api-key (from BUNQ_API_KEY)');
  });

  it('rejects unknown flags with a pointer to --help', () => {
    expect(() => parseFlags(['--categorys', 'X'], specs, {}, 'register')).toThrow(
      /Unknown option '--categorys'.*bunq-webhooks register --help/,
    );
  });

  it('checks categories as bunq spells them', () => {
    expect(
      categoriesFlag(parseFlags(['--categories', 'MUTATION, PAYMENT,MUTATION'], specs, {}, 'x')),
    ).toEqual(['MUTATION', 'PAYMENT']);
    expect(() => categoriesFlag(parseFlags(['--categories', 'mutation'], specs, {}, 'x'))).toThrow(
      /did you mean MUTATION/,
    );
  });
});
