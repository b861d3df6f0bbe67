/**
 * `npm run cost`: the cost model of `bench/cost.ts` over the results of `npm run bench`, as a table for 0.1, 1,
 * 10 and 100 million callbacks a month. Fails (exit 1) when there are no bench results.
 *
 * Flags: `--config <file>` (a deploy configuration; default: the defaults), `--window <s>` (batching
 * window), `--batch <n>` (largest batch), `--archive-days <d>` (0 = no archive), `--ingest-mb`,
 * `--normalize-mb`, `--dedupe batch-commit|claim|mark-after-publish`, `--record-arrivals`, `--event-kb <kb>` (your
 * callbacks' event size instead of the fixtures'), `--results <file>`, `--markdown`, `--write-doc`
 * (regenerate the measured blocks of docs/COST.md from the results).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePipelineConfig } from '../shared/config/pipeline-config';
import {
  costPerMillion,
  costTable,
  DEDUPE_STRATEGIES,
  DEFAULT_ASSUMPTIONS,
  DEFAULT_DEPLOYMENT,
  type Deployment,
  deploymentOf,
  readMeasured,
} from './cost';
import { writeCostDoc } from './cost-doc';
import type { Figure } from './figures';

const USAGE = `npm run cost -- [flags]: what a million callbacks cost at 0.1, 1, 10 and 100 million a month,
from the results of \`npm run bench\` (bench/results/latest.json). Fails when there are none.

  --config <file>        a deploy configuration (default: the defaults)
  --window <s>           the batching window (queue.maxBatchingWindowSeconds)
  --batch <n>            the largest batch (queue.batchSize)
  --archive-days <d>     days the archive keeps events; 0 = no archive
  --ingest-mb <mb>       ingest memory
  --normalize-mb <mb>    normalize memory
  --dedupe <strategy>    batch-commit (default), claim (one completion per record, as before) or
                         mark-after-publish (modelled, not built)
  --record-arrivals      the failure poller is on (one more write per callback)
  --event-kb <kb>        your callbacks' event size instead of the fixtures'
  --results <file>       bench results to read (default bench/results/latest.json)
  --markdown             the tables only
  --write-doc            regenerate the measured blocks of docs/COST.md from the results
  --help                 this text`;

function parseArgs(argv: readonly string[]): {
  deployment: Deployment;
  results: string;
  markdown: boolean;
  eventKb: number | undefined;
  writeDoc: boolean;
} {
  let eventKb: number | undefined;
  let writeDoc = false;
  let deployment: Deployment = { ...DEFAULT_DEPLOYMENT };
  let results = join(__dirname, 'results', 'latest.json');
  let markdown = false;
  const number = (flag: string, text: string | undefined): number => {
    const value = Number(text);
    if (text === undefined || !Number.isFinite(value) || value < 0) {
      throw new Error(`${flag} needs a number, got ${JSON.stringify(text)}`);
    }
    return value;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] as string;
    const next = () => argv[++i];
    switch (flag) {
      case '--config': {
        const file = next() ?? '';
        deployment = { ...deploymentOf(parsePipelineConfig(JSON.parse(readFileSync(file, 'utf8')), file)) };
        break;
      }
      case '--window':
        deployment = { ...deployment, batchingWindowSeconds: number(flag, next()) };
        break;
      case '--batch':
        deployment = { ...deployment, maxBatchSize: Math.max(1, number(flag, next())) };
        break;
      case '--archive-days':
        deployment = { ...deployment, archiveDays: number(flag, next()) };
        break;
      case '--ingest-mb':
        deployment = { ...deployment, ingestMemoryMb: number(flag, next()) };
        break;
      case '--normalize-mb':
        deployment = { ...deployment, normalizeMemoryMb: number(flag, next()) };
        break;
      case '--dedupe': {
        const strategy = DEDUPE_STRATEGIES.find((known) => known === next());
        if (strategy === undefined) {
          throw new Error(
            `--dedupe is one of ${DEDUPE_STRATEGIES.join(', ')}, got ${JSON.stringify(argv[i])}`,
          );
        }
        deployment = { ...deployment, dedupe: strategy };
        break;
      }
      case '--record-arrivals':
        deployment = { ...deployment, recordArrivals: true };
        break;
      case '--event-kb':
        eventKb = number(flag, next());
        break;
      case '--results':
        results = next() ?? results;
        break;
      case '--markdown':
        markdown = true;
        break;
      case '--write-doc':
        writeDoc = true;
        break;
      default:
        throw new Error(`unknown flag ${flag}\n\n${USAGE}`);
    }
  }
  return { deployment, results, markdown, eventKb, writeDoc };
}

function main(): void {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  try {
    const { deployment, results, markdown, eventKb, writeDoc } = parseArgs(process.argv.slice(2));
    const read = readMeasured(results);
    // An event size of your own callbacks replaces the fixtures' (the archive line scales with it).
    const measured =
      eventKb === undefined
        ? read
        : { ...read, eventKb, source: `${read.source}; event size ${eventKb} KB given` };
    const assumptions = DEFAULT_ASSUMPTIONS;
    if (writeDoc) {
      // Regenerates docs/COST.md's measured blocks from this run (bench/cost-doc.ts).
      const { figures } = JSON.parse(readFileSync(results, 'utf8')) as { figures: Figure[] };
      const doc = join(__dirname, '..', 'docs', 'COST.md');
      writeCostDoc(doc, { measured, deployment, assumptions, figures });
      console.log(`${doc} regenerated from ${results}.`);
    }
    console.log(costTable(measured, deployment, assumptions));
    const withoutArchive = costTable(measured, { ...deployment, archiveDays: 0 }, assumptions)
      .split('\n')
      .pop();
    console.log(`\nWithout the archive: ${withoutArchive?.replace(/\*\*Total\*\*/, 'total')}`);
    if (!markdown) {
      console.log('\nPer line at 1 M callbacks a month:');
      for (const line of costPerMillion(measured, deployment, assumptions, 1_000_000)) {
        console.log(`  ${line.line.padEnd(22)} ${line.usd.toFixed(2).padStart(5)}  ${line.basis}`);
      }
      console.log(
        `\nDeployment: ${JSON.stringify(deployment)}\nAssumed: ${JSON.stringify(assumptions)}\nMeasured: ${measured.source}`,
      );
    }
  } catch (error) {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exitCode = 1;
  }
}

main();
