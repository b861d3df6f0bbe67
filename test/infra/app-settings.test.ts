/** The path `cdk synth` takes through infra/app.ts: context, configuration file, validation. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import {
  DEFAULT_CONFIG_PATH,
  DEFAULT_STACK_NAME,
  loadConfig,
  readAppSettings,
} from '../../infra/app-settings';
import { ConfigError } from '../../shared/config/pipeline-config';
import { PROJECT_ROOT } from './support/synth';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bunq-webhooks-config-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a configuration file and returns its path. */
function configFile(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('loadConfig', () => {
  test('reads the default sandbox configuration', () => {
    const config = loadConfig(path.join(PROJECT_ROOT, DEFAULT_CONFIG_PATH));
    expect(config.environment).toBe('sandbox');
    expect(config.ingest.allowedSourceCidrs).toEqual(['0.0.0.0/0', '::/0']);
  });

  test('rejects an out-of-range value, naming the file and the field', () => {
    const file = configFile('bad-receive-count.json', { queue: { maxReceiveCount: 0 } });
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(/bad-receive-count\.json[\s\S]*queue\.maxReceiveCount/);
  });

  test('rejects an unknown key, naming it', () => {
    const file = configFile('unknown-key.json', { queue: { maxRecieveCount: 3 } });
    expect(() => loadConfig(file)).toThrow(/queue[\s\S]*maxRecieveCount/);
  });

  test('rejects a file that is not JSON', () => {
    const file = configFile('not-json.json', '{ environment: sandbox');
    expect(() => loadConfig(file)).toThrow(/not-json\.json: not valid JSON/);
  });

  test('rejects a missing file, saying how to pass one', () => {
    expect(() => loadConfig(path.join(dir, 'missing.json'))).toThrow(/missing\.json[\s\S]*-c config=<path>/);
  });
});

describe('readAppSettings', () => {
  test('defaults to config/sandbox.json and the stack name BunqWebhooks', () => {
    const cwd = process.cwd();
    process.chdir(PROJECT_ROOT);
    try {
      const settings = readAppSettings(new App().node);
      expect(settings).toMatchObject({ configPath: DEFAULT_CONFIG_PATH, stackName: DEFAULT_STACK_NAME });
    } finally {
      process.chdir(cwd);
    }
  });

  test('takes the configuration file and stack name from context', () => {
    const file = configFile('production.json', { environment: 'production' });
    const app = new App({ context: { config: file, stackName: 'BunqWebhooksProd' } });
    const settings = readAppSettings(app.node);
    expect(settings.stackName).toBe('BunqWebhooksProd');
    expect(settings.config.ingest.allowedSourceCidrs).toEqual(['185.40.108.0/22']);
  });

  test('rejects a context value that is not a string', () => {
    const app = new App({ context: { stackName: '' } });
    expect(() => readAppSettings(app.node)).toThrow(/stackName/);
  });
});

describe('infra/app.ts', () => {
  test('fails synth with the invalid field when the configuration is invalid', () => {
    const file = configFile('bad-for-app.json', { dedupe: { ttlHours: 1 } });
    const outdir = path.join(dir, 'cdk.out');
    // The CDK CLI passes context and the output directory to the app through these variables.
    const result = spawnSync(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), ['infra/app.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: file }), CDK_OUTDIR: outdir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/ConfigError: Invalid .*bad-for-app\.json/);
    expect(result.stderr).toMatch(/dedupe\.ttlHours: at least 24 hours/);
  });
});
