/**
 * Reading the onboarding queue's messages back (the ingest writes them with `encodeOnboardingJob` of
 * `provision.ts`, without a schema library on its hot path): one {@link OnboardingJob} as JSON. The body
 * holds the OAuth authorization code: the queue is encrypted and read only by the onboarding function, and
 * the code is single-use (worthless once exchanged).
 */
import * as z from 'zod';
import type { OnboardingJob } from './provision';

export { encodeOnboardingJob } from './provision';

const jobSchema = z.object({
  provisionId: z.number().int().positive(),
  provisionStatus: z.string().nullable(),
  oauthStatus: z.string().nullable(),
  authorizationCode: z.string().nullable(),
  redirectUri: z.string().nullable(),
  updated: z.string().nullable(),
  receivedAt: z.string(),
});

export class MalformedOnboardingJobError extends Error {
  override readonly name = 'MalformedOnboardingJobError';
}

/** Reads a job back; the error names the fields that are wrong, never a value (the body holds the code). */
export function decodeOnboardingJob(body: string): OnboardingJob {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedOnboardingJobError('the onboarding message is not JSON');
  }
  const parsed = jobSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new MalformedOnboardingJobError(`the onboarding message is malformed (fields: ${fields})`);
  }
  return parsed.data;
}
