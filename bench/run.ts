/**
 * `npm run bench`: every figure with its median and spread, beside a floor measured in the same run, and
 * its budget checked: the exit code is 1 when a budget is missed (budgets live here, never in `npm test`).
 *
 *  - ingest: warm CPU per callback, real handler and its lean SQS client against a loopback stub
 *    (`bench/ingest-cpu.ts`), and the log bytes one callback writes;
 *  - normalize: CPU per record with its SDK calls (claim, PutEvents, the batch commit), at batches of 1
 *    and 10 (`bench/normalize-io.ts`), and its log bytes;
 *  - events: the size of the events the spec-shaped fixtures become (`bench/event-size.ts`);
 *  - bundles: size and cold import with `--enable-source-maps` of every function, bundled as the stack
 *    bundles it (`bench/bundles.ts`);
 *  - e2e: `npm start` under load (`bench/e2e.ts`);
 *  - runtime: the durable runtime under sustained load for 60 s: processed per second, backlog, time-to-200
 *    p99 and peak memory (`bench/runtime.ts`);
 *  - fleet: a partner's 1,000 provisioned users (`BENCH_FLEET_USERS=10000` for more) onboarded, one
 *    callback each with 1% recovered by the poller, and the fleet reconciler's cycle (`bench/fleet.ts`).
 *
 * `npm run bench -- ingest bundles` runs only those parts (the others' last figures are kept). Writes `bench/results/latest.json`, which
 * `npm run cost` reads.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchBundles } from './bundles';
import { benchEndToEnd } from './e2e';
import { benchEventSize } from './event-size';
import { type Figure, formatTable } from './figures';
import { benchFleet } from './fleet';
import { benchIngestCpu } from './ingest-cpu';
import { benchNormalizeIo } from './normalize-io';
import { benchRuntime, type RuntimeFigure } from './runtime';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const ROOT = join(__dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results', 'latest.json');

const PARTS: Record<string, () => Promise<Figure[]> | Figure[]> = {
  ingest: () => benchIngestCpu(),
  normalize: () => benchNormalizeIo(),
  events: () => benchEventSize(),
  bundles: () => benchBundles(),
  e2e: () => benchEndToEnd(),
  runtime: async () => (await benchRuntime()).map(asFigure),
  fleet: () => benchFleet(),
};

/** The runtime benchmark reports one value per figure (a 60 s run), so it has no spread of its own. */
function asFigure(figure: RuntimeFigure): Figure {
  return {
    ...figure,
    spread: null,
    floorSpread: null,
    floorIs: null,
    ratio: figure.floor === null || figure.floor === 0 ? null : figure.value / figure.floor,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in PARTS));
  if (unknown.length > 0) {
    throw new Error(`unknown bench part(s) ${unknown.join(', ')}; parts: ${Object.keys(PARTS).join(', ')}`);
  }
  // Figures of parts not run this time are kept, so `npm run cost` always sees a whole set.
  const before: Figure[] =
    asked.length > 0 && existsSync(RESULTS)
      ? ((JSON.parse(readFileSync(RESULTS, 'utf8')) as { figures?: Figure[] }).figures ?? []).filter(
          (old) => 'spread' in old,
        )
      : [];
  const figures: Figure[] = [];
  for (const [name, run] of Object.entries(PARTS)) {
    if (asked.length > 0 && !asked.includes(name)) continue;
    console.error(`bench: ${name}…`);
    figures.push(...(await run()));
  }
  const previous = before.filter((old) => !figures.some((f) => f.name === old.name));
  console.log(formatTable(figures));
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  writeFileSync(
    RESULTS,
    `${JSON.stringify(
      {
        measuredAt: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        seconds,
        figures: [...previous, ...figures],
      },
      null,
      2,
    )}\n`,
  );
  const missed = figures.filter((f) => !f.pass);
  console.log(
    `\n${missed.length === 0 ? 'All budgets held' : `Budgets missed: ${missed.map((f) => f.name).join('; ')}`} (${seconds} s); ${RESULTS} written.`,
  );
  if (missed.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
