/**
 * `npm run cost`: the cost of one million callbacks from AWS list prices, with the per-callback usage of this
 * pipeline and the CPU times `npm run bench` measured (bench/results/latest.json, when present). Prints a
 * Markdown table; docs/COST.md explains every line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** us-east-1 list prices (USD), checked 2026-11; other regions differ by a few percent. */
export const PRICES = {
  httpApiPerMillion: 1.0,
  lambdaRequestPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  sqsPerMillionRequests: 0.4,
  dynamoWritePerMillionWru: 0.625,
  eventBridgeCustomPerMillion: 1.0,
  archiveIngestPerGb: 0.1,
  archiveStoragePerGbMonth: 0.023,
  logsIngestPerGb: 0.5,
} as const;

/** What one callback uses, with the assumptions that are not measured here written next to them. */
export interface Usage {
  /** Ingest memory (MB) and the measured CPU per callback on one core of the bench machine (ms). */
  readonly ingestMemoryMb: number;
  readonly ingestCpuMs: number;
  /** Assumed in-region SendMessage round trip (ms): not measurable without AWS. */
  readonly sqsRoundTripMs: number;
  readonly normalizeMemoryMb: number;
  readonly normalizeCpuMs: number;
  /** Records per normalize invocation. */
  readonly batchSize: number;
  /** Assumed per-record I/O of the normalizer (claim, PutEvents, complete), records of a batch in parallel. */
  readonly normalizeBatchIoMs: number;
  /** SQS requests per callback: SendMessage, plus ReceiveMessage and DeleteMessageBatch per batch. */
  readonly sqsRequests: number;
  /** DynamoDB write units per callback: the dedupe claim and its completion (+1 with the failure poller). */
  readonly dynamoWrites: number;
  /** Average event size in KB (detail with the bunq object), for the archive. */
  readonly eventKb: number;
  readonly archiveDays: number;
  /** Log bytes per callback: ingest EMF, API access log, normalize "event published", batch EMF share. */
  readonly logBytes: number;
}

/** A Lambda vCPU share is proportional to memory: 1,769 MB is one vCPU. */
const vcpuShare = (memoryMb: number): number => Math.min(1, memoryMb / 1_769);

export function costPerMillion(usage: Usage): { line: string; usd: number; note: string }[] {
  const million = 1_000_000;
  const ingestMs = Math.ceil(usage.ingestCpuMs / vcpuShare(usage.ingestMemoryMb) + usage.sqsRoundTripMs);
  const normalizeMs = Math.ceil(
    (usage.normalizeCpuMs * usage.batchSize) / vcpuShare(usage.normalizeMemoryMb) + usage.normalizeBatchIoMs,
  );
  const invocations = million / usage.batchSize;
  const gbSeconds = (memoryMb: number, ms: number, count: number) =>
    (memoryMb / 1_024) * (ms / 1_000) * count;
  const eventGb = (usage.eventKb * million) / 1_048_576;
  return [
    { line: 'API Gateway HTTP API', usd: PRICES.httpApiPerMillion, note: '1 request per callback' },
    {
      line: 'Lambda ingest',
      usd:
        PRICES.lambdaRequestPerMillion +
        gbSeconds(usage.ingestMemoryMb, ingestMs, million) * PRICES.lambdaArmGbSecond,
      note: `${usage.ingestMemoryMb} MB arm64, ~${ingestMs} ms billed (${usage.ingestCpuMs.toFixed(2)} ms CPU scaled to the memory's vCPU share + ${usage.sqsRoundTripMs} ms SendMessage)`,
    },
    {
      line: 'SQS',
      usd: usage.sqsRequests * PRICES.sqsPerMillionRequests,
      note: `${usage.sqsRequests} requests per callback`,
    },
    {
      line: 'Lambda normalize',
      usd:
        (invocations / million) * PRICES.lambdaRequestPerMillion +
        gbSeconds(usage.normalizeMemoryMb, normalizeMs, invocations) * PRICES.lambdaArmGbSecond,
      note: `${usage.normalizeMemoryMb} MB arm64, batches of ${usage.batchSize}, ~${normalizeMs} ms billed per batch`,
    },
    {
      line: 'DynamoDB on-demand',
      usd: usage.dynamoWrites * PRICES.dynamoWritePerMillionWru,
      note: `${usage.dynamoWrites} write units per callback (dedupe claim + completion)`,
    },
    {
      line: 'EventBridge PutEvents',
      usd: PRICES.eventBridgeCustomPerMillion,
      note: '1 event per callback (< 64 KB)',
    },
    {
      line: 'EventBridge archive',
      usd:
        eventGb * PRICES.archiveIngestPerGb +
        eventGb * PRICES.archiveStoragePerGbMonth * (usage.archiveDays / 30),
      note: `${usage.eventKb} KB per event, kept ${usage.archiveDays} days`,
    },
    {
      line: 'CloudWatch Logs',
      usd: ((usage.logBytes * million) / 1_073_741_824) * PRICES.logsIngestPerGb,
      note: `~${usage.logBytes} bytes per callback`,
    },
  ];
}

interface BenchFigure {
  readonly name: string;
  readonly value: number;
}

/** CPU per callback from the latest bench run, or the figures of the run quoted in docs/COST.md. */
export function measuredCpu(root = join(__dirname, '..')): { ingestCpuMs: number; normalizeCpuMs: number } {
  const file = join(root, 'bench', 'results', 'latest.json');
  const fallback = { ingestCpuMs: 0.9, normalizeCpuMs: 1 / 16 };
  if (!existsSync(file)) return fallback;
  const { figures } = JSON.parse(readFileSync(file, 'utf8')) as { figures: BenchFigure[] };
  const ingest = figures.find((f) => f.name === 'ingest warm CPU per callback')?.value;
  const normalize = figures.find((f) => f.name === 'normalize throughput per core')?.value;
  return {
    ingestCpuMs: ingest === undefined ? fallback.ingestCpuMs : ingest / 1_000,
    normalizeCpuMs: normalize === undefined ? fallback.normalizeCpuMs : 1_000 / normalize,
  };
}

export const DEFAULT_USAGE: Omit<Usage, 'ingestCpuMs' | 'normalizeCpuMs'> = {
  ingestMemoryMb: 512,
  sqsRoundTripMs: 8,
  normalizeMemoryMb: 512,
  batchSize: 10,
  normalizeBatchIoMs: 30,
  sqsRequests: 1.2,
  dynamoWrites: 2,
  eventKb: 5,
  archiveDays: 30,
  logBytes: 1_150,
};

if (require.main === module) {
  const usage: Usage = { ...DEFAULT_USAGE, ...measuredCpu() };
  const rows = costPerMillion(usage);
  const total = rows.reduce((sum, row) => sum + row.usd, 0);
  console.log('| Line | USD per million callbacks | Basis |\n| --- | ---: | --- |');
  for (const row of rows) console.log(`| ${row.line} | ${row.usd.toFixed(2)} | ${row.note} |`);
  console.log(`| **Total** | **${total.toFixed(2)}** | |`);
  const withoutArchive = total - (rows.find((row) => row.line === 'EventBridge archive')?.usd ?? 0);
  console.log(`\nWithout the archive: ${withoutArchive.toFixed(2)} USD per million.`);
}
