import { checkInitData, hasValidHash, hasValidSignature } from '../../src/modules/auth/telegram-init-data';
import { buildInitData, newWebViewQueryId, WEB_APP_PUBLIC_KEY_HEX, webAppUrl } from '../../src/sandbox/web-apps';
import { SandboxWorld } from '../../src/sandbox/world';

/** The sandbox's initData, checked by the product's own checker (as a tenant's backend checks Telegram's). */
describe('Mini App initData issued by the sandbox', () => {
  const world = new SandboxWorld();
  const user = world.createUser({
    phone: '15550001111',
    firstName: 'Ada',
    lastName: 'Lovelace',
    username: 'ada_l',
    languageCode: 'en',
  });
  const bot = world.createBot({ username: 'mini_app_bot' });
  const keys = { botToken: bot.token, botId: String(bot.id), publicKeyHex: WEB_APP_PUBLIC_KEY_HEX };

  it('carries query_id, user, auth_date, signature and hash, in that order, and passes both checks', () => {
    const data = buildInitData(world, bot, user, { queryId: newWebViewQueryId() });
    const params = new URLSearchParams(data);
    expect([...params.keys()]).toEqual(['query_id', 'user', 'auth_date', 'signature', 'hash']);
    expect(JSON.parse(params.get('user') ?? '')).toEqual({
      id: user.id,
      first_name: 'Ada',
      last_name: 'Lovelace',
      username: 'ada_l',
      language_code: 'en',
      allows_write_to_pm: true,
    });
    expect(Number(params.get('auth_date'))).toBe(world.unixNow());
    expect(hasValidHash(params, bot.token)).toBe(true);
    expect(hasValidSignature(params, String(bot.id), WEB_APP_PUBLIC_KEY_HEX)).toBe(true);
    expect(checkInitData(data, keys, 3600, world.unixNow())).toMatchObject({
      ok: true,
      user: { id: String(user.id), username: 'ada_l', first_name: 'Ada' },
    });
    // Values are percent-encoded as Telegram's (a space is %20, not +).
    expect(data).toContain('user=%7B%22id%22%3A');
  });

  it('signs chat_instance, chat_type and start_param, and a changed field fails both checks', () => {
    const data = buildInitData(world, bot, user, { chat: { type: 'sender', id: user.id }, startParam: 'ref_42' });
    const params = new URLSearchParams(data);
    expect([...params.keys()]).toEqual([
      'user',
      'chat_instance',
      'chat_type',
      'start_param',
      'auth_date',
      'signature',
      'hash',
    ]);
    expect(params.get('chat_instance')).toMatch(/^-?\d+$/);
    expect(params.get('start_param')).toBe('ref_42');
    const tampered = new URLSearchParams(data);
    tampered.set('start_param', 'ref_43');
    expect(hasValidHash(tampered, bot.token)).toBe(false);
    expect(hasValidSignature(tampered, String(bot.id), WEB_APP_PUBLIC_KEY_HEX)).toBe(false);
    // Another bot's token, or another bot id, does not check out.
    const other = world.createBot({ username: 'other_app_bot' });
    expect(
      checkInitData(data, { botToken: other.token, publicKeyHex: WEB_APP_PUBLIC_KEY_HEX }, 3600, world.unixNow()),
    ).toEqual({ ok: false, reason: 'bad_signature' });
    expect(hasValidSignature(params, String(other.id), WEB_APP_PUBLIC_KEY_HEX)).toBe(false);
  });

  it("writes the user's language as language_code, and leaves the field out when the language is unknown", () => {
    const german = world.createUser({ phone: '15550003333', firstName: 'Greta', languageCode: 'de' });
    const unknown = world.createUser({ phone: '15550004444', firstName: 'Nora' });
    const userOf = (u: typeof user): Record<string, unknown> =>
      JSON.parse(new URLSearchParams(buildInitData(world, bot, u, {})).get('user') ?? '') as Record<string, unknown>;
    expect(userOf(german).language_code).toBe('de');
    expect(userOf(unknown)).toEqual({ id: unknown.id, first_name: 'Nora', allows_write_to_pm: true });
  });

  it('puts the initData after # of the web app address, with the version and platform', () => {
    const data = buildInitData(world, bot, user, {});
    const url = new URL(
      webAppUrl('https://app.example/start?x=1#old', { initData: data, version: '8.0', platform: 'tdesktop' }),
    );
    expect(url.origin + url.pathname + url.search).toBe('https://app.example/start?x=1');
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect(fragment.get('tgWebAppData')).toBe(data);
    expect(fragment.get('tgWebAppVersion')).toBe('8.0');
    expect(fragment.get('tgWebAppPlatform')).toBe('tdesktop');
  });
});
