import { Api, type TelegramClient } from 'telegram';
import { Telegraf } from 'telegraf';
import type { User } from 'telegraf/types';
import { eventually } from '../helpers/eventually';
import { control, newBot, telegramFor } from './bot-helpers';
import { type MtprotoKit, newUser, signedInClient, startMtprotoKit } from './mtproto-kit';

jest.setTimeout(60000);

describe("sandbox: a user's language, from their app (real telegraf and gramjs)", () => {
  let kit: MtprotoKit;
  beforeAll(async () => {
    kit = await startMtprotoKit();
    await control(kit.sandbox, 'POST', '/sandbox/limits', { enabled: false });
  });
  afterAll(async () => {
    await kit.close();
  });

  /** A telegraf bot on long polling that keeps who sent each message it heard, by text. */
  async function runBot() {
    const bot = await newBot(kit.sandbox);
    const app = new Telegraf(bot.token, { telegram: { apiRoot: kit.sandbox.httpUrl, webhookReply: false } });
    const senders = new Map<string, User>();
    app.on('message', (ctx) => {
      if ('text' in ctx.message) senders.set(ctx.message.text, ctx.message.from);
    });
    const running = app.launch({ allowedUpdates: ['message'] });
    return {
      bot,
      tg: app.telegram,
      /** The sender of the message with this text, once the bot heard it. */
      senderOf: (text: string): Promise<User> =>
        eventually(() => senders.get(text), { what: `the bot hearing ${JSON.stringify(text)}` }),
      async stop() {
        app.stop('test done');
        await running;
      },
    };
  }

  /** What the app reads on the bot's profile: its commands, description and about text. */
  async function profileSeen(app: TelegramClient, username: string) {
    const bot = await app.getInputEntity(username);
    const { fullUser } = await app.invoke(new Api.users.GetFullUser({ id: bot }));
    return {
      commands: (fullUser.botInfo?.commands ?? []).map((c) => `/${c.command} ${c.description}`),
      description: fullUser.botInfo?.description,
      about: fullUser.about,
    };
  }

  it("gives the bot the language of the user's app as from.language_code; the latest connection's wins", async () => {
    const running = await runBot();
    try {
      const user = await newUser(kit, { firstName: 'Greta' });
      const german = await signedInClient(kit, user, undefined, { langCode: 'de' });
      await german.sendMessage(running.bot.username, { message: 'Hallo' });
      expect(await running.senderOf('Hallo')).toMatchObject({ id: user.id, is_bot: false, language_code: 'de' });

      // The same user on another app, in French: from now on the bot sees French.
      const french = await signedInClient(kit, user, undefined, { langCode: 'fr' });
      await french.sendMessage(running.bot.username, { message: 'Bonjour' });
      expect((await running.senderOf('Bonjour')).language_code).toBe('fr');
      await german.sendMessage(running.bot.username, { message: 'Noch da' });
      expect((await running.senderOf('Noch da')).language_code).toBe('fr');
    } finally {
      await running.stop();
    }
  });

  it("shows each app the bot's commands, description and about text in its language, else the default ones", async () => {
    const bot = await newBot(kit.sandbox);
    const tg = telegramFor(kit.sandbox, bot.token);
    await tg.setMyCommands([{ command: 'help', description: 'Help' }]);
    await tg.setMyCommands([{ command: 'hilfe', description: 'Hilfe' }], { language_code: 'de' });
    await tg.setMyCommands([{ command: 'ajuda', description: 'Ajuda' }], { language_code: 'pt' });
    await tg.setMyDescription('A helpful bot');
    await tg.setMyDescription('Ein hilfreicher Bot', 'de');
    await tg.setMyShortDescription('Helps');
    await tg.setMyShortDescription('Hilft', 'de');

    const germanApp = await signedInClient(kit, await newUser(kit), undefined, { langCode: 'de' });
    const englishApp = await signedInClient(kit, await newUser(kit));
    const brazilianApp = await signedInClient(kit, await newUser(kit), undefined, { langCode: 'pt-br' });

    expect(await profileSeen(germanApp, bot.username)).toEqual({
      commands: ['/hilfe Hilfe'],
      description: 'Ein hilfreicher Bot',
      about: 'Hilft',
    });
    expect(await profileSeen(englishApp, bot.username)).toEqual({
      commands: ['/help Help'],
      description: 'A helpful bot',
      about: 'Helps',
    });
    // A regional language gets the bot's texts of its language; what the bot has not set for it is the default.
    expect(await profileSeen(brazilianApp, bot.username)).toEqual({
      commands: ['/ajuda Ajuda'],
      description: 'A helpful bot',
      about: 'Helps',
    });

    // A private chat's own list for everybody is shown before the default scope's list in the user's language.
    await tg.setMyCommands([{ command: 'chat', description: 'This chat' }], {
      scope: { type: 'all_private_chats' },
    });
    expect((await profileSeen(germanApp, bot.username)).commands).toEqual(['/chat This chat']);
    await tg.setMyCommands([{ command: 'privat', description: 'Privat' }], {
      scope: { type: 'all_private_chats' },
      language_code: 'de',
    });
    expect((await profileSeen(germanApp, bot.username)).commands).toEqual(['/privat Privat']);
    expect((await profileSeen(englishApp, bot.username)).commands).toEqual(['/chat This chat']);
  });

  it('takes a language when the control API creates a user, refuses one that is no language tag, and leaves an unknown one out', async () => {
    const running = await runBot();
    try {
      const write = (phone: string, text: string) =>
        control(kit.sandbox, 'POST', `/sandbox/bots/${running.bot.id}/messages`, { from_phone: phone, text });
      const brazilian = await control(kit.sandbox, 'POST', '/sandbox/users', {
        phone: '15557770001',
        first_name: 'Bia',
        language_code: 'pt-BR',
      });
      expect(brazilian.status).toBe(201);
      await write('15557770001', 'Oi');
      expect((await running.senderOf('Oi')).language_code).toBe('pt-br');

      const unknown = await newUser(kit, { firstName: 'Nora' });
      await write(unknown.phone, 'Hi');
      const sender = await running.senderOf('Hi');
      expect(sender.id).toBe(unknown.id);
      expect('language_code' in sender).toBe(false);

      for (const bad of ['english', 'e', 'pt_br', 'de-', '']) {
        const refused = await control(kit.sandbox, 'POST', '/sandbox/users', {
          phone: '15557770002',
          first_name: 'Bad',
          language_code: bad,
        });
        expect({ bad, status: refused.status }).toEqual({ bad, status: 400 });
      }
    } finally {
      await running.stop();
    }
  });
});
