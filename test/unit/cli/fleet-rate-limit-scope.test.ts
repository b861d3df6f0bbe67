/**
 * The scope of the `fleet` commands' rate gate: `--rate-limit-scope`, else `partnerOnboarding.rateLimitScope`
 * of the `--config` file, else `address` (bunq documents its limits per source address). Parsed as `fleet`
 * declares its flags, so a flag the command does not take fails here as it would on the command line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliContext } from '../../../cli/context';
import { UsageError } from '../../../cli/errors';
import { rateLimitScope } from '../../../cli/fleet-access';
import { COMMANDS } from '../../../cli/main';
import { parseFlags } from '../../../cli/options';

const fleet = COMMANDS.find((command) => command.name === 'fleet');
if (fleet === undefined) throw new Error('no fleet command');
const specs = Object.assign({}, ...fleet.sections.map((section) => section.options));

const scopeOf = (...args: string[]) => {
  const flags = parseFlags(['status', ...args], specs, {}, 'fleet', true);
  const io = { stdout: () => undefined, stderr: () => undefined, env: {} };
  return rateLimitScope(new CliContext(io, {}, flags, 'fleet', new Set(Object.keys(specs))));
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleet-scope-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const configFile = async (name: string, config: unknown) => {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(config));
  return file;
};

describe('fleet --rate-limit-scope', () => {
  it('is address without a flag or a configuration, and without partnerOnboarding in it', async () => {
    expect(scopeOf()).toBe('address');
    expect(scopeOf('--config', await configFile('plain.json', { environment: 'sandbox' }))).toBe('address');
  });

  it('defaults to partnerOnboarding.rateLimitScope of --config, and the flag overrides it', async () => {
    const file = await configFile('session.json', {
      partnerOnboarding: { categories: ['MUTATION'], rateLimitScope: 'session' },
    });
    expect(scopeOf('--config', file)).toBe('session');
    expect(scopeOf('--config', file, '--rate-limit-scope', 'address')).toBe('address');
  });

  it('refuses a configuration that does not validate, and a scope that is neither, as usage errors', async () => {
    const bad = await configFile('bad.json', {
      partnerOnboarding: { categories: ['MUTATION'], rateLimitScope: 'account' },
    });
    expect(() => scopeOf('--config', bad)).toThrow(UsageError);
    expect(() => scopeOf('--config', bad)).toThrow('partnerOnboarding.rateLimitScope');
    expect(() => scopeOf('--config', join(dir, 'missing.json'))).toThrow(UsageError);
    expect(() => scopeOf('--rate-limit-scope', 'account')).toThrow('--rate-limit-scope must be');
  });
});
