import { Telegraf } from 'telegraf';
import type { ChatMemberUpdated } from 'telegraf/types';
import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events';
import { eventually } from '../helpers/eventually';
import { newBot, rawBotCall } from './bot-helpers';
import {
  errorOf,
  type MtprotoKit,
  namedUser,
  pushedMessage,
  signedInClient,
  startMtprotoKit,
  watchingApp,
} from './mtproto-kit';

/** What telegraf's TelegramError carries of Telegram's answer. */
const refusal = (error_code: number, description: string) => ({ response: { ok: false, error_code, description } });

/**
 * Users blocking bots and people, with a real telegraf bot polling the sandbox and real gramjs apps: a blocked bot's
 * sends are refused as Telegram refuses them and it hears my_chat_member; a blocked person's messages never reach
 * the one who blocked them.
 */
describe('blocking bots and people', () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    kit = await startMtprotoKit();
  });
  afterAll(async () => {
    await kit.close();
  });

  interface RunningBot {
    bot: { id: number; token: string; username: string };
    app: Telegraf;
    /** The my_chat_member updates the bot heard. */
    memberChanges: ChatMemberUpdated[];
    /** The texts of the messages the bot heard. */
    heard: string[];
    stop(): Promise<void>;
  }

  async function runBot(): Promise<RunningBot> {
    const bot = await newBot(kit.sandbox);
    const app = new Telegraf(bot.token, { telegram: { apiRoot: kit.sandbox.httpUrl, webhookReply: false } });
    const memberChanges: ChatMemberUpdated[] = [];
    const heard: string[] = [];
    app.on('my_chat_member', (ctx) => {
      memberChanges.push(ctx.myChatMember);
    });
    app.on('message', (ctx) => {
      if ('text' in ctx.message) heard.push(ctx.message.text);
    });
    const running = app.launch({ allowedUpdates: ['message', 'my_chat_member'] });
    return {
      bot,
      app,
      memberChanges,
      heard,
      async stop() {
        app.stop('test done');
        await running;
      },
    };
  }

  /** A signed-in user who has written /start to the bot, once the bot heard it. */
  async function startedChat(running: RunningBot) {
    const user = await namedUser(kit, 'Bo');
    const client = await signedInClient(kit, user);
    const peer = await client.getInputEntity(running.bot.username);
    await client.sendMessage(peer, { message: '/start' });
    await eventually(() => running.heard.includes('/start'), { what: 'the bot hearing /start' });
    return { user, client, peer };
  }

  const isBlocked = async (client: TelegramClient, peer: Api.TypeInputPeer): Promise<boolean> => {
    const full = await client.invoke(new Api.users.GetFullUser({ id: peer }));
    return full.fullUser.blocked === true;
  };

  it('a user blocks the bot: its sends answer 403 "bot was blocked by the user" and it hears my_chat_member kicked', async () => {
    const running = await runBot();
    try {
      const { user, client, peer } = await startedChat(running);
      await expect(running.app.telegram.sendMessage(user.id, 'before')).resolves.toMatchObject({ text: 'before' });

      expect(await client.invoke(new Api.contacts.Block({ id: peer }))).toBe(true);
      // Blocking again is no error.
      expect(await client.invoke(new Api.contacts.Block({ id: peer }))).toBe(true);
      expect(await isBlocked(client, peer)).toBe(true);

      await expect(running.app.telegram.sendMessage(user.id, 'after')).rejects.toMatchObject(
        refusal(403, 'Forbidden: bot was blocked by the user'),
      );
      // Every send to the private chat takes the same path, and the body is exactly Telegram's.
      const dice = await rawBotCall(kit.sandbox, running.bot.token, 'sendDice', { chat_id: user.id });
      expect(dice).toEqual({
        status: 403,
        body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
      });
      const changes = await eventually(() => running.memberChanges.length >= 1 && running.memberChanges, {
        what: 'my_chat_member after the block',
      });
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({
        chat: { id: user.id, type: 'private', first_name: 'Bo', username: user.username },
        from: { id: user.id, is_bot: false, first_name: 'Bo' },
        old_chat_member: { user: { id: running.bot.id, is_bot: true }, status: 'member' },
        new_chat_member: { user: { id: running.bot.id, is_bot: true }, status: 'kicked', until_date: 0 },
      });
      expect(typeof changes[0]?.date).toBe('number');

      // The user's own app may not write to the bot it blocked.
      expect(await errorOf(client.sendMessage(peer, { message: 'hello?' }))).toBe('YOU_BLOCKED_USER');
    } finally {
      await running.stop();
    }
  });

  it('unblocking the bot lets it write again, and it hears my_chat_member member', async () => {
    const running = await runBot();
    try {
      const { user, client, peer } = await startedChat(running);
      await client.invoke(new Api.contacts.Block({ id: peer }));
      await eventually(() => running.memberChanges.length === 1, { what: 'my_chat_member after the block' });

      expect(await client.invoke(new Api.contacts.Unblock({ id: peer }))).toBe(true);
      expect(await isBlocked(client, peer)).toBe(false);
      const sent = await running.app.telegram.sendMessage(user.id, 'welcome back');
      expect(sent).toMatchObject({ text: 'welcome back', chat: { id: user.id, type: 'private' } });
      const change = await eventually(() => running.memberChanges[1], { what: 'my_chat_member after the unblock' });
      expect(change).toMatchObject({
        chat: { id: user.id, type: 'private' },
        from: { id: user.id },
        old_chat_member: { user: { id: running.bot.id }, status: 'kicked', until_date: 0 },
        new_chat_member: { user: { id: running.bot.id }, status: 'member' },
      });
      // The app writes to the bot again, and the bot hears it.
      await client.sendMessage(peer, { message: 'I am back' });
      await eventually(() => running.heard.includes('I am back'), { what: 'the bot hearing the user again' });
    } finally {
      await running.stop();
    }
  });

  it("contacts.getBlocked lists the blocked, newest first, a page at a time; the user's other app hears updatePeerBlocked", async () => {
    const running = await runBot();
    try {
      const me = await namedUser(kit, 'Lister');
      const other = await namedUser(kit, 'Noisy');
      const client = await signedInClient(kit, me);
      // The user's other app is told of each change of the list.
      const otherApp = await signedInClient(kit, me);
      const told: Api.UpdatePeerBlocked[] = [];
      otherApp.addEventHandler((u: Api.TypeUpdate) => {
        if (u instanceof Api.UpdatePeerBlocked) told.push(u);
      }, new Raw({}));
      await otherApp.getMe();
      const botPeer = await client.getInputEntity(running.bot.username);
      const otherPeer = await client.getInputEntity(other.username);
      await client.invoke(new Api.contacts.Block({ id: botPeer }));
      await client.invoke(new Api.contacts.Block({ id: otherPeer }));
      await eventually(() => told.length === 2, { what: 'updatePeerBlocked on the other app' });
      expect(told.map((u) => [(u.peerId as Api.PeerUser).userId.toJSNumber(), u.blocked])).toEqual([
        [running.bot.id, true],
        [other.id, true],
      ]);

      const all = await client.invoke(new Api.contacts.GetBlocked({ offset: 0, limit: 10 }));
      expect(all).toBeInstanceOf(Api.contacts.Blocked);
      const ids = all.blocked.map((b) => (b.peerId as Api.PeerUser).userId.toJSNumber());
      expect(ids).toEqual([other.id, running.bot.id]);
      expect(all.users.map((u) => (u as Api.User).id.toJSNumber()).sort()).toEqual([other.id, running.bot.id].sort());
      const page = await client.invoke(new Api.contacts.GetBlocked({ offset: 0, limit: 1 }));
      expect(page).toBeInstanceOf(Api.contacts.BlockedSlice);
      expect((page as Api.contacts.BlockedSlice).count).toBe(2);
      expect(page.blocked.map((b) => (b.peerId as Api.PeerUser).userId.toJSNumber())).toEqual([other.id]);

      await client.invoke(new Api.contacts.Unblock({ id: otherPeer }));
      await eventually(() => told.length === 3, { what: 'updatePeerBlocked for the unblock' });
      expect(told[2]?.blocked).toBeFalsy();
      const left = await client.invoke(new Api.contacts.GetBlocked({ offset: 0, limit: 10 }));
      expect(left.blocked.map((b) => (b.peerId as Api.PeerUser).userId.toJSNumber())).toEqual([running.bot.id]);
      expect(await errorOf(client.invoke(new Api.contacts.Block({ id: new Api.InputPeerSelf() })))).toBe(
        'CONTACT_ID_INVALID',
      );
    } finally {
      await running.stop();
    }
  });

  it('between people: the one who blocked may not write, and never receives what the blocked one sends', async () => {
    const ann = await namedUser(kit, 'Ann');
    const ben = await namedUser(kit, 'Ben');
    const annApp = await watchingApp(kit, ann);
    const benClient = await signedInClient(kit, ben);
    const benPeer = await annApp.client.getInputEntity(ben.username);
    const annPeer = await benClient.getInputEntity(ann.username);

    await annApp.client.invoke(new Api.contacts.Block({ id: benPeer }));
    expect(await isBlocked(annApp.client, benPeer)).toBe(true);
    // Ben does not see that Ann blocked him.
    expect(await isBlocked(benClient, annPeer)).toBe(false);
    expect(await errorOf(annApp.client.sendMessage(benPeer, { message: 'hi Ben' }))).toBe('YOU_BLOCKED_USER');

    // Ben's send goes through for him, and is in his history, not in Ann's.
    const unseen = await benClient.sendMessage(annPeer, { message: 'are you there?' });
    expect(unseen.message).toBe('are you there?');
    const benHistory = await benClient.getMessages(annPeer, { limit: 10 });
    expect(benHistory.map((m) => m.message)).toContain('are you there?');
    const annHistory = await annApp.client.getMessages(benPeer, { limit: 10 });
    expect(annHistory.map((m) => m.message)).not.toContain('are you there?');

    // Once unblocked, Ann writes again and receives Ben's next message, and never got the earlier one.
    await annApp.client.invoke(new Api.contacts.Unblock({ id: benPeer }));
    expect(await isBlocked(annApp.client, benPeer)).toBe(false);
    await expect(annApp.client.sendMessage(benPeer, { message: 'sorry' })).resolves.toMatchObject({ message: 'sorry' });
    await benClient.sendMessage(annPeer, { message: 'no worries' });
    await pushedMessage(annApp, (m) => m.message === 'no worries', "Ben's message after the unblock");
    expect(annApp.pushed.map((m) => m.message)).not.toContain('are you there?');
    const annAfter = await annApp.client.getMessages(benPeer, { limit: 10 });
    expect([...annAfter].map((m) => m.message)).toEqual(['no worries', 'sorry']);
  });
});
