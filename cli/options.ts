/**
 * Flags: one declaration per flag (value placeholder, help text, environment variable) in
 * `cli/commands.json` (see `cli/command-table.ts`), parsed with `node:util` `parseArgs` in strict mode, and
 * read through {@link Flags}, which falls back to the environment variable and turns every bad value into a
 * {@link UsageError} naming the flag.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Placeholder shown in help, e.g. `<name>`. */
  readonly value?: string;
  readonly description: string;
  /** Environment variable read when the flag is absent. */
  readonly env?: string;
  /** The flag may be given several times (values are collected). */
  readonly multiple?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** A titled group of flags, for help. */
export interface OptionSection {
  readonly title: string;
  readonly options: OptionSpecs;
}

type Value = string | boolean | Array<string | boolean> | undefined;

/** Parsed flags of one command, with the environment as fallback. */
export class Flags {
  constructor(
    private readonly specs: OptionSpecs,
    private readonly values: Readonly<Record<string, Value>>,
    private readonly env: NodeJS.ProcessEnv,
    /** The words that are not flags (only for a command that takes them). */
    readonly positionals: readonly string[] = [],
  ) {}

  /** The flag's value, else its environment variable's, else undefined. An empty value is a usage error. */
  string(name: string): string | undefined {
    const spec = this.spec(name);
    const value = this.values[name];
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof last === 'string') {
      if (last.trim() === '')
        throw new UsageError(`--${name} needs a value, e.g. --${name} ${spec.value ?? ''}`);
      return last.trim();
    }
    const fromEnv = spec.env === undefined ? undefined : this.env[spec.env];
    return fromEnv === undefined || fromEnv.trim() === '' ? undefined : fromEnv.trim();
  }

  /** Every value of a repeatable flag, commas split too. */
  list(name: string): string[] | undefined {
    const value = this.values[name];
    const raw = Array.isArray(value) ? value : value === undefined ? [] : [value];
    const texts = raw.filter((item): item is string => typeof item === 'string');
    if (texts.length === 0) {
      const single = this.string(name);
      if (single === undefined) return undefined;
      texts.push(single);
    }
    const items = texts.flatMap((text) => text.split(',').map((item) => item.trim()));
    if (items.some((item) => item === '')) {
      throw new UsageError(`--${name} has an empty item; give a comma-separated list without blanks`);
    }
    return items;
  }

  boolean(name: string): boolean {
    this.spec(name);
    return this.values[name] === true;
  }

  /** How the user set a flag, for messages: `--x`, or `--x (from ENV)`. */
  label(name: string): string {
    const spec = this.spec(name);
    return this.values[name] === undefined && spec.env !== undefined && this.env[spec.env] !== undefined
      ? `--${name} (from ${spec.env})`
      : `--${name}`;
  }

  private spec(name: string): OptionSpec {
    const spec = this.specs[name];
    if (spec === undefined) throw new Error(`flag --${name} is not declared for this command`);
    return spec;
  }
}

/** Parses `args` against `specs` (strict: an unknown flag or a stray word is a usage error). */
export function parseFlags(
  args: readonly string[],
  specs: OptionSpecs,
  env: NodeJS.ProcessEnv,
  command: string,
  allowPositionals = false,
): Flags {
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      { type: spec.type, ...(spec.multiple ? { multiple: true } : {}) },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals });
    return new Flags(specs, values as Record<string, Value>, env, positionals);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `${reason.replace(/\. To specify a positional.*$/s, '.')} See: bunq-webhooks ${command} --help`,
    );
  }
}

/** A positive whole number flag (ids). */
export function positiveInteger(flags: Flags, name: string): number | undefined {
  const text = flags.string(name);
  if (text === undefined) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new UsageError(`${flags.label(name)} must be a positive whole number, got "${text}"`);
  }
  return value;
}

const CATEGORY = /^[A-Z][A-Z0-9_]{0,127}$/;

/** `--categories` as bunq names: capitals, digits and "_" (`MUTATION,PAYMENT`), de-duplicated. */
export function categoriesFlag(flags: Flags, name = 'categories'): string[] | undefined {
  const items = flags.list(name);
  if (items === undefined) return undefined;
  for (const item of items) {
    if (!CATEGORY.test(item)) {
      const upper = item.toUpperCase();
      const hint = CATEGORY.test(upper) ? ` (did you mean ${upper}?)` : '';
      throw new UsageError(
        `${flags.label(name)}: "${item}" is not a bunq category; categories are capitals, digits and "_" as bunq sends them, e.g. MUTATION,PAYMENT${hint}`,
      );
    }
  }
  return [...new Set(items)];
}

/** `--categories` of a command that needs at least one (`register`, `listen`): else a usage error. */
export function requiredCategories(flags: Flags, purpose: string): string[] {
  const categories = categoriesFlag(flags);
  if (categories === undefined || categories.length === 0) {
    throw new UsageError(
      `Missing --categories <list>: the bunq categories to ${purpose}, e.g. --categories MUTATION,PAYMENT.`,
    );
  }
  return categories;
}

/** Help text of one flag section. */
export function renderOptions(options: OptionSpecs): string[] {
  return Object.entries(options).map(([name, spec]) => {
    const flag = `--${name}${spec.value ? ` ${spec.value}` : ''}`;
    const env = spec.env ? ` [env ${spec.env}]` : '';
    const repeat = spec.multiple ? ' (repeatable)' : '';
    return `  ${flag.padEnd(32)} ${spec.description}${repeat}${env}`;
  });
}
