import { checkedTable, DECLARED_COMMANDS, defineCommand } from '../../../cli/command-table';
import table from '../../../cli/commands.json';
import { COMMANDS } from '../../../cli/main';

const run = async () => ({ json: {}, text: '' });

describe('the command table (cli/commands.json)', () => {
  it('declares exactly the commands the CLI runs, in the order it lists them', () => {
    expect(COMMANDS.map((command) => command.name)).toEqual(DECLARED_COMMANDS);
  });

  it("fills a command's placeholders from the values it supplies", () => {
    const status = defineCommand('status', run, {
      heartbeatMetric: 'Beat',
      metricsNamespace: 'Space',
      pollerService: 'poller',
    });
    expect(status.description).toContain('the Beat metric (namespace Space, dimension service=poller)');
  });

  it('takes shared flags from their group, under the title the command gives', () => {
    const trigger = COMMANDS.find((command) => command.name === 'trigger');
    const endpoint = trigger?.sections.find((section) => section.title === 'Deployed endpoint');
    expect(endpoint?.options['callback-url']).toEqual(table.groups.target.options['callback-url']);
    expect(Object.keys(endpoint?.options ?? {})).toEqual([
      'callback-url',
      'callback-base-url',
      'token-secret-arn',
      'allow-http',
      'show-urls',
    ]);
  });

  it('refuses an unknown command, a placeholder without a value and a value no text uses', () => {
    expect(() => defineCommand('regster', run)).toThrow('declares no command "regster"');
    expect(() => defineCommand('status', run)).toThrow(`status uses \${heartbeatMetric}, given no value`);
    expect(() => defineCommand('unpin', run, { extra: 'x' })).toThrow(`unpin has no \${extra}`);
  });

  it('refuses a flag whose type is neither string nor boolean', () => {
    const broken = structuredClone(table) as { groups: { common: { options: { json: { type: string } } } } };
    broken.groups.common.options.json.type = 'number';
    expect(() => checkedTable(broken)).toThrow('--json has type "number", not string or boolean');
  });
});
