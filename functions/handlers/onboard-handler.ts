/**
 * The onboarding Lambda's handler: an SQS batch of onboarding jobs, run one after the other (each opens a
 * bunq session, and bunq limits those per address), the ones that failed reported as batch item failures
 * for SQS to deliver again.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Onboarder } from '../../shared/pipeline/onboard/onboarder';

export type OnboardHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

export function createOnboardHandler(onboarder: Onboarder): OnboardHandler {
  return async function onboardHandler(event) {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        await onboarder.process(record.body, {
          messageId: record.messageId,
          receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
        });
      } catch {
        // Logged and counted by the onboarder.
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
