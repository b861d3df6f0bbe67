#!/usr/bin/env node
// The `bunq-webhooks` bin (npx bunq-webhooks <command>): registers tsx in this process, so the TypeScript
// CLI in cli/ runs as is, then hands over to it. Needs the repository's dev dependencies (npm ci).
require('tsx/cjs');
require('../cli/main.ts').main();
