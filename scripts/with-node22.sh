#!/usr/bin/env bash
# with-node22.sh <command> [args…]: runs the command with Node.js 22 (the Lambda runtime's major version)
# first on PATH, so `node`, `npm`, `npx` and every process they start run on it. Node 22 comes from the
# `node@22` npm package (fetched once into npm's cache by npx), so no system install is needed.
set -euo pipefail
node22=$(npx --yes node@22 -p process.execPath)
PATH="$(dirname "$node22"):$PATH" exec "$@"
