import {
  ConfigError,
  DEFAULT_MAX_BODY_BYTES,
  parsePipelineConfig,
} from '../../../../shared/config/pipeline-config';

describe('parsePipelineConfig', () => {
  it('fills safe defaults for the sandbox: any source, the SQS-sized body limit, 72 h dedupe', () => {
    const config = parsePipelineConfig({});
    expect(config.environment).toBe('sandbox');
    expect(config.ingest.allowedSourceCidrs).toEqual(['0.0.0.0/0', '::/0']);
    expect(config.ingest.maxBodyBytes).toBe(DEFAULT_MAX_BODY_BYTES);
    expect(config.dedupe.ttlHours).toBe(72);
    expect(config.eventSource).toBe('bunq');
  });

  it("defaults production to bunq's published range", () => {
    expect(parsePipelineConfig({ environment: 'production' }).ingest.allowedSourceCidrs).toEqual([
      '185.40.108.0/22',
    ]);
  });

  it('keeps explicit source ranges', () => {
    const config = parsePipelineConfig({
      environment: 'production',
      ingest: { allowedSourceCidrs: ['203.0.113.0/24'] },
    });
    expect(config.ingest.allowedSourceCidrs).toEqual(['203.0.113.0/24']);
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown environment', { environment: 'prod' }, /environment: /],
    [
      'a bad range',
      { ingest: { allowedSourceCidrs: ['1.2.3.4/33'] } },
      /ingest\.allowedSourceCidrs\.0: .*prefix length/,
    ],
    [
      'an empty range list',
      { ingest: { allowedSourceCidrs: [] } },
      /ingest\.allowedSourceCidrs: list at least one/,
    ],
    [
      'a body limit over one SQS message',
      { ingest: { maxBodyBytes: 2_000_000 } },
      /ingest\.maxBodyBytes: must fit one SQS message/,
    ],
    ['a dedupe window under 24 hours', { dedupe: { ttlHours: 1 } }, /dedupe\.ttlHours: at least 24 hours/],
    ['an unknown key', { queue: { maxReceiveCount: 3, retries: 2 } }, /queue: Unrecognized key/],
    ['a reserved event source', { eventSource: 'aws.bunq' }, /eventSource: the "aws\." prefix is reserved/],
    [
      'a visibility timeout too short for the function timeout',
      { queue: { visibilityTimeoutSeconds: 60 }, functions: { normalizeTimeoutSeconds: 30 } },
      /queue\.visibilityTimeoutSeconds: must be at least 6 times/,
    ],
    [
      'a signature mode that does not exist',
      { ingest: { callbackSignature: { mode: 'strict' } } },
      /ingest\.callbackSignature\.mode: /,
    ],
    [
      'a server public key that is not a PEM key',
      { ingest: { callbackSignature: { serverPublicKeyPem: 'MIIB...' } } },
      /ingest\.callbackSignature\.serverPublicKeyPem: is not a PEM public key/,
    ],
    [
      'enforced signatures with no key to check them',
      { ingest: { callbackSignature: { mode: 'enforce' } } },
      /ingest\.callbackSignature\.serverPublicKeyPem: enforce needs a key/,
    ],
    ['an ingest concurrency of 0', { ingest: { reservedConcurrency: 0 } }, /ingest\.reservedConcurrency: /],
    ['an event source concurrency under 2', { queue: { maxConcurrency: 1 } }, /queue\.maxConcurrency: /],
    [
      'a rate-limit scope that is neither address nor session',
      { partnerOnboarding: { categories: ['MUTATION'], rateLimitScope: 'account' } },
      /partnerOnboarding\.rateLimitScope: /,
    ],
  ])('names the field for %s', (_, input, message) => {
    expect(() => parsePipelineConfig(input, 'test.json')).toThrow(message);
    expect(() => parsePipelineConfig(input, 'test.json')).toThrow(ConfigError);
  });

  it('counts the fleet commands’ rate limits per address unless partnerOnboarding says session', () => {
    const onboarding = (more: object) =>
      parsePipelineConfig({ partnerOnboarding: { categories: ['MUTATION'], ...more } }).partnerOnboarding;
    expect(onboarding({})?.rateLimitScope).toBe('address');
    expect(onboarding({ rateLimitScope: 'session' })?.rateLimitScope).toBe('session');
  });

  it('names the source document in the message', () => {
    expect(() => parsePipelineConfig({ environment: 1 }, 'config/prod.json')).toThrow(
      /Invalid config\/prod\.json/,
    );
  });
});
