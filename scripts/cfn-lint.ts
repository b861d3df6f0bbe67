/**
 * Lints the CloudFormation templates the stack synthesizes, for the default configuration and the example
 * that uses every target type, with cfn-lint (settings and acknowledged warnings in `.cfnlintrc.yaml`).
 *
 *   npm run lint:cfn     # exit 1 on any error or unacknowledged warning; 0 with a note when cfn-lint is missing
 *
 * The templates are synthesized in-process without bundling the functions: bundling changes only the
 * asset hashes, not what cfn-lint checks.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { DEFAULT_CONFIG_PATH, DEFAULT_STACK_NAME, loadConfig } from '../infra/app-settings';
import { BunqWebhooksStack } from '../infra/bunq-webhooks-stack';

const root = path.join(__dirname, '..');
/** The configurations whose templates are linted. */
export const LINTED_CONFIGS = [
  DEFAULT_CONFIG_PATH,
  'config/examples/all-targets.json',
  'config/examples/partner-fleet.json',
] as const;

function cdkContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  // No stack is bundled (what `cdk synth --exclusively` does for the others).
  return { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] };
}

/** Synthesizes the stack for `configPath` and writes its template into `directory`; returns the file. */
export function synthTemplate(configPath: string, directory: string): string {
  const app = new App({ context: cdkContext(), outdir: path.join(directory, 'cdk.out') });
  const stack = new BunqWebhooksStack(app, DEFAULT_STACK_NAME, {
    config: loadConfig(path.join(root, configPath)),
  });
  const template = app.synth().getStackByName(stack.stackName).template as unknown;
  const file = path.join(directory, `${path.basename(configPath, '.json')}.template.json`);
  writeFileSync(file, JSON.stringify(template, null, 1));
  return file;
}

function main(): number {
  if (spawnSync('sh', ['-c', 'command -v cfn-lint'], { stdio: 'ignore' }).status !== 0) {
    console.log(
      'cfn-lint skipped: cfn-lint is not on PATH (get it with: pip install "moto[server]" cfn-lint).',
    );
    return 0;
  }
  const directory = mkdtempSync(path.join(tmpdir(), 'bunq-webhooks-cfn-lint-'));
  try {
    const files = LINTED_CONFIGS.map((config) => synthTemplate(config, directory));
    const lint = spawnSync(
      'cfn-lint',
      [
        '--config-file',
        path.join(root, '.cfnlintrc.yaml'),
        '--non-zero-exit-code',
        'warning',
        '--',
        ...files,
      ],
      { stdio: 'inherit' },
    );
    if (lint.status !== 0) {
      console.error(
        `cfn-lint found problems in the templates of ${LINTED_CONFIGS.join(', ')} (exit ${lint.status}). ` +
          'Fix them, or acknowledge a warning in .cfnlintrc.yaml with its reason.',
      );
      return 1;
    }
    console.log(
      `cfn-lint: no errors or unacknowledged warnings in the templates of ${LINTED_CONFIGS.join(', ')}`,
    );
    return 0;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

process.exitCode = main();
