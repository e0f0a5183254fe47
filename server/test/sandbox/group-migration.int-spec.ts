import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/Raw';
import { returnBigInt } from 'telegram/Helpers';
import { eventually } from '../helpers/eventually';
import { control, newBot, telegramError, telegramFor } from './bot-helpers';
import { errorOf, type MtprotoKit, namedUser, signedInClient, startMtprotoKit } from './mtproto-kit';

/** A member's app with what the sandbox pushes to it. */
interface App {
  client: TelegramClient;
  me: { id: number; phone: string; username: string };
  pushed: Api.TypeUpdate[];
}

/** The messages a bot is sent, read with getUpdates from where it stopped last. */
class BotInbox {
  private offset = 0;
  readonly messages: any[] = [];
  constructor(private readonly tg: ReturnType<typeof telegramFor>) {}

  /** Waits until a message the bot was sent passes `test`. */
  async find(test: (m: any) => boolean, what: string): Promise<any> {
    return eventually(
      async () => {
        const updates = (await this.tg.getUpdates(0, 100, this.offset, undefined)) as any[];
        for (const u of updates) {
          if (u.message) this.messages.push(u.message);
          this.offset = u.update_id + 1;
        }
        return this.messages.find(test);
      },
      { what },
    );
  }
}

const actionOf = (m: Api.TypeMessage | undefined): Api.TypeMessageAction | undefined =>
  m instanceof Api.MessageService ? m.action : undefined;

describe('sandbox basic groups upgraded to supergroups (real gramjs and telegraf)', () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    kit = await startMtprotoKit();
  });
  afterAll(async () => {
    await kit.close();
  });

  async function app(firstName: string): Promise<App> {
    const me = await namedUser(kit, firstName);
    const client = await signedInClient(kit, me);
    const pushed: Api.TypeUpdate[] = [];
    client.addEventHandler(
      (u: Api.TypeUpdate) => pushed.push(u),
      new Raw({ types: [Api.UpdateNewMessage, Api.UpdateNewChannelMessage] }),
    );
    await client.getMe();
    return { client, me, pushed };
  }

  /** A basic group of `owner` with these members and bots, made through the control API; its ids. */
  async function group(owner: App, members: App[], bots: { id: number; admin: boolean }[]) {
    const made = await control(kit.sandbox, 'POST', '/sandbox/groups', {
      title: 'Book club',
      owner_phone: owner.me.phone,
      member_phones: members.map((m) => m.me.phone),
      bots,
    });
    expect(made.status).toBe(201);
    return { chatId: returnBigInt(made.body.id), botApiId: made.body.bot_api_id as number };
  }

  it('upgrades a group from its creator’s app: a supergroup with its members, both chats told, bots too', async () => {
    const [ann, bea] = [await app('Ann'), await app('Bea')];
    const [adminBot, plainBot] = [await newBot(kit.sandbox), await newBot(kit.sandbox)];
    const { chatId, botApiId } = await group(
      ann,
      [bea],
      [
        { id: adminBot.id, admin: true },
        { id: plainBot.id, admin: false },
      ],
    );
    const tg = telegramFor(kit.sandbox, plainBot.token);
    const inbox = new BotInbox(tg);

    const answer = (await ann.client.invoke(new Api.messages.MigrateChat({ chatId }))) as Api.Updates;
    const channel = answer.chats.find((c) => c instanceof Api.Channel) as Api.Channel;
    expect(channel).toMatchObject({ megagroup: true, creator: true, title: 'Book club' });
    const old = answer.chats.find((c) => c instanceof Api.Chat) as Api.Chat;
    expect(old.deactivated).toBe(true);
    expect(old.migratedTo).toBeInstanceOf(Api.InputChannel);
    expect((old.migratedTo as Api.InputChannel).channelId.toJSNumber()).toBe(channel.id.toJSNumber());
    const from = answer.updates.find((u) => u instanceof Api.UpdateNewChannelMessage) as Api.UpdateNewChannelMessage;
    expect(actionOf(from.message)).toBeInstanceOf(Api.MessageActionChannelMigrateFrom);
    expect(actionOf(from.message)).toMatchObject({ title: 'Book club' });
    expect((actionOf(from.message) as Api.MessageActionChannelMigrateFrom).chatId.toJSNumber()).toBe(
      chatId.toJSNumber(),
    );
    const to = answer.updates.find((u) => u instanceof Api.UpdateNewMessage) as Api.UpdateNewMessage;
    expect((actionOf(to.message) as Api.MessageActionChatMigrateTo).channelId.toJSNumber()).toBe(
      channel.id.toJSNumber(),
    );

    // The supergroup names the group it was made from, and that group's last message.
    const full = await bea.client.invoke(
      new Api.channels.GetFullChannel({
        channel: new Api.InputChannel({ channelId: channel.id, accessHash: channel.accessHash! }),
      }),
    );
    const fullChat = full.fullChat as Api.ChannelFull;
    expect(fullChat.migratedFromChatId?.toJSNumber()).toBe(chatId.toJSNumber());
    expect(fullChat.migratedFromMaxId).toBe(to.message.id);

    // Bea's app hears the group's last message and the supergroup's first.
    await eventually(() =>
      bea.pushed.find((u) => actionOf((u as any).message) instanceof Api.MessageActionChatMigrateTo),
    );
    await eventually(() =>
      bea.pushed.find((u) => actionOf((u as any).message) instanceof Api.MessageActionChannelMigrateFrom),
    );

    // A bot in the group hears both, with the Bot API ids of the chat on the other side.
    const newId = -(1000000000000 + channel.id.toJSNumber());
    const migrateTo = await inbox.find((m) => m.migrate_to_chat_id !== undefined, 'migrate_to_chat_id');
    expect(migrateTo).toMatchObject({ chat: { id: botApiId, type: 'group' }, migrate_to_chat_id: newId });
    const migrateFrom = await inbox.find((m) => m.migrate_from_chat_id !== undefined, 'migrate_from_chat_id');
    expect(migrateFrom).toMatchObject({ chat: { id: newId, type: 'supergroup' }, migrate_from_chat_id: botApiId });

    // The old chat takes no more messages, naming the supergroup as the official server does.
    const refused = await telegramError(tg.sendMessage(botApiId, 'still here?'));
    expect(refused.code).toBe(400);
    expect(refused.description).toBe('Bad Request: group chat was upgraded to a supergroup chat');
    expect(refused.parameters?.migrate_to_chat_id).toBe(newId);
    expect(refused.response.parameters).toEqual({ migrate_to_chat_id: newId });
    // Reading the old chat still works (the official server asks only for read access there).
    expect(await tg.getChat(botApiId)).toMatchObject({ id: botApiId, type: 'group' });

    // Nor does it take a member's message from an app.
    expect(await errorOf(bea.client.sendMessage(new Api.InputPeerChat({ chatId }), { message: 'hello?' }))).toBe(
      'PEER_ID_INVALID',
    );

    // The supergroup has everyone: the creator its creator, the group's administrator bot its administrator.
    const sent = await tg.sendMessage(newId, 'moved in');
    expect(sent.chat).toMatchObject({ id: newId, type: 'supergroup', title: 'Book club' });
    expect((await tg.getChatMember(newId, ann.me.id)).status).toBe('creator');
    expect((await tg.getChatMember(newId, bea.me.id)).status).toBe('member');
    expect((await tg.getChatMember(newId, adminBot.id)).status).toBe('administrator');
    expect((await tg.getChatMember(newId, plainBot.id)).status).toBe('member');
  });

  it('lets only the creator upgrade, and a group only once', async () => {
    const [ann, bea] = [await app('Ann'), await app('Bea')];
    const outsider = await app('Cid');
    const { chatId } = await group(ann, [bea], []);

    expect(await errorOf(bea.client.invoke(new Api.messages.MigrateChat({ chatId })))).toBe('CHAT_ADMIN_REQUIRED');
    expect(await errorOf(outsider.client.invoke(new Api.messages.MigrateChat({ chatId })))).toBe('CHAT_ID_INVALID');
    await ann.client.invoke(new Api.messages.MigrateChat({ chatId }));
    expect(await errorOf(ann.client.invoke(new Api.messages.MigrateChat({ chatId })))).toBe('CHAT_ID_INVALID');
  });
});
