/** The shape of a command: its flags and help, and a `run` that returns what to print. */
import type { CliContext } from './context';
import type { ExitCode } from './errors';
import type { OptionSection } from './options';

/** What a command hands back: the JSON document (`--json`) and the text for people. */
export interface CommandOutput {
  readonly json: Readonly<Record<string, unknown>>;
  readonly text: string;
  /** @default EXIT.ok */
  readonly exitCode?: ExitCode;
}

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Paragraphs for `--help`. */
  readonly description: string;
  /** The words it takes besides flags (`trigger <CATEGORY>`); without it a stray word is a usage error. */
  readonly positional?: { readonly name: string; readonly description: string };
  /** Flag groups, the command's own first. */
  readonly sections: readonly OptionSection[];
  readonly examples: readonly string[];
  /** Exit codes this command uses beyond 0, with their meaning here. */
  readonly exitCodes: readonly string[];
  run(context: CliContext): Promise<CommandOutput>;
}

/** A bunq filter scope: the user's own filters, or one monetary account's. */
export interface FilterScope {
  readonly userId: number;
  readonly monetaryAccountId: number | undefined;
}

export function scopeLabel(scope: FilterScope): string {
  return scope.monetaryAccountId === undefined
    ? `user ${scope.userId} (user level)`
    : `user ${scope.userId}, monetary account ${scope.monetaryAccountId}`;
}
