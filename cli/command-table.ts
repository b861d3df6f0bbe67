/**
 * Every command's declaration lives in one table, `cli/commands.json`: its summary, help text, flags (with
 * their placeholders, environment variables and help lines), examples and exit codes. The parser
 * (`parseFlags`), the help (`commandHelp`) and the docs check (`test/unit/docs`) read it; a command module
 * adds only what it does ({@link defineCommand}).
 *
 * Flag groups several commands share (`groups`: the callback URL, bunq, common flags) are declared once. A
 * section of a command is a group's name (all its flags, under its title), or a title with flags, each a
 * declaration or the name of the group it is taken from. `${name}` in a text stands for a value the command
 * supplies, such as a stack output name, so the help says what the code uses.
 */
import type { Command } from './command';
import table from './commands.json';
import type { OptionSection, OptionSpec, OptionSpecs } from './options';

type SectionDeclaration =
  | string
  | { readonly title: string; readonly options: Readonly<Record<string, OptionSpec | string>> };

interface CommandDeclaration {
  readonly name: string;
  readonly summary: string;
  readonly description: string;
  readonly positional?: { readonly name: string; readonly description: string };
  /** The command's own flags, shown first under "Options". */
  readonly options: OptionSpecs;
  readonly sections: readonly SectionDeclaration[];
  readonly examples: readonly string[];
  readonly exitCodes: readonly string[];
}

interface CommandTable {
  readonly groups: Readonly<Record<string, OptionSection>>;
  readonly commands: readonly CommandDeclaration[];
}

/** The table as the code sees it: every flag's type is checked, since JSON cannot say it. */
export function checkedTable(raw: unknown): CommandTable {
  const candidate = raw as CommandTable;
  const specs = [
    ...Object.values(candidate.groups).map((group) => group.options),
    ...candidate.commands.flatMap((command) => [
      command.options,
      ...command.sections.flatMap((section) => (typeof section === 'string' ? [] : [section.options])),
    ]),
  ].flatMap((options) => Object.entries(options));
  for (const [flag, spec] of specs) {
    if (typeof spec !== 'string' && spec.type !== 'string' && spec.type !== 'boolean') {
      throw new Error(`cli/commands.json: --${flag} has type "${String(spec.type)}", not string or boolean`);
    }
  }
  return candidate;
}

const TABLE = checkedTable(table);

function groupOf(command: string, name: string): OptionSection {
  const group = TABLE.groups[name];
  if (group === undefined) throw new Error(`cli/commands.json: ${command} names no group "${name}"`);
  return group;
}

function sectionOf(command: string, section: SectionDeclaration): OptionSection {
  if (typeof section === 'string') return groupOf(command, section);
  const options = Object.entries(section.options).map(([flag, spec]) => {
    if (typeof spec !== 'string') return [flag, spec] as const;
    const shared = groupOf(command, spec).options[flag];
    if (shared === undefined)
      throw new Error(`cli/commands.json: ${command}: group "${spec}" has no --${flag}`);
    return [flag, shared] as const;
  });
  return { title: section.title, options: Object.fromEntries(options) };
}

/** Every string in `value` with `${name}` replaced by `values[name]`. */
function filled<T>(value: T, fill: (text: string) => string): T {
  if (typeof value === 'string') return fill(value) as T;
  if (Array.isArray(value)) return value.map((item) => filled(item, fill)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, filled(item, fill)])) as T;
  }
  return value;
}

/**
 * The command `name` of the table, doing `run`. `values` fills the `${name}` placeholders of its texts; a
 * placeholder without a value, a value no text uses, or a flag declared twice is an error at load.
 */
export function defineCommand(
  name: string,
  run: Command['run'],
  values: Readonly<Record<string, string>> = {},
): Command {
  const declared = TABLE.commands.find((command) => command.name === name);
  if (declared === undefined) throw new Error(`cli/commands.json declares no command "${name}"`);
  const used = new Set<string>();
  const { options, sections, positional, ...texts } = filled(declared, (text) =>
    text.replace(/\$\{(\w+)\}/g, (_, key: string) => {
      const value = values[key];
      if (value === undefined) throw new Error(`cli/commands.json: ${name} uses \${${key}}, given no value`);
      used.add(key);
      return value;
    }),
  );
  const unused = Object.keys(values).filter((key) => !used.has(key));
  if (unused.length > 0) throw new Error(`cli/commands.json: ${name} has no \${${unused.join('}, ${')}}`);
  const all = [{ title: 'Options', options }, ...sections.map((section) => sectionOf(name, section))];
  const flags = all.flatMap((section) => Object.keys(section.options));
  const twice = flags.filter((flag, index) => flags.indexOf(flag) !== index);
  if (twice.length > 0) throw new Error(`cli/commands.json: ${name} declares --${twice.join(', --')} twice`);
  return { ...texts, ...(positional === undefined ? {} : { positional }), sections: all, run };
}

/** The commands in the table's order. */
export const DECLARED_COMMANDS: readonly string[] = TABLE.commands.map((command) => command.name);
