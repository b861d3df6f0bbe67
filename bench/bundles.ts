/**
 * Bundle size and cold import of each function, bundled exactly as the stack bundles it
 * (`infra/constructs/bundling.ts`), beside a floor bundled the same way: only the AWS SDK clients the
 * function would need (`bench/floors/`). Cold import is the time a fresh `node --enable-source-maps` (the
 * functions' NODE_OPTIONS) takes to import the bundle; floor and function alternate round by round so a
 * noisy moment hits both alike.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_FILE, esbuildOptions } from '../infra/constructs/bundling';
import { INGEST_ENV, NORMALIZE_ENV, RETRY_FAILURES_ENV } from '../shared/wiring/function-env';
import { type Figure, figure, formatTable } from './figures';

const ROOT = join(__dirname, '..');

/** What each entry reads at module load, with values of the right shape (nothing is called). */
const IMPORT_ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  NODE_OPTIONS: '',
  [INGEST_ENV.queueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/callbacks',
  [INGEST_ENV.tokenSecretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:token',
  [INGEST_ENV.allowedSourceCidrs]: '185.40.108.0/22',
  [INGEST_ENV.maxBodyBytes]: '1044480',
  [INGEST_ENV.tokenCacheSeconds]: '60',
  [NORMALIZE_ENV.dedupeTableName]: 'dedupe',
  [NORMALIZE_ENV.dedupeTtlSeconds]: '259200',
  [NORMALIZE_ENV.eventBusName]: 'bunq',
  [NORMALIZE_ENV.eventSource]: 'bunq',
  [NORMALIZE_ENV.deadLetterQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/callbacks-dlq',
  [NORMALIZE_ENV.retryBackoffBaseSeconds]: '10',
  [NORMALIZE_ENV.retryBackoffMaxSeconds]: '300',
  [NORMALIZE_ENV.claimCheckBucket]: 'claims',
  [NORMALIZE_ENV.recordArrivals]: 'false',
  [RETRY_FAILURES_ENV.bunqStateSecretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bunq',
  [RETRY_FAILURES_ENV.bunqBaseUrl]: 'https://public-api.sandbox.bunq.com/v1',
  [RETRY_FAILURES_ENV.tableName]: 'dedupe',
  [RETRY_FAILURES_ENV.maxAttempts]: '5',
  [RETRY_FAILURES_ENV.attemptTtlSeconds]: '604800',
};

export interface BundleBudget {
  /** Largest bundle (KB), or none. */
  readonly maxKb?: number;
  /** Largest cold import as a multiple of the floor's, or none. */
  readonly maxImportRatio?: number;
}

/** The functions measured, with their budgets (issue 15: the ingest at most 250 KB, no slower than its floor). */
export const BUNDLES: readonly { readonly name: string; readonly budget: BundleBudget }[] = [
  { name: 'ingest', budget: { maxKb: 250, maxImportRatio: 1 } },
  { name: 'normalize', budget: {} },
  { name: 'retry-failures', budget: {} },
];

/** Bundles `entry` as the stack does and returns the bundle's size in bytes. */
export async function bundleAsShipped(entry: string, outfile: string): Promise<number> {
  await build(esbuildOptions(entry, outfile));
  return statSync(outfile).size;
}

/** Milliseconds a fresh `node --enable-source-maps` takes to import `file`. */
export function coldImportMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t))`;
  const out = execFileSync(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '--eval', script],
    {
      env: { PATH: process.env.PATH ?? '', ...IMPORT_ENV },
      encoding: 'utf8',
    },
  );
  const ms = Number(out);
  if (!Number.isFinite(ms)) throw new Error(`importing ${file} printed ${JSON.stringify(out)}, not a time`);
  return ms;
}

/** Size and cold import of every function and its floor. `rounds` imports of each, interleaved. */
export async function benchBundles(rounds = 15): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bunq-bench-bundles-'));
  const figures: Figure[] = [];
  try {
    for (const { name, budget } of BUNDLES) {
      const out = join(dir, name, BUNDLE_FILE);
      const floorOut = join(dir, `floor-${name}`, BUNDLE_FILE);
      const size = await bundleAsShipped(join(ROOT, 'functions', `${name}.ts`), out);
      const floorSize = await bundleAsShipped(join(ROOT, 'bench', 'floors', `${name}.ts`), floorOut);
      const floorIs = 'its AWS SDK clients only, bundled the same way';
      figures.push(
        figure({
          name: `${name} bundle size`,
          unit: 'KB',
          samples: size / 1024,
          floor: { samples: floorSize / 1024, is: floorIs },
          budget: budget.maxKb === undefined ? 'report only' : `≤ ${budget.maxKb} KB`,
          holds: (kb) => budget.maxKb === undefined || kb <= budget.maxKb,
        }),
      );
      coldImportMs(out);
      coldImportMs(floorOut);
      const times: number[] = [];
      const floorTimes: number[] = [];
      for (let round = 0; round < rounds; round += 1) {
        // Alternate which goes first, so neither always runs on a warmer disk cache.
        if (round % 2 === 0) {
          times.push(coldImportMs(out));
          floorTimes.push(coldImportMs(floorOut));
        } else {
          floorTimes.push(coldImportMs(floorOut));
          times.push(coldImportMs(out));
        }
      }
      const maxRatio = budget.maxImportRatio;
      figures.push(
        figure({
          name: `${name} cold import (--enable-source-maps)`,
          unit: 'ms',
          samples: times,
          floor: { samples: floorTimes, is: floorIs },
          budget: maxRatio === undefined ? 'report only' : `≤ ${maxRatio}x floor`,
          holds: (_, ratio) => maxRatio === undefined || (ratio !== null && ratio <= maxRatio),
        }),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

if (require.main === module) {
  void (async () => {
    const figures = await benchBundles(Number(process.argv[2] ?? 15));
    console.log(formatTable(figures));
    if (!figures.every((f) => f.pass)) process.exitCode = 1;
  })();
}
