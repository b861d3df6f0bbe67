/**
 * The metrics contract: each metric listed as emitted is emitted by code (its constant is used outside the
 * definition, in `functions/` or `shared/`), so the list that alarms are checked against (see
 * `test/infra/alarm-metrics.test.ts`) is not wider than what runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  EMITTED_METRICS,
  INGEST_METRICS,
  NORMALIZE_METRICS,
  RECOVERY_METRICS,
  SERVICE_NAMES,
} from '../../../../shared/wiring/metrics';

const ROOT = join(__dirname, '..', '..', '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Emitting code: the functions and the shared cores, not the definition itself. */
const emittingSource = [...sourceFiles(join(ROOT, 'functions')), ...sourceFiles(join(ROOT, 'shared'))]
  .filter((file) => relative(ROOT, file) !== join('shared', 'wiring', 'metrics.ts'))
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');

describe('metrics contract', () => {
  const groups = { INGEST_METRICS, NORMALIZE_METRICS, RECOVERY_METRICS };
  for (const [group, metrics] of Object.entries(groups)) {
    for (const [key, name] of Object.entries(metrics)) {
      it(`${name} (${group}.${key}) is used by emitting code`, () => {
        expect(emittingSource).toContain(`${group}.${key}`);
      });
    }
  }

  it('lists each emitting function’s metrics under its service name', () => {
    expect(EMITTED_METRICS[SERVICE_NAMES.ingest]).toEqual(Object.values(INGEST_METRICS));
    expect(EMITTED_METRICS[SERVICE_NAMES.normalize]).toEqual(Object.values(NORMALIZE_METRICS));
    expect(EMITTED_METRICS[SERVICE_NAMES.retryFailures]).toEqual(Object.values(RECOVERY_METRICS));
  });

  it('has no metric name twice', () => {
    const all = Object.values(EMITTED_METRICS).flat();
    expect(new Set(all).size).toBe(all.length);
  });
});
