// The ingest's floor: the smallest SDK bundle that can do its one essential call (SQS SendMessage), its
// client constructed as an entry would.
import { SQSClient } from '@aws-sdk/client-sqs';

export const clients = [new SQSClient({})];
