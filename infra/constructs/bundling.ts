/**
 * How every Lambda of the pipeline is bundled: one definition, read by the stack ({@link cdkBundling}, for
 * `NodejsFunction`) and by `npm run bench` ({@link esbuildOptions}), so the bench measures what ships.
 *
 * - ESM in (`mainFields: ['module', 'main']`): the AWS SDK and Powertools publish ES modules next to their
 *   CommonJS builds; only the ES modules tree-shake, which takes a third off an SDK client's bundle.
 * - ESM out (`index.mjs`), with `require` provided for the CommonJS dependencies that still call it.
 * - Minified, with a source map and without the sources inside it: `--enable-source-maps` (set on every
 *   function) maps stack traces back to `functions/…` and `shared/…` lines, at a few KB of map.
 * - Everything bundled, the AWS SDK included, so the deployed code runs the versions the tests ran.
 */

import { type BundlingOptions, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The Node.js version the bundles target: the functions' runtime (Node.js 22). */
export const BUNDLE_TARGET = 'node22';

/** Lets bundled CommonJS code call `require` inside an ES module (esbuild leaves those calls as they are). */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __bunqCreateRequire } from 'node:module'; const require = __bunqCreateRequire(import.meta.url);";

/** The bundling choices, in the terms both CDK and esbuild understand. */
export const FUNCTION_BUNDLING = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: BUNDLE_TARGET,
  format: 'esm',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
} as const;

/** The file name NodejsFunction gives an ESM bundle, and so the one the bench imports. */
export const BUNDLE_FILE = 'index.mjs';

/** {@link FUNCTION_BUNDLING} as `NodejsFunction` bundling options. */
export function cdkBundling(): BundlingOptions {
  return {
    minify: FUNCTION_BUNDLING.minify,
    sourceMap: FUNCTION_BUNDLING.sourceMap,
    sourcesContent: FUNCTION_BUNDLING.sourcesContent,
    target: FUNCTION_BUNDLING.target,
    format: OutputFormat.ESM,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    banner: FUNCTION_BUNDLING.banner,
    // Nothing external: the SDK the tests ran is the SDK that ships.
    externalModules: [],
    logLevel: LogLevel.WARNING,
  };
}

/**
 * {@link FUNCTION_BUNDLING} as esbuild options, as `NodejsFunction` runs esbuild: bundle, platform node,
 * one output file.
 */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    minify: FUNCTION_BUNDLING.minify,
    sourcemap: FUNCTION_BUNDLING.sourceMap,
    sourcesContent: FUNCTION_BUNDLING.sourcesContent,
    target: FUNCTION_BUNDLING.target,
    format: FUNCTION_BUNDLING.format,
    mainFields: [...FUNCTION_BUNDLING.mainFields],
    banner: { js: FUNCTION_BUNDLING.banner },
    logLevel: 'error',
  };
}
