import { BUNQ_PRODUCTION_BASE_URL, BUNQ_SANDBOX_BASE_URL } from '../../../../shared/bunq/api/client';
import { parsePipelineConfig, recoveryBunqBaseUrl } from '../../../../shared/config/pipeline-config';

describe('configuration: recovery', () => {
  it('is off by default, polling every 5 minutes and giving up after 5 retries once enabled', () => {
    expect(parsePipelineConfig({}).recovery).toEqual({
      enabled: false,
      scheduleMinutes: 5,
      maxAttempts: 5,
      attemptTtlDays: 30,
      memoryMb: 256,
      timeoutSeconds: 120,
      reconcile: {
        enabled: false,
        scheduleMinutes: 5,
        graceMinutes: 10,
        filters: [],
        repairFilters: false,
        timeoutSeconds: 120,
      },
    });
  });

  it("calls bunq's API for the configured environment unless a base URL is given", () => {
    expect(recoveryBunqBaseUrl(parsePipelineConfig({}))).toBe(BUNQ_SANDBOX_BASE_URL);
    expect(recoveryBunqBaseUrl(parsePipelineConfig({ environment: 'production' }))).toBe(
      BUNQ_PRODUCTION_BASE_URL,
    );
    const custom = 'https://bunq-proxy.example.com/v1';
    expect(recoveryBunqBaseUrl(parsePipelineConfig({ recovery: { bunqBaseUrl: custom } }))).toBe(custom);
  });

  it.each<[string, unknown, RegExp]>([
    ['a base URL without https', { bunqBaseUrl: 'http://api.bunq.com/v1' }, /recovery\.bunqBaseUrl: .*https/],
    ['a base URL without /v1', { bunqBaseUrl: 'https://api.bunq.com' }, /recovery\.bunqBaseUrl: .*\/v1/],
    ['no attempts at all', { maxAttempts: 0 }, /recovery\.maxAttempts/],
    ['a schedule below one minute', { scheduleMinutes: 0 }, /recovery\.scheduleMinutes/],
    [
      'a timeout as long as the schedule',
      { scheduleMinutes: 1, timeoutSeconds: 60 },
      /recovery\.timeoutSeconds: must be less than scheduleMinutes in seconds \(60\)/,
    ],
    ['an unknown field', { apiKey: 'x' }, /recovery: .*apiKey/],
  ])('rejects %s, naming the field', (_name, recovery, message) => {
    expect(() => parsePipelineConfig({ recovery })).toThrow(message);
  });
});
