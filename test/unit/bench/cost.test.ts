/** The cost model: batches derived from volume and window, no silent fallback, every line priced. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BENCH_FIGURES,
  batchCommitWriteUnits,
  costPerMillion,
  costTable,
  DEFAULT_ASSUMPTIONS,
  DEFAULT_DEPLOYMENT,
  expectedBatchSize,
  type Measured,
  MissingBenchResultsError,
  readMeasured,
} from '../../../bench/cost';

const measured: Measured = {
  ingestCpuMs: 0.5,
  normalizeCpuMsBatch1: 2,
  normalizeCpuMsBatch10: 1.1,
  ingestLogBytes: 300,
  normalizeLogBytesBatch1: 800,
  normalizeLogBytesBatch10: 620,
  eventKb: 2,
  source: 'test',
};
const sum = (volume: number, deployment = DEFAULT_DEPLOYMENT) =>
  costPerMillion(measured, deployment, DEFAULT_ASSUMPTIONS, volume).reduce((t, l) => t + l.usd, 0);

describe('expectedBatchSize', () => {
  it('is what arrives within one window, capped by the batch size', () => {
    const oneSecond = { ...DEFAULT_DEPLOYMENT, batchingWindowSeconds: 1 };
    // One million a month is 0.386 a second: a batch is the first record plus 0.39 more.
    expect(expectedBatchSize(1_000_000, oneSecond)).toBeCloseTo(1.386, 2);
    expect(expectedBatchSize(100_000_000, oneSecond)).toBe(10);
    expect(expectedBatchSize(1_000_000, { ...oneSecond, batchingWindowSeconds: 0 })).toBe(1);
  });
});

describe('costPerMillion', () => {
  /** The cost of one line at a million callbacks a month. */
  const lineUsd = (line: string, deployment = DEFAULT_DEPLOYMENT) =>
    costPerMillion(measured, deployment, DEFAULT_ASSUMPTIONS, 1_000_000).find((l) => l.line === line)?.usd;

  it('reproduces the issue: a 1 s window at a million a month leaves batches of about one', () => {
    // SendMessage + (receive + delete) / 1.386.
    expect(lineUsd('SQS', { ...DEFAULT_DEPLOYMENT, batchingWindowSeconds: 1 })).toBeCloseTo(
      0.4 * (1 + 2 / 1.386),
      2,
    );
  });

  it('costs less per callback as volume fills the batches', () => {
    expect(sum(100_000)).toBeGreaterThan(sum(1_000_000));
    expect(sum(1_000_000)).toBeGreaterThan(sum(10_000_000) - 1e-9);
  });

  it('prices the dedupe strategy and the arrival records', () => {
    const dynamo = (deployment = DEFAULT_DEPLOYMENT) => lineUsd('DynamoDB on-demand', deployment);
    // Batch commit: a claim per callback and one write unit per batch (4.86 records at 1 M, 10 s window).
    const batch = expectedBatchSize(1_000_000, DEFAULT_DEPLOYMENT);
    expect(dynamo()).toBeCloseTo(0.625 * (1 + 1 / batch), 5);
    expect(dynamo({ ...DEFAULT_DEPLOYMENT, dedupe: 'claim' })).toBeCloseTo(1.25, 5);
    expect(dynamo({ ...DEFAULT_DEPLOYMENT, dedupe: 'mark-after-publish' })).toBeCloseTo(0.625 + 0.125, 5);
    expect(dynamo({ ...DEFAULT_DEPLOYMENT, recordArrivals: true })).toBeCloseTo(0.625 * (2 + 1 / batch), 5);
  });

  it('bills a batch item by its size: one write unit up to 15 keys, then more', () => {
    expect(batchCommitWriteUnits(1)).toBe(1);
    expect(batchCommitWriteUnits(15)).toBe(1);
    expect(batchCommitWriteUnits(16)).toBe(2);
    // Items of at most 100 keys: 7 units each.
    expect(batchCommitWriteUnits(250)).toBe(7 + 7 + 4);
  });

  it('drops the archive line when the archive is off', () => {
    expect(lineUsd('EventBridge archive', { ...DEFAULT_DEPLOYMENT, archiveDays: 0 })).toBe(0);
  });

  it('prints one column per monthly volume', () => {
    const table = costTable(measured, DEFAULT_DEPLOYMENT, DEFAULT_ASSUMPTIONS);
    expect(table.split('\n')[0]).toBe(
      '| USD per million callbacks | 100 k/month | 1 M/month | 10 M/month | 100 M/month |',
    );
    expect(table).toMatch(/\| \*\*Total\*\* \|/);
  });
});

describe('readMeasured', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cost-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fails, naming the command, when there are no bench results', () => {
    expect(() => readMeasured(join(dir, 'latest.json'))).toThrow(MissingBenchResultsError);
    expect(() => readMeasured(join(dir, 'latest.json'))).toThrow(/npm run bench/);
  });

  it('fails, naming the figure, when a result is missing one', () => {
    const file = join(dir, 'latest.json');
    writeFileSync(file, JSON.stringify({ figures: [{ name: BENCH_FIGURES.ingestCpu, value: 500 }] }));
    expect(() => readMeasured(file)).toThrow(new RegExp(BENCH_FIGURES.normalizeCpu1.replace(/[()]/g, '.')));
  });

  it('reads every figure in its unit', () => {
    const file = join(dir, 'latest.json');
    const values: Record<string, number> = {
      [BENCH_FIGURES.ingestCpu]: 500,
      [BENCH_FIGURES.normalizeCpu1]: 2_000,
      [BENCH_FIGURES.normalizeCpu10]: 1_100,
      [BENCH_FIGURES.ingestLog]: 300,
      [BENCH_FIGURES.normalizeLog1]: 800,
      [BENCH_FIGURES.normalizeLog10]: 620,
      [BENCH_FIGURES.eventBytes]: 2_048,
    };
    writeFileSync(
      file,
      JSON.stringify({ figures: Object.entries(values).map(([name, value]) => ({ name, value })) }),
    );
    expect(readMeasured(file)).toMatchObject({ ...measured, source: expect.stringContaining(file) });
  });
});
