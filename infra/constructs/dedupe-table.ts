/** The normalizer's memory of which callbacks it already published. */
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DEDUPE_TABLE_KEY, DEDUPE_TABLE_TTL_ATTRIBUTE } from '../../shared/wiring/function-env';

/**
 * An on-demand DynamoDB table of dedupe markers in the layout Powertools Idempotency expects by default:
 * string partition key `id`, expiry in the TTL attribute `expiration`. Encrypted with the AWS-managed key,
 * with point-in-time recovery.
 */
export class DedupeTable extends Construct {
  /** The table. */
  public readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: DEDUPE_TABLE_KEY, type: AttributeType.STRING },
      timeToLiveAttribute: DEDUPE_TABLE_TTL_ATTRIBUTE,
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });
  }
}
