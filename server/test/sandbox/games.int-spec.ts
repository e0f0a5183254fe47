import { Telegraf } from 'telegraf';
import { Api } from 'telegram';
import { eventually } from '../helpers/eventually';
import { addBotToChannel, control, newBot, newChannel, telegramError } from './bot-helpers';
import { errorOf, type MtprotoKit, newUser, signedInClient, startMtprotoKit } from './mtproto-kit';

/**
 * Bots' HTML5 games: a game registered through the control API (BotFather's /newgame), sent by a real telegraf bot
 * (replyWithGame), seen and played by a real gramjs app (messageMediaGame, the Play press answered with the game's
 * URL), and its scores set and read by the bot (setGameScore, getGameHighScores), the app seeing the score's
 * service message.
 */
describe('bot games', () => {
  let kit: MtprotoKit;
  const GAME_URL = 'https://games.example.com/lumberjack/';

  beforeAll(async () => {
    kit = await startMtprotoKit({ callbackAnswerTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    await kit.close();
  });

  /** A bot with the game `lumberjack`: /start sends it; a Play press is answered with the game's URL. */
  async function runBot() {
    const bot = await newBot(kit.sandbox);
    const registered = await control(kit.sandbox, 'POST', `/sandbox/bots/${bot.id}/games`, {
      short_name: 'lumberjack',
      title: 'Lumber Jack',
      description: 'Chop the tree, dodge the branches.',
    });
    expect(registered.status).toBe(201);
    const app = new Telegraf(bot.token, { telegram: { apiRoot: kit.sandbox.httpUrl, webhookReply: false } });
    const sent: { chatId: number; messageId: number }[] = [];
    const presses: { gameShortName?: string; data?: string; messageId?: number }[] = [];
    app.start(async (ctx) => {
      const message = await ctx.replyWithGame('lumberjack');
      sent.push({ chatId: message.chat.id, messageId: message.message_id });
    });
    app.on('callback_query', async (ctx) => {
      const query = ctx.callbackQuery;
      presses.push({
        gameShortName: 'game_short_name' in query ? query.game_short_name : undefined,
        data: 'data' in query ? query.data : undefined,
        messageId: query.message?.message_id,
      });
      if ('game_short_name' in query) await ctx.answerGameQuery(GAME_URL);
    });
    const running = app.launch();
    return {
      bot,
      app,
      sent,
      presses,
      async stop() {
        app.stop('test done');
        await running;
      },
    };
  }

  it('sends a game with its Play button; the app sees it, presses Play and gets the URL; scores are kept', async () => {
    const running = await runBot();
    try {
      const user = await newUser(kit, { firstName: 'Gina' });
      const client = await signedInClient(kit, user);
      const peer = await client.getInputEntity(running.bot.username);
      await client.sendMessage(peer, { message: '/start' });
      await eventually(() => running.sent[0], { what: 'the game the bot sent' });
      const { chatId, messageId } = running.sent[0]!;

      // The app sees the game.
      const gameMessage = await eventually(async () => (await client.getMessages(peer, { ids: [messageId] }))[0], {
        what: 'the game message in the app',
      });
      expect(gameMessage.media).toBeInstanceOf(Api.MessageMediaGame);
      const game = (gameMessage.media as Api.MessageMediaGame).game;
      expect(game).toMatchObject({
        shortName: 'lumberjack',
        title: 'Lumber Jack',
        description: 'Chop the tree, dodge the branches.',
      });

      // The Play press: the bot hears the game's short name, the app gets its URL.
      const answer = await client.invoke(new Api.messages.GetBotCallbackAnswer({ peer, msgId: messageId, game: true }));
      expect(answer).toMatchObject({ url: GAME_URL, hasUrl: true });
      expect(running.presses).toEqual([{ gameShortName: 'lumberjack', data: undefined, messageId }]);

      // Scores: a higher one is kept, a lower one refused unless forced.
      const telegram = running.app.telegram;
      const edited = await telegram.setGameScore(user.id, 120, undefined, chatId, messageId);
      expect(edited).toMatchObject({ message_id: messageId, game: { title: 'Lumber Jack' } });
      const lower = await telegramError(telegram.setGameScore(user.id, 80, undefined, chatId, messageId));
      expect(lower.response.description).toBe('Bad Request: BOT_SCORE_NOT_MODIFIED');
      expect(await telegram.getGameHighScores(user.id, undefined, chatId, messageId)).toEqual([
        { position: 1, user: expect.objectContaining({ id: user.id, first_name: 'Gina' }), score: 120 },
      ]);
      await telegram.setGameScore(user.id, 90, undefined, chatId, messageId, false, true);
      expect(await telegram.getGameHighScores(user.id, undefined, chatId, messageId)).toEqual([
        expect.objectContaining({ position: 1, score: 90 }),
      ]);

      // The app sees the score's service message (not the one set without editing the message).
      const history = await client.getMessages(peer, { limit: 5 });
      const scored = history.filter((m) => m.action instanceof Api.MessageActionGameScore);
      expect(scored).toHaveLength(1);
      expect(scored[0]!.action).toMatchObject({ score: 120 });
      expect(String((scored[0]!.action as Api.MessageActionGameScore).gameId)).toBe(String(game.id));
      expect(scored[0]!.replyTo).toMatchObject({ replyToMsgId: messageId });

      // Scores are the bot's business: a user's app is refused them.
      expect(
        await errorOf(
          client.invoke(new Api.messages.GetGameHighScores({ peer, id: messageId, userId: new Api.InputUserSelf() })),
        ),
      ).toBe('BOT_METHOD_INVALID');
    } finally {
      await running.stop();
    }
  });

  it('refuses an unknown short name and a channel, and keyboards given by the bot stay its own', async () => {
    const running = await runBot();
    try {
      const user = await newUser(kit, { firstName: 'Hal' });
      const client = await signedInClient(kit, user);
      const peer = await client.getInputEntity(running.bot.username);
      await client.sendMessage(peer, { message: '/start' });
      await eventually(() => running.sent[0], { what: 'the game the bot sent' });
      const telegram = running.app.telegram;

      const unknown = await telegramError(telegram.sendGame(user.id, 'tetris'));
      expect(unknown.response.description).toBe('Bad Request: wrong game short name specified');
      expect(running.sent[0]).toBeDefined();

      const channel = await newChannel(kit.sandbox, user.phone);
      await addBotToChannel(kit.sandbox, channel.channel_id, running.bot.id);
      const toChannel = await telegramError(telegram.sendGame(-(1000000000000 + channel.channel_id), 'lumberjack'));
      expect(toChannel.response.description).toBe("Bad Request: games can't be sent to channel chats");

      const own = await telegram.sendGame(user.id, 'lumberjack', {
        reply_markup: { inline_keyboard: [[{ text: 'Start the game', callback_game: {} }]] },
      });
      expect(own.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Start the game', callback_game: {} }]] });
      const defaulted = await telegram.sendGame(user.id, 'lumberjack');
      expect(defaulted.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Play Lumber Jack', callback_game: {} }]] });

      const listed = await control(kit.sandbox, 'GET', `/sandbox/bots/${running.bot.id}/games`);
      expect(listed.body).toEqual([
        { short_name: 'lumberjack', title: 'Lumber Jack', description: 'Chop the tree, dodge the branches.' },
      ]);
    } finally {
      await running.stop();
    }
  });
});
