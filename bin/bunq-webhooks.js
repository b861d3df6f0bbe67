#!/usr/bin/env node
// The `bunq-webhooks` bin (npx bunq-webhooks <command>). Runs cli/main.ts as one JavaScript bundle, built
// with esbuild (a dev dependency) into node_modules/.cache and rebuilt whenever one of its source files
// changed, so a run starts in a fraction of a second instead of compiling TypeScript through tsx on every
// start. If the bundle cannot be built, it runs the TypeScript through tsx as before.

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'bunq-webhooks-cli');
const BUNDLE = path.join(CACHE, 'cli.js');
const INPUTS = path.join(CACHE, 'inputs.json');
// Dependencies change with the lock file; the project's own sources are checked one by one.
const ALWAYS_CHECKED = ['package.json', 'package-lock.json', 'bin/bunq-webhooks.js'];

function mtimes(files) {
  return Object.fromEntries(files.map((file) => [file, fs.statSync(path.join(ROOT, file)).mtimeMs]));
}

function bundleIsFresh() {
  try {
    const recorded = JSON.parse(fs.readFileSync(INPUTS, 'utf8'));
    if (!fs.existsSync(BUNDLE)) return false;
    const now = mtimes(Object.keys(recorded));
    return Object.entries(recorded).every(([file, mtime]) => now[file] === mtime);
  } catch {
    return false;
  }
}

function build() {
  const esbuild = require('esbuild');
  fs.mkdirSync(CACHE, { recursive: true });
  // Unique names, then rename: two runs building at once each leave a whole bundle.
  const suffix = `${process.pid}.${Date.now()}`;
  const temporary = `${BUNDLE}.${suffix}.tmp`;
  const result = esbuild.buildSync({
    absWorkingDir: ROOT,
    entryPoints: ['cli/main.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: temporary,
    sourcemap: 'inline',
    metafile: true,
    // A native module (`fleet --data-dir` reads the local runtime's SQLite database): it finds its binary
    // relative to its own package, so it is required from node_modules rather than bundled.
    external: ['better-sqlite3'],
    logLevel: 'silent',
  });
  const sources = Object.keys(result.metafile.inputs).filter((file) => !file.startsWith('node_modules/'));
  const inputs = mtimes([...new Set([...sources, ...ALWAYS_CHECKED])]);
  fs.renameSync(temporary, BUNDLE);
  const inputsTemporary = `${INPUTS}.${suffix}.tmp`;
  fs.writeFileSync(inputsTemporary, JSON.stringify(inputs));
  fs.renameSync(inputsTemporary, INPUTS);
}

function load() {
  if (process.env.BUNQ_WEBHOOKS_CLI_TSX !== '1') {
    try {
      if (!bundleIsFresh()) build();
      // Stack traces point at the TypeScript sources (the bundle carries an inline source map).
      process.setSourceMapsEnabled(true);
      return require(BUNDLE);
    } catch (error) {
      if (process.env.BUNQ_WEBHOOKS_DEBUG) process.stderr.write(`bundle unavailable, using tsx: ${error}\n`);
    }
  }
  require('tsx/cjs');
  return require('../cli/main.ts');
}

load().main();
