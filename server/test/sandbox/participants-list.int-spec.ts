import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import bigInt from 'big-integer';
import { sandboxForSuite } from './bot-chats';
import { control, newChannel, rawBotCall } from './bot-helpers';
import { mtcuteClient, signInMtcute } from './mtcute-kit';
import { errorOf, namedUser, newUser, signedInClient } from './mtproto-kit';
import { ownedChat, promotedByOwner, SUPERGROUP_ADMIN_RIGHTS } from './owned-chats';

/** The user ids of a participants answer, in its order. */
const idsOf = (r: Api.channels.TypeChannelParticipants): number[] =>
  r instanceof Api.channels.ChannelParticipants
    ? r.participants.map((p) => ('userId' in p ? Number(p.userId) : Number((p.peer as Api.PeerUser).userId)))
    : [];

describe('sandbox: listing the members of a channel or supergroup (real gramjs, mtcute and telegraf)', () => {
  const suite = sandboxForSuite();

  /** Makes `phone` a member of the chat (through the control API). */
  const addMember = async (chatId: number, body: Record<string, unknown>): Promise<void> => {
    const res = await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chatId}/members`, body);
    if (res.status !== 200) throw new Error(`member not set: ${JSON.stringify(res.body)}`);
  };

  /**
   * A supergroup owned by Olga with Ben and Carla in it and Olga's bot made an administrator; Ben's app signed in.
   */
  async function group(): Promise<{
    chat: Awaited<ReturnType<typeof ownedChat>>;
    ben: { id: number; phone: string; username: string };
    carla: { id: number; phone: string; username: string };
    benApp: TelegramClient;
  }> {
    const chat = await ownedChat(suite.kit, { megagroup: true });
    const ben = await namedUser(suite.kit, 'Ben');
    const carla = await namedUser(suite.kit, 'Carla');
    await addMember(chat.chatId, { phone: ben.phone });
    await addMember(chat.chatId, { phone: carla.phone });
    await addMember(chat.chatId, { bot_id: chat.bot.id });
    await promotedByOwner(chat, chat.bot.username, SUPERGROUP_ADMIN_RIGHTS);
    const benApp = await signedInClient(suite.kit, ben);
    return { chat, ben, carla, benApp };
  }

  const list = (
    app: TelegramClient,
    channel: Api.InputChannel,
    filter: Api.TypeChannelParticipantsFilter,
    extra: { offset?: number; limit?: number; hash?: bigInt.BigInteger } = {},
  ): Promise<Api.channels.TypeChannelParticipants> =>
    app.invoke(
      new Api.channels.GetParticipants({
        channel,
        filter,
        offset: extra.offset ?? 0,
        limit: extra.limit ?? 200,
        hash: extra.hash ?? bigInt.zero,
      }),
    );

  it("a supergroup member's gramjs getParticipants lists everyone; the admins, bots and name filters pick some", async () => {
    const { chat, ben, carla, benApp } = await group();
    const all = await benApp.getParticipants(chat.channel, {});
    expect([...all].map((u) => Number(u.id)).sort()).toEqual([chat.owner.id, ben.id, carla.id, chat.bot.id].sort());
    expect(all.total).toBe(4);
    // Ben sees himself as "self", the owner as the creator, the bot as an administrator promoted by her.
    const byId = new Map(all.map((u) => [Number(u.id), (u as Api.User & { participant: unknown }).participant]));
    expect(byId.get(ben.id)).toBeInstanceOf(Api.ChannelParticipantSelf);
    expect(byId.get(chat.owner.id)).toBeInstanceOf(Api.ChannelParticipantCreator);
    expect(byId.get(chat.bot.id)).toMatchObject({ className: 'ChannelParticipantAdmin' });
    expect(Number((byId.get(chat.bot.id) as Api.ChannelParticipantAdmin).promotedBy)).toBe(chat.owner.id);

    const admins = await benApp.getParticipants(chat.channel, { filter: new Api.ChannelParticipantsAdmins() });
    expect([...admins].map((u) => Number(u.id))).toEqual([chat.owner.id, chat.bot.id]);
    const bots = await benApp.getParticipants(chat.channel, { filter: new Api.ChannelParticipantsBots() });
    expect([...bots].map((u) => Number(u.id))).toEqual([chat.bot.id]);
    expect(bots[0]?.bot).toBe(true);

    // A search matches the start of a name or of a username, whatever the case.
    const found = await list(benApp, chat.channel, new Api.ChannelParticipantsSearch({ q: 'CAR' }));
    expect(idsOf(found)).toEqual([carla.id]);
    expect(idsOf(await list(benApp, chat.channel, new Api.ChannelParticipantsSearch({ q: carla.username })))).toEqual([
      carla.id,
    ]);
    expect(idsOf(await list(benApp, chat.channel, new Api.ChannelParticipantsSearch({ q: 'arla' })))).toEqual([]);
    expect(idsOf(await list(benApp, chat.channel, new Api.ChannelParticipantsMentions({ q: 'ol' })))).toEqual([
      chat.owner.id,
    ]);
  });

  it("the contacts filter lists the caller's contacts among the members", async () => {
    const { chat, carla, benApp } = await group();
    expect(idsOf(await list(benApp, chat.channel, new Api.ChannelParticipantsContacts({ q: '' })))).toEqual([]);
    await benApp.invoke(
      new Api.contacts.ImportContacts({
        contacts: [
          new Api.InputPhoneContact({ clientId: bigInt(1), phone: carla.phone, firstName: 'Carla', lastName: '' }),
        ],
      }),
    );
    expect(idsOf(await list(benApp, chat.channel, new Api.ChannelParticipantsContacts({ q: '' })))).toEqual([carla.id]);
    expect(idsOf(await list(benApp, chat.channel, new Api.ChannelParticipantsContacts({ q: 'zed' })))).toEqual([]);
  });

  it('pages by offset and limit, newest members first, and answers "not modified" to the hash of an unchanged page', async () => {
    const { chat, ben, carla, benApp } = await group();
    const first = await list(benApp, chat.channel, new Api.ChannelParticipantsRecent(), { limit: 2 });
    const second = await list(benApp, chat.channel, new Api.ChannelParticipantsRecent(), { offset: 2, limit: 2 });
    expect(first).toBeInstanceOf(Api.channels.ChannelParticipants);
    expect((first as Api.channels.ChannelParticipants).count).toBe(4);
    expect([...idsOf(first), ...idsOf(second)]).toEqual([chat.bot.id, carla.id, ben.id, chat.owner.id]);

    // Telegram's hash of the page's ids: the same page again is not sent again.
    const hashOf = (ids: number[]): bigInt.BigInteger => {
      const mask = bigInt.one.shiftLeft(64).minus(1);
      let h = bigInt.zero;
      for (const id of ids) {
        h = h.xor(h.shiftRight(21)).and(mask);
        h = h.xor(h.shiftLeft(35)).and(mask);
        h = h.xor(h.shiftRight(4)).and(mask);
        h = h.add(id).and(mask);
      }
      return h.greater(bigInt.one.shiftLeft(63).minus(1)) ? h.minus(bigInt.one.shiftLeft(64)) : h;
    };
    const hash = hashOf(idsOf(first));
    const again = await list(benApp, chat.channel, new Api.ChannelParticipantsRecent(), { limit: 2, hash });
    expect(again).toBeInstanceOf(Api.channels.ChannelParticipantsNotModified);
    // Someone new joins: the first page changes and comes in full.
    const dan = await newUser(suite.kit, { firstName: 'Dan' });
    await addMember(chat.chatId, { phone: dan.phone });
    const changed = await list(benApp, chat.channel, new Api.ChannelParticipantsRecent(), { limit: 2, hash });
    expect(idsOf(changed)).toEqual([dan.id, chat.bot.id]);
  });

  it("gramjs's iterParticipants pages through a supergroup of more than 200 members", async () => {
    const chat = await ownedChat(suite.kit, { megagroup: true });
    for (let i = 0; i < 210; i += 1) {
      const user = await newUser(suite.kit, { firstName: `Member${i}` });
      await addMember(chat.chatId, { phone: user.phone });
    }
    const seen = new Set<number>();
    for await (const user of chat.ownerApp.iterParticipants(chat.channel, {})) seen.add(Number(user.id));
    expect(seen.size).toBe(211);
    expect(seen.has(chat.owner.id)).toBe(true);
    // A page is at most 200 members, whatever the limit asked.
    const page = await list(chat.ownerApp, chat.channel, new Api.ChannelParticipantsRecent(), { limit: 500 });
    expect(idsOf(page)).toHaveLength(200);
    expect((page as Api.channels.ChannelParticipants).count).toBe(211);
  });

  it("a broadcast channel's subscribers are listed by its administrators only", async () => {
    const chat = await ownedChat(suite.kit, { megagroup: false });
    const sub = await newUser(suite.kit, { firstName: 'Sam' });
    await addMember(chat.chatId, { phone: sub.phone });
    const subApp = await signedInClient(suite.kit, sub);
    expect(await errorOf(list(subApp, chat.channel, new Api.ChannelParticipantsRecent()))).toBe('CHAT_ADMIN_REQUIRED');
    expect(await errorOf(list(subApp, chat.channel, new Api.ChannelParticipantsAdmins()))).toBe('CHAT_ADMIN_REQUIRED');
    const owners = await chat.ownerApp.getParticipants(chat.channel, {});
    expect([...owners].map((u) => Number(u.id)).sort()).toEqual([chat.owner.id, sub.id].sort());
    // Someone outside a private channel cannot read it at all.
    const outsider = await signedInClient(suite.kit, await newUser(suite.kit, { firstName: 'Otto' }));
    expect(await errorOf(list(outsider, chat.channel, new Api.ChannelParticipantsRecent()))).toBe('CHANNEL_PRIVATE');
  });

  it("the banned and restricted lists (a bot admin's bans through the Bot API) need the right to ban", async () => {
    const { chat, ben, carla, benApp } = await group();
    const dan = await namedUser(suite.kit, 'Dan');
    await addMember(chat.chatId, { phone: dan.phone });
    expect(
      (await rawBotCall(suite.kit.sandbox, chat.bot.token, 'banChatMember', { chat_id: chat.chatId, user_id: dan.id }))
        .status,
    ).toBe(200);
    await chat.tg.restrictChatMember(chat.chatId, carla.id, { permissions: { can_send_messages: false } });

    const kicked = await list(chat.ownerApp, chat.channel, new Api.ChannelParticipantsKicked({ q: '' }));
    expect(idsOf(kicked)).toEqual([dan.id]);
    const banned = (kicked as Api.channels.ChannelParticipants).participants[0] as Api.ChannelParticipantBanned;
    expect(banned).toBeInstanceOf(Api.ChannelParticipantBanned);
    expect(banned.left).toBe(true);
    expect(banned.bannedRights.viewMessages).toBe(true);
    expect(idsOf(await list(chat.ownerApp, chat.channel, new Api.ChannelParticipantsKicked({ q: 'car' })))).toEqual([]);

    const restricted = await list(chat.ownerApp, chat.channel, new Api.ChannelParticipantsBanned({ q: '' }));
    expect(idsOf(restricted)).toEqual([carla.id]);
    const carlas = (restricted as Api.channels.ChannelParticipants).participants[0] as Api.ChannelParticipantBanned;
    expect(carlas.left).toBeFalsy();
    expect(carlas.bannedRights.sendPlain).toBe(true);
    expect(carlas.bannedRights.viewMessages).toBeFalsy();
    // The recent list shows her restriction too, and no longer Dan.
    const recent = await list(benApp, chat.channel, new Api.ChannelParticipantsRecent());
    expect(idsOf(recent)).not.toContain(dan.id);
    expect(idsOf(recent)).toContain(ben.id);
    expect(
      (recent as Api.channels.ChannelParticipants).participants.find((p) => p instanceof Api.ChannelParticipantBanned),
    ).toMatchObject({
      peer: { userId: returnBigInt(carla.id) },
    });

    expect(await errorOf(list(benApp, chat.channel, new Api.ChannelParticipantsKicked({ q: '' })))).toBe(
      'CHAT_ADMIN_REQUIRED',
    );
    expect(await errorOf(list(benApp, chat.channel, new Api.ChannelParticipantsBanned({ q: '' })))).toBe(
      'CHAT_ADMIN_REQUIRED',
    );
  });

  it("mtcute's getChatMembers reads a public supergroup's members, admins and bots", async () => {
    const owner = await newUser(suite.kit, { firstName: 'Olga' });
    const username = `club_${Date.now() % 1000000}`;
    const created = await newChannel(suite.kit.sandbox, owner.phone, { megagroup: true, username });
    const ben = await namedUser(suite.kit, 'Ben');
    await addMember(created.id, { phone: ben.phone });
    const app = mtcuteClient(suite.kit.sandbox);
    try {
      await signInMtcute(suite.kit, app, ben.phone);
      const members = await app.getChatMembers(`@${username}`);
      expect(members.total).toBe(2);
      expect(members.map((m) => m.user.id).sort()).toEqual([owner.id, ben.id].sort());
      expect(members.find((m) => m.user.id === owner.id)?.status).toBe('creator');
      const admins = await app.getChatMembers(`@${username}`, { type: 'admins' });
      expect(admins.map((m) => m.user.id)).toEqual([owner.id]);
      const found = await app.getChatMembers(`@${username}`, { type: 'all', query: 'ben' });
      expect(found.map((m) => m.user.id)).toEqual([ben.id]);
    } finally {
      await app.destroy();
    }
  });
});
