/**
 * Every command the README and docs/ show works as written, as far as it can be checked without a cloud
 * account: each shell block (and each inline `npm …`/`npx …` span) is split into commands, and every npm
 * script, CLI command, flag and repository file they name must exist. Files a block creates first (`cp A B`)
 * count as existing for the rest of that document, so the deploy guide's `cp` + `cdk synth -c config=B` is
 * checked as the sequence a newcomer runs. Every relative link, and its `#anchor`, must resolve too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { COMMANDS, commandHelp, generalHelp } from '../../../cli/main';
import { usage as localRuntimeUsage } from '../../../local/cli';

const ROOT = path.resolve(__dirname, '../../..');
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map((name) => `docs/${name}`)].filter(
  (file) => file.endsWith('.md'),
);
const SCRIPTS = (
  JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
const REPO_PATH =
  /^(?:\.\/)?(?:bench|bin|cli|config|docs|functions|infra|local|schemas|scripts|shared|simulator|test)\/[\w.\-/]*\w$/;
/** Commands that need a cloud account, or are plain shell: only the repository files they name are checked. */
const NOT_CHECKED = new Set([
  'aws',
  'jq',
  'echo',
  'tail',
  'sleep',
  'read',
  'export',
  'out',
  'curl',
  'openssl',
  'cat',
]);

interface Command {
  readonly doc: string;
  readonly words: readonly string[];
}

/** The fenced shell blocks of a Markdown text, plus inline code spans that start with `npm ` or `npx `. */
function shellSnippets(text: string): string[] {
  const blocks = [...text.matchAll(/^ *```(?:bash|sh|shell)\n([\s\S]*?)^ *```/gm)].map(
    (match) => match[1] ?? '',
  );
  const prose = text.replace(/^ *```[\s\S]*?^ *```/gm, '');
  const inline = [...prose.matchAll(/`((?:npm|npx) [^`]+)`/g)].map((match) => match[1] ?? '');
  return [...blocks, ...inline];
}

/** Shell words of one line: quotes removed, `$(…)` and `"$x"` kept as one opaque word. */
function words(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let depth = 0;
  let quote: string | null = null;
  for (const char of line) {
    if (depth > 0) {
      current += char;
      if (char === '(') depth += 1;
      if (char === ')') depth -= 1;
    } else if (quote !== null) {
      if (char === quote) quote = null;
      else current += char;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '(' && current.endsWith('$')) {
      current += char;
      depth = 1;
    } else if (/\s/.test(char)) {
      if (current !== '') out.push(current);
      current = '';
    } else current += char;
  }
  if (current !== '') out.push(current);
  return out;
}

function commandsOf(doc: string, snippet: string): Command[] {
  const joined = snippet.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.replace(/(^|\s)#\s.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !/^\w+\(\)\s*\{/.test(line))
    .flatMap((line) => line.split(/\s*(?:&&|\|\||;|\|)\s*/))
    .map((part) => words(part))
    .map((parts) => parts.slice(parts.findIndex((word) => !/^[A-Z_a-z]\w*=/.test(word))))
    .filter((parts) => parts.length > 0 && !parts[0]?.includes('='))
    .map((parts) => ({ doc, words: parts }));
}

function flagsOf(args: readonly string[]): string[] {
  return args.filter((word) => /^--[a-z]/.test(word)).map((word) => word.split('=')[0] ?? word);
}

const helpCache = new Map<string, string>();
/** The `--help` text of an npm script run through tsx (the simulator, the soak, …). */
function scriptHelp(script: string): string {
  const cached = helpCache.get(script);
  if (cached !== undefined) return cached;
  const file = /^(?:node --import )?tsx (\S+)$/.exec(SCRIPTS[script] ?? '')?.[1];
  if (file === undefined)
    throw new Error(`npm script "${script}" is not "tsx <file>": cannot read its flags`);
  const result = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), [file, '--help'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const help = `${result.stdout}${result.stderr}`;
  helpCache.set(script, help);
  return help;
}

function cliHelp(name: string | undefined): string | undefined {
  if (name === undefined || name.startsWith('-')) return generalHelp();
  const command = COMMANDS.find((candidate) => candidate.name === name);
  return command === undefined ? undefined : commandHelp(command);
}

/** What is wrong with one command, or nothing. `created` collects the files earlier commands made. */
function problems(command: Command, created: Set<string>): string[] {
  const [program, ...args] = command.words;
  const found: string[] = [];
  const exists = (file: string) => created.has(path.normalize(file)) || existsSync(path.join(ROOT, file));
  const missingFlags = (help: string, flags: readonly string[], where: string) => {
    for (const flag of flags)
      if (!new RegExp(`${flag}(?![\\w-])`).test(help)) found.push(`${where} has no flag ${flag}`);
  };
  for (const word of command.words) {
    const file = word
      .replace(/^@/, '')
      .replace(/^-c$/, '')
      .replace(/^config=/, '');
    if (REPO_PATH.test(file) && !exists(file) && !(program === 'cp' && word === args[args.length - 1])) {
      found.push(`names ${file}, which does not exist`);
    }
  }
  if (program === 'cp' && args.length === 2 && args[1] !== undefined) created.add(path.normalize(args[1]));
  if (program === 'npm') {
    const [verb, ...rest] = args;
    const afterDashes = rest.includes('--') ? rest.slice(rest.indexOf('--') + 1) : [];
    if (verb === 'start') missingFlags(localRuntimeUsage(), flagsOf(afterDashes), 'npm start');
    else if (verb === 'run') {
      const script = rest[0] ?? '';
      if (SCRIPTS[script] === undefined) found.push(`npm run ${script}: no such script in package.json`);
      else if (afterDashes.length > 0)
        missingFlags(scriptHelp(script), flagsOf(afterDashes), `npm run ${script}`);
    } else if (verb !== 'ci' && verb !== 'test' && verb !== 'install')
      found.push(`npm ${verb}: not a command we document`);
  }
  if (program === 'npx' && args[0] === 'bunq-webhooks' && !args[1]?.startsWith('<')) {
    const help = cliHelp(args[1]);
    if (help === undefined) found.push(`bunq-webhooks has no command ${args[1]}`);
    else missingFlags(help, flagsOf(args.slice(2)), `bunq-webhooks ${args[1]}`);
  }
  if (program === 'npx' && args[0] === 'cdk') {
    const config = args.find((word) => word.startsWith('config='));
    if (config !== undefined && !exists(config.slice('config='.length))) {
      found.push(`cdk ${args[1]} reads ${config.slice('config='.length)}, which no earlier step creates`);
    }
  }
  if (!NOT_CHECKED.has(program ?? '') && program !== 'npm' && program !== 'npx' && program !== 'cp') {
    if (program !== undefined && REPO_PATH.test(program) && !exists(program))
      found.push(`runs ${program}, which does not exist`);
  }
  return found;
}

describe('the commands in README.md and docs/', () => {
  test.each(DOCS)('%s: every npm script, CLI command, flag and file they name exists', (doc) => {
    const created = new Set<string>();
    const text = readFileSync(path.join(ROOT, doc), 'utf8');
    const report = shellSnippets(text)
      .flatMap((snippet) => commandsOf(doc, snippet))
      .flatMap((command) =>
        problems(command, created).map((problem) => `${command.words.join(' ')}\n    ${problem}`),
      );
    expect(report).toEqual([]);
  });

  test('the README shows the commands a newcomer runs first', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const shown = shellSnippets(readme)
      .flatMap((snippet) => commandsOf('README.md', snippet))
      .map((c) => c.words.join(' '));
    expect(shown).toEqual(expect.arrayContaining(['npm ci', 'npm start', 'npm test']));
    expect(shown).toContain('npx cdk synth -c config=config/production.json --quiet');
  });

  test('the checker itself catches a missing script, command, flag and file', () => {
    const created = new Set<string>();
    const bad = [
      'npm run no-such-script',
      'npx bunq-webhooks no-such-command',
      'npx bunq-webhooks status --no-such-flag',
      'npm start -- --no-such-flag 1',
      'npx cdk synth -c config=config/never.json --quiet',
      'curl --data-binary @test/fixtures/never.json http://127.0.0.1:3000',
    ];
    for (const line of bad) {
      expect(commandsOf('x', line).flatMap((command) => problems(command, created))).not.toEqual([]);
    }
    const good = commandsOf(
      'x',
      'cp config/examples/all-targets.json config/mine.json\nnpx cdk synth -c config=config/mine.json',
    );
    expect(good.flatMap((command) => problems(command, created))).toEqual([]);
  });
});

describe('the links in README.md and docs/', () => {
  const slug = (heading: string) =>
    heading
      .trim()
      .toLowerCase()
      .replace(/[^\w\- ]/g, '')
      .replace(/ /g, '-');
  const anchorsOf = (file: string) =>
    new Set(
      [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(/^#+\s+(.*)$/gm)].map((match) =>
        slug(match[1] ?? ''),
      ),
    );

  test.each(DOCS)('%s: every relative link reaches a file, and its #anchor a heading there', (doc) => {
    const text = readFileSync(path.join(ROOT, doc), 'utf8').replace(/^ *```[\s\S]*?^ *```/gm, '');
    const broken: string[] = [];
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = match[1] ?? '';
      if (/^[a-z]+:/.test(link)) continue;
      const [target = '', anchor] = link.split('#');
      const file = target === '' ? doc : path.normalize(path.join(path.dirname(doc), target));
      if (!existsSync(path.join(ROOT, file))) broken.push(`${link}: no file ${file}`);
      else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).has(anchor)) {
        broken.push(`${link}: no heading #${anchor} in ${file}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('README.md stays a front door of at most 300 lines', () => {
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(300);
  });
});
