import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BotApiDoor } from '../bot-api/bot-api-door';
import type { BotSession } from '../bot-api/bot-session';
import { MtprotoServer } from '../mtproto/mtproto-server';
import type { AuthKeyRecord } from '../mtproto/rpc';
import { statusFor, updateStatus } from '../mtproto/presence';
import { chatMemberJson, mediaJson } from '../bot-api/serializers';
import { documentAttributesToTl, mediaOfFile } from '../media-kinds';
import {
  PRIVACY_KEY_FORWARDS,
  type PrivateMessage,
  type SandboxFile,
  type SandboxFileMedia,
  type SandboxInvoice,
  type SandboxMessageMedia,
  SandboxWorld,
  WorldEvent,
} from '../world';
import { activeBan, adminRightsOf, banMember, setAdminRank, setChannelInfo } from '../channel-administration';
import { participantToTl } from '../mtproto/channel-participants';
import { migratedChannelOf, migrateGroupToSupergroup } from '../group-migration';
import {
  activeRestriction,
  allPermissions,
  restrictMember,
  sendRefusal,
  setDefaultPermissions,
} from '../chat-permissions';
import { castVote, closePoll, newPoll } from '../polls';
import { findGame, gameMedia, highScores, registerGame, setGameScore } from '../games';
import { inlineFeedbackOf, setInlineMode, supportsInline } from '../inline-queries';
import { approveJoinRequest, joinedByLink, pendingCountOf, pendingRequests, requestToJoin } from '../join-requests';
import { allowedReactions, reactionsBy, setAvailableReactions, setReactions } from '../reactions';
import {
  commandsKey,
  defaultAdminRights,
  isLoggedOut,
  logOutBot,
  menuButtonOf,
  privateChatCommands,
  profileText,
  setBotCommands,
  setDefaultAdminRights,
  setMenuButton,
  setProfileText,
} from '../bot-profile';
import { writeJoined, writePinned, writeServiceMessage } from '../service-messages';
import { deleteChatPhoto, setChatPhoto } from '../chat-photos';
import { getFile } from '../mtproto/downloads';
import { fileNumericId } from '../mtproto/file-tl';
import {
  addGroupMember,
  createGroupAsUser,
  deleteGroupMessages,
  groupMessagesFor,
  inviterOf,
  removeGroupMember,
  renameGroup,
} from '../basic-group-management';
import { blockedBy, blockPeer, isBlocked, unblockPeer } from '../blocking';
import { clearAllDrafts, draftOf, draftsOf, saveDraft } from '../drafts';
import {
  addStickerToSet,
  createStickerSet,
  moveStickerInSet,
  requireStickerSet,
  stickersOfSet,
  storeSticker,
} from '../stickers';
import {
  answerPreCheckout,
  botStarBalance,
  createInvoiceLink,
  payInStars,
  type PreCheckoutEvent,
  refundStarPayment,
  setStarBalance,
  starBalanceOf,
  starTransactionsOf,
} from '../payments';
import { sendWebAppData } from '../web-apps';
import {
  createTopic,
  findTopic,
  listTopics,
  setForum,
  setGeneralHidden,
  setTopicClosed,
  topicOfNewMessage,
} from '../forum-topics';
import { adminLogOf, followAdminLog } from '../admin-log';
import { decodeValue, encodeValue } from './snapshot-codec';
import {
  type AuthKeyStore,
  parseSnapshot,
  restoreSnapshot,
  SNAPSHOT_VERSION,
  SnapshotFormatError,
  takeSnapshot,
} from './world-snapshot';
import { WorldStore } from './world-store';

/** A message of the bot `botId` to Bob, in their private chat, carrying `media`. */
function botToBob(world: SandboxWorld, botId: number, media: SandboxMessageMedia): PrivateMessage {
  const bob = world.findUserByPhone('15550002222')!;
  return world.sendPrivateMessage({ fromKind: 'bot', fromId: botId, toKind: 'user', toId: bob.id, text: '', media });
}

/** A world with one of every kind of state the sandbox keeps. */
function populatedWorld(): SandboxWorld {
  const world = new SandboxWorld();
  const ann = world.createUser({ phone: '15550001111', firstName: 'Ann', username: 'ann_dev', password: 'hunter22' });
  const bob = world.createUser({ phone: '15550002222', firstName: 'Bob', lastName: 'B' });
  const bot = world.createBot({ username: 'shop_news_bot', ownerPhone: ann.phone });
  const channel = world.createChannel({ title: 'Shop news', username: 'shopnews', ownerPhone: ann.phone });
  world.setMember(channel.id, { kind: 'bot', id: bot.id, admin: true, canPostMessages: true });
  world.setMember(channel.id, { kind: 'user', id: bob.id });
  const data = randomBytes(3000);
  world.files.set('file-1', {
    fileId: 'file-1',
    fileUniqueId: 'u1',
    kind: 'photo',
    data,
    size: data.length,
    filePath: 'photos/file_1.jpg',
    ownerBotId: bot.id,
    width: 10,
    height: 20,
    createdAt: new Date('2026-01-02T03:04:05.678Z'),
  });
  world.postToChannel(channel.id, {
    text: 'first',
    viaBotId: bot.id,
    media: { kind: 'photo', fileId: 'file-1', size: data.length },
    // Keys starting with '$' must stay data, never be read as the file format's own tags.
    replyMarkup: { inline_keyboard: [[{ text: 'Buy', callback_data: 'buy' }]], $bigint: 'not a tag', __proto__x: 1 },
  });
  world.postToChannel(channel.id, { text: 'second' });
  world.deleteChannelMessage(channel.id, 2);
  world.editChannelMessage(channel.id, 1, 'first, edited');
  world.sendPrivateMessage({ fromKind: 'user', fromId: bob.id, toKind: 'bot', toId: bot.id, text: '/start' });
  world.recordLoginCode({
    code: '12345',
    phone: ann.phone,
    phoneCodeHash: 'abcdef',
    authKeyId: '0102030405060708',
    sentAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
    used: false,
  });
  world.createLoginToken('0102030405060708', 30);
  return world;
}

function authKey(userId: number | undefined): AuthKeyRecord {
  const id = randomBytes(8);
  return {
    id,
    idHex: id.toString('hex'),
    key: randomBytes(256),
    salt: -1234567890123456789n,
    userId,
    revoked: false,
    sessions: new Set([2n ** 63n - 1n, -5n]),
    attempts: 3,
    createdAt: new Date(),
  };
}

/** Through JSON text, as the file holds it. */
const throughFile = (world: SandboxWorld, keys: AuthKeyStore, botApi?: BotApiDoor): unknown =>
  JSON.parse(JSON.stringify(takeSnapshot(world, { mtproto: keys, botApi }))) as unknown;

describe('world snapshot', () => {
  let doors: MtprotoServer[] = [];
  const door = (world: SandboxWorld): MtprotoServer => {
    const d = new MtprotoServer(world, { host: '127.0.0.1', port: 0 });
    doors.push(d);
    return d;
  };
  /** The world as a restart gives it back: written through its snapshot's JSON and read into a new world. */
  const restart = (world: SandboxWorld): SandboxWorld => {
    const restored = new SandboxWorld();
    restoreSnapshot(parseSnapshot(throughFile(world, door(world))), restored, { mtproto: door(restored) });
    return restored;
  };
  afterEach(async () => {
    await Promise.all(doors.map((d) => d.close()));
    doors = [];
  });

  it('round-trips every kind of state: users with 2FA, bots and tokens, channels, members, messages, files, codes, QR tokens, auth keys and counters', () => {
    const world = populatedWorld();
    const keysBefore = door(world);
    const signedIn = authKey(100000001);
    keysBefore.importAuthKeys([signedIn, authKey(undefined)]);

    const restored = new SandboxWorld();
    const keysAfter = door(restored);
    restoreSnapshot(parseSnapshot(throughFile(world, keysBefore)), restored, { mtproto: keysAfter });

    // The whole state, compared field by field through the codec (bigint, bytes, Map and Set included).
    const { savedAt: _a, ...before } = takeSnapshot(world, { mtproto: keysBefore });
    const { savedAt: _b, ...after } = takeSnapshot(restored, { mtproto: keysAfter });
    expect(after).toEqual(before);

    const ann = restored.findUserByPhone('15550001111');
    expect(typeof ann?.accessHash).toBe('bigint');
    expect(ann?.accessHash).toBe(world.findUserByPhone('15550001111')?.accessHash);
    expect(ann?.password).toBe('hunter22');
    expect(ann?.createdAt).toBeInstanceOf(Date);
    const bot = world.findBotByUsername('shop_news_bot');
    expect(restored.findBotByToken(bot?.token ?? '')?.id).toBe(bot?.id);
    const channel = restored.findChannel('@shopnews');
    expect(channel?.members).toBeInstanceOf(Map);
    expect(restored.getMember(channel?.id ?? 0, 'bot', bot?.id ?? 0)).toMatchObject({
      admin: true,
      canPostMessages: true,
    });
    expect(channel?.messages.map((m) => [m.id, m.text, m.deleted ?? false])).toEqual([
      [1, 'first, edited', false],
      [2, 'second', true],
    ]);
    expect(channel?.messages[0]?.replyMarkup).toEqual({
      inline_keyboard: [[{ text: 'Buy', callback_data: 'buy' }]],
      $bigint: 'not a tag',
      __proto__x: 1,
    });
    expect(channel?.pts).toBe(world.findChannel('@shopnews')?.pts);
    const file = restored.files.get('file-1');
    expect(Buffer.isBuffer(file?.data)).toBe(true);
    expect(file?.data.equals(world.files.get('file-1')?.data ?? Buffer.alloc(0))).toBe(true);
    expect(file?.createdAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(restored.findCodeByHash('abcdef')?.code).toBe('12345');
    expect(restored.privateMessagesOf('bot', bot?.id ?? 0).map((m) => m.text)).toEqual(['/start']);

    const [key] = keysAfter.exportAuthKeys().filter((k) => k.idHex === signedIn.idHex);
    if (!key) throw new Error('the signed-in key was not exported');
    expect(key.key.equals(signedIn.key)).toBe(true);
    expect(key.id.equals(signedIn.id)).toBe(true);
    expect(key.salt).toBe(-1234567890123456789n);
    expect(key.userId).toBe(100000001);
    expect([...key.sessions]).toEqual([2n ** 63n - 1n, -5n]);
    expect(keysAfter.stats().authKeys).toBe(2);
  });

  it("keeps each bot's webhook, allowed_updates, pending updates and send log, but no runtime machinery", () => {
    const world = populatedWorld();
    const bot = world.findBotByUsername('shop_news_bot')!;
    const botDoor = new BotApiDoor(world);
    const session = botDoor.botSessionFor(bot.id) as BotSession;
    session.setAllowedUpdates(['message', 'channel_post']);
    // Nothing listens there: the update stays pending, as it would while the product is down.
    session.setWebhook({ url: 'http://127.0.0.1:9/hook', secretToken: 'secret-1', maxConnections: 40, setAt: 1 });
    session.enqueue('message', { text: 'waiting' });
    session.sent.push({ message_id: 1, chat_id: -1001000000001, text: 'hi', method: 'sendMessage', date: 1 });
    const stored = throughFile(world, door(world), botDoor);
    const snapshot = JSON.stringify(stored);
    expect(snapshot).not.toContain('deliveryAbort');
    expect(snapshot).not.toContain('limiter');
    // When the door started serving the bot belongs to the running process: a restart serves it anew.
    expect(snapshot).not.toContain('servedSince');
    expect(snapshot).not.toContain('serverStartedAt');

    const restored = new SandboxWorld();
    const restoredDoor = new BotApiDoor(restored);
    try {
      restoreSnapshot(parseSnapshot(stored), restored, { mtproto: door(restored), botApi: restoredDoor });
      const back = restoredDoor.botSessions().get(bot.id);
      expect(back?.webhookInfo()).toMatchObject({
        url: 'http://127.0.0.1:9/hook',
        pending_update_count: 1,
        max_connections: 40,
        allowed_updates: ['message', 'channel_post'],
      });
      expect(back?.webhook?.secretToken).toBe('secret-1');
      expect(restoredDoor.sentBy(bot.id)).toEqual([expect.objectContaining({ text: 'hi' })]);
      // Update ids carry on from the stored counter.
      expect(back?.enqueue('message', { text: 'next' })).toBe(2);
    } finally {
      botDoor.close();
      restoredDoor.close();
    }
  });

  it("keeps channel counters: subscribers, each post's reach, counters set and views counted, and the world's clock", () => {
    const world = populatedWorld();
    const channel = world.findChannel('@shopnews');
    if (!channel) throw new Error('no channel');
    world.setSubscribers(channel.id, 4000);
    const post = world.postToChannel(channel.id, { text: 'counted' });
    world.freezeClock(true);
    world.advanceClock(3 * 3600);
    world.setCounters(channel.id, post.id, { views: 900, forwards: 9, reactions: { '👍': 4 } });
    world.markViewed(channel, post, 100000002);
    world.advanceClock(3600);
    const before = world.countersOf(channel, post);

    const restored = restart(world);
    const again = restored.findChannel('@shopnews');
    const message = again?.messages.find((m) => m.id === post.id);
    if (!again || !message) throw new Error('the channel or post did not come back');
    expect(restored.subscriberCount(again)).toBe(4000);
    expect(restored.now()).toBe(world.now());
    expect(restored.countersOf(again, message)).toEqual(before);
    expect(before.views).toBeGreaterThan(901);
    expect(message.viewedBy).toEqual([100000002]);
  });

  it("keeps a supergroup's default permissions and a member's restriction with its end", () => {
    const world = populatedWorld();
    const ann = world.findUserByPhone('15550001111');
    const bob = world.findUserByPhone('15550002222');
    if (!ann || !bob) throw new Error('no users');
    const club = world.createChannel({ title: 'Kept club', ownerPhone: ann.phone, megagroup: true });
    world.setMember(club.id, { kind: 'user', id: bob.id });
    const defaults = { ...allPermissions(true), can_send_polls: false };
    setDefaultPermissions(world, club.id, defaults);
    const until = world.unixNow() + 7200;
    const textOnly = { ...allPermissions(false), can_send_messages: true };
    restrictMember(world, club.id, { kind: 'user', id: bob.id }, textOnly, until, { userId: ann.id });

    const restored = restart(world);
    const again = restored.findChannel(club.id);
    if (!again) throw new Error('the supergroup did not come back');
    expect(again.defaultPermissions).toEqual(defaults);
    expect(activeRestriction(restored, again, 'user', bob.id)).toMatchObject({
      permissions: textOnly,
      untilDate: until,
    });
    expect(sendRefusal(restored, again, bob.id, 'photo')).toBe('CHAT_SEND_MEDIA_FORBIDDEN');
  });

  it("keeps administrators' rights one by one, bans with their end, a chat's description and its invite links", () => {
    const world = populatedWorld();
    const channel = world.findChannel('@shopnews');
    const bot = world.findBotByUsername('shop_news_bot');
    const bob = world.findUserByPhone('15550002222');
    if (!channel || !bot || !bob) throw new Error('no channel, bot or user');
    const carl = world.createUser({ phone: '15550003333', firstName: 'Carl' });
    world.setMember(
      channel.id,
      {
        kind: 'user',
        id: bob.id,
        admin: true,
        rights: { can_manage_chat: true, can_invite_users: true, can_restrict_members: true },
        promotedBy: { kind: 'bot', id: bot.id },
      },
      undefined,
      bot.id,
    );
    const until = world.unixNow() + 3600;
    banMember(world, channel.id, { kind: 'user', id: carl.id }, until, { botId: bot.id });
    setChannelInfo(world, channel.id, { title: 'Shop news, daily', about: 'Deals every morning' });
    const link = world.createInvite(channel.id, bot.id, { primary: true, createsJoinRequest: true });

    const restored = restart(world);
    const again = restored.findChannel('@shopnews');
    if (!again) throw new Error('the channel did not come back');
    const bobThere = restored.getMember(again.id, 'user', bob.id);
    expect(bobThere?.promotedBy).toEqual({ kind: 'bot', id: bot.id });
    expect(adminRightsOf(bobThere)).toMatchObject({
      can_invite_users: true,
      can_restrict_members: true,
      can_promote_members: false,
      can_post_messages: false,
    });
    expect(activeBan(restored, again, 'user', carl.id)).toMatchObject({ untilDate: until });
    expect(again.members.has(`user:${carl.id}`)).toBe(false);
    expect(again).toMatchObject({ title: 'Shop news, daily', about: 'Deals every morning' });
    expect(restored.findInvite(link.hash)).toMatchObject({
      primary: true,
      createsJoinRequest: true,
      adminUserId: bot.id,
    });
  });

  it("keeps an administrator's custom title, as getChatMember and the app's participant then show it", () => {
    const world = populatedWorld();
    const channel = world.createChannel({ title: 'Titled', megagroup: true, ownerPhone: '15550002222' });
    const dana = world.createUser({ phone: '15550004444', firstName: 'Dana' });
    world.setMember(channel.id, { kind: 'user', id: dana.id, admin: true, rights: { can_invite_users: true } });
    setAdminRank(world, channel.id, { kind: 'user', id: dana.id }, 'Greeter', {});

    const restored = restart(world);
    const again = restored.findChannel(channel.id);
    const danaThere = again && restored.getMember(again.id, 'user', dana.id);
    if (!again || !danaThere) throw new Error('the chat or its administrator did not come back');
    expect(chatMemberJson(restored, again, 'user', dana.id, danaThere)).toMatchObject({ custom_title: 'Greeter' });
    expect(participantToTl(danaThere, dana.id, again)).toMatchObject({ _: 'channelParticipantAdmin', rank: 'Greeter' });
  });

  it('keeps requests to join waiting for an answer, who joined by each link, and the joins by request', () => {
    const world = populatedWorld();
    const ann = world.findUserByPhone('15550001111');
    if (!ann) throw new Error('no owner');
    const club = world.createChannel({ title: 'Club', ownerPhone: ann.phone, megagroup: true });
    const link = world.createInvite(club.id, ann.id, { createsJoinRequest: true, title: 'Door' });
    const cleo = world.createUser({ phone: '15550004444', firstName: 'Cleo' });
    const dino = world.createUser({ phone: '15550005555', firstName: 'Dino' });
    requestToJoin(world, club, link, cleo.id);
    requestToJoin(world, club, link, dino.id);
    const joined = approveJoinRequest(world, club, dino.id, { kind: 'user', id: ann.id });

    const restored = restart(world);
    const again = restored.findChannel(club.id);
    const linkAgain = restored.findInvite(link.hash);
    if (!again || !linkAgain) throw new Error('the chat or its link did not come back');
    expect(pendingRequests(restored, again.id).map((r) => r.userId)).toEqual([cleo.id]);
    expect(pendingCountOf(restored, linkAgain)).toBe(1);
    expect(joinedByLink(restored, linkAgain)).toEqual([
      expect.objectContaining({ userId: dino.id, approvedBy: ann.id }),
    ]);
    expect(linkAgain).toMatchObject({ createsJoinRequest: true, title: 'Door', usage: 1 });
    expect(again.members.has(`user:${dino.id}`)).toBe(true);
    expect(again.messages.find((m) => m.id === joined?.id)).toMatchObject({
      fromUserId: dino.id,
      service: { type: 'chat_joined_by_request' },
    });
    // The request that came back can still be answered.
    approveJoinRequest(restored, again, cleo.id, { kind: 'user', id: ann.id });
    expect(again.members.has(`user:${cleo.id}`)).toBe(true);
  });

  it("keeps each user's block list, bots and people, and a message hidden from one who blocked its sender", () => {
    const world = populatedWorld();
    const ann = world.findUserByPhone('15550001111');
    const bob = world.findUserByPhone('15550002222');
    const bot = world.findBotByUsername('shop_news_bot');
    if (!ann || !bob || !bot) throw new Error('no users');
    blockPeer(world, bob.id, 'bot', bot.id);
    blockPeer(world, bob.id, 'user', ann.id);
    const hidden = world.sendPrivateMessage({
      fromKind: 'user',
      fromId: ann.id,
      toKind: 'user',
      toId: bob.id,
      text: 'are you there?',
      hiddenFrom: [bob.id],
    });

    const restored = restart(world);
    expect(blockedBy(restored, bob.id).map((b) => [b.peerKind, b.peerId])).toEqual([
      ['user', ann.id],
      ['bot', bot.id],
    ]);
    expect(isBlocked(restored, ann.id, 'user', bob.id)).toBe(false);
    expect(restored.privateMessagesOf('user', bob.id).some((m) => m.id === hidden.id)).toBe(false);
    expect(restored.privateMessagesOf('user', ann.id).some((m) => m.id === hidden.id)).toBe(true);
    // The list that came back can still be changed.
    unblockPeer(restored, bob.id, 'bot', bot.id);
    expect(isBlocked(restored, bob.id, 'bot', bot.id)).toBe(false);
  });

  it("keeps each user's language (the one their app named), and a user with none still has none", () => {
    const world = populatedWorld();
    const carl = world.createUser({ phone: '15550003333', firstName: 'Carl', languageCode: 'pt-BR' });
    const restored = restart(world);
    expect(restored.findUserById(carl.id)?.languageCode).toBe('pt-br');
    expect(restored.findUserByPhone('15550002222')?.languageCode).toBeUndefined();
  });

  it("keeps each user's drafts per chat: text, entities, the message answered, link previews off", () => {
    const world = populatedWorld();
    const ann = world.findUserByPhone('15550001111');
    const bob = world.findUserByPhone('15550002222');
    const bot = world.findBotByUsername('shop_news_bot');
    if (!ann || !bob || !bot) throw new Error('no users');
    saveDraft(
      world,
      ann.id,
      { kind: 'user', id: bob.id },
      {
        text: 'see you at noon',
        entities: [{ type: 'bold', offset: 11, length: 4 }],
        replyToId: 7,
        noWebpage: true,
      },
    );
    saveDraft(world, ann.id, { kind: 'user', id: bot.id }, { text: '/start' });
    saveDraft(world, bob.id, { kind: 'user', id: ann.id }, { text: 'hi' });

    const restored = restart(world);
    expect(draftOf(restored, ann.id, { kind: 'user', id: bob.id })).toEqual(
      draftOf(world, ann.id, { kind: 'user', id: bob.id }),
    );
    expect(draftOf(restored, ann.id, { kind: 'user', id: bob.id })).toMatchObject({
      text: 'see you at noon',
      entities: [{ type: 'bold', offset: 11, length: 4 }],
      replyToId: 7,
      noWebpage: true,
    });
    expect(draftsOf(restored, ann.id).map((d) => d.text)).toEqual(['see you at noon', '/start']);
    expect(draftsOf(restored, bob.id).map((d) => d.text)).toEqual(['hi']);
    // The drafts that came back can still be cleared.
    expect(clearAllDrafts(restored, ann.id)).toHaveLength(2);
    expect(draftsOf(restored, ann.id)).toEqual([]);
    expect(draftsOf(restored, bob.id)).toHaveLength(1);
  });

  it("keeps channels' admin logs: who changed the title, banned, edited, deleted and pinned, and the next event id", () => {
    const world = populatedWorld();
    followAdminLog(world);
    const ann = world.findUserByPhone('15550001111');
    const bob = world.findUserByPhone('15550002222');
    const bot = world.findBotByUsername('shop_news_bot');
    const channel = world.findChannel('shopnews');
    if (!ann || !bob || !bot || !channel) throw new Error('no world');
    setChannelInfo(world, channel.id, { title: 'Shop news daily' }, { kind: 'bot', id: bot.id });
    const post = world.postToChannel(channel.id, { text: 'draft' });
    world.editChannelMessage(channel.id, post.id, 'final', { editorUserId: ann.id });
    world.pinMessages({ kind: 'channel', channel }, [post.id], true, { kind: 'user', id: ann.id });
    world.deleteChannelMessage(channel.id, post.id, { kind: 'bot', id: bot.id });
    banMember(world, channel.id, { kind: 'user', id: bob.id }, 0, { botId: bot.id });
    const before = adminLogOf(world, channel);

    const restored = restart(world);
    const again = restored.findChannel(channel.id)!;
    const after = adminLogOf(restored, again);
    expect(after).toEqual(before);
    expect(after.map((e) => e.action.type)).toEqual(['ban', 'delete', 'pin', 'edit', 'title']);
    expect(after[0]?.action).toMatchObject({ prev: { member: { id: bob.id } }, now: { ban: { untilDate: 0 } } });
    expect(after[1]?.action).toMatchObject({ type: 'delete', message: { id: post.id, text: 'final' } });
    expect(after[3]?.action).toMatchObject({ prev: { text: 'draft' }, now: { text: 'final' } });
    // The log that came back goes on, with ids after those it had.
    followAdminLog(restored);
    setChannelInfo(restored, again.id, { about: 'Daily deals' }, { kind: 'user', id: ann.id });
    const [newest] = adminLogOf(restored, again);
    expect(newest).toMatchObject({ actorId: ann.id, action: { type: 'about', prev: '', now: 'Daily deals' } });
    expect(newest!.id).toBeGreaterThan(before[0]!.id);
  });

  it("keeps service messages with their action: a supergroup's joins, leaves and pins, a basic group's creation", () => {
    const world = populatedWorld();
    const ann = world.findUserByPhone('15550001111');
    const bob = world.findUserByPhone('15550002222');
    if (!ann || !bob) throw new Error('no users');
    const club = world.createChannel({ title: 'Club', ownerPhone: ann.phone, megagroup: true });
    const said = world.postToChannel(club.id, { text: 'welcome', fromUserId: ann.id });
    world.setMember(club.id, { kind: 'user', id: bob.id });
    const joined = writeJoined(world, { kind: 'channel', channel: club }, { kind: 'user', id: bob.id }, ann.id);
    const pinned = writePinned(world, { kind: 'channel', channel: club }, { kind: 'user', id: ann.id }, said.id);
    const group = world.createBasicGroup({ title: 'Friends', ownerPhone: ann.phone, userPhones: [bob.phone] });
    writeServiceMessage(
      world,
      { kind: 'group', group },
      { kind: 'user', id: ann.id },
      {
        type: 'chat_create',
        title: 'Friends',
        userIds: [ann.id, bob.id],
      },
    );

    const restored = restart(world);
    const again = restored.findChannel(club.id);
    expect(again?.messages.find((m) => m.id === joined?.id)).toMatchObject({
      fromUserId: bob.id,
      service: { type: 'chat_joined_by_link', inviterId: ann.id },
    });
    expect(again?.messages.find((m) => m.id === pinned?.id)).toMatchObject({
      replyToId: said.id,
      service: { type: 'pin_message' },
    });
    expect(restored.findBasicGroup(group.id)?.messages).toEqual([
      expect.objectContaining({ service: { type: 'chat_create', title: 'Friends', userIds: [ann.id, bob.id] } }),
    ]);
  });

  it("keeps a forum's topics: their names, colors, closed and hidden states, and which topic each message is in", () => {
    const world = populatedWorld();
    const ann = world.findUserByPhone('15550001111');
    if (!ann) throw new Error('no user');
    const forum = world.createChannel({ title: 'Help desk', ownerPhone: ann.phone, megagroup: true });
    setForum(world, forum, true);
    const by = { kind: 'user' as const, id: ann.id };
    const { topic } = createTopic(world, forum, by, {
      title: 'Orders',
      iconColor: 0xcb86db,
      iconEmojiId: '5312536423851630001',
    });
    const inTopic = world.postToChannel(forum.id, { text: 'where is it?', fromUserId: ann.id, topicId: topic.id });
    setTopicClosed(world, forum, by, topic.id, true);
    setGeneralHidden(world, forum, by, true);

    const restored = restart(world);
    const again = restored.findChannel(forum.id);
    if (!again) throw new Error('the forum did not come back');
    expect(again.forum).toBe(true);
    expect(listTopics(again).map((t) => [t.id, t.name, t.closed ?? false, t.hidden ?? false])).toEqual([
      [1, 'General', true, true],
      [topic.id, 'Orders', true, false],
    ]);
    expect(findTopic(again, topic.id)).toMatchObject({ iconColor: 0xcb86db, iconEmojiId: '5312536423851630001' });
    expect(again.messages.find((m) => m.id === inTopic.id)?.topicId).toBe(topic.id);
    expect(again.messages.find((m) => m.id === topic.id)?.service).toMatchObject({
      type: 'topic_create',
      title: 'Orders',
    });
    // The restored topic is still closed to those who do not manage topics.
    const bob = restored.findUserByPhone('15550002222');
    if (!bob) throw new Error('no user');
    restored.setMember(forum.id, { kind: 'user', id: bob.id });
    expect(() => topicOfNewMessage(again, { kind: 'user', id: bob.id }, topic.id, undefined)).toThrow('TOPIC_CLOSED');
  });

  it('keeps chat photos with their bytes and the service messages that set and took them, as getFile serves them', () => {
    const world = populatedWorld();
    const ann = world.findUserByPhone('15550001111');
    const bob = world.findUserByPhone('15550002222');
    if (!ann || !bob) throw new Error('no users');
    const picture = (name: string): SandboxFile => {
      const file: SandboxFile = {
        fileId: `AgAC-${name}`,
        fileUniqueId: `AQAD-${name}`,
        kind: 'photo',
        data: randomBytes(3000),
        size: 3000,
        filePath: `photos/${name}.jpg`,
        width: 1,
        height: 1,
        createdAt: new Date(),
      };
      world.files.set(file.fileId, file);
      return file;
    };
    const club = world.createChannel({ title: 'Club', ownerPhone: ann.phone, megagroup: true });
    const clubPhoto = picture('club');
    const set = setChatPhoto(world, { kind: 'channel', channel: club }, { kind: 'user', id: ann.id }, clubPhoto);
    const group = world.createBasicGroup({ title: 'Friends', ownerPhone: ann.phone, userPhones: [bob.phone] });
    setChatPhoto(world, { kind: 'group', group }, { kind: 'user', id: ann.id }, picture('old'));
    const taken = deleteChatPhoto(world, { kind: 'group', group }, { kind: 'user', id: bob.id }).message;

    const restored = restart(world);
    const again = restored.findChannel(club.id);
    expect(again?.photo).toEqual({ fileId: clubPhoto.fileId, size: 3000, date: set?.date });
    expect(again?.messages.find((m) => m.id === set?.id)?.service).toEqual({
      type: 'chat_edit_photo',
      fileId: clubPhoto.fileId,
      size: 3000,
      date: set?.date,
    });
    expect(restored.findBasicGroup(group.id)?.photo).toBeUndefined();
    expect(restored.findBasicGroup(group.id)?.messages.find((m) => m.id === taken?.id)?.service).toEqual({
      type: 'chat_delete_photo',
    });
    // A member downloads the channel's photo from the restored world: the same bytes.
    const location = {
      _: 'inputPeerPhotoFileLocation',
      peer: { _: 'inputPeerChannel', channel_id: BigInt(club.id), access_hash: club.accessHash },
      photo_id: fileNumericId(clubPhoto.fileId),
    };
    const part = getFile(restored, ann.id, { _: 'upload.getFile', location, offset: 0n, limit: 4096 });
    expect(Buffer.compare(part.bytes as Buffer, clubPhoto.data)).toBe(0);
  });

  it('stores a field the world gains later without any change here (plain data found by walking the world)', () => {
    class GrownWorld extends SandboxWorld {
      updateLog: Record<string, { pts: number; seen: Set<bigint> }> = {};
      nextThingId = 1;
    }
    const world = new GrownWorld();
    world.updateLog['100000001'] = { pts: 7, seen: new Set([1n]) };
    world.nextThingId = 42;
    const restored = new GrownWorld();
    restoreSnapshot(parseSnapshot(throughFile(world, door(world))), restored, { mtproto: door(restored) });
    expect(restored.updateLog).toEqual({ '100000001': { pts: 7, seen: new Set([1n]) } });
    expect(restored.nextThingId).toBe(42);
  });

  it("keeps a bot's privacy mode, reads a bot stored before the setting as in privacy mode, and keeps group media", () => {
    const world = new SandboxWorld();
    const owner = world.createUser({ phone: '15550004444', firstName: 'Ann' });
    const open = world.setGroupPrivacy(world.createBot({ username: 'open_bot' }).id, false);
    // A bot made before the setting existed was stored without the field.
    const older = world.createBot({ username: 'older_bot' });
    const group = world.createBasicGroup({
      title: 'Club',
      ownerPhone: owner.phone,
      bots: [{ id: open.id, admin: false }],
    });
    const media = { kind: 'document' as const, fileId: 'file-9', fileName: 'notes.txt', size: 5 };
    world.sendBasicGroupBotMessage(group.id, open.id, 'notes', { media });
    const stored = throughFile(world, door(world));
    expect(JSON.stringify(stored)).not.toContain('"groupPrivacy":true');

    const restored = new SandboxWorld();
    restoreSnapshot(parseSnapshot(stored), restored, { mtproto: door(restored) });
    const bot = (id: number) => {
      const found = restored.findBotById(id);
      if (!found) throw new Error(`bot ${id} not restored`);
      return found;
    };
    expect(restored.groupPrivacyOf(bot(open.id))).toBe(false);
    expect(restored.groupPrivacyOf(bot(older.id))).toBe(true);
    expect(restored.findBasicGroup(group.id)?.messages).toEqual([expect.objectContaining({ text: 'notes', media })]);
  });

  it("keeps a bot's inline mode and feedback setting, who a message was sent via, and its inline keyboard", () => {
    const world = new SandboxWorld();
    const ann = world.createUser({ phone: '15550004444', firstName: 'Ann' });
    const bob = world.createUser({ phone: '15550005555', firstName: 'Bob' });
    const gif = setInlineMode(world, world.createBot({ username: 'gif_bot' }).id, { placeholder: 'Search GIFs...' });
    const quiet = setInlineMode(world, world.createBot({ username: 'quiet_bot' }).id, {
      placeholder: 'Ask',
      feedback: false,
    });
    const plain = world.createBot({ username: 'plain_bot' });
    const sent = world.sendPrivateMessage({
      fromKind: 'user',
      fromId: ann.id,
      toKind: 'user',
      toId: bob.id,
      text: 'found it',
      inlineBotId: gif.id,
    });
    // A result sent with an inline keyboard: its presses go to the bot by inline_message_id.
    const keyboard = { inline_keyboard: [[{ text: 'Like', callback_data: 'like' }]] };
    world.inlineMessages['AAEC-inline-id'] = { botId: gif.id, sent: { messageId: sent.id }, replyMarkup: keyboard };

    const restored = new SandboxWorld();
    restoreSnapshot(parseSnapshot(throughFile(world, door(world))), restored, { mtproto: door(restored) });
    const bot = (id: number) => {
      const found = restored.findBotById(id);
      if (!found) throw new Error(`bot ${id} not restored`);
      return found;
    };
    expect(bot(gif.id).inlinePlaceholder).toBe('Search GIFs...');
    expect([supportsInline(bot(gif.id)), inlineFeedbackOf(bot(gif.id))]).toEqual([true, true]);
    expect([supportsInline(bot(quiet.id)), inlineFeedbackOf(bot(quiet.id))]).toEqual([true, false]);
    expect(supportsInline(bot(plain.id))).toBe(false);
    expect(restored.findPrivateMessage(sent.id)).toMatchObject({ text: 'found it', inlineBotId: gif.id });
    expect(restored.inlineMessages).toEqual({
      'AAEC-inline-id': { botId: gif.id, sent: { messageId: sent.id }, replyMarkup: keyboard },
    });
  });

  it("keeps each user's privacy rules and the hidden origin of a forward", () => {
    const world = new SandboxWorld();
    const ann = world.createUser({ phone: '15550004444', firstName: 'Ann' });
    const bob = world.createUser({ phone: '15550005555', firstName: 'Bob' });
    world.setPrivacyRules(ann.id, PRIVACY_KEY_FORWARDS, [
      { allow: true, who: 'users', ids: [bob.id] },
      { allow: false, who: 'all' },
    ]);
    const origin = { kind: 'hidden' as const, senderName: 'Cid', date: 1_700_000_000 };
    const forward = world.sendPrivateMessage({
      fromKind: 'user',
      fromId: ann.id,
      toKind: 'user',
      toId: bob.id,
      text: 'passed on',
      forwardOrigin: origin,
    });

    const restored = restart(world);
    expect(restored.privacyRulesOf(ann.id, PRIVACY_KEY_FORWARDS)).toEqual(
      world.privacyRulesOf(ann.id, PRIVACY_KEY_FORWARDS),
    );
    expect(restored.linksForwardTo(ann.id, bob.id)).toBe(true);
    expect(restored.linksForwardTo(ann.id, 12345)).toBe(false);
    expect(restored.findPrivateMessage(forward.id)?.forwardOrigin).toEqual(origin);
  });

  it('keeps a basic group its members manage: title, who added whom, who left, and messages deleted', () => {
    const world = populatedWorld();
    const ann = world.findUserByPhone('15550001111')!;
    const bob = world.findUserByPhone('15550002222')!;
    const bot = world.findBotByUsername('shop_news_bot')!;
    const cid = world.createUser({ phone: '15550003333', firstName: 'Cid' });
    const group = createGroupAsUser(world, ann.id, 'Trip', [{ kind: 'user', id: bob.id }]);
    addGroupMember(world, group, bob.id, { kind: 'user', id: cid.id });
    addGroupMember(world, group, bob.id, { kind: 'bot', id: bot.id });
    renameGroup(world, group, cid.id, 'Trip 2');
    const gone = world.sendBasicGroupMessage(group.id, bob.id, 'oops');
    const hidden = world.sendBasicGroupMessage(group.id, cid.id, 'seen by some');
    deleteGroupMessages(world, group, [gone.id]);
    deleteGroupMessages(world, group, [hidden.id], ann.id);
    removeGroupMember(world, group, ann.id, { kind: 'user', id: cid.id });

    const restored = restart(world);

    const back = restored.findBasicGroup(group.id)!;
    expect(back).toMatchObject({ title: 'Trip 2', userIds: [ann.id, bob.id], bots: [{ id: bot.id, admin: false }] });
    expect(inviterOf(back, bot.id)).toEqual({ inviterId: bob.id, date: expect.any(Number) });
    expect(back.messages.some((m) => m.id === gone.id)).toBe(false);
    expect(groupMessagesFor(back, ann.id).some((m) => m.id === hidden.id)).toBe(false);
    expect(groupMessagesFor(back, bob.id).some((m) => m.id === hidden.id)).toBe(true);
    expect(back.messages.map((m) => m.service?.type).filter(Boolean)).toEqual([
      'chat_create',
      'chat_add_user',
      'chat_add_user',
      'chat_edit_title',
      'chat_delete_user',
    ]);
  });

  it('keeps a basic group upgraded to a supergroup: the link both ways, and the service messages that say so', () => {
    const world = populatedWorld();
    const ann = world.findUserByPhone('15550001111')!;
    const bob = world.findUserByPhone('15550002222')!;
    const group = createGroupAsUser(world, ann.id, 'Club', [{ kind: 'user', id: bob.id }]);
    const { channel } = migrateGroupToSupergroup(world, group, ann.id);

    const restored = restart(world);

    const back = restored.findBasicGroup(group.id)!;
    expect(back.migratedTo).toEqual({ channelId: channel.id, accessHash: channel.accessHash });
    expect(migratedChannelOf(restored, back)?.id).toBe(channel.id);
    expect(back.messages.at(-1)?.service).toEqual({ type: 'chat_migrate_to', channelId: channel.id });
    const supergroup = restored.findChannel(channel.id)!;
    expect(supergroup.megagroup).toBe(true);
    expect(supergroup.messages[0]?.service).toEqual({ type: 'channel_migrate_from', title: 'Club', chatId: group.id });
    expect(restored.getMember(channel.id, 'user', bob.id)).toMatchObject({ admin: false, creator: false });
  });

  it("keeps each user's last status (online until, offline since) as others then see it", () => {
    const world = new SandboxWorld();
    const ann = world.createUser({ phone: '15550004444', firstName: 'Ann' });
    const bob = world.createUser({ phone: '15550005555', firstName: 'Bob' });
    const cid = world.createUser({ phone: '15550006666', firstName: 'Cid' });
    const push = (): void => {};
    updateStatus(world, ann, true, push);
    updateStatus(world, bob, false, push);
    const annWasOnline = world.presence[String(ann.id)]?.at;

    const restored = restart(world);
    expect(restored.presence).toEqual(world.presence);
    expect(statusFor(restored, ann.id, cid.id)).toEqual({ _: 'userStatusOffline', was_online: annWasOnline });
    expect(statusFor(restored, bob.id, cid.id)).toMatchObject({ _: 'userStatusOnline' });
    expect(statusFor(restored, cid.id, ann.id)).toEqual({ _: 'userStatusRecently' });
  });

  it('keeps pinned messages of channels, basic groups and private chats, and edited group captions', () => {
    const world = populatedWorld();
    const ann = world.findUserByPhone('15550001111')!;
    const bob = world.findUserByPhone('15550002222')!;
    const bot = world.findBotByUsername('shop_news_bot')!;
    const channel = world.findChannel('@shopnews')!;
    const group = world.createBasicGroup({ title: 'Club', ownerPhone: ann.phone, bots: [{ id: bot.id, admin: true }] });
    const media = { kind: 'photo' as const, fileId: 'file-1', size: 1 };
    const photo = world.sendBasicGroupBotMessage(group.id, bot.id, 'cover', { media });
    world.editBasicGroupMessage(group.id, photo.id, 'new cover', [{ type: 'bold', offset: 0, length: 3 }]);
    const [start] = world.privateMessagesOf('bot', bot.id);
    const privateChat = { kind: 'private' as const, userId: bob.id, peerKind: 'bot' as const, peerId: bot.id };
    world.pinMessages({ kind: 'channel', channel }, [1], true);
    world.pinMessages({ kind: 'group', group }, [photo.id], true);
    world.pinMessages(privateChat, [start!.id], true);

    const restored = restart(world);

    const channelBack = restored.findChannel('@shopnews')!;
    const groupBack = restored.findBasicGroup(group.id)!;
    expect(restored.pinnedMessageIds({ kind: 'channel', channel: channelBack })).toEqual([1]);
    expect(restored.pinnedMessageIds({ kind: 'group', group: groupBack })).toEqual([photo.id]);
    expect(restored.pinnedMessageIds(privateChat)).toEqual([start!.id]);
    expect(groupBack.messages.find((m) => m.id === photo.id)).toMatchObject({
      text: 'new cover',
      editDate: expect.any(Number),
      entities: [{ type: 'bold', offset: 0, length: 3 }],
    });
  });

  it('keeps reactions on channel posts, group messages and private messages, as members then read them', () => {
    const world = populatedWorld();
    const ann = world.findUserByPhone('15550001111')!;
    const bob = world.findUserByPhone('15550002222')!;
    const bot = world.findBotByUsername('shop_news_bot')!;
    const channel = world.findChannel('@shopnews')!;
    const group = world.createBasicGroup({ title: 'Club', ownerPhone: ann.phone, userPhones: [bob.phone] });
    const said = world.sendBasicGroupMessage(group.id, ann.id, 'tea?');
    const [start] = world.privateMessagesOf('bot', bot.id);
    const post = channel.messages[0]!;
    setReactions(world, { kind: 'channel', channel, message: post }, { kind: 'user', id: bob.id }, ['🔥'], true);
    setReactions(world, { kind: 'group', group, message: said }, { kind: 'user', id: bob.id }, ['👍']);
    setReactions(world, { kind: 'private', message: start! }, { kind: 'bot', id: bot.id }, ['❤']);
    const before = world.countersOf(channel, post).reactions;

    const restored = restart(world);

    const channelBack = restored.findChannel('@shopnews')!;
    const postBack = channelBack.messages[0]!;
    expect(postBack.reactions).toEqual([
      { kind: 'user', id: bob.id, emoticon: '🔥', date: expect.any(Number), big: true },
    ]);
    expect(restored.countersOf(channelBack, postBack).reactions).toEqual(before);
    const groupBack = restored.findBasicGroup(group.id)!;
    expect(
      reactionsBy(
        groupBack.messages.find((m) => m.id === said.id)!,
        'user',
        bob.id,
      ),
    ).toEqual(['👍']);
    expect(reactionsBy(restored.findPrivateMessage(start!.id)!, 'bot', bot.id)).toEqual(['❤']);
  });

  it("keeps an album's grouping in channels, basic groups and private chats", () => {
    const world = populatedWorld();
    const bob = world.findUserByPhone('15550002222')!;
    const bot = world.findBotByUsername('shop_news_bot')!;
    const channel = world.findChannel('@shopnews')!;
    const group = world.createBasicGroup({ title: 'Club', ownerPhone: bob.phone, bots: [{ id: bot.id, admin: true }] });
    const media = { kind: 'photo' as const, fileId: 'file-1', size: 1 };
    const mediaGroupId = '1234567890123456789';
    const post = world.postToChannel(channel.id, { text: 'one', viaBotId: bot.id, media, mediaGroupId });
    const groupPhoto = world.sendBasicGroupBotMessage(group.id, bot.id, 'two', { media, mediaGroupId });
    const dm = world.sendPrivateMessage({
      fromKind: 'bot',
      fromId: bot.id,
      toKind: 'user',
      toId: bob.id,
      text: 'three',
      media,
      mediaGroupId,
    });

    const restored = restart(world);

    const postBack = restored.findChannel('@shopnews')!.messages.find((m) => m.id === post.id);
    expect(postBack?.mediaGroupId).toBe(mediaGroupId);
    const groupBack = restored.findBasicGroup(group.id)!.messages.find((m) => m.id === groupPhoto.id);
    expect(groupBack?.mediaGroupId).toBe(mediaGroupId);
    expect(restored.findPrivateMessage(dm.id)?.mediaGroupId).toBe(mediaGroupId);
  });

  it('keeps videos, audio, voice notes, animations and video notes with their attributes, as both doors show them after a restart', () => {
    const world = populatedWorld();
    const bob = world.findUserByPhone('15550002222')!;
    const bot = world.findBotByUsername('shop_news_bot')!;
    const channel = world.findChannel('@shopnews')!;
    const played: SandboxFile[] = [
      { kind: 'video', fileName: 'clip.mp4', mimeType: 'video/mp4', duration: 42, width: 1280, height: 720 },
      { kind: 'audio', fileName: 'song.mp3', mimeType: 'audio/mpeg', duration: 185, performer: 'Band', title: 'Hit' },
      { kind: 'voice', mimeType: 'audio/ogg', duration: 7 },
      { kind: 'animation', fileName: 'loop.mp4', mimeType: 'video/mp4', duration: 2, width: 320, height: 240 },
      { kind: 'video_note', mimeType: 'video/mp4', duration: 9, width: 360, height: 360 },
    ].map((f, i) => {
      const data = randomBytes(10 + i);
      const file = {
        ...f,
        fileId: `played-${i}`,
        fileUniqueId: `pu${i}`,
        data,
        size: data.length,
        filePath: `media/file_${i}`,
        createdAt: new Date(),
      } as SandboxFile;
      if (f.kind === 'video') file.supportsStreaming = true;
      world.files.set(file.fileId, file);
      return file;
    });
    const [video, audio, voice, animation, round] = played as [
      SandboxFile,
      SandboxFile,
      SandboxFile,
      SandboxFile,
      SandboxFile,
    ];
    const post = world.postToChannel(channel.id, { text: 'clip', viaBotId: bot.id, media: mediaOfFile(video) });
    const dm = world.sendPrivateMessage({
      fromKind: 'user',
      fromId: bob.id,
      toKind: 'bot',
      toId: bot.id,
      text: '',
      media: mediaOfFile(voice),
    });

    const restored = restart(world);

    const json = (fileId: string) => mediaJson(restored.files.get(fileId)!);
    expect(json(video.fileId).video).toMatchObject({ duration: 42, width: 1280, height: 720, file_name: 'clip.mp4' });
    expect(json(audio.fileId).audio).toMatchObject({ duration: 185, performer: 'Band', title: 'Hit' });
    expect(json(voice.fileId).voice).toMatchObject({ duration: 7, mime_type: 'audio/ogg' });
    expect(json(animation.fileId)).toMatchObject({ animation: { width: 320 }, document: { file_name: 'loop.mp4' } });
    expect(json(round.fileId).video_note).toMatchObject({ length: 360, duration: 9 });

    const postBack = restored.findChannel('@shopnews')!.messages.find((m) => m.id === post.id)!;
    expect(postBack.media).toEqual(mediaOfFile(video));
    expect(documentAttributesToTl(postBack.media as SandboxFileMedia)).toEqual([
      { _: 'documentAttributeVideo', supports_streaming: true, duration: 42, w: 1280, h: 720 },
      { _: 'documentAttributeFilename', file_name: 'clip.mp4' },
    ]);
    const dmBack = restored.findPrivateMessage(dm.id)!;
    expect(documentAttributesToTl(dmBack.media as SandboxFileMedia)).toEqual([
      { _: 'documentAttributeAudio', voice: true, duration: 7 },
    ]);
  });

  it('keeps sticker sets, their stickers in order with their emoji, and a sticker sent to a chat', () => {
    const world = populatedWorld();
    const bob = world.findUserByPhone('15550002222')!;
    const bot = world.findBotByUsername('shop_news_bot')!;
    const channel = world.findChannel('@shopnews')!;
    const webp = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
    const upload = storeSticker(world, webp, { format: 'static' }, { width: 1, height: 1 }, bot.id);
    const set = createStickerSet(world, {
      botId: bot.id,
      botUsername: bot.username,
      ownerUserId: bob.id,
      name: 'cats_by_shop_news_bot',
      title: 'Cats',
      stickers: [{ file: upload, emojis: ['😺', '😸'] }],
    });
    const second = addStickerToSet(world, set, { file: upload, emojis: ['🐈'] });
    moveStickerInSet(world, second, 0, bot.id);
    const post = world.postToChannel(channel.id, {
      text: '',
      viaBotId: bot.id,
      media: mediaOfFile(world.files.get(second)!),
    });

    const restored = restart(world);

    const back = requireStickerSet(restored, 'Cats_By_Shop_News_Bot');
    expect(back).toMatchObject({
      name: 'cats_by_shop_news_bot',
      title: 'Cats',
      id: set.id,
      accessHash: set.accessHash,
    });
    expect(stickersOfSet(restored, back).map((f) => f.sticker?.emoji)).toEqual(['🐈', '😺']);
    expect(back.emojis[set.stickers[1]!]).toEqual(['😺', '😸']);
    expect(mediaJson(restored.files.get(second)!).sticker).toMatchObject({
      set_name: 'cats_by_shop_news_bot',
      emoji: '🐈',
      width: 1,
      height: 1,
    });
    const postBack = restored.findChannel('@shopnews')!.messages.find((m) => m.id === post.id)!;
    expect(documentAttributesToTl(postBack.media as SandboxFileMedia)).toEqual([
      { _: 'documentAttributeImageSize', w: 1, h: 1 },
      {
        _: 'documentAttributeSticker',
        alt: '🐈',
        stickerset: { _: 'inputStickerSetID', id: set.id, access_hash: set.accessHash },
      },
    ]);
  });

  it('keeps a location, a venue, a contact and a dice roll across a restart', () => {
    const world = populatedWorld();
    const bob = world.findUserByPhone('15550002222')!;
    const bot = world.findBotByUsername('shop_news_bot')!;
    const channel = world.findChannel('@shopnews')!;
    const kept: SandboxMessageMedia[] = [
      { kind: 'location', latitude: 59.9386, longitude: 30.3141, horizontalAccuracy: 25.5 },
      // A live location keeps its period, its end, its heading and its alert radius.
      {
        kind: 'location',
        latitude: 1.5,
        longitude: 2.5,
        livePeriod: 0x7fffffff,
        liveUntil: 1_700_000_000 + 0x7fffffff,
        heading: 270,
        proximityAlertRadius: 150,
      },
      { kind: 'venue', latitude: 48.8584, longitude: 2.2945, title: 'Tower', address: 'Champ de Mars' },
      { kind: 'contact', phoneNumber: '15550002222', firstName: 'Bob', vcard: 'BEGIN:VCARD', userId: bob.id },
    ];
    const posts = kept.map((media) => world.postToChannel(channel.id, { text: '', viaBotId: bot.id, media }));
    const dice: SandboxMessageMedia = { kind: 'dice', emoji: '🎯', value: 6 };
    const dm = botToBob(world, bot.id, dice);

    const restored = restart(world);

    const channelBack = restored.findChannel('@shopnews')!;
    expect(posts.map((p) => channelBack.messages.find((m) => m.id === p.id)?.media)).toEqual(kept);
    expect(restored.findPrivateMessage(dm.id)?.media).toEqual(dice);
  });

  it('keeps polls, their votes and whether they are closed across a restart', () => {
    const world = populatedWorld();
    const bob = world.findUserByPhone('15550002222')!;
    const bot = world.findBotByUsername('shop_news_bot')!;
    const channel = world.findChannel('@shopnews')!;
    const poll = newPoll(
      {
        question: 'Lunch?',
        options: ['Soup', 'Salad', 'Both'],
        anonymous: false,
        quiz: false,
        multipleAnswers: true,
        senderBotId: bot.id,
      },
      world.unixNow(),
    );
    const post = world.postToChannel(channel.id, { text: '', viaBotId: bot.id, media: poll });
    castVote(world, { kind: 'channel', channel, message: post }, bob.id, [Buffer.from('0'), Buffer.from('2')]);
    const quiz = newPoll(
      {
        question: '2+2?',
        options: ['4', '5'],
        optionIds: ['00', '01'],
        anonymous: true,
        quiz: true,
        multipleAnswers: false,
        correctOption: 0,
        explanation: 'Arithmetic',
        closeDate: world.unixNow() + 3600,
      },
      world.unixNow(),
    );
    const dm = world.sendPrivateMessage({
      fromKind: 'user',
      fromId: bob.id,
      toKind: 'bot',
      toId: bot.id,
      text: '',
      media: quiz,
    });
    closePoll(world, { kind: 'private', message: dm });

    const restored = restart(world);

    const postBack = restored.findChannel('@shopnews')!.messages.find((m) => m.id === post.id)!;
    expect(postBack.media).toEqual(poll);
    expect(postBack.media).toMatchObject({ votes: [{ userId: bob.id, options: [0, 2] }], closed: false });
    const dmBack = restored.findPrivateMessage(dm.id)!;
    expect(dmBack.media).toEqual(quiz);
    expect(dmBack.media).toMatchObject({ closed: true, optionIds: ['00', '01'] });
    // The restored poll takes votes as before: the voter changes their mind.
    castVote(restored, { kind: 'channel', channel: restored.findChannel('@shopnews')!, message: postBack }, bob.id, [
      Buffer.from('1'),
    ]);
    expect(postBack.media).toMatchObject({ votes: [{ userId: bob.id, options: [1] }] });
  });

  it('keeps a forwarded poll one poll with its original across a restart: a vote in either counts in both', () => {
    const world = populatedWorld();
    const bob = world.findUserByPhone('15550002222')!;
    const bot = world.findBotByUsername('shop_news_bot')!;
    const channel = world.findChannel('@shopnews')!;
    const poll = newPoll(
      { question: 'Tea?', options: ['Yes', 'No'], anonymous: true, quiz: false, multipleAnswers: false },
      world.unixNow(),
    );
    const post = world.postToChannel(channel.id, { text: '', viaBotId: bot.id, media: poll });
    // A forward's message holds the poll itself.
    const dm = botToBob(world, bot.id, poll);

    const restored = restart(world);

    const channelBack = restored.findChannel('@shopnews')!;
    const postBack = channelBack.messages.find((m) => m.id === post.id)!;
    const dmBack = restored.findPrivateMessage(dm.id)!;
    castVote(restored, { kind: 'private', message: dmBack }, bob.id, [Buffer.from('1')]);
    expect(postBack.media).toMatchObject({ votes: [{ userId: bob.id, options: [1] }] });
    expect(dmBack.media).toBe(postBack.media);
    closePoll(restored, { kind: 'channel', channel: channelBack, message: postBack });
    expect(dmBack.media).toMatchObject({ closed: true });
  });

  it("keeps the reactions each chat's admins allow across a restart", () => {
    const world = populatedWorld();
    const bob = world.findUserByPhone('15550002222')!;
    const channel = world.findChannel('@shopnews')!;
    const group = world.createBasicGroup({ title: 'Quiet', ownerPhone: bob.phone, bots: [] });
    setAvailableReactions(world, { kind: 'channel', channel }, channel.creatorUserId, {
      kind: 'some',
      emoticons: ['👍', '❤'],
    });
    setAvailableReactions(world, { kind: 'group', group }, bob.id, { kind: 'none' });

    const restored = restart(world);

    const channelBack = restored.findChannel('@shopnews')!;
    expect(allowedReactions({ kind: 'channel', channel: channelBack })).toEqual(['👍', '❤']);
    expect(allowedReactions({ kind: 'group', group: restored.findBasicGroup(group.id)! })).toEqual([]);
  });

  it("keeps a bot's profile: names and descriptions per language, commands, menu buttons, rights and a log out", () => {
    const world = new SandboxWorld();
    const user = world.createUser({ phone: '15550005555', firstName: 'Ann' });
    const bot = world.createBot({ username: 'profile_bot' });
    setProfileText(world, bot, 'name', '', 'Helper');
    setProfileText(world, bot, 'name', 'ru', 'Помощник');
    setProfileText(world, bot, 'description', '', 'What it does');
    setProfileText(world, bot, 'shortDescription', 'de', 'Hilft');
    setBotCommands(world, bot, commandsKey({ type: 'all_private_chats' }, ''), [
      { command: 'help', description: 'Help' },
    ]);
    setMenuButton(world, bot, undefined, { type: 'web_app', text: 'Shop', url: 'https://shop.example' });
    setMenuButton(world, bot, user.id, { type: 'commands' });
    setDefaultAdminRights(world, bot.id, true, { can_post_messages: true });
    logOutBot(world, bot.id);
    const version = bot.infoVersion;

    const restored = restart(world);
    const back = restored.findBotById(bot.id);
    if (!back) throw new Error('bot not restored');
    expect(back.firstName).toBe('Helper');
    expect(back.infoVersion).toBe(version);
    expect(profileText(restored, back, 'name', 'ru')).toBe('Помощник');
    expect(profileText(restored, back, 'description', 'fr')).toBe('What it does');
    expect(profileText(restored, back, 'shortDescription', 'de')).toBe('Hilft');
    expect(privateChatCommands(restored, bot.id, user.id)).toEqual([{ command: 'help', description: 'Help' }]);
    expect(menuButtonOf(restored, bot.id, user.id)).toEqual({ type: 'commands' });
    expect(menuButtonOf(restored, bot.id, 12345)).toEqual({
      type: 'web_app',
      text: 'Shop',
      url: 'https://shop.example',
    });
    expect(defaultAdminRights(restored, bot.id, true)).toEqual({ can_post_messages: true });
    expect(defaultAdminRights(restored, bot.id, false)).toBeUndefined();
    expect(isLoggedOut(restored, bot.id)).toBe(true);
  });

  it('keeps Stars balances, invoices, payments with their refunds and service messages, and invoice links', async () => {
    const world = populatedWorld();
    const bob = world.findUserByPhone('15550002222')!;
    const bot = world.findBotByUsername('shop_news_bot')!;
    setStarBalance(world, bob.id, 100);
    const invoice: SandboxInvoice = {
      kind: 'invoice',
      title: 'Coins',
      description: '50 coins',
      payload: 'order-1',
      currency: 'XTR',
      label: 'Coins',
      amount: 30,
      startParameter: 'coins',
      photoUrl: 'https://example.com/coins.png',
    };
    const sent = botToBob(world, bot.id, invoice);
    const link = createInvoiceLink(world, bot.id, { ...invoice, payload: 'link-1', amount: 5 });
    world.on(WorldEvent.PreCheckoutQuery, (e: PreCheckoutEvent) =>
      answerPreCheckout(world, bot.id, e.id, { ok: true }),
    );
    const first = await payInStars(world, bob, { botId: bot.id, invoice, message: sent }, 1000);
    const second = await payInStars(world, bob, { botId: bot.id, invoice: link.invoice }, 1000);
    refundStarPayment(world, bot.id, bob.id, second.payment.chargeId);

    const restored = restart(world);

    expect(starBalanceOf(restored, bob.id)).toBe(70);
    expect(botStarBalance(restored, bot.id)).toBe(30);
    expect(restored.findPrivateMessage(sent.id)?.media).toEqual({ ...invoice, receiptMessageId: first.service.id });
    expect(restored.findPrivateMessage(first.service.id)?.payment).toEqual({
      chargeId: first.payment.chargeId,
      currency: 'XTR',
      amount: 30,
    });
    expect(starTransactionsOf(restored, bot.id).map((t) => [t.payment.chargeId, t.incoming])).toEqual([
      [first.payment.chargeId, true],
      [second.payment.chargeId, true],
      [second.payment.chargeId, false],
    ]);
    expect(restored.invoiceLinks[link.slug]).toEqual(link);
  });

  it("keeps the data a keyboard button's Mini App sent its bot", () => {
    const world = populatedWorld();
    const bob = world.findUserByPhone('15550002222')!;
    const bot = world.findBotByUsername('shop_news_bot')!;
    const sent = sendWebAppData(world, bob, bot, 'Order', '{"pizza":2}');

    const restored = restart(world);

    expect(restored.findPrivateMessage(sent.id)?.webAppData).toEqual({ data: '{"pizza":2}', buttonText: 'Order' });
  });

  it("keeps bots' games, the game messages, their scores and the score's service message", () => {
    const world = populatedWorld();
    const bob = world.findUserByPhone('15550002222')!;
    const bot = world.findBotByUsername('shop_news_bot')!;
    const game = registerGame(world, bot.id, { shortName: 'lumberjack', title: 'Lumber Jack', description: 'Chop.' });
    const media = gameMedia(bot.id, game);
    const sent = botToBob(world, bot.id, media);
    const ref = { kind: 'private', messageId: sent.id } as const;
    setGameScore(world, ref, bob.id, 120, false);
    const notice = { userId: bob.id, score: 120, gameMessageId: sent.id, gameId: media.gameId };
    const service = world.sendPrivateMessage({
      fromKind: 'bot',
      fromId: bot.id,
      toKind: 'user',
      toId: bob.id,
      text: '',
      gameScore: notice,
    });

    const restored = restart(world);

    expect(findGame(restored, bot.id, 'lumberjack')).toEqual(game);
    expect(restored.findPrivateMessage(sent.id)?.media).toEqual(media);
    expect(highScores(restored, ref)).toEqual([expect.objectContaining({ userId: bob.id, score: 120, position: 1 })]);
    expect(restored.findPrivateMessage(service.id)?.gameScore).toEqual(notice);
  });

  it('keeps QR login tokens as bytes', () => {
    const world = new SandboxWorld();
    const token = world.createLoginToken('aa', 30);
    const restored = restart(world);
    expect(restored.findLoginToken(Buffer.from(token.token))?.authKeyId).toBe('aa');
  });

  it('continues the id counters: new users, bots and channels get ids never issued, even after a reset', () => {
    const world = populatedWorld();
    const restored = restart(world);
    restored.reset();
    const user = restored.createUser({ phone: '15550003333', firstName: 'Cy' });
    const bot = restored.createBot({ username: 'another_bot', ownerPhone: user.phone });
    const channel = restored.createChannel({ title: 'New', ownerPhone: user.phone });
    expect(user.id).toBe(100000003);
    expect(bot.id).toBe(7000000002);
    expect(channel.id).toBe(1000000002);
  });

  it('leaves an SRP check in progress out of the stored auth key', () => {
    const world = new SandboxWorld();
    const keys = door(world);
    keys.importAuthKeys([{ ...authKey(undefined), srp: { session: {} as never, userId: 1 }, passwordUserId: 1 }]);
    const snapshot = throughFile(world, keys) as { authKeys: Record<string, unknown>[] };
    expect(snapshot.authKeys[0]).not.toHaveProperty('srp');
    expect(snapshot.authKeys[0]).toHaveProperty('passwordUserId', 1);
  });

  it('refuses another version or another kind of file, and a field of the wrong kind, leaving the world untouched', () => {
    const world = populatedWorld();
    const good = throughFile(world, door(world)) as Record<string, unknown>;
    expect(() => parseSnapshot({ ...good, version: SNAPSHOT_VERSION + 1 })).toThrow(
      new SnapshotFormatError(`the file is a version ${SNAPSHOT_VERSION + 1} snapshot; this sandbox reads version 1`),
    );
    expect(() => parseSnapshot({ ...good, format: 'something-else' })).toThrow(SnapshotFormatError);
    expect(() => parseSnapshot([])).toThrow(SnapshotFormatError);
    expect(() => parseSnapshot({ ...good, world: null })).toThrow(SnapshotFormatError);

    const target = new SandboxWorld();
    target.createUser({ phone: '15550009999', firstName: 'Kept' });
    const keys = door(target);
    const wrongKind = { ...good, world: { ...(good.world as object), users: [] } };
    expect(() => restoreSnapshot(parseSnapshot(wrongKind), target, { mtproto: keys })).toThrow(
      'world.users is stored as array but the world holds a Map',
    );
    const badKey = { ...good, authKeys: [{ idHex: 'x' }] };
    expect(() => restoreSnapshot(parseSnapshot(badKey), target, { mtproto: keys })).toThrow(
      'auth key record 0 lacks its id or key',
    );
    expect(target.listUsers().map((u) => u.firstName)).toEqual(['Kept']);
    expect(target.listBots()).toEqual([]);
    expect(keys.stats().authKeys).toBe(0);
  });

  it('ignores a stored field the world no longer has and keeps the initial value of a field it gained', () => {
    const world = new SandboxWorld();
    const stored = throughFile(world, door(world)) as { world: Record<string, unknown> };
    delete stored.world.nextBotId;
    stored.world.fieldOfAnOlderVersion = 42;
    const restored = new SandboxWorld();
    restoreSnapshot(parseSnapshot(stored), restored, { mtproto: door(restored) });
    expect(restored.createBot({ username: 'first_bot' }).id).toBe(7000000001);
    expect(restored).not.toHaveProperty('fieldOfAnOlderVersion');
  });
});

describe('snapshot codec', () => {
  it('keeps what JSON alone loses', () => {
    const value = {
      big: -(2n ** 70n),
      bytes: Buffer.from([0, 1, 255]),
      date: new Date(0),
      map: new Map<unknown, unknown>([
        [1, 'number key'],
        ['1', 'string key'],
      ]),
      set: new Set([1n, 'a']),
      list: [undefined, NaN, Infinity, -Infinity, null],
      $dollar: { $map: 'data' },
    };
    const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(value)))) as typeof value;
    expect(back).toEqual(value);
    expect(Buffer.isBuffer(back.bytes)).toBe(true);
    expect([...back.map.keys()]).toEqual([1, '1']);
  });

  it('leaves out functions and class instances (runtime state) and never lets stored data set a prototype', () => {
    class Timer {}
    const encoded = encodeValue({ keep: 1, fn: () => 1, timer: new Timer(), list: [new Timer()] });
    expect(encoded).toEqual({ keep: 1, list: [{ $undefined: true }] });
    const decoded = decodeValue(JSON.parse('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses malformed tags and cycles', () => {
    expect(() => decodeValue({ $bigint: '12x' })).toThrow(SnapshotFormatError);
    expect(() => decodeValue({ $bytes: '***' })).toThrow(SnapshotFormatError);
    expect(() => decodeValue({ $map: [[1]] })).toThrow(SnapshotFormatError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => encodeValue(cycle)).toThrow(SnapshotFormatError);
  });
});

describe('WorldStore', () => {
  let dir: string;
  let doors: MtprotoServer[] = [];
  const door = (world: SandboxWorld): MtprotoServer => {
    const d = new MtprotoServer(world, { host: '127.0.0.1', port: 0 });
    doors.push(d);
    return d;
  };
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sandbox-world-'));
  });
  afterEach(async () => {
    await Promise.all(doors.map((d) => d.close()));
    doors = [];
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the world after a change and reads it back in a new process-like start', async () => {
    const world = populatedWorld();
    const store = new WorldStore(world, { mtproto: door(world) }, { dataDir: dir });
    expect(await store.load()).toEqual({ state: 'new' });
    store.changed();
    await store.close();
    expect(store.savedAt).toBeInstanceOf(Date);

    const again = new SandboxWorld();
    const reopened = new WorldStore(again, { mtproto: door(again) }, { dataDir: dir });
    expect(await reopened.load()).toEqual({ state: 'loaded' });
    expect(again.findChannel('@shopnews')?.messages).toHaveLength(2);
    expect(JSON.parse(await readFile(path.join(dir, 'ids.json'), 'utf8'))).toMatchObject({
      nextUserId: 100000003,
      nextBotId: 7000000002,
      nextChannelId: 1000000002,
    });
  });

  it('moves an unreadable file aside with a message and starts empty, ids still above those issued', async () => {
    const world = populatedWorld();
    const first = new WorldStore(world, { mtproto: door(world) }, { dataDir: dir });
    await first.load();
    first.changed();
    await first.close();
    // A bot token right where the parser stops: the message must not quote it.
    await writeFile(path.join(dir, 'world.json'), 'SECRET-7000000001:tokenSECRETtoken');

    const messages: string[] = [];
    const fresh = new SandboxWorld();
    const store = new WorldStore(fresh, { mtproto: door(fresh) }, { dataDir: dir, log: (m) => messages.push(m) });
    const result = await store.load();
    expect(result).toMatchObject({ state: 'recovered' });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /is unusable: it is not valid JSON( \(stopped at character \d+\))?\. It was moved to .*world\.json\.bad-/,
    );
    expect(messages[0]).not.toContain('SECRET');
    const files = await readdir(dir);
    expect(files.filter((f) => f.startsWith('world.json.bad-'))).toHaveLength(1);
    expect(files).not.toContain('world.json');
    expect(fresh.listUsers()).toEqual([]);
    expect(fresh.createBot({ username: 'after_bad_file_bot' }).id).toBe(7000000002);
  });

  it('reports a lasting write failure once and keeps the change for the next write', async () => {
    const world = new SandboxWorld();
    const messages: string[] = [];
    // A directory where the file should be: every write fails the same way.
    const blocked = path.join(dir, 'blocked');
    const store = new WorldStore(world, { mtproto: door(world) }, { dataDir: blocked, log: (m) => messages.push(m) });
    await store.load();
    await mkdir(path.join(blocked, 'world.json'));
    world.createUser({ phone: '15550001111', firstName: 'Ann' });
    store.changed();
    await store.flush();
    store.changed();
    await store.flush();
    expect(messages).toEqual([expect.stringContaining('Could not write the sandbox world')]);
    expect(store.savedAt).toBeUndefined();

    await rm(path.join(blocked, 'world.json'), { recursive: true });
    await store.close();
    expect(messages[1]).toContain('is written to');
    const again = new SandboxWorld();
    await new WorldStore(again, { mtproto: door(again) }, { dataDir: blocked }).load();
    expect(again.findUserByPhone('15550001111')?.firstName).toBe('Ann');
  });

  it('starts empty on a file of another version, moving it aside', async () => {
    await writeFile(path.join(dir, 'world.json'), JSON.stringify({ format: 'tenantgram-sandbox-world', version: 99 }));
    const world = new SandboxWorld();
    const store = new WorldStore(world, { mtproto: door(world) }, { dataDir: dir });
    expect(await store.load()).toMatchObject({ state: 'recovered', reason: expect.stringContaining('version 99') });
  });
});
