// The normalizer's floor: only the SDK clients it uses, constructed as its entry does.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

export const clients = [
  new SQSClient({}),
  new DynamoDBClient({}),
  new EventBridgeClient({}),
  new S3Client({}),
];
