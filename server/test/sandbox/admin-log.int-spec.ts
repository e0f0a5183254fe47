import { Api, type TelegramClient } from 'telegram';
import bigInt from 'big-integer';
import { sandboxForSuite } from './bot-chats';
import { control, newChannel } from './bot-helpers';
import { channelPeer, errorOf, namedUser, signedInClient } from './mtproto-kit';
import { inputUserOf, ownedChat, promotedByOwner, SUPERGROUP_ADMIN_RIGHTS } from './owned-chats';

type Action = Api.TypeChannelAdminLogEventAction;

describe("sandbox: a chat's admin log, written by both doors and read by apps (real telegraf and gramjs)", () => {
  const suite = sandboxForSuite();

  const addMember = async (chatId: number, body: Record<string, unknown>): Promise<void> => {
    const res = await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chatId}/members`, body);
    if (res.status !== 200) throw new Error(`member not set: ${JSON.stringify(res.body)}`);
  };

  const adminLog = (
    app: TelegramClient,
    channel: Api.TypeInputChannel,
    extra: Partial<ConstructorParameters<typeof Api.channels.GetAdminLog>[0]> = {},
  ): Promise<Api.channels.AdminLogResults> =>
    app.invoke(
      new Api.channels.GetAdminLog({ channel, q: '', maxId: bigInt.zero, minId: bigInt.zero, limit: 100, ...extra }),
    );

  const names = (r: Api.channels.AdminLogResults): string[] => r.events.map((e) => e.action.className);
  const actionOf = <T extends Action>(r: Api.channels.AdminLogResults, cls: new (...a: never[]) => T): T => {
    const found = r.events.find((e) => e.action instanceof cls)?.action;
    if (!found) throw new Error(`no ${cls.name} in ${names(r).join(', ')}`);
    return found as T;
  };

  it("a bot administrator's bans, restrictions, title, description, permissions, pins and deletions reach the owner's app", async () => {
    const chat = await ownedChat(suite.kit, { megagroup: true });
    const ben = await namedUser(suite.kit, 'Ben');
    const dan = await namedUser(suite.kit, 'Dan');
    await addMember(chat.chatId, { phone: ben.phone });
    await addMember(chat.chatId, { phone: dan.phone });
    await promotedByOwner(chat, chat.bot.username, SUPERGROUP_ADMIN_RIGHTS);
    const written = await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chat.chatId}/messages`, {
      text: 'buy cheap watches',
      from_phone: ben.phone,
    });
    const spamId = written.body.message_id as number;
    const pinnedId = (await chat.tg.sendMessage(chat.chatId, 'House rules')).message_id;

    await chat.tg.banChatMember(chat.chatId, dan.id);
    await chat.tg.restrictChatMember(chat.chatId, ben.id, { permissions: { can_send_messages: false } });
    await chat.tg.setChatTitle(chat.chatId, 'Watch club');
    await chat.tg.setChatDescription(chat.chatId, 'About watches');
    await chat.tg.setChatPermissions(chat.chatId, { can_send_messages: true, can_send_polls: false });
    await chat.tg.pinChatMessage(chat.chatId, pinnedId);
    await chat.tg.deleteMessage(chat.chatId, spamId);

    const log = await adminLog(chat.ownerApp, chat.channel);
    // Newest first; everything the bot did is under its name.
    expect(names(log).slice(0, 7)).toEqual([
      'ChannelAdminLogEventActionDeleteMessage',
      'ChannelAdminLogEventActionUpdatePinned',
      'ChannelAdminLogEventActionDefaultBannedRights',
      'ChannelAdminLogEventActionChangeAbout',
      'ChannelAdminLogEventActionChangeTitle',
      'ChannelAdminLogEventActionParticipantToggleBan',
      'ChannelAdminLogEventActionParticipantToggleBan',
    ]);
    expect(log.events.slice(0, 7).every((e) => Number(e.userId) === chat.bot.id)).toBe(true);
    const ids = log.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(log.users.map((u) => Number(u.id))).toEqual(expect.arrayContaining([chat.bot.id, ben.id, dan.id]));
    expect(log.chats.map((c) => Number(c.id))).toEqual([Number(chat.channel.channelId)]);

    const title = actionOf(log, Api.ChannelAdminLogEventActionChangeTitle);
    expect([title.prevValue, title.newValue]).toEqual(['News', 'Watch club']);
    expect(actionOf(log, Api.ChannelAdminLogEventActionChangeAbout).newValue).toBe('About watches');
    const rights = actionOf(log, Api.ChannelAdminLogEventActionDefaultBannedRights);
    expect(rights.prevBannedRights.sendPolls).toBeFalsy();
    expect(rights.newBannedRights.sendPolls).toBe(true);
    const deleted = actionOf(log, Api.ChannelAdminLogEventActionDeleteMessage).message as Api.Message;
    expect([deleted.id, deleted.message]).toEqual([spamId, 'buy cheap watches']);
    const pin = actionOf(log, Api.ChannelAdminLogEventActionUpdatePinned).message as Api.Message;
    expect([pin.id, pin.pinned]).toEqual([pinnedId, true]);

    const [restrict, ban] = log.events
      .map((e) => e.action)
      .filter(
        (a): a is Api.ChannelAdminLogEventActionParticipantToggleBan =>
          a instanceof Api.ChannelAdminLogEventActionParticipantToggleBan,
      );
    // Ben restricted: still in, without sending plain messages.
    expect(restrict?.prevParticipant).toBeInstanceOf(Api.ChannelParticipant);
    const restricted = restrict?.newParticipant as Api.ChannelParticipantBanned;
    expect(restricted).toBeInstanceOf(Api.ChannelParticipantBanned);
    expect(restricted.left).toBeFalsy();
    expect(restricted.bannedRights.sendPlain).toBe(true);
    // Dan banned: out, unable to read.
    const banned = ban?.newParticipant as Api.ChannelParticipantBanned;
    expect(Number((banned.peer as Api.PeerUser).userId)).toBe(dan.id);
    expect(banned.left).toBe(true);
    expect(banned.bannedRights.viewMessages).toBe(true);

    // The owner made the bot an administrator: an invitation and a promotion, under her name.
    const promoted = actionOf(log, Api.ChannelAdminLogEventActionParticipantToggleAdmin);
    expect(promoted.newParticipant).toBeInstanceOf(Api.ChannelParticipantAdmin);
    expect((promoted.newParticipant as Api.ChannelParticipantAdmin).adminRights.banUsers).toBe(true);
    expect(log.events.find((e) => e.action === promoted)?.userId.toJSNumber()).toBe(chat.owner.id);
  });

  it('filters by kind, by who acted and by text, and pages by event id', async () => {
    const chat = await ownedChat(suite.kit, { megagroup: true });
    const ben = await namedUser(suite.kit, 'Ben');
    await addMember(chat.chatId, { phone: ben.phone });
    await promotedByOwner(chat, chat.bot.username, SUPERGROUP_ADMIN_RIGHTS);
    await chat.tg.setChatTitle(chat.chatId, 'Chess lovers');
    await chat.ownerApp.invoke(new Api.channels.EditTitle({ channel: chat.channel, title: 'Chess club' }));
    await chat.tg.restrictChatMember(chat.chatId, ben.id, { permissions: { can_send_messages: false } });

    const info = await adminLog(chat.ownerApp, chat.channel, {
      eventsFilter: new Api.ChannelAdminLogEventsFilter({ info: true }),
    });
    expect(info.events.map((e) => (e.action as Api.ChannelAdminLogEventActionChangeTitle).newValue)).toEqual([
      'Chess club',
      'Chess lovers',
    ]);
    const bans = await adminLog(chat.ownerApp, chat.channel, {
      eventsFilter: new Api.ChannelAdminLogEventsFilter({ ban: true }),
    });
    expect(names(bans)).toEqual(['ChannelAdminLogEventActionParticipantToggleBan']);
    const promotions = await adminLog(chat.ownerApp, chat.channel, {
      eventsFilter: new Api.ChannelAdminLogEventsFilter({ promote: true, demote: true }),
    });
    expect(names(promotions)).toEqual(['ChannelAdminLogEventActionParticipantToggleAdmin']);

    const byBot = await adminLog(chat.ownerApp, chat.channel, {
      admins: [await inputUserOf(chat.ownerApp, chat.bot.username)],
    });
    expect(new Set(byBot.events.map((e) => Number(e.userId)))).toEqual(new Set([chat.bot.id]));
    expect(names(byBot)).toHaveLength(2);
    const found = await adminLog(chat.ownerApp, chat.channel, { q: 'LOVERS' });
    // The owner's change names the title it replaced too.
    expect(found.events.map((e) => (e.action as Api.ChannelAdminLogEventActionChangeTitle).newValue)).toEqual([
      'Chess club',
      'Chess lovers',
    ]);

    const all = await adminLog(chat.ownerApp, chat.channel);
    const ids = all.events.map((e) => e.id);
    const page = await adminLog(chat.ownerApp, chat.channel, { maxId: ids[0], limit: 2 });
    expect(page.events.map((e) => e.id.toString())).toEqual(ids.slice(1, 3).map(String));
    const newer = await adminLog(chat.ownerApp, chat.channel, { minId: ids[2] });
    expect(newer.events.map((e) => e.id.toString())).toEqual(ids.slice(0, 2).map(String));
  });

  it("only the chat's administrators may read it", async () => {
    const chat = await ownedChat(suite.kit, { megagroup: true });
    const ben = await namedUser(suite.kit, 'Ben');
    await addMember(chat.chatId, { phone: ben.phone });
    const benApp = await signedInClient(suite.kit, ben);
    expect(await errorOf(adminLog(benApp, chat.channel))).toBe('CHAT_ADMIN_REQUIRED');
    await promotedByOwner(chat, ben.username, { changeInfo: true });
    expect((await adminLog(benApp, chat.channel)).events.length).toBeGreaterThan(0);
  });

  it("a channel's post edits and deletions, joins, leaves and joins by link, as its owner's app made them", async () => {
    const chat = await ownedChat(suite.kit, { megagroup: false });
    const post = await chat.ownerApp.sendMessage(chat.peer, { message: 'Sale starts Monday' });
    await chat.ownerApp.editMessage(chat.peer, { message: post.id, text: 'Sale starts Tuesday' });
    await chat.ownerApp.deleteMessages(chat.peer, [post.id], { revoke: true });
    const link = (await chat.ownerApp.invoke(
      new Api.messages.ExportChatInvite({ peer: chat.peer }),
    )) as Api.ChatInviteExported;
    const ann = await namedUser(suite.kit, 'Ann');
    const annApp = await signedInClient(suite.kit, ann);
    await annApp.invoke(new Api.messages.ImportChatInvite({ hash: link.link.replace('https://t.me/+', '') }));
    await annApp.invoke(new Api.channels.LeaveChannel({ channel: chat.channel }));

    const log = await adminLog(chat.ownerApp, chat.channel);
    expect(names(log).slice(0, 4)).toEqual([
      'ChannelAdminLogEventActionParticipantLeave',
      'ChannelAdminLogEventActionParticipantJoinByInvite',
      'ChannelAdminLogEventActionDeleteMessage',
      'ChannelAdminLogEventActionEditMessage',
    ]);
    expect(log.events.slice(0, 2).map((e) => Number(e.userId))).toEqual([ann.id, ann.id]);
    const joined = actionOf(log, Api.ChannelAdminLogEventActionParticipantJoinByInvite);
    expect((joined.invite as Api.ChatInviteExported).link).toBe(link.link);
    const edit = actionOf(log, Api.ChannelAdminLogEventActionEditMessage);
    expect([(edit.prevMessage as Api.Message).message, (edit.newMessage as Api.Message).message]).toEqual([
      'Sale starts Monday',
      'Sale starts Tuesday',
    ]);
    expect(
      log.events
        .slice(0, 4)
        .map((e) => Number(e.userId))
        .slice(2),
    ).toEqual([chat.owner.id, chat.owner.id]);

    // A public channel joined from the app: a plain join.
    const open = await newChannel(suite.kit.sandbox, chat.owner.phone, {
      username: `openchan_${Date.now() % 1000000}`,
    });
    await addMember(open.id, { bot_id: chat.bot.id, admin: true, can_post_messages: true });
    await annApp.invoke(new Api.channels.JoinChannel({ channel: channelPeer(open) }));
    const { channelId, accessHash } = channelPeer(open);
    const openLog = await adminLog(chat.ownerApp, new Api.InputChannel({ channelId, accessHash }));
    expect(names(openLog)[0]).toBe('ChannelAdminLogEventActionParticipantJoin');
    expect(Number(openLog.events[0]?.userId)).toBe(ann.id);
  });

  it("a bot administrator's invite link edits and revocations, filtered as `invites`", async () => {
    const chat = await ownedChat(suite.kit, { megagroup: true });
    await promotedByOwner(chat, chat.bot.username, SUPERGROUP_ADMIN_RIGHTS);
    const link = await chat.tg.createChatInviteLink(chat.chatId, { name: 'Spring fair' });
    await chat.tg.editChatInviteLink(chat.chatId, link.invite_link, { name: 'Summer fair' });
    await chat.tg.revokeChatInviteLink(chat.chatId, link.invite_link);

    const log = await adminLog(chat.ownerApp, chat.channel, {
      eventsFilter: new Api.ChannelAdminLogEventsFilter({ invites: true }),
    });
    expect(names(log)).toEqual([
      'ChannelAdminLogEventActionExportedInviteRevoke',
      'ChannelAdminLogEventActionExportedInviteEdit',
    ]);
    expect(log.events.every((e) => Number(e.userId) === chat.bot.id)).toBe(true);
    const revoked = actionOf(log, Api.ChannelAdminLogEventActionExportedInviteRevoke).invite as Api.ChatInviteExported;
    expect([revoked.link, revoked.revoked, revoked.title]).toEqual([link.invite_link, true, 'Summer fair']);
    const edited = actionOf(log, Api.ChannelAdminLogEventActionExportedInviteEdit);
    expect([
      (edited.prevInvite as Api.ChatInviteExported).title,
      (edited.newInvite as Api.ChatInviteExported).title,
    ]).toEqual(['Spring fair', 'Summer fair']);
  });

  it("a bot administrator's photo change and removal, filtered as `info`", async () => {
    const chat = await ownedChat(suite.kit, { megagroup: true });
    await promotedByOwner(chat, chat.bot.username, SUPERGROUP_ADMIN_RIGHTS);
    // A real 1×1 PNG.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
      'base64',
    );
    await chat.tg.setChatPhoto(chat.chatId, { source: png, filename: 'logo.png' });
    await chat.tg.deleteChatPhoto(chat.chatId);

    const log = await adminLog(chat.ownerApp, chat.channel, {
      eventsFilter: new Api.ChannelAdminLogEventsFilter({ info: true }),
    });
    expect(names(log)).toEqual(['ChannelAdminLogEventActionChangePhoto', 'ChannelAdminLogEventActionChangePhoto']);
    const [removed, set] = log.events.map((e) => e.action as Api.ChannelAdminLogEventActionChangePhoto);
    expect(set?.prevPhoto).toBeInstanceOf(Api.PhotoEmpty);
    expect(set?.newPhoto).toBeInstanceOf(Api.Photo);
    expect(removed?.prevPhoto).toBeInstanceOf(Api.Photo);
    expect(removed?.newPhoto).toBeInstanceOf(Api.PhotoEmpty);
    expect(log.events.every((e) => Number(e.userId) === chat.bot.id)).toBe(true);
  });

  it('keeps events 48 hours by the world clock', async () => {
    const chat = await ownedChat(suite.kit, { megagroup: true });
    await promotedByOwner(chat, chat.bot.username, SUPERGROUP_ADMIN_RIGHTS);
    await chat.tg.setChatTitle(chat.chatId, 'Before the weekend');
    await control(suite.kit.sandbox, 'POST', '/sandbox/clock', { advance_seconds: 47 * 3600 });
    expect(names(await adminLog(chat.ownerApp, chat.channel))).toContain('ChannelAdminLogEventActionChangeTitle');
    await chat.tg.setChatTitle(chat.chatId, 'After the weekend');
    await control(suite.kit.sandbox, 'POST', '/sandbox/clock', { advance_seconds: 2 * 3600 });
    const log = await adminLog(chat.ownerApp, chat.channel);
    expect(log.events.map((e) => (e.action as Api.ChannelAdminLogEventActionChangeTitle).newValue)).toEqual([
      'After the weekend',
    ]);
  });
});
