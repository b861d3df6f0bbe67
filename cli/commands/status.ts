/**
 * `status`: what an operator checks first. Our filters at bunq, the failed callbacks bunq lists, pinned
 * certificates, queue depths (dead-letter queues first), the token's rotation state and the failure poller's
 * last run. Each part is read on its own: one that fails is reported and the others still show (exit 1).
 *
 * The poller's last run: the exact time is the `PollerHeartbeat` metric in CloudWatch, which needs
 * `@aws-sdk/client-cloudwatch` (not a dependency). What the installed clients can tell is the day the poller
 * last read its state secret (Secrets Manager `LastAccessedDate`, which keeps the date only).
 */
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { CertificatePinned, NotificationFilterFailure } from '../../shared/bunq/api/schemas';
import {
  assessPinnedCertificates,
  PIN_RENEWAL_WARNING_DAYS,
  pinnedChainOf,
} from '../../shared/pipeline/recovery/pinned-certificates';
import { METRICS_NAMESPACE, RECOVERY_METRICS, SERVICE_NAMES } from '../../shared/wiring/metrics';
import { ROUTE_OUTPUT_SUFFIXES, STACK_OUTPUTS } from '../../shared/wiring/stack-outputs';
import { type CallbackTarget, readTokenSecret, resolveCallbackTarget } from '../callback-target';
import { describeCertificate } from '../certificate-chain';
import { type CommandOutput, type FilterScope, scopeLabel } from '../command';
import { defineCommand } from '../command-table';
import type { CliContext } from '../context';
import { EXIT, toCliError, UsageError } from '../errors';
import { readScope, scopeOf } from '../filter-apply';
import { positiveInteger } from '../options';

type Section<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

async function section<T>(work: () => Promise<T>): Promise<Section<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: toCliError(error).message };
  }
}

/** A pin at bunq as `status` shows it: its leaf, when it expires, and how many days that leaves. */
interface PinSummary {
  readonly id: number;
  readonly subject: string | null;
  readonly validTo: string | null;
  readonly daysToExpiry: number | null;
}

function describePins(pins: readonly CertificatePinned[], now: Date): PinSummary[] {
  const assessed = assessPinnedCertificates([], pins.map(pinnedChainOf), now).pins;
  return pins.map((pin, index) => {
    const leafPem = pinnedChainOf(pin).pems[0];
    let subject: string | null = null;
    if (leafPem !== undefined) {
      try {
        subject = describeCertificate(leafPem).subject;
      } catch {
        subject = null;
      }
    }
    const found = assessed[index];
    return {
      id: pin.id,
      subject,
      validTo: found?.leafValidTo ?? null,
      daysToExpiry: found?.daysToExpiry ?? null,
    };
  });
}

function pinLine(pin: PinSummary): string {
  if (pin.validTo === null || pin.daysToExpiry === null)
    return `id ${pin.id}: the pinned chain does not parse`;
  const when =
    pin.daysToExpiry < 0
      ? `EXPIRED ${-pin.daysToExpiry} day(s) ago`
      : `${pin.daysToExpiry} day(s) left${pin.daysToExpiry < PIN_RENEWAL_WARNING_DAYS ? ': pin the renewed chain now' : ''}`;
  return `id ${pin.id}: ${pin.subject ?? '(unknown subject)'}, expires ${pin.validTo} (${when})`;
}

interface QueueDepth {
  readonly output: string;
  readonly url: string;
  readonly waiting: number;
  readonly inFlight: number;
  readonly delayed: number;
}

interface FailureSummary {
  readonly total: number;
  /** Failures whose filter points at our URL; null when ours is unknown. */
  readonly ours: number | null;
  /** Failures whose filter was deleted since (bunq lists no filter for them). */
  readonly withoutFilter: number;
  readonly byCategory: Record<string, number>;
  readonly oldest: string | null;
  readonly newest: string | null;
}

function summarizeFailures(
  failures: readonly NotificationFilterFailure[],
  target: CallbackTarget | null,
): FailureSummary {
  const byCategory: Record<string, number> = {};
  let ours = 0;
  let withoutFilter = 0;
  const times: string[] = [];
  for (const failure of failures) {
    const category = failure.category ?? '(none)';
    byCategory[category] = (byCategory[category] ?? 0) + 1;
    const targets = (failure.notification_filters ?? []).flatMap((filter) =>
      typeof filter.notification_target === 'string' ? [filter.notification_target] : [],
    );
    if (targets.length === 0) withoutFilter += 1;
    if (target !== null && targets.some((url) => target.owns(url))) ours += 1;
    if (failure.created) times.push(failure.created);
  }
  times.sort();
  return {
    total: failures.length,
    ours: target === null ? null : ours,
    withoutFilter,
    byCategory,
    oldest: times[0] ?? null,
    newest: times[times.length - 1] ?? null,
  };
}

async function bunqAvailable(context: CliContext): Promise<boolean> {
  return (
    context.deps.bunqStateStore !== undefined ||
    context.flags.string('api-key') !== undefined ||
    (await context.optional('bunq-state-secret-arn', STACK_OUTPUTS.bunqStateSecretArn)) !== undefined
  );
}

async function queueUrls(context: CliContext): Promise<Array<{ output: string; url: string }>> {
  const explicit = context.flags.string('dead-letter-queue-url');
  if (explicit !== undefined) return [{ output: '--dead-letter-queue-url', url: explicit }];
  const outputs = await context.outputs();
  const callbacksDlq: string = STACK_OUTPUTS.deadLetterQueueUrl;
  const keys = [...outputs.keys()]
    .filter((key) => key.endsWith(ROUTE_OUTPUT_SUFFIXES.deadLetterQueueUrl))
    .sort((a, b) => (a === callbacksDlq ? -1 : b === callbacksDlq ? 1 : a.localeCompare(b)));
  if (outputs.has(STACK_OUTPUTS.callbackQueueUrl)) keys.push(STACK_OUTPUTS.callbackQueueUrl);
  return keys.map((key) => ({ output: key, url: outputs.get(key) as string }));
}

async function queueDepth(context: CliContext, output: string, url: string): Promise<QueueDepth> {
  const answer = await context.sqs().send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const count = (name: string) => Number(answer.Attributes?.[name as keyof typeof answer.Attributes] ?? 0);
  return {
    output,
    url,
    waiting: count('ApproximateNumberOfMessages'),
    inFlight: count('ApproximateNumberOfMessagesNotVisible'),
    delayed: count('ApproximateNumberOfMessagesDelayed'),
  };
}

async function status(context: CliContext): Promise<CommandOutput> {
  const { flags } = context;
  const monetaryAccountId = positiveInteger(flags, 'monetary-account');
  const outputs = await context.outputs();
  const haveBunq = await bunqAvailable(context);
  const haveTarget =
    flags.string('callback-url') !== undefined ||
    (await context.optional('callback-base-url', STACK_OUTPUTS.callbackBaseUrl)) !== undefined;
  if (!haveBunq && outputs.size === 0 && flags.string('dead-letter-queue-url') === undefined) {
    throw new UsageError(
      'Nothing to show: pass --stack <name> (queues, secrets, callback URL) and/or a bunq API key (BUNQ_API_KEY or --api-key).',
    );
  }

  const target = haveTarget ? await section(() => resolveCallbackTarget(context, false)) : null;
  const owner = target?.ok ? target.value : null;

  const tokenSecretId = await context.optional('token-secret-arn', STACK_OUTPUTS.tokenSecretArn);
  const token =
    tokenSecretId === undefined
      ? null
      : await section(async () => {
          const tokens = await readTokenSecret(context.secretsManager(), tokenSecretId);
          const until = tokens.previousTokenValidUntil ?? null;
          return {
            previousToken: tokens.previousToken !== undefined,
            previousTokenValidUntil: until,
            previousTokenValid:
              tokens.previousToken !== undefined &&
              (until === null || Date.parse(until) > context.now().getTime()),
          };
        });

  const bunq = !haveBunq
    ? null
    : await section(async () => {
        const session = await context.bunq();
        const scope: FilterScope = scopeOf(session, monetaryAccountId);
        const filters = (await readScope(session, scope)).flatMap((filter) =>
          typeof filter.notification_target === 'string'
            ? [{ category: filter.category, target: filter.notification_target }]
            : [],
        );
        const failures = await session.client.listNotificationFilterFailures(session.userId);
        const pins = await session.client.listCertificatesPinned(session.userId);
        return {
          session,
          scope,
          filters,
          failures: summarizeFailures(failures, owner),
          pins: describePins(pins, context.now()),
        };
      });

  const queues = await section(async () => {
    const urls = await queueUrls(context);
    return Promise.all(urls.map(({ output, url }) => queueDepth(context, output, url)));
  });

  const pollerSecret = await context.optional('bunq-state-secret-arn', STACK_OUTPUTS.bunqStateSecretArn);
  const poller =
    outputs.size === 0 && pollerSecret === undefined
      ? null
      : await section(async () => {
          if (pollerSecret === undefined) return { enabled: false as const };
          const described = await context
            .secretsManager()
            .send(new DescribeSecretCommand({ SecretId: pollerSecret }));
          return {
            enabled: true as const,
            stateSecretLastReadOn: described.LastAccessedDate?.toISOString().slice(0, 10) ?? null,
            stateSecretLastChangedAt: described.LastChangedDate?.toISOString() ?? null,
            precision: 'day' as const,
            exactSource: `CloudWatch metric ${METRICS_NAMESPACE}/${RECOVERY_METRICS.heartbeat} (service=${SERVICE_NAMES.retryFailures})`,
          };
        });

  const failed = [target, token, bunq, queues, poller].some((part) => part !== null && !part.ok);
  const show = context.showUrl;
  const lines: string[] = [];
  if (context.stackName !== undefined) lines.push(`Stack ${context.stackName}`);
  if (target !== null) {
    lines.push(
      target.ok
        ? `Callback URL: ${show(target.value.url ?? `${target.value.baseUrl}<token>`)}`
        : `Callback URL: ERROR ${target.error}`,
    );
  }
  if (token !== null) {
    lines.push(
      !token.ok
        ? `  token secret: ERROR ${token.error}`
        : token.value.previousTokenValid
          ? `  token: rotated; the previous token is still accepted until ${token.value.previousTokenValidUntil ?? 'further notice'}`
          : '  token: one token valid (no rotation overlap running)',
    );
  }
  if (bunq === null)
    lines.push('bunq: skipped (no API key: BUNQ_API_KEY, --api-key, or a stack with failure recovery)');
  else if (!bunq.ok) lines.push(`bunq: ERROR ${bunq.error}`);
  else {
    const { session, scope, filters, failures, pins } = bunq.value;
    const ours = owner === null ? null : filters.filter((pair) => owner.owns(pair.target));
    lines.push(`bunq ${session.baseUrl}, user ${session.userId}`);
    lines.push(
      `  filters, ${scopeLabel(scope)}: ${filters.length}${ours === null ? '' : ` (${ours.length} ours)`}`,
    );
    const width = Math.max(0, ...filters.map((pair) => pair.category.length));
    for (const pair of filters) {
      const note = owner === null ? '' : owner.owns(pair.target) ? '  (ours)' : '  (another integration)';
      lines.push(`    ${pair.category.padEnd(width)} -> ${show(pair.target)}${note}`);
    }
    lines.push(
      `  failed callbacks bunq lists: ${failures.total}` +
        (failures.ours === null ? '' : ` (${failures.ours} to our URL)`) +
        (failures.total === 0
          ? ''
          : `, oldest ${failures.oldest}; by category ${Object.entries(failures.byCategory)
              .map(([category, count]) => `${category} ${count}`)
              .join(', ')}`),
    );
    lines.push(`  pinned certificates: ${pins.length === 0 ? 'none' : pins.length}`);
    for (const pin of pins) lines.push(`    ${pinLine(pin)}`);
  }
  if (!queues.ok) lines.push(`Queues: ERROR ${queues.error}`);
  else if (queues.value.length > 0) {
    lines.push('Queues');
    for (const queue of queues.value) {
      lines.push(
        `  ${queue.output}: ${queue.waiting} waiting, ${queue.inFlight} in flight${queue.delayed > 0 ? `, ${queue.delayed} delayed` : ''}`,
      );
    }
  }
  if (poller !== null) {
    lines.push(
      !poller.ok
        ? `Failure poller: ERROR ${poller.error}`
        : !poller.value.enabled
          ? 'Failure poller: not enabled (the stack has no BunqStateSecretArn output)'
          : `Failure poller: last read its state secret on ${poller.value.stateSecretLastReadOn ?? 'never'} ` +
            `(day precision; the exact last run is the ${RECOVERY_METRICS.heartbeat} metric in CloudWatch)`,
    );
  }

  const value = <T>(part: Section<T> | null, map: (value: T) => unknown) =>
    part === null ? null : part.ok ? map(part.value) : { error: part.error };
  return {
    exitCode: failed ? EXIT.failure : EXIT.ok,
    json: {
      command: 'status',
      stack: context.stackName ?? null,
      callback: value(target, (t) => ({
        url: t.url === undefined ? null : show(t.url),
        baseUrl: t.baseUrl ?? null,
      })),
      token: value(token, (t) => t),
      bunq: value(bunq, (b) => ({
        baseUrl: b.session.baseUrl,
        userId: b.session.userId,
        monetaryAccountId: b.scope.monetaryAccountId ?? null,
        filters: b.filters.map((pair) => ({
          category: pair.category,
          target: show(pair.target),
          ours: owner === null ? null : owner.owns(pair.target),
        })),
        failures: b.failures,
        pinnedCertificateIds: b.pins.map((pin) => pin.id),
        pinnedCertificates: b.pins,
      })),
      queues: value(queues, (q) => q),
      poller: value(poller, (p) => p),
    },
    text: lines.join('\n'),
  };
}

export const statusCommand = defineCommand('status', status, {
  heartbeatMetric: RECOVERY_METRICS.heartbeat,
  metricsNamespace: METRICS_NAMESPACE,
  pollerService: SERVICE_NAMES.retryFailures,
});
