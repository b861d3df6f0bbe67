/** A real DynamoDB implementation (dynalite, in memory) on loopback, as the local runtime uses it. */
export {
  type LocalDynamoDb as LocalDynamo,
  startLocalDynamoDb as startDynalite,
} from '../../local/local-dynamodb';
