/** Reading the environment once, at module load, with errors that name what is missing. */

export class MissingEnvironmentError extends Error {
  override readonly name = 'MissingEnvironmentError';
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new MissingEnvironmentError(
      `Environment variable ${name} is not set. The CDK stack sets it; when running by hand, export it.`,
    );
  }
  return value;
}

/** The variable's value; undefined when it is unset or empty. */
export function optionalEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[name] === undefined || env[name] === '' ? undefined : env[name];
}

export function requireIntEnv(name: string, env: NodeJS.ProcessEnv = process.env): number {
  const text = requireEnv(name, env);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MissingEnvironmentError(`Environment variable ${name} must be a whole number, got "${text}".`);
  }
  return value;
}

export function listEnv(name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return requireEnv(name, env)
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/**
 * An http(s) base URL, with a trailing slash so a prefix match on `…/callbacks/` never takes `…/callbacks-x/`;
 * undefined when it is unset or empty.
 */
export function optionalBaseUrlEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const text = optionalEnv(name, env);
  if (text === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(text)) {
    throw new MissingEnvironmentError(`Environment variable ${name} must be an http(s) URL, got "${text}".`);
  }
  return text.endsWith('/') ? text : `${text}/`;
}
