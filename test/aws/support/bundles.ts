/**
 * The deployable bundles: each Lambda entry built with esbuild the way the stack's `PipelineFunction` has
 * `NodejsFunction` build it (bundle everything, the AWS SDK included; CommonJS; node22; minified, with a
 * source map without sources). Built once by the tier's global setup into a temporary directory.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';

/** The environment variable the global setup passes the bundle directory in. */
export const BUNDLE_DIR_ENV = 'BUNQ_WEBHOOKS_BUNDLE_DIR';

/** The Lambda entries under `functions/`. */
export const ENTRIES = ['ingest', 'normalize', 'retry-failures'] as const;
export type EntryName = (typeof ENTRIES)[number];

const PROJECT_ROOT = path.join(__dirname, '..', '..', '..');

/** Builds every entry into `<dir>/<name>/index.js` (the layout of a Lambda asset) and returns `dir`. */
export async function buildBundles(): Promise<string> {
  const directory = mkdtempSync(path.join(tmpdir(), 'bunq-webhooks-bundles-'));
  await Promise.all(
    ENTRIES.map((name) =>
      build({
        entryPoints: [path.join(PROJECT_ROOT, 'functions', `${name}.ts`)],
        outfile: path.join(directory, name, 'index.js'),
        // The options `NodejsFunction` passes for PipelineFunction's `bundling` (infra/constructs/pipeline-function.ts).
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        minify: true,
        sourcemap: true,
        sourcesContent: false,
        external: [],
        logLevel: 'warning',
      }),
    ),
  );
  return directory;
}

/** The path of an entry's bundle, or of its TypeScript source. */
export function entryPath(kind: 'source' | 'bundle', name: EntryName): string {
  if (kind === 'source') return path.join(PROJECT_ROOT, 'functions', `${name}.ts`);
  const directory = process.env[BUNDLE_DIR_ENV];
  if (directory === undefined)
    throw new Error(`${BUNDLE_DIR_ENV} is not set: the AWS tier's global setup builds the bundles`);
  return path.join(directory, name, 'index.js');
}

/** Both forms every AWS case runs against: the TypeScript sources and the bundles that ship. */
export const CODE_FORMS = ['source', 'bundle'] as const;
export type CodeForm = (typeof CODE_FORMS)[number];

/**
 * Loads an entry as Lambda does: a fresh module instance, with `environment` set while its top level runs
 * (that is where entries read their configuration and create their clients).
 */
export function loadHandler<T>(kind: CodeForm, name: EntryName, environment: Record<string, string>): T {
  const saved = new Map(Object.keys(environment).map((key) => [key, process.env[key]]));
  Object.assign(process.env, environment);
  try {
    let handler: T | undefined;
    jest.isolateModules(() => {
      handler = (require(entryPath(kind, name)) as { handler: T }).handler;
    });
    if (typeof handler !== 'function') throw new Error(`${entryPath(kind, name)} exports no handler`);
    return handler;
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
