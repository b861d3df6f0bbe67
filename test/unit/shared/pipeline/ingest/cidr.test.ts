import {
  createSourceMatcher,
  InvalidCidrError,
  parseCidr,
  unmapIpv4,
} from '../../../../../shared/pipeline/ingest/cidr';

describe('parseCidr', () => {
  it.each([
    ['185.40.108.0/22', { address: '185.40.108.0', prefix: 22, family: 'ipv4' }],
    ['2001:db8::/32', { address: '2001:db8::', prefix: 32, family: 'ipv6' }],
    ['10.1.2.3', { address: '10.1.2.3', prefix: 32, family: 'ipv4' }],
    ['::1', { address: '::1', prefix: 128, family: 'ipv6' }],
  ])('parses %s', (text, expected) => {
    expect(parseCidr(text)).toEqual(expected);
  });

  it.each([
    '185.40.108.0/33',
    '2001:db8::/129',
    'bunq.com/22',
    '185.40.108/22',
    '1.2.3.4/-1',
    '1.2.3.4/ 8',
    '',
  ])('rejects %j with a message that shows the expected form', (text) => {
    expect(() => parseCidr(text)).toThrow(InvalidCidrError);
  });
});

describe('createSourceMatcher', () => {
  const bunqProduction = createSourceMatcher(['185.40.108.0/22']);

  it.each([
    ['185.40.108.0', true],
    ['185.40.111.255', true],
    ['185.40.107.255', false],
    ['185.40.112.0', false],
    ['::ffff:185.40.109.1', true],
    ['::FFFF:185.40.112.1', false],
    ['2001:db8::1', false],
    ['not-an-ip', false],
    ['', false],
  ])('the production range %s → %s', (address, expected) => {
    expect(bunqProduction(address)).toBe(expected);
  });

  it('answers false when there is no source address', () => {
    expect(bunqProduction(undefined)).toBe(false);
  });

  it('matches IPv6 sources against IPv6 ranges', () => {
    const matcher = createSourceMatcher(['2001:db8:1::/48']);
    expect(matcher('2001:db8:1:ffff::7')).toBe(true);
    expect(matcher('2001:db8:2::1')).toBe(false);
  });

  it('allows any source with 0.0.0.0/0 and ::/0', () => {
    const any = createSourceMatcher(['0.0.0.0/0', '::/0']);
    expect(any('8.8.8.8')).toBe(true);
    expect(any('2a00:1450::1')).toBe(true);
    expect(any('::ffff:127.0.0.1')).toBe(true);
  });

  it('allows nothing with an empty list', () => {
    expect(createSourceMatcher([])('185.40.108.1')).toBe(false);
  });
});

describe('unmapIpv4', () => {
  it('unwraps IPv4-mapped IPv6 and leaves everything else', () => {
    expect(unmapIpv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(unmapIpv4('2001:db8::1')).toBe('2001:db8::1');
  });
});
