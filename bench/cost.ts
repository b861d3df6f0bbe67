/**
 * The cost model behind `npm run cost`: what a million callbacks cost, at 0.1, 1, 10 and 100 million callbacks a month, from AWS
 * list prices, this pipeline's usage per callback, and what `npm run bench` measured (CPU per callback and
 * per record, log bytes, event size: `bench/results/latest.json`). Without bench results it fails: it has
 * no built-in CPU figures to fall back on.
 *
 * Batches are derived, not assumed: Lambda's SQS poller gathers records for up to the batching window (or
 * until the batch is full), so at `r` callbacks a second a batch holds about `1 + r × window` records.
 *
 * The command line is `bench/cost-cli.ts`; docs/COST.md explains every line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { type PipelineConfig, parsePipelineConfig } from '../shared/config/pipeline-config';
import { typicalAccessLogBytes } from '../shared/wiring/access-log';

/** us-east-1 list prices (USD), checked 2026-11; other regions differ by a few percent. */
export const PRICES = {
  /** HTTP API, first 300 million requests a month; 0.90 above. */
  httpApiPerMillion: 1.0,
  httpApiPerMillionAbove300M: 0.9,
  lambdaRequestPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  sqsPerMillionRequests: 0.4,
  dynamoWritePerMillionWru: 0.625,
  dynamoReadPerMillionRru: 0.125,
  eventBridgeCustomPerMillion: 1.0,
  archiveIngestPerGb: 0.1,
  archiveStoragePerGbMonth: 0.023,
  logsIngestPerGb: 0.5,
} as const;

/** What `npm run bench` measured, read from its results. */
export interface Measured {
  /** Ingest CPU per callback on one core of the bench machine (ms). */
  readonly ingestCpuMs: number;
  /** Normalize CPU per record at batches of 1 and of 10 (ms), SDK calls included. */
  readonly normalizeCpuMsBatch1: number;
  readonly normalizeCpuMsBatch10: number;
  /** Log bytes (text + CloudWatch's 26 bytes per event): ingest per callback, normalize per record. */
  readonly ingestLogBytes: number;
  readonly normalizeLogBytesBatch1: number;
  readonly normalizeLogBytesBatch10: number;
  /** Mean event size (KB) over the spec-shaped fixtures. */
  readonly eventKb: number;
  /** Where the figures came from. */
  readonly source: string;
}

export const DEDUPE_STRATEGIES = ['batch-commit', 'claim', 'mark-after-publish'] as const;
export type DedupeStrategy = (typeof DEDUPE_STRATEGIES)[number];

/** How the pipeline is deployed: the configuration's cost levers. */
export interface Deployment {
  readonly ingestMemoryMb: number;
  readonly normalizeMemoryMb: number;
  /** `queue.batchSize`. */
  readonly maxBatchSize: number;
  /** `queue.maxBatchingWindowSeconds`. */
  readonly batchingWindowSeconds: number;
  /** `eventBus.archiveRetentionDays`; 0 here means no archive (the config's 0 is "forever"). */
  readonly archiveDays: number;
  /**
   * How dedupe writes: `batch-commit` (what is built: a claim per record, one item per batch for the
   * completions), `claim` (the previous design: a claim and a completion per record), or
   * `mark-after-publish` (modelled only: read, publish, then one write; no claim).
   */
  readonly dedupe: DedupeStrategy;
  /** The failure poller is on: the normalizer writes one arrival record per callback. */
  readonly recordArrivals: boolean;
}

/** What is not measurable without AWS, stated. */
export interface Assumptions {
  /** In-region SendMessage round trip the ingest waits for (ms). */
  readonly sqsRoundTripMs: number;
  /** One in-region DynamoDB or EventBridge call (ms); a batch's records run in parallel. */
  readonly awsCallMs: number;
  /** API Gateway access log line (bytes, with the 26-byte event overhead). */
  readonly accessLogBytes: number;
}

/** The deployment a configuration describes (`npm run cost -- --config <file>`, else the defaults). */
export function deploymentOf(config: PipelineConfig): Deployment {
  return {
    ingestMemoryMb: config.functions.ingestMemoryMb,
    normalizeMemoryMb: config.functions.normalizeMemoryMb,
    maxBatchSize: config.queue.batchSize,
    batchingWindowSeconds: config.queue.maxBatchingWindowSeconds,
    // The config's 0 is an archive kept forever: priced here as a year.
    archiveDays: config.eventBus.archiveRetentionDays === 0 ? 365 : config.eventBus.archiveRetentionDays,
    dedupe: 'batch-commit',
    recordArrivals: config.recovery.enabled,
  };
}

/** The default configuration's deployment: the same defaults `cdk deploy` uses. */
export const DEFAULT_DEPLOYMENT: Deployment = deploymentOf(parsePipelineConfig({}));

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  sqsRoundTripMs: 8,
  awsCallMs: 6,
  // The deployed format's typical line, plus CloudWatch's 26 bytes per log event.
  accessLogBytes: typicalAccessLogBytes() + 26,
};

/** Published keys per batch item (as `shared/pipeline/normalize/normalizer.ts` chunks them). */
const KEYS_PER_BATCH_ITEM = 100;

/**
 * Write units of one batch's commit of `records` keys: DynamoDB bills 1 per KB of item. An item is its id,
 * status and expiry (about 104 bytes) and per key its 24-byte name, its 36-byte event id and a byte.
 */
export function batchCommitWriteUnits(records: number): number {
  const units = (keys: number) => Math.ceil((104 + 61 * keys) / 1_024);
  const full = Math.floor(records / KEYS_PER_BATCH_ITEM);
  const rest = records - full * KEYS_PER_BATCH_ITEM;
  return full * units(KEYS_PER_BATCH_ITEM) + (rest > 0 ? units(rest) : 0);
}

/** Dedupe writes and reads per callback at batches of `batch` (duplicates, rare, read one item more). */
function dedupeUnits(strategy: DedupeStrategy, batch: number): { writes: number; reads: number } {
  if (strategy === 'claim') return { writes: 2, reads: 0 };
  if (strategy === 'mark-after-publish') return { writes: 1, reads: 1 };
  return { writes: 1 + batchCommitWriteUnits(batch) / batch, reads: 0 };
}

export const MONTHLY_VOLUMES = [100_000, 1_000_000, 10_000_000, 100_000_000] as const;

const SECONDS_PER_MONTH = 30 * 86_400;

/** Records per normalize invocation at `callbacksPerMonth`: what arrives within one batching window. */
export function expectedBatchSize(callbacksPerMonth: number, deployment: Deployment): number {
  const rate = callbacksPerMonth / SECONDS_PER_MONTH;
  return Math.min(deployment.maxBatchSize, 1 + rate * deployment.batchingWindowSeconds);
}

/** A Lambda vCPU share is proportional to memory: 1,769 MB is one vCPU. */
const vcpuShare = (memoryMb: number): number => Math.min(1, memoryMb / 1_769);

export interface CostLine {
  readonly line: string;
  readonly usd: number;
  readonly basis: string;
}

/** Cost of one million callbacks, line by line, at a monthly volume. */
export function costPerMillion(
  measured: Measured,
  deployment: Deployment,
  assumptions: Assumptions,
  callbacksPerMonth: number,
): CostLine[] {
  const million = 1_000_000;
  const batch = expectedBatchSize(callbacksPerMonth, deployment);
  const gbSeconds = (memoryMb: number, ms: number) => (memoryMb / 1_024) * (ms / 1_000);

  // Normalize CPU per invocation = fixed + per record, from the two measured batch sizes.
  const perRecordCpu = Math.max(0, (10 * measured.normalizeCpuMsBatch10 - measured.normalizeCpuMsBatch1) / 9);
  const fixedCpu = Math.max(0, measured.normalizeCpuMsBatch1 - perRecordCpu);
  const perRecordLog = Math.max(
    0,
    (10 * measured.normalizeLogBytesBatch10 - measured.normalizeLogBytesBatch1) / 9,
  );
  const fixedLog = Math.max(0, measured.normalizeLogBytesBatch1 - perRecordLog);

  const ingestMs = Math.ceil(
    measured.ingestCpuMs / vcpuShare(deployment.ingestMemoryMb) + assumptions.sqsRoundTripMs,
  );
  // Claim, PutEvents, then the batch's commit (or claim, PutEvents, complete; or read, PutEvents, mark):
  // three calls in sequence, the batch's records in parallel.
  const callsPerRecord = 3;
  const normalizeMs = Math.ceil(
    (fixedCpu + perRecordCpu * batch) / vcpuShare(deployment.normalizeMemoryMb) +
      callsPerRecord * assumptions.awsCallMs,
  );
  const invocationsPerMillion = million / batch;

  const dedupe = dedupeUnits(deployment.dedupe, batch);
  const writes = dedupe.writes + (deployment.recordArrivals ? 1 : 0);
  const { reads } = dedupe;
  const eventGb = (measured.eventKb * million) / 1_048_576;
  const logBytes = measured.ingestLogBytes + assumptions.accessLogBytes + perRecordLog + fixedLog / batch;
  const apiPrice =
    callbacksPerMonth > 300 * million ? PRICES.httpApiPerMillionAbove300M : PRICES.httpApiPerMillion;

  return [
    { line: 'API Gateway HTTP API', usd: apiPrice, basis: '1 request per callback' },
    {
      line: 'Lambda ingest',
      usd:
        PRICES.lambdaRequestPerMillion +
        million * gbSeconds(deployment.ingestMemoryMb, ingestMs) * PRICES.lambdaArmGbSecond,
      basis: `${deployment.ingestMemoryMb} MB, ~${ingestMs} ms billed (${measured.ingestCpuMs.toFixed(2)} ms CPU at the memory's vCPU share + ${assumptions.sqsRoundTripMs} ms SendMessage)`,
    },
    {
      line: 'SQS',
      usd: (1 + 2 / batch) * PRICES.sqsPerMillionRequests,
      basis: `SendMessage, and a receive and a delete per batch of ${batch.toFixed(1)}`,
    },
    {
      line: 'Lambda normalize',
      usd:
        (invocationsPerMillion / million) * PRICES.lambdaRequestPerMillion +
        invocationsPerMillion *
          gbSeconds(deployment.normalizeMemoryMb, normalizeMs) *
          PRICES.lambdaArmGbSecond,
      basis: `${deployment.normalizeMemoryMb} MB, batches of ${batch.toFixed(1)}, ~${normalizeMs} ms billed each`,
    },
    {
      line: 'DynamoDB on-demand',
      usd: writes * PRICES.dynamoWritePerMillionWru + reads * PRICES.dynamoReadPerMillionRru,
      basis: `${Number(writes.toFixed(2))} write${writes === 1 ? '' : 's'}${reads > 0 ? ` + ${reads} read` : ''} per callback (${deployment.dedupe}${deployment.recordArrivals ? ', arrivals recorded' : ''})`,
    },
    {
      line: 'EventBridge PutEvents',
      usd: PRICES.eventBridgeCustomPerMillion,
      basis: '1 event per callback (< 64 KB)',
    },
    {
      line: 'EventBridge archive',
      usd:
        deployment.archiveDays === 0
          ? 0
          : eventGb * PRICES.archiveIngestPerGb +
            eventGb * PRICES.archiveStoragePerGbMonth * (deployment.archiveDays / 30),
      basis:
        deployment.archiveDays === 0
          ? 'off'
          : `${measured.eventKb.toFixed(1)} KB per event, kept ${deployment.archiveDays} days`,
    },
    {
      line: 'CloudWatch Logs',
      usd: ((logBytes * million) / 1_073_741_824) * PRICES.logsIngestPerGb,
      basis: `~${Math.round(logBytes)} bytes per callback`,
    },
  ];
}

/** `npm run bench` has not written results this model can use. */
export class MissingBenchResultsError extends Error {
  override readonly name = 'MissingBenchResultsError';
}

/** The figure names the model reads, as `npm run bench` writes them. */
export const BENCH_FIGURES = {
  ingestCpu: 'ingest warm CPU per callback',
  normalizeCpu1: 'normalize CPU per record, batches of 1 (SDK calls to a loopback stub)',
  normalizeCpu10: 'normalize CPU per record, batches of 10 (SDK calls to a loopback stub)',
  ingestLog: 'ingest log bytes per accepted callback',
  normalizeLog1: 'normalize log bytes per record, batches of 1',
  normalizeLog10: 'normalize log bytes per record, batches of 10',
  eventBytes: 'event size, spec-shaped fixtures (mean)',
} as const;

/** Reads the bench's results; fails, naming what is missing and the fix, rather than guessing. */
export function readMeasured(file: string): Measured {
  if (!existsSync(file)) {
    throw new MissingBenchResultsError(
      `No bench results at ${file}: run \`npm run bench\` first (the cost model has no built-in CPU figures).`,
    );
  }
  const result = JSON.parse(readFileSync(file, 'utf8')) as {
    measuredAt?: string;
    figures?: { name: string; value: number }[];
  };
  const value = (name: string): number => {
    const found = result.figures?.find((f) => f.name === name)?.value;
    if (typeof found !== 'number' || !Number.isFinite(found)) {
      throw new MissingBenchResultsError(
        `${file} has no figure "${name}": run \`npm run bench\` (all parts) to measure it.`,
      );
    }
    return found;
  };
  return {
    ingestCpuMs: value(BENCH_FIGURES.ingestCpu) / 1_000,
    normalizeCpuMsBatch1: value(BENCH_FIGURES.normalizeCpu1) / 1_000,
    normalizeCpuMsBatch10: value(BENCH_FIGURES.normalizeCpu10) / 1_000,
    ingestLogBytes: value(BENCH_FIGURES.ingestLog),
    normalizeLogBytesBatch1: value(BENCH_FIGURES.normalizeLog1),
    normalizeLogBytesBatch10: value(BENCH_FIGURES.normalizeLog10),
    eventKb: value(BENCH_FIGURES.eventBytes) / 1_024,
    source: `${file} (measured ${result.measuredAt ?? 'at an unknown time'})`,
  };
}

const total = (lines: readonly CostLine[]): number => lines.reduce((sum, line) => sum + line.usd, 0);

/** The table of every line at every volume, Markdown. */
export function costTable(measured: Measured, deployment: Deployment, assumptions: Assumptions): string {
  const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000} M/month` : `${n / 1_000} k/month`);
  const columns = MONTHLY_VOLUMES.map((volume) => ({
    volume,
    batch: expectedBatchSize(volume, deployment),
    lines: costPerMillion(measured, deployment, assumptions, volume),
  }));
  const header = `| USD per million callbacks | ${columns.map((c) => label(c.volume)).join(' | ')} |`;
  const rule = `| --- | ${columns.map(() => '---:').join(' | ')} |`;
  const rows = (columns[0]?.lines ?? []).map(
    (line, index) =>
      `| ${line.line} | ${columns.map((c) => (c.lines[index]?.usd ?? 0).toFixed(2)).join(' | ')} |`,
  );
  return [
    header,
    rule,
    `| Records per normalize batch | ${columns.map((c) => c.batch.toFixed(1)).join(' | ')} |`,
    ...rows,
    `| **Total** | ${columns.map((c) => `**${total(c.lines).toFixed(2)}**`).join(' | ')} |`,
  ].join('\n');
}
