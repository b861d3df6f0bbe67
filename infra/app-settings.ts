/** What the CDK app reads from its context: which configuration file to deploy, under which stack name. */
import { readFileSync } from 'node:fs';
import type { Node } from 'constructs';
import { ConfigError, type PipelineConfig, parsePipelineConfig } from '../shared/config/pipeline-config';

/** The configuration deployed when no `-c config=<path>` is given. */
export const DEFAULT_CONFIG_PATH = 'config/sandbox.json';
/** The stack name used when no `-c stackName=<name>` is given. */
export const DEFAULT_STACK_NAME = 'BunqWebhooks';

export interface AppSettings {
  /** The stack name, from context `stackName`. */
  readonly stackName: string;
  /** The configuration file read, from context `config`. */
  readonly configPath: string;
  /** The validated configuration. */
  readonly config: PipelineConfig;
}

/**
 * Reads and validates a JSON configuration file (relative paths are relative to the working directory).
 * Throws a {@link ConfigError} naming the file, and each invalid field with what is wrong.
 */
export function loadConfig(file: string): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `Cannot read the configuration file ${file} (${reason}). Pass an existing file with -c config=<path>.`,
      [`(file): ${reason}`],
    );
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`Invalid ${file}: not valid JSON (${reason}).`, [`(root): ${reason}`]);
  }
  return parsePipelineConfig(input, file);
}

/** Reads the app's context (`-c config=<path>`, `-c stackName=<name>`) and loads the configuration. */
export function readAppSettings(node: Node): AppSettings {
  const configPath = contextString(node, 'config') ?? DEFAULT_CONFIG_PATH;
  const stackName = contextString(node, 'stackName') ?? DEFAULT_STACK_NAME;
  return { stackName, configPath, config: loadConfig(configPath) };
}

function contextString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConfigError(
      `Context value "${key}" must be a non-empty string, got ${JSON.stringify(value)}.`,
      [`${key}: must be a non-empty string`],
    );
  }
  return value;
}
