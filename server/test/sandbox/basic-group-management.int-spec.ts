import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/Raw';
import { returnBigInt } from 'telegram/Helpers';
import { eventually } from '../helpers/eventually';
import { control, newBot, telegramFor } from './bot-helpers';
import { errorOf, type MtprotoKit, namedUser, signedInClient, startMtprotoKit } from './mtproto-kit';

type ChatId = ReturnType<typeof returnBigInt>;

/** What telegraf's TelegramError carries of Telegram's answer. */
const refusal = (error_code: number, description: string) => ({ response: { ok: false, error_code, description } });

/** A member's app with what the sandbox pushes to it: new messages and deletions. */
interface App {
  client: TelegramClient;
  me: { id: number; phone: string; username: string };
  newMessages: Api.UpdateNewMessage[];
  deletions: Api.UpdateDeleteMessages[];
}

/** The updates a bot is sent, read with getUpdates from where it stopped last. */
class BotInbox {
  private offset = 0;
  constructor(private readonly tg: ReturnType<typeof telegramFor>) {}

  async next(count: number): Promise<any[]> {
    const got: any[] = [];
    await eventually(
      async () => {
        const updates = (await this.tg.getUpdates(0, 100, this.offset, undefined)) as any[];
        for (const u of updates) {
          got.push(u);
          this.offset = u.update_id + 1;
        }
        return got.length >= count;
      },
      { what: `${count} bot updates` },
    );
    return got;
  }
}

const serviceAction = (u: Api.UpdateNewMessage): Api.TypeMessageAction | undefined =>
  u.message instanceof Api.MessageService ? u.message.action : undefined;

describe('sandbox basic groups managed from members’ apps (real gramjs and telegraf)', () => {
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
    const newMessages: Api.UpdateNewMessage[] = [];
    const deletions: Api.UpdateDeleteMessages[] = [];
    client.addEventHandler(
      (u: Api.UpdateNewMessage) => newMessages.push(u),
      new Raw({ types: [Api.UpdateNewMessage] }),
    );
    client.addEventHandler(
      (u: Api.UpdateDeleteMessages) => deletions.push(u),
      new Raw({ types: [Api.UpdateDeleteMessages] }),
    );
    await client.getMe();
    return { client, me, newMessages, deletions };
  }

  /** The group `owner` creates from their app with these members; its chat id. */
  async function createGroup(owner: App, title: string, members: string[]): Promise<ChatId> {
    const result = await owner.client.invoke(new Api.messages.CreateChat({ users: members, title }));
    const updates = result.updates as Api.Updates;
    return (updates.chats[0] as Api.Chat).id;
  }

  async function historyIds(member: App, chatId: ChatId): Promise<number[]> {
    const history = (await member.client.invoke(
      new Api.messages.GetHistory({ peer: new Api.InputPeerChat({ chatId }), limit: 100 }),
    )) as Api.messages.Messages;
    return history.messages.map((m) => m.id);
  }

  async function say(member: App, chatId: ChatId, text: string): Promise<number> {
    const sent = await member.client.sendMessage(new Api.InputPeerChat({ chatId }), { message: text });
    return sent.id;
  }

  const deletedFor = (member: App, id: number) =>
    eventually(() => member.deletions.find((d) => d.messages.includes(id)), { what: `deletion of ${id} pushed` });

  it('creates a group from an app, adds a member and a bot, which hears it and the joins and then sends', async () => {
    const [ann, bea, cid] = [await app('Ann'), await app('Bea'), await app('Cid')];
    const bot = await newBot(kit.sandbox);
    const inbox = new BotInbox(telegramFor(kit.sandbox, bot.token));

    const result = await ann.client.invoke(new Api.messages.CreateChat({ users: [bea.me.username], title: 'Trip' }));
    expect(result).toBeInstanceOf(Api.messages.InvitedUsers);
    expect(result.missingInvitees).toEqual([]);
    const updates = result.updates as Api.Updates;
    const chat = updates.chats[0] as Api.Chat;
    expect(chat).toBeInstanceOf(Api.Chat);
    expect(chat).toMatchObject({ title: 'Trip', creator: true, participantsCount: 2 });
    const created = updates.updates.find((u) => u instanceof Api.UpdateNewMessage) as Api.UpdateNewMessage;
    expect(serviceAction(created)).toBeInstanceOf(Api.MessageActionChatCreate);
    expect(serviceAction(created)).toMatchObject({ title: 'Trip' });
    expect((serviceAction(created) as Api.MessageActionChatCreate).users.map(Number)).toEqual([ann.me.id, bea.me.id]);
    const chatId = chat.id;

    // Bea's app is told of the group she was put in.
    const beaSaw = await eventually(() =>
      bea.newMessages.find((u) => serviceAction(u) instanceof Api.MessageActionChatCreate),
    );
    expect(((beaSaw.message as Api.MessageService).peerId as Api.PeerChat).chatId.toJSNumber()).toBe(
      chatId.toJSNumber(),
    );

    const added = await ann.client.invoke(
      new Api.messages.AddChatUser({ chatId, userId: cid.me.username, fwdLimit: 100 }),
    );
    const addedMessage = (added.updates as Api.Updates).updates.find(
      (u) => u instanceof Api.UpdateNewMessage,
    ) as Api.UpdateNewMessage;
    expect(serviceAction(addedMessage)).toBeInstanceOf(Api.MessageActionChatAddUser);
    expect((serviceAction(addedMessage) as Api.MessageActionChatAddUser).users.map(Number)).toEqual([cid.me.id]);
    expect(
      await errorOf(ann.client.invoke(new Api.messages.AddChatUser({ chatId, userId: cid.me.username, fwdLimit: 0 }))),
    ).toBe('USER_ALREADY_PARTICIPANT');
    await eventually(() => cid.newMessages.find((u) => serviceAction(u) instanceof Api.MessageActionChatAddUser));

    // Bea, a plain member, adds the bot.
    await bea.client.invoke(new Api.messages.AddChatUser({ chatId, userId: bot.username, fwdLimit: 0 }));
    const [joined, heard] = await inbox.next(2);
    expect(joined.my_chat_member).toMatchObject({
      chat: { id: -chatId.toJSNumber(), type: 'group', title: 'Trip' },
      from: { id: bea.me.id, is_bot: false },
      old_chat_member: { status: 'left', user: { id: bot.id } },
      new_chat_member: { status: 'member', user: { id: bot.id } },
    });
    expect(heard.message).toMatchObject({
      chat: { id: -chatId.toJSNumber(), type: 'group' },
      from: { id: bea.me.id },
      new_chat_members: [{ id: bot.id, is_bot: true }],
      new_chat_member: { id: bot.id },
    });

    // The Bot API door now serves the group to the bot.
    const tg = telegramFor(kit.sandbox, bot.token);
    expect(await tg.getChat(-chatId.toJSNumber())).toMatchObject({
      id: -chatId.toJSNumber(),
      type: 'group',
      title: 'Trip',
    });
    const sent = await tg.sendMessage(-chatId.toJSNumber(), 'hello, travellers');
    const pushed = await eventually(() => cid.newMessages.find((u) => u.message.id === sent.message_id));
    expect((pushed.message as Api.Message).message).toBe('hello, travellers');

    const full = await cid.client.invoke(new Api.messages.GetFullChat({ chatId }));
    const participants = (full.fullChat as Api.ChatFull).participants as Api.ChatParticipants;
    expect(
      participants.participants.map((p) => ({
        kind: p.className,
        user: Number(p.userId),
        inviter: 'inviterId' in p ? Number(p.inviterId) : undefined,
      })),
    ).toEqual([
      { kind: 'ChatParticipantCreator', user: ann.me.id, inviter: undefined },
      { kind: 'ChatParticipant', user: bea.me.id, inviter: ann.me.id },
      { kind: 'ChatParticipant', user: cid.me.id, inviter: ann.me.id },
      { kind: 'ChatParticipant', user: bot.id, inviter: bea.me.id },
    ]);
  });

  it('renames the group, lets a member leave and the creator remove others, the bot hearing each', async () => {
    const [ann, bea, cid] = [await app('Ann'), await app('Bea'), await app('Cid')];
    const bot = await newBot(kit.sandbox);
    const tg = telegramFor(kit.sandbox, bot.token);
    const inbox = new BotInbox(tg);
    const chatId = await createGroup(ann, 'Band', [bea.me.username, cid.me.username, bot.username]);
    await inbox.next(2); // joined, "created the group"

    await bea.client.invoke(new Api.messages.EditChatTitle({ chatId, title: 'The Band' }));
    const [renamed] = await inbox.next(1);
    expect(renamed.message).toMatchObject({ new_chat_title: 'The Band', from: { id: bea.me.id } });
    await eventually(() =>
      ann.newMessages.find(
        (u) =>
          serviceAction(u) instanceof Api.MessageActionChatEditTitle &&
          (serviceAction(u) as Api.MessageActionChatEditTitle).title === 'The Band',
      ),
    );
    expect(await errorOf(ann.client.invoke(new Api.messages.EditChatTitle({ chatId, title: 'The Band' })))).toBe(
      'CHAT_NOT_MODIFIED',
    );

    // Cid leaves: the group is no longer his.
    await cid.client.invoke(new Api.messages.DeleteChatUser({ chatId, userId: 'me' }));
    const [left] = await inbox.next(1);
    expect(left.message).toMatchObject({ from: { id: cid.me.id }, left_chat_member: { id: cid.me.id } });
    expect(
      await errorOf(
        cid.client.invoke(new Api.messages.GetHistory({ peer: new Api.InputPeerChat({ chatId }), limit: 5 })),
      ),
    ).toBe('CHAT_ID_INVALID');

    // Only the creator (or whoever added them) removes someone else.
    expect(await errorOf(bea.client.invoke(new Api.messages.DeleteChatUser({ chatId, userId: ann.me.username })))).toBe(
      'CHAT_ADMIN_REQUIRED',
    );
    await ann.client.invoke(new Api.messages.DeleteChatUser({ chatId, userId: bea.me.username }));
    const [removed] = await inbox.next(1);
    expect(removed.message).toMatchObject({ from: { id: ann.me.id }, left_chat_member: { id: bea.me.id } });
    await eventually(() => bea.newMessages.find((u) => serviceAction(u) instanceof Api.MessageActionChatDeleteUser));

    // The bot removed hears it, and may no longer write there.
    await ann.client.invoke(new Api.messages.DeleteChatUser({ chatId, userId: bot.username }));
    const updates = await inbox.next(2);
    const change = updates.find((u) => u.my_chat_member)?.my_chat_member;
    expect(change).toMatchObject({
      from: { id: ann.me.id },
      old_chat_member: { status: 'member' },
      new_chat_member: { status: 'left', user: { id: bot.id } },
    });
    expect(updates.find((u) => u.message)?.message).toMatchObject({ left_chat_member: { id: bot.id } });
    await expect(tg.sendMessage(-chatId.toJSNumber(), 'still here?')).rejects.toMatchObject(
      refusal(403, 'Forbidden: bot is not a member of the group chat'),
    );
    const chats = await ann.client.invoke(new Api.messages.GetChats({ id: [chatId] }));
    expect(chats.chats[0]).toMatchObject({ title: 'The Band', participantsCount: 1 });
  });

  it("keeps out of a group whoever's invite privacy refuses the inviter", async () => {
    const [ann, bea, dan] = [await app('Ann'), await app('Bea'), await app('Dan')];
    await dan.client.invoke(
      new Api.account.SetPrivacy({
        key: new Api.InputPrivacyKeyChatInvite(),
        rules: [new Api.InputPrivacyValueDisallowAll()],
      }),
    );
    const result = await ann.client.invoke(
      new Api.messages.CreateChat({ users: [bea.me.username, dan.me.username], title: 'Quiet' }),
    );
    expect(result.missingInvitees.map((m) => Number(m.userId))).toEqual([dan.me.id]);
    const chatId = ((result.updates as Api.Updates).chats[0] as Api.Chat).id;
    expect(
      await errorOf(ann.client.invoke(new Api.messages.AddChatUser({ chatId, userId: dan.me.username, fwdLimit: 0 }))),
    ).toBe('USER_PRIVACY_RESTRICTED');
  });

  it("deletes members' messages: one's own for everyone, another's for oneself, anyone's as the creator", async () => {
    const [ann, bea, cid] = [await app('Ann'), await app('Bea'), await app('Cid')];
    const chatId = await createGroup(ann, 'Notes', [bea.me.username, cid.me.username]);
    const before = await cid.client.invoke(new Api.updates.GetState());
    const fromBea = await say(bea, chatId, 'typo');
    const fromCid = await say(cid, chatId, 'spam');
    const fromAnn = await say(ann, chatId, 'agenda');

    // Bea deletes her own message for everyone: the others' apps are told, their history no longer has it.
    const own = await bea.client.invoke(new Api.messages.DeleteMessages({ id: [fromBea], revoke: true }));
    expect(own.ptsCount).toBe(1);
    await deletedFor(ann, fromBea);
    await deletedFor(cid, fromBea);
    expect(await historyIds(ann, chatId)).not.toContain(fromBea);

    // Cid's message, deleted by Bea (no admin), goes for her only.
    const other = await bea.client.invoke(new Api.messages.DeleteMessages({ id: [fromCid], revoke: true }));
    expect(other.ptsCount).toBe(1);
    expect(await historyIds(bea, chatId)).not.toContain(fromCid);
    expect(await historyIds(ann, chatId)).toContain(fromCid);

    // The creator deletes it for everyone; her own without revoke goes for her alone.
    await ann.client.invoke(new Api.messages.DeleteMessages({ id: [fromCid], revoke: true }));
    await deletedFor(cid, fromCid);
    await ann.client.invoke(new Api.messages.DeleteMessages({ id: [fromAnn] }));
    expect(await historyIds(ann, chatId)).not.toContain(fromAnn);
    expect(await historyIds(cid, chatId)).toEqual(expect.arrayContaining([fromAnn]));
    expect(await historyIds(cid, chatId)).not.toContain(fromCid);

    // Catching up from before, Cid's app reads only what is left, and the deletions.
    const diff = (await cid.client.invoke(
      new Api.updates.GetDifference({ pts: before.pts, date: before.date, qts: 0 }),
    )) as Api.updates.Difference;
    const ids = diff.newMessages.map((m) => m.id);
    expect(ids).toContain(fromAnn);
    expect(ids).not.toContain(fromBea);
    expect(ids).not.toContain(fromCid);
    const deleted = diff.otherUpdates.flatMap((u) => (u instanceof Api.UpdateDeleteMessages ? u.messages : []));
    expect(deleted).toEqual(expect.arrayContaining([fromBea, fromCid]));
  });

  it("lets a bot delete its own group messages, any as an administrator, and refuses another's otherwise", async () => {
    const [ann, bea] = [await app('Ann'), await app('Bea')];
    const bot = await newBot(kit.sandbox);
    const tg = telegramFor(kit.sandbox, bot.token);
    const chatId = await createGroup(ann, 'Desk', [bea.me.username, bot.username]);
    const chat = -chatId.toJSNumber();

    const own = await tg.sendMessage(chat, 'temporary');
    expect(await tg.deleteMessage(chat, own.message_id)).toBe(true);
    await deletedFor(ann, own.message_id);
    expect(await historyIds(bea, chatId)).not.toContain(own.message_id);

    const fromBea = await say(bea, chatId, 'keep this');
    await expect(tg.deleteMessage(chat, fromBea)).rejects.toMatchObject(
      refusal(400, "Bad Request: message can't be deleted"),
    );
    await expect(tg.deleteMessages(chat, [fromBea])).rejects.toMatchObject(
      refusal(400, "Bad Request: message can't be deleted"),
    );
    await expect(tg.deleteMessage(chat, own.message_id)).rejects.toMatchObject(
      refusal(400, 'Bad Request: message to delete not found'),
    );
    expect(await historyIds(ann, chatId)).toContain(fromBea);

    // An administrator bot deletes anyone's.
    const admin = await newBot(kit.sandbox);
    const made = await control(kit.sandbox, 'POST', '/sandbox/groups', {
      title: 'Moderated',
      owner_phone: ann.me.phone,
      member_phones: [bea.me.phone],
      bots: [{ id: admin.id, admin: true }],
    });
    expect(made.status).toBe(201);
    const moderated = returnBigInt(made.body.id);
    const rude = await say(bea, moderated, 'rude words');
    const fine = await say(bea, moderated, 'fine words');
    const adminTg = telegramFor(kit.sandbox, admin.token);
    expect(await adminTg.deleteMessages(made.body.bot_api_id, [rude, 999_999])).toBe(true);
    await deletedFor(ann, rude);
    expect(await historyIds(bea, moderated)).toEqual(expect.arrayContaining([fine]));
    expect(await historyIds(bea, moderated)).not.toContain(rude);
  });
});
