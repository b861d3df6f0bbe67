/** The `monitoring` section: defaults that alarm on the first lost or stuck callback, and clear errors. */
import { ConfigError, parsePipelineConfig } from '../../../../shared/config/pipeline-config';

function issuesOf(monitoring: unknown): string[] {
  try {
    parsePipelineConfig({ monitoring });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
}

it('alarms by default, on the first lost or stuck callback', () => {
  expect(parsePipelineConfig({}).monitoring).toEqual({
    enabled: true,
    alarmEmails: [],
    dashboard: true,
    periodMinutes: 5,
    thresholds: {
      failedCallbacksOutstanding: 0,
      failedCallbacksOutstandingMinutes: 15,
      retriesExhausted: 0,
      pollerHeartbeatMissedPolls: 2,
      pollErrorsConsecutivePolls: 3,
      callbackQueueAgeSeconds: 900,
      deadLetterQueueMessages: 0,
      functionErrors: 0,
      functionThrottles: 0,
      api5xx: 0,
      ruleFailedInvocations: 0,
      deadLettered: 0,
      rejectedCallbacks: 20,
    },
  });
});

it('keeps the defaults of thresholds it is not given', () => {
  const { thresholds } = parsePipelineConfig({ monitoring: { thresholds: { api5xx: 3 } } }).monitoring;
  expect(thresholds.api5xx).toBe(3);
  expect(thresholds.rejectedCallbacks).toBe(20);
});

it.each([
  [
    'a bad e-mail address',
    { alarmEmails: ['ops'] },
    /^monitoring\.alarmEmails\.0: use an e-mail address, e\.g\. ops@example\.com$/,
  ],
  [
    'a negative threshold',
    { thresholds: { functionErrors: -1 } },
    /^monitoring\.thresholds\.functionErrors: .*>=0/,
  ],
  [
    'a fractional threshold',
    { thresholds: { rejectedCallbacks: 2.5 } },
    /^monitoring\.thresholds\.rejectedCallbacks: /,
  ],
  [
    'a backlog window under one period',
    { thresholds: { failedCallbacksOutstandingMinutes: 1 } },
    /failedCallbacksOutstandingMinutes: .*>=5/,
  ],
  ['a period CloudWatch does not offer', { periodMinutes: 7 }, /^monitoring\.periodMinutes: /],
  [
    'an unknown threshold',
    { thresholds: { api500: 1 } },
    /^monitoring\.thresholds: Unrecognized key: "api500"$/,
  ],
])('rejects %s, naming the field', (_name, monitoring, message) => {
  expect(issuesOf(monitoring)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
});
