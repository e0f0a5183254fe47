import { WebhooksError } from './webhooks.errors';
import { checkTargetAddress, checkTargetUrl, forbiddenAddress } from './webhook-target';

const production = { allowPrivateTargets: false };
const development = { allowPrivateTargets: true };
const resolvesTo =
  (...addresses: string[]) =>
  (): Promise<{ address: string; family: number }[]> =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

const refusal = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof WebhooksError) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error('expected a refusal');
};

describe('webhook targets', () => {
  it.each([
    '127.0.0.1',
    '127.5.5.5',
    '10.0.0.1',
    '172.16.3.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '64:ff9b::a00:1',
    '2002:a00:1::',
  ])('refuses the internal address %s', (address) => {
    expect(forbiddenAddress(address)).toEqual(expect.any(String));
  });

  it.each(['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(forbiddenAddress(address)).toBeNull();
    },
  );

  it('refuses in production http, internal literals and names that resolve inside', async () => {
    for (const url of ['http://127.0.0.1/', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/']) {
      expect(await refusal(checkTargetUrl(url, production))).toMatch(/^WEBHOOK_URL_FORBIDDEN: url must use https/);
    }
    for (const url of ['https://127.0.0.1/', 'https://169.254.169.254/', 'https://10.0.0.1/', 'https://[::1]/']) {
      expect(await refusal(checkTargetUrl(url, production))).toMatch(/internal address/);
    }
    expect(
      await refusal(checkTargetUrl('https://hooks.example/', production, resolvesTo('1.1.1.1', '10.1.2.3'))),
    ).toMatch(/internal address \(10\.1\.2\.3 is a private address\)/);
    await expect(checkTargetUrl('https://hooks.example/x', production, resolvesTo('1.1.1.1'))).resolves.toBeInstanceOf(
      URL,
    );
    expect(await refusal(checkTargetUrl('ftp://hooks.example/', development))).toMatch(/http\(s\)/);
    expect(await refusal(checkTargetUrl('not a url', development))).toMatch(/absolute/);
  });

  it('allows http and internal addresses in development', async () => {
    await expect(checkTargetUrl('http://127.0.0.1:9/', development)).resolves.toBeInstanceOf(URL);
    expect(checkTargetAddress(new URL('http://127.0.0.1:9/'), development)).toBeNull();
  });

  it('refuses a delivery to a literal internal address before connecting', () => {
    expect(checkTargetAddress(new URL('https://127.0.0.1/'), production)).toMatch(/loopback/);
    expect(checkTargetAddress(new URL('http://93.184.216.34/'), production)).toMatch(/https/);
    expect(checkTargetAddress(new URL('https://93.184.216.34/'), production)).toBeNull();
    expect(checkTargetAddress(new URL('https://hooks.example/'), production)).toBeNull();
  });
});
