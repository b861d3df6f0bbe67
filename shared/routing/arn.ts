/**
 * ARNs of route targets: parsing, and one validator per target type that says what is wrong and what a
 * right ARN looks like. Pure: no CDK, no SDK, so the local runtime and the stack validate the same way.
 */

/** The parts of an ARN: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** Everything after the account, e.g. `function:payments` or `event-bus/team`. */
  readonly resource: string;
}

/** Partitions EventBridge runs in. */
const PARTITION = /^aws(-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;

/** Splits an ARN into its parts, or null when `text` is not shaped like one. */
export function parseArn(text: string): ParsedArn | null {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return null;
  const [, partition = '', service = '', region = '', account = ''] = parts;
  const resource = parts.slice(5).join(':');
  if (partition === '' || service === '' || resource === '') return null;
  return { partition, service, region, account, resource };
}

/** What an ARN of one target type must look like. */
export interface ArnRule {
  /** The service part the ARN must have, e.g. `sqs`. */
  readonly service: string;
  /** What the target is, for messages: "an SQS queue". */
  readonly noun: string;
  /** A valid example, for messages. */
  readonly example: string;
  /** The resource part (after the account). */
  readonly resource: RegExp;
  /** What the resource part must be, for messages. */
  readonly resourceHint: string;
}

export const ARN_RULES = {
  sqs: {
    service: 'sqs',
    noun: 'an SQS queue',
    example: 'arn:aws:sqs:eu-west-1:123456789012:payments',
    resource: /^(?:[A-Za-z0-9_-]{1,80}|[A-Za-z0-9_-]{1,75}\.fifo)$/,
    resourceHint: 'a queue name: 1-80 letters, digits, "-" or "_" (FIFO queues end in ".fifo")',
  },
  lambda: {
    service: 'lambda',
    noun: 'a Lambda function',
    example: 'arn:aws:lambda:eu-west-1:123456789012:function:payments',
    resource: /^function:[A-Za-z0-9_-]{1,64}(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/,
    resourceHint: '"function:<name>", optionally followed by ":<alias or version>"',
  },
  eventBus: {
    service: 'events',
    noun: 'an EventBridge event bus',
    example: 'arn:aws:events:eu-west-1:210987654321:event-bus/payments',
    resource: /^event-bus\/[A-Za-z0-9._\-/]{1,256}$/,
    resourceHint: '"event-bus/<name>"',
  },
  sns: {
    service: 'sns',
    noun: 'an SNS topic',
    example: 'arn:aws:sns:eu-west-1:123456789012:payments',
    resource: /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/,
    resourceHint: 'a topic name: 1-256 letters, digits, "-" or "_"',
  },
  logGroup: {
    service: 'logs',
    noun: 'a CloudWatch Logs log group',
    example: 'arn:aws:logs:eu-west-1:123456789012:log-group:/bunq/payments',
    resource: /^log-group:[A-Za-z0-9._\-/#]{1,512}(:\*)?$/,
    resourceHint: '"log-group:<name>" (letters, digits, ".", "_", "-", "/", "#")',
  },
  secret: {
    service: 'secretsmanager',
    noun: 'a Secrets Manager secret',
    example: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments-api-key-AbCdEf',
    resource: /^secret:[A-Za-z0-9/_+=.@-]{1,512}$/,
    resourceHint: '"secret:<name>"',
  },
  kmsKey: {
    service: 'kms',
    noun: 'a KMS key',
    example: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    resource: /^key\/[A-Za-z0-9-]{1,128}$/,
    resourceHint: '"key/<key id>" (an alias ARN cannot be granted)',
  },
} as const satisfies Record<string, ArnRule>;

export type ArnKind = keyof typeof ARN_RULES;

/** Why `text` is not a valid ARN of `kind`, or null when it is. */
export function arnProblem(kind: ArnKind, text: string): string | null {
  const rule: ArnRule = ARN_RULES[kind];
  const arn = parseArn(text);
  const expected = `use the ARN of ${rule.noun}, e.g. ${rule.example}`;
  if (arn === null) return `"${text}" is not an ARN: ${expected}`;
  if (!PARTITION.test(arn.partition)) return `"${arn.partition}" is not an AWS partition: ${expected}`;
  if (arn.service !== rule.service) {
    return `"${text}" is an ARN of service "${arn.service}", not "${rule.service}": ${expected}`;
  }
  if (!REGION.test(arn.region)) return `"${text}" needs a region such as eu-west-1: ${expected}`;
  if (!ACCOUNT.test(arn.account)) return `"${text}" needs a 12-digit account id: ${expected}`;
  if (!rule.resource.test(arn.resource)) {
    return `"${arn.resource}" in "${text}" is not ${rule.resourceHint}: ${expected}`;
  }
  return null;
}
