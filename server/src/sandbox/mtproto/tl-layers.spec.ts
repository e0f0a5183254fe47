import { gameMedia, registerGame } from '../games';
import { deflateSync, gzipSync } from 'node:zlib';
import { newPoll, newPollId, type PollChat } from '../polls';
import { type ChatReactionChoice, type SandboxServiceAction, SandboxWorld, WorldEvent } from '../world';
import { answerPreCheckout, type PreCheckoutEvent, setStarBalance } from '../payments';
import { answerInline, type InlineQueryEvent, setInlineMode } from '../inline-queries';
import { setReactions, STANDARD_REACTIONS } from '../reactions';
import { chatReactionsToTl } from './chat-reactions-tl';
import { allPermissions, restrictMember, setDefaultPermissions } from '../chat-permissions';
import { updateMessagePollToTl } from './poll-tl';
import { approveJoinRequest, requestToJoin } from '../join-requests';
import { getChatInviteImporters, pendingJoinRequestsToTl } from './join-requests';
import { fileNumericId, fileReference } from './file-tl';
import { DEFAULT_UPDATE_LIMITS, SandboxUpdates } from '../updates/sandbox-updates';
import { type AuthKeyRecord, RpcService } from './rpc';
import { commandsKey, menuButtonOf, setBotCommands, setMenuButton, setProfileText } from '../bot-profile';
import { botInfoToTl, menuButtonToTl, ownedBotInfoToTl } from './bot-info-tl';
import { callbackAnswerToTl } from './bot-interaction';
import { type Typing, typingUpdateToTl, userStatusToTl } from './presence';
import { getMessagesById } from './user-messages';
import { createStickerSet, storeSticker } from '../stickers';
import { idsHash } from './participants-list';
import { followAdminLog, logAdminAction } from '../admin-log';
import { banMember, setChannelInfo } from '../channel-administration';
import { peerBlockedUpdateToTl } from './blocking-rpc';
import { draftPushToTl } from './drafts';
import { createTopic, setForum } from '../forum-topics';
import { answerWebViewQuery } from '../web-app-queries';
import { webViewResultSentToTl } from './web-apps';
import {
  basicGroupMessageToTl,
  basicGroupToTl,
  botToTl,
  channelMessageToTl,
  channelToTl,
  configToTl,
  privateMessageToTl,
  reactionsUpdateToTl,
  userToTl,
} from './tl-builders';
import { GZIP_PACKED_ID, MAX_INFLATED_BYTES, TlCodec, TlObject, TlUnknownConstructorError, TlWriter } from './tl-codec';
import { loadLayerSchema, LOWEST_LAYER, namedLayer, newestLayer, publishedLayers, resolveLayer } from './tl-schema';

describe('API layer schemas (tl-layers/layers-data.ts)', () => {
  it('lists the published layers from 135 to 227 in order, each with the client package it came from', () => {
    const layers = publishedLayers();
    expect(layers[0]?.layer).toBe(135);
    expect(newestLayer()).toBe(227);
    expect(layers.map((l) => l.layer)).toEqual([...layers.map((l) => l.layer)].sort((a, b) => a - b));
    for (const { source } of layers) expect(source).toMatch(/^(telegram|@mtcute\/tl|@mtcute\/core)@\d+\.\d+\.\d+$/);
    expect(layers.find((l) => l.layer === 198)?.source).toBe('telegram@2.26.22');
    expect(layers.find((l) => l.layer === 227)?.source).toBe('@mtcute/core@0.30.3');
  });

  it('serves a layer without a published schema from the nearest published layer below it', () => {
    expect(LOWEST_LAYER).toBe(133);
    expect(resolveLayer(133)).toBe(135);
    expect(resolveLayer(134)).toBe(135);
    expect(resolveLayer(136)).toBe(135);
    expect(resolveLayer(144)).toBe(144);
    expect(resolveLayer(165)).toBe(160);
    expect(resolveLayer(226)).toBe(223);
    expect(resolveLayer(227)).toBe(227);
    expect(resolveLayer(400)).toBe(227);
  });

  it("gives each layer its own constructors, as that layer's clients know them", () => {
    // Constructor ids as Telethon 1.25 (layer 144), gramjs 2.26 (198) and mtcute 0.30 (227) write them.
    expect(loadLayerSchema(144).constructors.get('user')?.id).toBe(0x3ff6ecb0);
    expect(loadLayerSchema(198).constructors.get('user')?.id).toBe(0x4b46c37e);
    expect(loadLayerSchema(227).constructors.get('user')?.id).toBe(0x31774388);
    expect(loadLayerSchema(144).constructors.get('config')?.id).toBe(0x330b4067);
    expect(loadLayerSchema(144).functions.get('contacts.resolveUsername')?.id).toBe(0xf93ccba3);
    expect(loadLayerSchema(198).functions.get('contacts.resolveUsername')?.id).toBe(0x725afbbc);
    // Stories arrived in layer 160.
    expect(loadLayerSchema(158).functions.has('stories.getAllStories')).toBe(false);
    expect(loadLayerSchema(160).functions.has('stories.getAllStories')).toBe(true);
    // Methods returning vectors keep their Vector<> type, whichever package a layer came from.
    expect(loadLayerSchema(227).functions.get('users.getUsers')?.type).toBe('Vector<User>');
    expect(loadLayerSchema(144).functions.get('users.getUsers')?.type).toBe('Vector<User>');
  });

  it('finds the layer a request names, also under invokeWithoutUpdates and invokeAfterMsg', () => {
    const getConfig = new TlWriter().uint(0xc4f9186b).toBuffer();
    const withLayer = new TlWriter().uint(0xda9b0d0d).int(144).raw(getConfig).toBuffer();
    expect(namedLayer(withLayer)).toBe(144);
    expect(namedLayer(new TlWriter().uint(0xbf9459b7).raw(withLayer).toBuffer())).toBe(144);
    expect(namedLayer(new TlWriter().uint(0xcb9f372d).long(5n).raw(withLayer).toBuffer())).toBe(144);
    expect(namedLayer(getConfig)).toBeUndefined();
  });

  it('has the MTProto service combinators in every layer', () => {
    for (const { layer } of publishedLayers()) {
      const schema = loadLayerSchema(layer);
      expect(schema.functions.get('req_pq_multi')?.binaryStrings).toBe(true);
      expect(schema.constructors.has('rpc_error')).toBe(true);
      expect(schema.functions.has('invokeWithLayer')).toBe(true);
      expect(schema.functions.get('initConnection')?.id).toBe(0xc1cd5ea9);
    }
  });
});

describe('world objects written in each layer', () => {
  const w = new SandboxWorld();
  const owner = w.createUser({ phone: '15550002222', firstName: 'Olga', username: 'olga_layers' });
  const friend = w.createUser({ phone: '15550003333', firstName: 'Petr' });
  const bot = w.createBot({ username: 'layers_bot' });
  const channel = w.createChannel({ title: 'News', username: 'layers_news', ownerPhone: owner.phone });
  const post = w.postToChannel(channel.id, {
    text: 'report',
    views: 3,
    media: { kind: 'document', fileId: 'f-1', fileName: 'a.pdf', mimeType: 'application/pdf', size: 10 },
  });
  const dm = w.sendPrivateMessage({ fromKind: 'user', fromId: owner.id, toKind: 'user', toId: friend.id, text: 'hi' });
  const forward = w.sendPrivateMessage({
    fromKind: 'user',
    fromId: owner.id,
    toKind: 'user',
    toId: friend.id,
    text: 'report',
    forwardOrigin: { kind: 'channel', channelId: channel.id, messageId: post.id, date: post.date },
  });

  const hiddenForward = w.sendPrivateMessage({
    fromKind: 'user',
    fromId: owner.id,
    toKind: 'user',
    toId: friend.id,
    text: 'from someone who keeps their account out of forwards',
    forwardOrigin: { kind: 'hidden', senderName: 'Dora', date: 1_700_000_000 },
  });

  const albumPhoto = w.sendPrivateMessage({
    fromKind: 'user',
    fromId: owner.id,
    toKind: 'user',
    toId: friend.id,
    text: 'first of two',
    media: { kind: 'photo', fileId: 'f-2', size: 10 },
    mediaGroupId: '9223372036854775807',
  });

  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i writes a user, bot, channel, post, private message, forward, album photo and config that read back',
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const objects: [string, TlObject][] = [
        ['User', userToTl(owner, owner.id)],
        ['User', botToTl(bot)],
        ['Chat', channelToTl(channel, owner.id)],
        ['Message', channelMessageToTl(channel, post)],
        ['Message', privateMessageToTl(dm, friend.id)],
        ['Message', privateMessageToTl(forward, friend.id)],
        ['Message', privateMessageToTl(hiddenForward, friend.id)],
        ['Message', privateMessageToTl(albumPhoto, friend.id)],
        ['Config', configToTl('127.0.0.1', 1234)],
      ];
      for (const [type, obj] of objects) {
        const bytes = codec.encodeAs(type, obj);
        expect(bytes.readUInt32LE(0)).toBe(codec.schema.constructors.get(obj._)?.id);
        const back = codec.decode(bytes);
        expect(back._).toBe(obj._);
        if (obj._ === 'user') expect(back.id).toBe(obj.id);
        if (obj._ === 'channel') expect(back.title).toBe('News');
        if (obj._ === 'message') expect(back.message).toBe(obj.message);
        if (obj.grouped_id !== undefined) expect(back.grouped_id).toBe(9223372036854775807n);
        if ((obj.fwd_from as TlObject | undefined)?.from_name) {
          expect(back.fwd_from).toMatchObject({ _: 'messageFwdHeader', from_name: 'Dora', date: 1_700_000_000 });
          expect((back.fwd_from as TlObject).from_id).toBeUndefined();
        } else if (obj.fwd_from) {
          expect(back.fwd_from).toMatchObject({
            _: 'messageFwdHeader',
            from_id: { _: 'peerChannel', channel_id: BigInt(channel.id) },
            channel_post: post.id,
            date: post.date,
          });
        }
      }
    },
  );

  it.each(publishedLayers().map((l) => l.layer))(
    "layer %i writes a bot's profile: bot_info with description, commands and menu button, and its info version",
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const profiled = w.createBot({ username: `profiled_${layer}_bot` });
      setProfileText(w, profiled, 'description', '', 'What it does');
      setBotCommands(w, profiled, commandsKey({ type: 'default' }, ''), [{ command: 'start', description: 'Start' }]);
      setMenuButton(w, profiled, undefined, { type: 'web_app', text: 'Shop', url: 'https://shop.example' });
      const info = codec.decode(codec.encodeAs('BotInfo', botInfoToTl(w, profiled, owner.id)));
      expect(info).toMatchObject({ _: 'botInfo', user_id: BigInt(profiled.id), description: 'What it does' });
      expect(info.commands).toEqual([{ _: 'botCommand', command: 'start', description: 'Start' }]);
      // The menu button came with layer 140; older layers have none.
      if (codec.schema.constructors.get('botInfo')?.params.some((p) => p.name === 'menu_button')) {
        expect(info.menu_button).toEqual({ _: 'botMenuButton', text: 'Shop', url: 'https://shop.example' });
        // The chat's own button, then none of its own: the bot's Web App button again.
        for (const button of [{ type: 'commands' }, { type: 'default' }] as const) {
          setMenuButton(w, profiled, owner.id, button);
          const written = menuButtonToTl(menuButtonOf(w, profiled.id, owner.id));
          expect(codec.decode(codec.encodeAs('BotMenuButton', written))._).toBe(
            button.type === 'commands' ? 'botMenuButtonCommands' : 'botMenuButton',
          );
        }
      } else {
        expect(info.menu_button).toBeUndefined();
      }
      expect(codec.decode(codec.encodeAs('User', botToTl(profiled))).bot_info_version).toBe(profiled.infoVersion);
    },
  );

  it.each(publishedLayers().map((l) => l.layer))(
    "layer %i writes bots.getBotInfo's answer to the bot's owner where the layer has it",
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const owned = w.createBot({ username: `owned_${layer}_bot`, ownerPhone: owner.phone });
      setProfileText(w, owned, 'shortDescription', '', 'About it');
      const answer = ownedBotInfoToTl(w, owner.id, owned, 'en');
      // The published schemas have bots.getBotInfo and its answer from layer 158 on; a client of an older one can't ask.
      const hasMethod = codec.schema.functions.has('bots.getBotInfo');
      expect(codec.schema.constructors.has('bots.botInfo')).toBe(hasMethod);
      if (!hasMethod) return;
      expect(codec.decode(codec.encodeAs('bots.BotInfo', answer))).toMatchObject({
        _: 'bots.botInfo',
        name: owned.firstName,
        about: 'About it',
        description: '',
      });
    },
  );

  it.each(publishedLayers().map((l) => l.layer))(
    "layer %i writes a supergroup's default rights and a restricted member's own as chatBannedRights",
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const group = w.createChannel({ title: 'Layered club', ownerPhone: owner.phone, megagroup: true });
      w.setMember(group.id, { kind: 'user', id: friend.id });
      setDefaultPermissions(w, group.id, { ...allPermissions(true), can_pin_messages: false });
      const until = w.unixNow() + 3600;
      const noText = { ...allPermissions(true), can_send_messages: false, can_send_photos: false };
      restrictMember(w, group.id, { kind: 'user', id: friend.id }, noText, until, { userId: owner.id });
      const back = codec.decode(codec.encodeAs('Chat', channelToTl(group, friend.id)));
      expect(back.default_banned_rights).toMatchObject({ _: 'chatBannedRights', pin_messages: true, until_date: 0 });
      expect(back.banned_rights).toMatchObject({ _: 'chatBannedRights', until_date: until });
      // The per-kind flags came with layer 150 (send_plain, send_photos...); older layers have only send_media.
      const own = back.banned_rights as TlObject;
      if (codec.schema.constructors.get('chatBannedRights')?.params.some((p) => p.name === 'send_plain')) {
        expect(own).toMatchObject({ send_plain: true, send_photos: true });
      } else {
        expect(own.send_plain).toBeUndefined();
      }
      // The owner sees the defaults, and no restriction of their own.
      expect(codec.decode(codec.encodeAs('Chat', channelToTl(group, owner.id))).banned_rights).toBeUndefined();
    },
  );

  const played = (
    [
      { kind: 'video', fileName: 'clip.mp4', duration: 42, width: 1280, height: 720, supportsStreaming: true },
      { kind: 'audio', fileName: 'song.mp3', duration: 185, performer: 'Band', title: 'Hit' },
      { kind: 'voice', duration: 7 },
      { kind: 'animation', fileName: 'loop.mp4', duration: 2, width: 320, height: 240 },
      { kind: 'video_note', duration: 9, width: 360, height: 360 },
    ] as const
  ).map((media, i) =>
    w.sendPrivateMessage({
      fromKind: 'user',
      fromId: owner.id,
      toKind: 'user',
      toId: friend.id,
      text: media.kind,
      media: { ...media, fileId: `played-${i}`, mimeType: 'video/mp4', size: 10 },
    }),
  );

  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i writes a video, an audio file, a voice note, an animation and a video note as documents whose attributes read back',
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const attributesOf = (index: number): Record<string, TlObject> => {
        const message = played[index];
        if (!message) throw new Error('no such message');
        const back = codec.decode(codec.encodeAs('Message', privateMessageToTl(message, friend.id)));
        const media = back.media as TlObject;
        expect(media._).toBe('messageMediaDocument');
        const attributes = (media.document as TlObject).attributes as TlObject[];
        return Object.fromEntries(attributes.map((a) => [a._, a]));
      };
      const video = attributesOf(0);
      expect(video.documentAttributeVideo).toMatchObject({ duration: 42, w: 1280, h: 720, supports_streaming: true });
      expect(video.documentAttributeFilename).toMatchObject({ file_name: 'clip.mp4' });
      const audio = attributesOf(1);
      expect(audio.documentAttributeAudio).toMatchObject({ duration: 185, performer: 'Band', title: 'Hit' });
      expect(audio.documentAttributeAudio?.voice).toBeFalsy();
      const voice = attributesOf(2);
      expect(voice.documentAttributeAudio).toMatchObject({ voice: true, duration: 7 });
      expect(Object.keys(voice)).toEqual(['documentAttributeAudio']);
      const animation = attributesOf(3);
      expect(Object.keys(animation)).toEqual([
        'documentAttributeAnimated',
        'documentAttributeVideo',
        'documentAttributeFilename',
      ]);
      expect(animation.documentAttributeVideo).toMatchObject({ duration: 2, w: 320, h: 240 });
      const round = attributesOf(4);
      expect(Object.keys(round)).toEqual(['documentAttributeVideo']);
      expect(round.documentAttributeVideo).toMatchObject({ round_message: true, duration: 9, w: 360, h: 360 });
    },
  );

  const plainMedia = (
    [
      { kind: 'location', latitude: 59.9386, longitude: 30.3141, horizontalAccuracy: 25 },
      {
        kind: 'venue',
        latitude: 48.8584,
        longitude: 2.2945,
        title: 'Tower',
        address: 'Champ de Mars',
        foursquareId: '4adcda',
        foursquareType: 'arts_entertainment/default',
      },
      { kind: 'contact', phoneNumber: '15550003333', firstName: 'Petr', userId: friend.id },
      { kind: 'dice', emoji: '🎰', value: 64 },
      {
        kind: 'location',
        latitude: 1.5,
        longitude: 2.5,
        livePeriod: 900,
        liveUntil: 2_000_000_000,
        heading: 45,
        proximityAlertRadius: 300,
      },
    ] as const
  ).map((media) =>
    w.sendPrivateMessage({ fromKind: 'user', fromId: owner.id, toKind: 'user', toId: friend.id, text: '', media }),
  );

  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i writes a location, a live location, a venue, a contact and a dice roll that read back',
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const mediaOf = (index: number): TlObject => {
        const message = plainMedia[index];
        if (!message) throw new Error('no such message');
        return codec.decode(codec.encodeAs('Message', privateMessageToTl(message, friend.id))).media as TlObject;
      };
      expect(mediaOf(0)).toMatchObject({
        _: 'messageMediaGeo',
        geo: { _: 'geoPoint', lat: 59.9386, long: 30.3141, access_hash: 0n, accuracy_radius: 25 },
      });
      expect(mediaOf(1)).toMatchObject({
        _: 'messageMediaVenue',
        geo: { _: 'geoPoint', lat: 48.8584, long: 2.2945 },
        title: 'Tower',
        address: 'Champ de Mars',
        provider: 'foursquare',
        venue_id: '4adcda',
        venue_type: 'arts_entertainment/default',
      });
      expect(mediaOf(2)).toMatchObject({
        _: 'messageMediaContact',
        phone_number: '15550003333',
        first_name: 'Petr',
        last_name: '',
        vcard: '',
        user_id: BigInt(friend.id),
      });
      expect(mediaOf(3)).toMatchObject({ _: 'messageMediaDice', value: 64, emoticon: '🎰' });
      expect(mediaOf(4)).toMatchObject({
        _: 'messageMediaGeoLive',
        geo: { _: 'geoPoint', lat: 1.5, long: 2.5 },
        heading: 45,
        period: 900,
        proximity_notification_radius: 300,
      });
    },
  );

  const quiz = newPoll(
    {
      question: 'Capital of Peru?',
      options: ['Lima', 'Cusco', 'Quito'],
      anonymous: false,
      quiz: true,
      multipleAnswers: false,
      correctOption: 0,
      explanation: 'Lima since 1535',
      openPeriod: 60,
    },
    w.unixNow(),
  );
  quiz.votes.push({ userId: friend.id, options: [0] }, { userId: owner.id, options: [2] });
  const pollMessage = w.sendPrivateMessage({
    fromKind: 'user',
    fromId: owner.id,
    toKind: 'user',
    toId: friend.id,
    text: '',
    media: quiz,
  });
  const pollChat: PollChat = { kind: 'private', message: pollMessage };

  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i writes a poll with its results as each member sees them, and updateMessagePoll',
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const media = codec.decode(codec.encodeAs('Message', privateMessageToTl(pollMessage, friend.id)))
        .media as TlObject;
      // The question and options are textWithEntities from layer 179 on, plain strings before.
      const text = (t: string): unknown => (layer >= 179 ? { _: 'textWithEntities', text: t, entities: [] } : t);
      expect(media).toMatchObject({
        _: 'messageMediaPoll',
        poll: {
          _: 'poll',
          id: BigInt(quiz.pollId),
          closed: false,
          public_voters: true,
          multiple_choice: false,
          quiz: true,
          question: text('Capital of Peru?'),
          answers: [
            { _: 'pollAnswer', text: text('Lima'), option: Buffer.from('0') },
            { _: 'pollAnswer', text: text('Cusco'), option: Buffer.from('1') },
            { _: 'pollAnswer', text: text('Quito'), option: Buffer.from('2') },
          ],
          close_period: 60,
          close_date: quiz.closeDate,
        },
        results: {
          _: 'pollResults',
          min: false,
          total_voters: 2,
          solution: 'Lima since 1535',
          results: [
            { _: 'pollAnswerVoters', chosen: true, correct: true, option: Buffer.from('0'), voters: 1 },
            { _: 'pollAnswerVoters', chosen: false, correct: false, option: Buffer.from('1'), voters: 0 },
            { _: 'pollAnswerVoters', chosen: false, correct: false, option: Buffer.from('2'), voters: 1 },
          ],
        },
      });
      const update = updateMessagePollToTl(pollChat, owner.id, w.unixNow());
      if (!update) throw new Error('no update');
      const read = codec.decode(codec.encodeAs('Update', update));
      expect(read).toMatchObject({ _: 'updateMessagePoll', poll_id: BigInt(quiz.pollId) });
      expect((read.results as TlObject).results).toMatchObject([
        { chosen: false },
        { chosen: false },
        { chosen: true },
      ]);
      // Layer 227 names the poll's chat and message; older layers only the poll.
      if (layer >= 227) expect(read).toMatchObject({ peer: { _: 'peerUser', user_id: BigInt(friend.id) } });
      else expect(read.peer).toBeUndefined();
    },
  );

  it("writes min results, with no one's choice, where no viewer is known (a channel post)", () => {
    const post = w.postToChannel(channel.id, { text: '', media: { ...quiz, pollId: newPollId() } });
    const results = (channelMessageToTl(channel, post).media as TlObject).results as TlObject;
    expect(results).toMatchObject({ min: true, total_voters: 2 });
    // A quiz's answer shows only to those who answered, or once it is closed.
    expect(results.solution).toBeUndefined();
    expect((results.results as TlObject[]).map((r) => [r.chosen, r.correct, r.voters])).toEqual([
      [false, false, 1],
      [false, false, 0],
      [false, false, 1],
    ]);
  });

  const reacted = w.sendPrivateMessage({
    fromKind: 'user',
    fromId: owner.id,
    toKind: 'user',
    toId: friend.id,
    text: 'ok?',
  });
  setReactions(w, { kind: 'private', message: reacted }, { kind: 'user', id: friend.id }, ['👍'], true);
  setReactions(w, { kind: 'private', message: reacted }, { kind: 'user', id: owner.id }, ['🔥']);
  const reactedPost = w.postToChannel(channel.id, { text: 'vote' });
  setReactions(w, { kind: 'channel', channel, message: reactedPost }, { kind: 'user', id: owner.id }, ['🎉']);

  it.each(publishedLayers().map((l) => l.layer))(
    "layer %i writes a message's reactions, the viewer's own chosen, and updateMessageReactions, that read back",
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const back = codec.decode(codec.encodeAs('Message', privateMessageToTl(reacted, friend.id)));
      const post = codec.decode(
        codec.encodeAs(
          'Message',
          channelMessageToTl(channel, reactedPost, w.countersOf(channel, reactedPost), owner.id),
        ),
      );
      const update = codec.decode(
        codec.encodeAs(
          'Update',
          reactionsUpdateToTl({ kind: 'private', message: reacted }, [{ emoticon: '🔥', count: 1 }], owner.id),
        ),
      );
      // Reactions came with layer 137.
      if (layer < 137) {
        expect(back.reactions).toBeUndefined();
        expect(update._).not.toBe('updateMessageReactions');
        return;
      }
      const emoji = (r: unknown): unknown => (layer < 145 ? r : (r as TlObject).emoticon);
      const results = (back.reactions as TlObject).results as TlObject[];
      expect(results.map((r) => [emoji(r.reaction), r.count])).toEqual([
        ['👍', 1],
        ['🔥', 1],
      ]);
      // The viewer's own: `chosen` before layer 145, `chosen_order` from it.
      expect(results.map((r) => (layer < 145 ? r.chosen : r.chosen_order))).toEqual(
        layer < 145 ? [true, false] : [1, undefined],
      );
      if (layer >= 138) {
        const recent = (back.reactions as TlObject).recent_reactions as TlObject[];
        expect(recent.map((r) => [emoji(r.reaction), (r.peer_id as TlObject).user_id])).toEqual([
          ['🔥', BigInt(owner.id)],
          ['👍', BigInt(friend.id)],
        ]);
        expect(recent[1]?.big).toBe(true);
        if (layer >= 160) expect(recent[1]?.my).toBe(true);
        if (layer >= 158) expect(recent[0]?.date).toBe(reacted.date);
      }
      const postResults = (post.reactions as TlObject).results as TlObject[];
      expect(postResults.map((r) => [emoji(r.reaction), r.count])).toEqual([['🎉', 1]]);
      expect((post.reactions as TlObject).recent_reactions).toBeUndefined();
      expect(update).toMatchObject({
        _: 'updateMessageReactions',
        msg_id: reacted.id,
        peer: { user_id: BigInt(friend.id) },
      });
    },
  );

  const supergroup = w.createChannel({ title: 'Club', ownerPhone: owner.phone, megagroup: true });
  const said = w.postToChannel(supergroup.id, { text: 'read this', fromUserId: owner.id });
  const groupServices: [SandboxServiceAction, number | undefined][] = [
    [{ type: 'channel_create', title: 'Club' }, undefined],
    [{ type: 'chat_add_user', userIds: [friend.id, bot.id] }, undefined],
    [{ type: 'chat_joined_by_link', inviterId: owner.id }, undefined],
    [{ type: 'chat_joined_by_request' }, undefined],
    [{ type: 'chat_delete_user', userId: friend.id }, undefined],
    [{ type: 'chat_edit_title', title: 'Club, autumn' }, undefined],
    [{ type: 'pin_message' }, said.id],
  ];
  const serviceMessages = groupServices.map(([service, replyToId]) =>
    w.postToChannel(supergroup.id, { text: '', fromUserId: owner.id, service, replyToId }),
  );
  const basicGroup = w.createBasicGroup({ title: 'Friends', ownerPhone: owner.phone, userPhones: [friend.phone] });
  const groupCreated = w.writeBasicGroupService(
    basicGroup.id,
    { fromUserId: owner.id },
    { type: 'chat_create', title: 'Friends', userIds: [owner.id, friend.id] },
  );

  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i writes service messages (joins, leaves, titles, pins, creations) that read back',
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const back = serviceMessages.map((m) =>
        codec.decode(codec.encodeAs('Message', channelMessageToTl(supergroup, m))),
      );
      for (const [i, m] of back.entries()) {
        expect(m).toMatchObject({
          _: 'messageService',
          id: serviceMessages[i]?.id,
          from_id: { _: 'peerUser', user_id: BigInt(owner.id) },
          peer_id: { _: 'peerChannel', channel_id: BigInt(supergroup.id) },
        });
      }
      expect(back.map((m) => m.action)).toEqual([
        { _: 'messageActionChannelCreate', title: 'Club' },
        { _: 'messageActionChatAddUser', users: [BigInt(friend.id), BigInt(bot.id)] },
        { _: 'messageActionChatJoinedByLink', inviter_id: BigInt(owner.id) },
        { _: 'messageActionChatJoinedByRequest' },
        { _: 'messageActionChatDeleteUser', user_id: BigInt(friend.id) },
        { _: 'messageActionChatEditTitle', title: 'Club, autumn' },
        { _: 'messageActionPinMessage' },
      ]);
      expect(back[6]?.reply_to).toMatchObject({ _: 'messageReplyHeader', reply_to_msg_id: said.id });
      const created = codec.decode(
        codec.encodeAs('Message', basicGroupMessageToTl(basicGroup, groupCreated, owner.id)),
      );
      expect(created).toMatchObject({
        _: 'messageService',
        out: true,
        peer_id: { _: 'peerChat', chat_id: BigInt(basicGroup.id) },
        action: { _: 'messageActionChatCreate', title: 'Friends', users: [BigInt(owner.id), BigInt(friend.id)] },
      });
    },
  );

  const doorLink = w.createInvite(supergroup.id, owner.id, { createsJoinRequest: true, title: 'Door' });
  const asker = w.createUser({ phone: '15550004444', firstName: 'Vera' });
  requestToJoin(w, supergroup, doorLink, asker.id);
  requestToJoin(w, supergroup, doorLink, friend.id);
  approveJoinRequest(w, supergroup, friend.id, { kind: 'user', id: owner.id });

  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i writes the requests to join: updatePendingJoinRequests and messages.chatInviteImporters',
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const update = codec.decode(codec.encodeAs('Update', pendingJoinRequestsToTl(w, supergroup)));
      expect(update).toEqual({
        _: 'updatePendingJoinRequests',
        peer: { _: 'peerChannel', channel_id: BigInt(supergroup.id) },
        requests_pending: 1,
        recent_requesters: [BigInt(asker.id)],
      });
      const list = (requested: boolean): TlObject =>
        codec.decode(
          codec.encodeAs(
            'messages.ChatInviteImporters',
            getChatInviteImporters({
              world: w,
              me: owner,
              channel: supergroup,
              req: { _: 'messages.getChatInviteImporters', requested, link: `https://t.me/+${doorLink.hash}` },
              usersToTl: (ids) => [...ids].flatMap((id) => w.findUserById(id) ?? []).map((u) => userToTl(u, owner.id)),
            }),
          ),
        );
      expect(list(true)).toMatchObject({
        _: 'messages.chatInviteImporters',
        count: 1,
        importers: [{ _: 'chatInviteImporter', requested: true, user_id: BigInt(asker.id) }],
        users: [{ _: 'user', id: BigInt(asker.id) }],
      });
      expect(list(false)).toMatchObject({
        count: 1,
        importers: [
          { _: 'chatInviteImporter', requested: false, user_id: BigInt(friend.id), approved_by: BigInt(owner.id) },
        ],
      });
    },
  );

  it.each(publishedLayers().map((l) => l.layer))(
    "layer %i writes a chat's allowed reactions: ChatReactions from layer 145, the list of emoji before",
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const written = (choice: ChatReactionChoice | undefined): unknown =>
        codec.decode(
          codec.encodeAs('ChatFull', {
            _: 'channelFull',
            id: 1n,
            about: '',
            read_inbox_max_id: 0,
            read_outbox_max_id: 0,
            unread_count: 0,
            bot_info: [],
            pts: 1,
            available_reactions: chatReactionsToTl(choice),
          }),
        ).available_reactions;
      const some = written({ kind: 'some', emoticons: ['👍', '❤'] });
      const hasField = codec.schema.constructors
        .get('channelFull')
        ?.params.some((p) => p.name === 'available_reactions');
      if (!hasField) {
        // Reactions came with layer 137: an older layer's apps are not told of any.
        expect(layer).toBeLessThan(137);
        expect(some).toBeUndefined();
      } else if (layer >= 145) {
        expect(some).toMatchObject({
          _: 'chatReactionsSome',
          reactions: [
            { _: 'reactionEmoji', emoticon: '👍' },
            { _: 'reactionEmoji', emoticon: '❤' },
          ],
        });
        expect(written({ kind: 'none' })).toMatchObject({ _: 'chatReactionsNone' });
        expect(written(undefined)).toMatchObject({ _: 'chatReactionsAll' });
      } else {
        expect(some).toEqual(['👍', '❤']);
        expect(written({ kind: 'none' })).toEqual([]);
        expect(written(undefined)).toEqual(STANDARD_REACTIONS);
      }
    },
  );

  const pictured = w.createChannel({ title: 'Gallery', ownerPhone: owner.phone, megagroup: true });
  const picture = { fileId: 'f-photo', size: 2048, date: 1_700_000_100 };
  pictured.photo = picture;
  const picturedGroup = w.createBasicGroup({ title: 'Pics', ownerPhone: owner.phone, userPhones: [friend.phone] });
  picturedGroup.photo = picture;
  const photoSet = w.postToChannel(pictured.id, {
    text: '',
    fromUserId: owner.id,
    service: { type: 'chat_edit_photo', ...picture },
  });
  const photoTaken = w.postToChannel(pictured.id, {
    text: '',
    fromUserId: owner.id,
    service: { type: 'chat_delete_photo' },
  });

  it.each(publishedLayers().map((l) => l.layer))(
    "layer %i writes a chat's photo, photo service messages and upload.file parts that read back",
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const chatPhoto = { _: 'chatPhoto', photo_id: fileNumericId('f-photo'), dc_id: 2 };
      expect(codec.decode(codec.encodeAs('Chat', channelToTl(pictured, owner.id))).photo).toMatchObject(chatPhoto);
      expect(codec.decode(codec.encodeAs('Chat', basicGroupToTl(picturedGroup, owner.id))).photo).toMatchObject(
        chatPhoto,
      );
      const set = codec.decode(codec.encodeAs('Message', channelMessageToTl(pictured, photoSet)));
      expect(set.action).toMatchObject({
        _: 'messageActionChatEditPhoto',
        photo: {
          _: 'photo',
          id: fileNumericId('f-photo'),
          file_reference: fileReference('f-photo'),
          date: 1_700_000_100,
          sizes: [{ _: 'photoSize', type: 'x', size: 2048 }],
        },
      });
      const taken = codec.decode(codec.encodeAs('Message', channelMessageToTl(pictured, photoTaken)));
      expect(taken.action).toEqual({ _: 'messageActionChatDeletePhoto' });
      for (const type of ['storage.fileJpeg', 'storage.filePartial', 'storage.fileUnknown']) {
        const part = { _: 'upload.file', type: { _: type }, mtime: 1_700_000_000, bytes: Buffer.from('abc') };
        expect(codec.decode(codec.encodeAs('upload.File', part))).toEqual(part);
      }
    },
  );

  it('leaves out fields a layer lacks and defaults the ones it requires', () => {
    const old = new TlCodec(loadLayerSchema(144));
    // `stories_max_id` came after 144; `photo` is required in 144's channel and missing here.
    const user = old.decode(old.encode({ ...userToTl(owner, owner.id), stories_max_id: 5 }));
    expect(user.stories_max_id).toBeUndefined();
    expect(user.first_name).toBe('Olga');
    const { photo: _photo, ...bare } = channelToTl(channel, owner.id);
    expect(old.decode(old.encode(bare)).photo).toEqual({ _: 'chatPhotoEmpty' });
    // A constructor the layer does not have at all becomes its type's default.
    const media = old.encodeAs('MessageMedia', { _: 'messageMediaStory', id: 1, peer: { _: 'peerUser', user_id: 1n } });
    expect(old.decode(media)).toEqual({ _: 'messageMediaEmpty' });
  });

  it('tells an unknown method from an unknown constructor inside a request', () => {
    const codec = new TlCodec(loadLayerSchema(144));
    const wrapped = (inner: Buffer): Buffer => new TlWriter().uint(0xda9b0d0d).int(144).raw(inner).toBuffer();
    const unknownMethod = new TlWriter().uint(0x0badf00d).toBuffer();
    const unknownInner = new TlWriter().uint(0x0d91a548).uint(0x1cb5c415).int(1).uint(0x0badc0de).toBuffer();
    const caught = (buf: Buffer): TlUnknownConstructorError => {
      try {
        codec.decode(buf);
      } catch (e) {
        if (e instanceof TlUnknownConstructorError) return e;
      }
      throw new Error('expected an unknown constructor');
    };
    expect(caught(wrapped(unknownMethod))).toMatchObject({ constructorId: 0x0badf00d, method: true });
    expect(caught(wrapped(unknownInner))).toMatchObject({ constructorId: 0x0badc0de, method: false });
  });
});

describe('what apps talking to bots get, in each layer', () => {
  const w = new SandboxWorld();
  const ann = w.createUser({ phone: '15550006666', firstName: 'Ann' });
  const ben = w.createUser({ phone: '15550007777', firstName: 'Ben' });
  const group = w.createBasicGroup({ title: 'Readers', ownerPhone: ann.phone, userPhones: [ben.phone] });
  const dm = w.sendPrivateMessage({ fromKind: 'user', fromId: ann.id, toKind: 'user', toId: ben.id, text: 'hi' });
  const inGroup = w.sendBasicGroupMessage(group.id, ben.id, 'hello all');

  it.each(publishedLayers().map((l) => l.layer))(
    "layer %i writes a bot's callback answer, typing, a user's status and messages read by id",
    (layer) => {
      const codec = new TlCodec(loadLayerSchema(layer));
      const roundTrip = (type: string, obj: TlObject): TlObject => codec.decode(codec.encodeAs(type, obj));
      expect(
        roundTrip(
          'messages.BotCallbackAnswer',
          callbackAnswerToTl({ text: 'Done', showAlert: true, url: 'https://t.me/x', cacheTime: 30, date: 1 }),
        ),
      ).toMatchObject({
        _: 'messages.botCallbackAnswer',
        alert: true,
        native_ui: false,
        has_url: true,
        message: 'Done',
        url: 'https://t.me/x',
        cache_time: 30,
      });
      const action = { _: 'sendMessageUploadPhotoAction', progress: 40 };
      const typing: Typing[] = [
        { kind: 'private', userId: ann.id, action },
        { kind: 'group', chatId: group.id, userId: ann.id, action },
        { kind: 'channel', channelId: 77, userId: ann.id, action },
      ];
      expect(typing.map((t) => (roundTrip('Updates', typingUpdateToTl(t, 5)).update as TlObject)._)).toEqual([
        'updateUserTyping',
        'updateChatUserTyping',
        'updateChannelUserTyping',
      ]);
      expect(roundTrip('Updates', typingUpdateToTl(typing[2] as Typing, 5))).toMatchObject({
        update: { channel_id: 77n, from_id: { _: 'peerUser', user_id: BigInt(ann.id) }, action },
      });
      for (const presence of [
        { online: true, at: 2_000_000_000 },
        { online: false, at: 1_700_000_000 },
      ]) {
        const status = userStatusToTl(presence);
        expect(roundTrip('Update', { _: 'updateUserStatus', user_id: BigInt(ann.id), status })).toMatchObject({
          _: 'updateUserStatus',
          user_id: BigInt(ann.id),
          status,
        });
        expect(roundTrip('User', { ...userToTl(ann, ben.id), status }).status).toEqual(status);
      }
      const read = getMessagesById({
        world: w,
        me: ben,
        req: {
          _: 'messages.getMessages',
          id: [
            { _: 'inputMessageID', id: dm.id },
            { _: 'inputMessageID', id: inGroup.id },
            { _: 'inputMessageID', id: 999 },
          ],
        },
        usersToTl: (ids) => [...ids].flatMap((id) => w.findUserById(id) ?? []).map((u) => userToTl(u, ben.id)),
        originChatsToTl: () => [],
      });
      const back = roundTrip('messages.Messages', read);
      expect((back.messages as TlObject[]).map((m) => [m._, m.id])).toEqual([
        ['message', dm.id],
        ['message', inGroup.id],
        ['messageEmpty', 999],
      ]);
      expect((back.chats as TlObject[]).map((c) => c.id)).toEqual([BigInt(group.id)]);
    },
  );
});

describe('gzip_packed requests', () => {
  const codec = new TlCodec(loadLayerSchema(227));
  const packed = (body: Buffer): Buffer => new TlWriter().uint(GZIP_PACKED_ID).bytes(body).toBuffer();
  const request = codec.encode({ _: 'help.getConfig' });

  it('reads a body packed in zlib framing (as mtcute sends) as well as in gzip framing', () => {
    expect(codec.decode(packed(deflateSync(request)))._).toBe('help.getConfig');
    expect(codec.decode(packed(gzipSync(request)))._).toBe('help.getConfig');
  });

  it('refuses to inflate past MAX_INFLATED_BYTES', () => {
    const bomb = deflateSync(Buffer.alloc(MAX_INFLATED_BYTES + 1));
    expect(() => codec.decode(packed(bomb))).toThrow(/larger than/);
  });
});

/**
 * The MTProto door as one signed-in user's app meets it in a layer: each request written by the app in the layer and
 * read as the door reads it, answered by the real RpcService, then read back as the app reads it.
 */
function layerDoor(world: SandboxWorld, layer: number, userId: number) {
  const codec = new TlCodec(loadLayerSchema(layer));
  const updates = new SandboxUpdates(world, DEFAULT_UPDATE_LIMITS, () => undefined);
  const rpc = new RpcService(world, codec, () => ({ host: '127.0.0.1', port: 1 }), updates);
  const key: AuthKeyRecord = {
    id: Buffer.alloc(8),
    idHex: '00',
    key: Buffer.alloc(256),
    salt: 0n,
    userId,
    revoked: false,
    sessions: new Set(),
    attempts: 0,
    createdAt: new Date(),
  };
  const answer = (request: TlObject) => rpc.invoke(key, codec.decode(codec.encode(request)), codec);
  const call = async (request: TlObject): Promise<TlObject> => {
    const { type, value } = await answer(request);
    return codec.decode(codec.encodeAs(type, value));
  };
  return { codec, answer, call, close: () => updates.close() };
}

describe('basic group methods answered in each layer', () => {
  /** One signed-in user's calls, answered and written in the layer, then read back as its clients read them. */
  function door(layer: number) {
    const world = new SandboxWorld();
    const ann = world.createUser({ phone: '15550007001', firstName: 'Ann' });
    const { codec, call, close } = layerDoor(world, layer, ann.id);
    return { world, codec, ann, call, close };
  }

  const inputUser = (u: { id: number; accessHash: bigint }): TlObject => ({
    _: 'inputUser',
    user_id: BigInt(u.id),
    access_hash: u.accessHash,
  });
  const serviceActions = (updates: TlObject): string[] =>
    (updates.updates as TlObject[]).flatMap((u) => {
      const message = u.message as TlObject | undefined;
      return message?._ === 'messageService' ? [(message.action as TlObject)._] : [];
    });

  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i writes createChat and addChatUser (invitedUsers from 177, Updates before), getFullChat and the rest',
    async (layer) => {
      const { world, ann, call, close } = door(layer);
      const bea = world.createUser({ phone: '15550007002', firstName: 'Bea' });
      const bot = world.createBot({ username: 'layered_group_bot' });
      const invited = layer >= 177 ? 'messages.invitedUsers' : 'updates';
      const unwrap = (answer: TlObject): TlObject => (layer >= 177 ? (answer.updates as TlObject) : answer);

      const created = await call({ _: 'messages.createChat', users: [inputUser(bea)], title: 'Layered' });
      expect(created._).toBe(invited);
      expect(serviceActions(unwrap(created))).toEqual(['messageActionChatCreate']);
      const chat = (unwrap(created).chats as TlObject[])[0]!;
      expect(chat).toMatchObject({ _: 'chat', title: 'Layered', participants_count: 2 });
      const chatId = chat.id as bigint;

      const added = await call({ _: 'messages.addChatUser', chat_id: chatId, user_id: inputUser(bot), fwd_limit: 0 });
      expect(added._).toBe(invited);
      expect(serviceActions(unwrap(added))).toEqual(['messageActionChatAddUser']);
      const renamed = await call({ _: 'messages.editChatTitle', chat_id: chatId, title: 'Renamed' });
      expect(serviceActions(renamed)).toEqual(['messageActionChatEditTitle']);

      const full = await call({ _: 'messages.getFullChat', chat_id: chatId });
      expect(full._).toBe('messages.chatFull');
      const participants = (full.full_chat as TlObject).participants as TlObject;
      expect((participants.participants as TlObject[]).map((p) => p._)).toEqual([
        'chatParticipantCreator',
        'chatParticipant',
        'chatParticipant',
      ]);

      const removed = await call({ _: 'messages.deleteChatUser', chat_id: chatId, user_id: inputUser(bea) });
      expect(serviceActions(removed)).toEqual(['messageActionChatDeleteUser']);
      const group = world.findBasicGroup(Number(chatId))!;
      const gone = await call({ _: 'messages.deleteMessages', id: [group.messages[0]!.id], revoke: true });
      expect(gone).toMatchObject({ _: 'messages.affectedMessages', pts_count: 1 });
      expect(ann.id).toBe(group.creatorUserId);
      close();
    },
  );

  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i writes migrateChat: the deactivated chat naming the supergroup, and both migration actions',
    async (layer) => {
      const { world, ann, call, close } = door(layer);
      const bea = world.createUser({ phone: '15550007002', firstName: 'Bea' });
      const created = await call({ _: 'messages.createChat', users: [inputUser(bea)], title: 'Upgraded' });
      const chatId = (((layer >= 177 ? created.updates : created) as TlObject).chats as TlObject[])[0]!.id as bigint;

      const migrated = await call({ _: 'messages.migrateChat', chat_id: chatId });
      const actions = (migrated.updates as TlObject[]).flatMap((u) => {
        const message = u.message as TlObject | undefined;
        return message?._ === 'messageService' ? [message.action] : [];
      });
      const channel = world.findChannel(world.findBasicGroup(Number(chatId))!.migratedTo!.channelId)!;
      expect(actions).toEqual([
        { _: 'messageActionChannelMigrateFrom', title: 'Upgraded', chat_id: chatId },
        { _: 'messageActionChatMigrateTo', channel_id: BigInt(channel.id) },
      ]);
      const chats = migrated.chats as TlObject[];
      expect(chats[0]).toMatchObject({
        _: 'chat',
        deactivated: true,
        migrated_to: { _: 'inputChannel', channel_id: BigInt(channel.id), access_hash: channel.accessHash },
      });
      expect(chats[1]).toMatchObject({ _: 'channel', megagroup: true, creator: true, title: 'Upgraded' });
      expect(ann.id).toBe(channel.creatorUserId);
      close();
    },
  );
});

describe('block lists answered in each layer', () => {
  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i reads contacts.block and unblock, and writes contacts.blocked, blockedSlice and userFull.blocked',
    async (layer) => {
      const world = new SandboxWorld();
      const ann = world.createUser({ phone: '15550008001', firstName: 'Ann' });
      const bea = world.createUser({ phone: '15550008002', firstName: 'Bea' });
      const bot = world.createBot({ username: 'layered_blocked_bot' });
      const { codec, answer, call, close } = layerDoor(world, layer, ann.id);
      /** A call answering a Bool, written as the layer writes it. */
      const callBool = async (request: TlObject): Promise<boolean> => {
        const { type, value } = await answer(request);
        expect(type).toBe('Bool');
        return codec.encodeAs('Bool', value).equals(codec.encodeAs('Bool', true));
      };
      const peer = (u: { id: number; accessHash: bigint }): TlObject => ({
        _: 'inputPeerUser',
        user_id: BigInt(u.id),
        access_hash: u.accessHash,
      });

      expect(await callBool({ _: 'contacts.block', id: peer(bot) })).toBe(true);
      expect(await callBool({ _: 'contacts.block', id: peer(bea) })).toBe(true);
      expect(await callBool({ _: 'contacts.block', id: peer(bea) })).toBe(true);
      const all = await call({ _: 'contacts.getBlocked', offset: 0, limit: 10 });
      expect(all._).toBe('contacts.blocked');
      expect(all.blocked).toEqual([
        expect.objectContaining({ _: 'peerBlocked', peer_id: { _: 'peerUser', user_id: BigInt(bea.id) } }),
        expect.objectContaining({ _: 'peerBlocked', peer_id: { _: 'peerUser', user_id: BigInt(bot.id) } }),
      ]);
      expect((all.users as TlObject[]).map((u) => u.id)).toEqual([BigInt(bea.id), BigInt(bot.id)]);
      const slice = await call({ _: 'contacts.getBlocked', offset: 1, limit: 1 });
      expect(slice).toMatchObject({ _: 'contacts.blockedSlice', count: 2 });
      expect((slice.blocked as TlObject[]).map((b) => (b.peer_id as TlObject).user_id)).toEqual([BigInt(bot.id)]);

      const full = await call({
        _: 'users.getFullUser',
        id: { _: 'inputUser', user_id: BigInt(bea.id), access_hash: bea.accessHash },
      });
      expect((full.full_user as TlObject).blocked).toBe(true);
      expect(await callBool({ _: 'contacts.unblock', id: peer(bea) })).toBe(true);
      const after = await call({
        _: 'users.getFullUser',
        id: { _: 'inputUser', user_id: BigInt(bea.id), access_hash: bea.accessHash },
      });
      expect((after.full_user as TlObject).blocked).toBeFalsy();
      // What the user's other apps are pushed, as the layer writes it (Bool before 160, a flag since).
      for (const blocked of [true, false]) {
        const pushed = codec.decode(codec.encode(peerBlockedUpdateToTl(bea.id, blocked, 1_700_000_000)));
        expect(pushed.update).toMatchObject({ _: 'updatePeerBlocked', peer_id: { user_id: BigInt(bea.id) } });
        expect(Boolean((pushed.update as TlObject).blocked)).toBe(blocked);
      }
      close();
    },
  );
});

describe("administrators' custom titles in each layer", () => {
  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i takes a rank in channels.editAdmin and writes it in channels.getParticipant',
    async (layer) => {
      const world = new SandboxWorld();
      const olga = world.createUser({ phone: '15550007101', firstName: 'Olga' });
      const mona = world.createUser({ phone: '15550007102', firstName: 'Mona' });
      const group = world.createChannel({ title: 'Titled', megagroup: true, ownerPhone: olga.phone });
      world.setMember(group.id, { kind: 'user', id: mona.id });
      const { call, close } = layerDoor(world, layer, olga.id);
      const channel = { _: 'inputChannel', channel_id: BigInt(group.id), access_hash: group.accessHash };
      const monaUser = { _: 'inputUser', user_id: BigInt(mona.id), access_hash: mona.accessHash };

      await call({
        _: 'channels.editAdmin',
        channel,
        user_id: monaUser,
        admin_rights: { _: 'chatAdminRights', pin_messages: true },
        rank: 'Archivist',
      });
      const read = await call({
        _: 'channels.getParticipant',
        channel,
        participant: { _: 'inputPeerUser', user_id: BigInt(mona.id), access_hash: mona.accessHash },
      });
      expect(read._).toBe('channels.channelParticipant');
      expect(read.participant).toMatchObject({
        _: 'channelParticipantAdmin',
        can_edit: true,
        user_id: BigInt(mona.id),
        promoted_by: BigInt(olga.id),
        rank: 'Archivist',
      });
      expect(((read.participant as TlObject).admin_rights as TlObject).pin_messages).toBe(true);
      expect((read.users as TlObject[]).map((u) => u.id)).toEqual(expect.arrayContaining([BigInt(mona.id)]));
      const owner = await call({ _: 'channels.getParticipant', channel, participant: { _: 'inputPeerSelf' } });
      expect(owner.participant).toMatchObject({ _: 'channelParticipantCreator', user_id: BigInt(olga.id) });
      close();
    },
  );
});

describe('stickers in each layer', () => {
  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i writes messages.getStickerSet and takes a sticker of the set in messages.sendMedia',
    async (layer) => {
      const world = new SandboxWorld();
      const ann = world.createUser({ phone: '15550007201', firstName: 'Ann' });
      const bot = world.createBot({ username: 'stickers_bot' });
      const webp = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
      const still = storeSticker(world, webp, { format: 'static' }, { width: 1, height: 1 }, bot.id);
      const clip = storeSticker(world, Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0]), { format: 'video' }, undefined);
      const set = createStickerSet(world, {
        botId: bot.id,
        botUsername: bot.username,
        ownerUserId: ann.id,
        name: 'cats_by_stickers_bot',
        title: 'Cats',
        stickers: [
          { file: still, emojis: ['😺', '😸'] },
          { file: clip, emojis: ['😺'] },
        ],
      });
      const { call, close } = layerDoor(world, layer, ann.id);

      const read = await call({
        _: 'messages.getStickerSet',
        stickerset: { _: 'inputStickerSetShortName', short_name: 'Cats_by_stickers_bot' },
        hash: 0,
      });
      expect(read._).toBe('messages.stickerSet');
      expect(read.set).toMatchObject({ _: 'stickerSet', id: set.id, title: 'Cats', short_name: set.name, count: 2 });
      const [first, second] = set.stickers.map((id) => fileNumericId(id));
      expect(read.packs).toEqual([
        { _: 'stickerPack', emoticon: '😺', documents: [first, second] },
        { _: 'stickerPack', emoticon: '😸', documents: [first] },
      ]);
      const documents = read.documents as TlObject[];
      expect(documents.map((d) => [d.id, d.mime_type])).toEqual([
        [first, 'image/webp'],
        [second, 'video/webm'],
      ]);
      expect(documents[0]!.attributes).toMatchObject([
        { _: 'documentAttributeImageSize', w: 1, h: 1 },
        {
          _: 'documentAttributeSticker',
          alt: '😺',
          stickerset: { _: 'inputStickerSetID', id: set.id, access_hash: set.accessHash },
        },
      ]);
      expect((documents[1]!.attributes as TlObject[]).map((a) => a._)).toEqual([
        'documentAttributeVideo',
        'documentAttributeSticker',
      ]);
      const unknown = { _: 'inputStickerSetShortName', short_name: 'dogs_by_stickers_bot' };
      await expect(call({ _: 'messages.getStickerSet', stickerset: unknown, hash: 0 })).rejects.toMatchObject({
        errorMessage: 'STICKERSET_INVALID',
      });

      const doc = documents[0]!;
      const sent = await call({
        _: 'messages.sendMedia',
        peer: { _: 'inputPeerUser', user_id: BigInt(bot.id), access_hash: bot.accessHash },
        media: {
          _: 'inputMediaDocument',
          id: { _: 'inputDocument', id: doc.id, access_hash: doc.access_hash, file_reference: doc.file_reference },
        },
        message: '',
        random_id: 7n,
      });
      const message = (sent.updates as TlObject[]).map((u) => u.message as TlObject | undefined).find(Boolean)!;
      expect((message.media as TlObject).document).toMatchObject({ id: first, mime_type: 'image/webp' });
      close();
    },
  );
});

describe('payments in Telegram Stars in each layer', () => {
  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i shows the invoice, and from 181 gives the Stars form, pays it and tells the balance',
    async (layer) => {
      const world = new SandboxWorld();
      const ann = world.createUser({ phone: '15550009001', firstName: 'Ann' });
      const bot = world.createBot({ username: 'layered_shop_bot' });
      setStarBalance(world, ann.id, 100);
      world.on(WorldEvent.PreCheckoutQuery, (e: PreCheckoutEvent) =>
        answerPreCheckout(world, bot.id, e.id, { ok: true }),
      );
      const sent = world.sendPrivateMessage({
        fromKind: 'bot',
        fromId: bot.id,
        toKind: 'user',
        toId: ann.id,
        text: '',
        media: {
          kind: 'invoice',
          title: 'Coins',
          description: '50 coins',
          payload: 'order-1',
          currency: 'XTR',
          label: 'Coins',
          amount: 30,
          startParameter: 'coins',
        },
      });
      const { codec, call, close } = layerDoor(world, layer, ann.id);
      const shown = codec.decode(codec.encodeAs('Message', privateMessageToTl(sent, ann.id)));
      expect(shown.media).toMatchObject({
        _: 'messageMediaInvoice',
        title: 'Coins',
        currency: 'XTR',
        total_amount: 30n,
      });
      const peer = { _: 'inputPeerUser', user_id: BigInt(bot.id), access_hash: bot.accessHash };
      const invoice = { _: 'inputInvoiceMessage', peer, msg_id: sent.id };
      // Layers before 143 name the invoice by the call's own peer and message.
      const formCall =
        layer >= 143
          ? { _: 'payments.getPaymentForm', invoice }
          : { _: 'payments.getPaymentForm', peer, msg_id: sent.id };
      if (layer < 181) {
        // No Stars form exists in the layer: the form is refused, and sendStarsForm is a method the layer lacks
        // (the door answers INPUT_METHOD_INVALID for what it cannot read).
        await expect(call(formCall)).rejects.toMatchObject({ errorMessage: 'STARS_INVOICE_INVALID' });
        const newest = new TlCodec(loadLayerSchema(newestLayer()));
        const body = newest.encode({ _: 'payments.sendStarsForm', form_id: 1n, invoice });
        expect(() => codec.decode(body)).toThrow(TlUnknownConstructorError);
        expect(codec.schema.functions.has('payments.getStarsStatus')).toBe(false);
        close();
        return;
      }
      const form = await call(formCall);
      expect(form).toMatchObject({ _: 'payments.paymentFormStars', title: 'Coins', bot_id: BigInt(bot.id) });
      expect(form.invoice).toMatchObject({ _: 'invoice', currency: 'XTR', prices: [{ label: 'Coins', amount: 30n }] });
      const paid = await call({ _: 'payments.sendStarsForm', form_id: form.form_id, invoice });
      expect(paid._).toBe('payments.paymentResult');
      const update = ((paid.updates as TlObject).updates as TlObject[])[0]!;
      expect((update.message as TlObject).action).toMatchObject({
        _: 'messageActionPaymentSent',
        currency: 'XTR',
        total_amount: 30n,
      });
      const status = await call({ _: 'payments.getStarsStatus', peer: { _: 'inputPeerSelf' } });
      // A plain count of Stars before layer 198, `starsAmount` from it.
      expect(status.balance).toEqual(layer >= 198 ? { _: 'starsAmount', amount: 70n, nanos: 0 } : 70n);
      close();
    },
  );
});

describe('forum topics in each layer', () => {
  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i writes a forum, its topics and their messages (from 148; messageActionEmpty and no forum flag before)',
    async (layer) => {
      const world = new SandboxWorld();
      const olga = world.createUser({ phone: '15550007201', firstName: 'Olga' });
      const group = world.createChannel({ title: 'Help desk', megagroup: true, ownerPhone: olga.phone });
      const { codec, call, close } = layerDoor(world, layer, olga.id);
      const channel = { _: 'inputChannel', channel_id: BigInt(group.id), access_hash: group.accessHash };
      const peer = { _: 'inputPeerChannel', channel_id: BigInt(group.id), access_hash: group.accessHash };
      if (layer < 148) {
        // No topics in the layer: the world's forum is a plain supergroup to its apps, a topic's messages empty actions.
        setForum(world, group, true);
        const { message } = createTopic(world, group, { kind: 'user', id: olga.id }, { title: 'Orders' });
        const chat = codec.decode(codec.encodeAs('Chat', channelToTl(group, olga.id)));
        expect(chat.forum).toBeUndefined();
        const read = codec.decode(codec.encodeAs('Message', channelMessageToTl(group, message)));
        expect(read.action).toEqual({ _: 'messageActionEmpty' });
        close();
        return;
      }
      const toggled = await call({ _: 'channels.toggleForum', channel, enabled: true, tabs: false });
      expect((toggled.chats as TlObject[])[0]).toMatchObject({ _: 'channel', forum: true });

      const created = await call({
        _: 'channels.createForumTopic',
        channel,
        title: 'Orders',
        icon_color: 0xff93b2,
        random_id: 11n,
      });
      const updates = created.updates as TlObject[];
      expect(updates[0]).toMatchObject({ _: 'updateMessageID', random_id: 11n });
      const service = updates.find((u) => u._ === 'updateNewChannelMessage')?.message as TlObject;
      expect(service.action).toMatchObject({ _: 'messageActionTopicCreate', title: 'Orders', icon_color: 0xff93b2 });
      const topicId = service.id as number;

      const sent = await call(
        layer < 160
          ? { _: 'messages.sendMessage', peer, message: 'in the topic', random_id: 12n, top_msg_id: topicId }
          : {
              _: 'messages.sendMessage',
              peer,
              message: 'in the topic',
              random_id: 12n,
              reply_to: { _: 'inputReplyToMessage', reply_to_msg_id: topicId, top_msg_id: topicId },
            },
      );
      const message = (sent.updates as TlObject[]).find((u) => u._ === 'updateNewChannelMessage')?.message as TlObject;
      expect(message.reply_to).toMatchObject({ _: 'messageReplyHeader', forum_topic: true, reply_to_msg_id: topicId });

      const closed = await call({ _: 'channels.editForumTopic', channel, topic_id: topicId, closed: true });
      const edit = (closed.updates as TlObject[]).find((u) => u._ === 'updateNewChannelMessage')?.message as TlObject;
      expect(edit.action).toMatchObject({ _: 'messageActionTopicEdit', closed: true });

      const listed = await call({
        _: 'channels.getForumTopics',
        channel,
        offset_date: 0,
        offset_id: 0,
        offset_topic: 0,
        limit: 10,
      });
      expect(listed._).toBe('messages.forumTopics');
      expect((listed.topics as TlObject[]).map((t) => [t._, t.title, t.closed])).toEqual([
        ['forumTopic', 'Orders', true],
        ['forumTopic', 'General', false],
      ]);
      if (layer >= 216) {
        const byPeer = await call({ _: 'messages.getForumTopicsByID', peer, topics: [topicId, 999] });
        expect((byPeer.topics as TlObject[]).map((t) => t._)).toEqual(['forumTopic', 'forumTopicDeleted']);
      }
      const deleted = await call({ _: 'channels.deleteTopicHistory', channel, top_msg_id: topicId });
      expect(deleted).toMatchObject({ _: 'messages.affectedHistory', pts_count: 3 });
      close();
    },
  );
});

describe('member lists in each layer', () => {
  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i reads channels.getParticipants with each filter and writes channelParticipants and notModified',
    async (layer) => {
      const world = new SandboxWorld();
      const olga = world.createUser({ phone: '15550007201', firstName: 'Olga' });
      const mona = world.createUser({ phone: '15550007202', firstName: 'Mona' });
      const rex = world.createUser({ phone: '15550007203', firstName: 'Rex' });
      const bot = world.createBot({ username: 'layered_members_bot' });
      const group = world.createChannel({ title: 'Listed', megagroup: true, ownerPhone: olga.phone });
      world.setMember(group.id, { kind: 'user', id: mona.id });
      world.setMember(group.id, { kind: 'user', id: rex.id });
      world.setMember(group.id, { kind: 'bot', id: bot.id });
      restrictMember(world, group.id, { kind: 'user', id: rex.id }, allPermissions(false), 0, { userId: olga.id });
      const { call, close } = layerDoor(world, layer, olga.id);
      const channel = { _: 'inputChannel', channel_id: BigInt(group.id), access_hash: group.accessHash };
      const list = (filter: TlObject, hash = 0n) =>
        call({ _: 'channels.getParticipants', channel, filter, offset: 0, limit: 10, hash });

      const recent = await list({ _: 'channelParticipantsRecent' });
      expect(recent).toMatchObject({ _: 'channels.channelParticipants', count: 4, chats: [] });
      expect((recent.participants as TlObject[]).map((p) => p._)).toEqual([
        'channelParticipant',
        'channelParticipantBanned',
        'channelParticipant',
        'channelParticipantCreator',
      ]);
      expect((recent.users as TlObject[]).map((u) => u.id)).toEqual(
        [bot.id, rex.id, mona.id, olga.id].map((id) => BigInt(id)),
      );
      for (const filter of [
        { _: 'channelParticipantsAdmins' },
        { _: 'channelParticipantsBots' },
        { _: 'channelParticipantsSearch', q: 'mo' },
        { _: 'channelParticipantsMentions', q: 'mo' },
        { _: 'channelParticipantsContacts', q: '' },
        { _: 'channelParticipantsKicked', q: '' },
        { _: 'channelParticipantsBanned', q: '' },
      ]) {
        expect((await list(filter))._).toBe('channels.channelParticipants');
      }
      const admins = await list({ _: 'channelParticipantsAdmins' });
      expect(admins.participants).toEqual([expect.objectContaining({ _: 'channelParticipantCreator' })]);
      const hash = idsHash([bot.id, rex.id, mona.id, olga.id]);
      expect((await list({ _: 'channelParticipantsRecent' }, hash))._).toBe('channels.channelParticipantsNotModified');
      close();
    },
  );
});

describe('admin logs in each layer', () => {
  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i reads channels.getAdminLog and writes every kind of event the sandbox keeps',
    async (layer) => {
      const world = new SandboxWorld();
      followAdminLog(world);
      const olga = world.createUser({ phone: '15550007301', firstName: 'Olga' });
      const mona = world.createUser({ phone: '15550007302', firstName: 'Mona' });
      const rex = world.createUser({ phone: '15550007303', firstName: 'Rex' });
      const bot = world.createBot({ username: 'layered_log_bot' });
      const group = world.createChannel({ title: 'Logged', megagroup: true, ownerPhone: olga.phone });
      const by = { kind: 'user' as const, id: olga.id };
      setChannelInfo(world, group.id, { title: 'Logged too', about: 'Rules' }, by);
      logAdminAction(world, group, olga.id, { type: 'photo', now: { fileId: 'photo-1', size: 10, date: 1 } });
      setDefaultPermissions(world, group.id, { ...allPermissions(true), can_send_polls: false }, by);
      world.setMember(group.id, { kind: 'user', id: mona.id }, mona.id);
      world.setMember(group.id, { kind: 'user', id: rex.id }, olga.id);
      world.setMember(group.id, { kind: 'bot', id: bot.id, admin: true, rights: { can_pin_messages: true } }, olga.id);
      restrictMember(world, group.id, { kind: 'user', id: rex.id }, allPermissions(false), 0, { userId: olga.id });
      const message = world.postToChannel(group.id, { text: 'hello', fromUserId: mona.id });
      world.pinMessages({ kind: 'channel', channel: group }, [message.id], true, by);
      world.deleteChannelMessage(group.id, message.id, by);
      banMember(world, group.id, { kind: 'user', id: rex.id }, 0, { userId: olga.id });
      world.removeMember(group.id, 'user', mona.id, true);
      const news = world.createChannel({ title: 'Logged news', ownerPhone: olga.phone });
      const post = world.postToChannel(news.id, { text: 'draft' });
      world.editChannelMessage(news.id, post.id, 'final', { editorUserId: olga.id });
      const invite = world.createInvite(news.id, olga.id);
      world.inviteImporters.push({
        inviteHash: invite.hash,
        channelId: news.id,
        userId: mona.id,
        date: world.unixNow(),
      });
      world.setMember(news.id, { kind: 'user', id: mona.id }, mona.id);
      const asking = world.createInvite(news.id, olga.id, { createsJoinRequest: true });
      requestToJoin(world, news, asking, rex.id);
      approveJoinRequest(world, news, rex.id, by);
      logAdminAction(world, news, olga.id, {
        type: 'invite_edit',
        prev: { ...invite },
        now: { ...invite, title: 'Fair' },
      });
      logAdminAction(world, news, olga.id, { type: 'invite_revoke', invite: { ...invite, revoked: true } });

      const { call, close } = layerDoor(world, layer, olga.id);
      const log = async (channel: { id: number; accessHash: bigint }): Promise<TlObject> =>
        call({
          _: 'channels.getAdminLog',
          channel: { _: 'inputChannel', channel_id: BigInt(channel.id), access_hash: channel.accessHash },
          q: '',
          max_id: 0n,
          min_id: 0n,
          limit: 100,
        });
      const groupLog = await log(group);
      expect(groupLog._).toBe('channels.adminLogResults');
      expect((groupLog.events as TlObject[]).map((e) => (e.action as TlObject)._)).toEqual([
        'channelAdminLogEventActionParticipantLeave',
        'channelAdminLogEventActionParticipantToggleBan',
        'channelAdminLogEventActionDeleteMessage',
        'channelAdminLogEventActionUpdatePinned',
        'channelAdminLogEventActionParticipantToggleBan',
        'channelAdminLogEventActionParticipantToggleAdmin',
        'channelAdminLogEventActionParticipantInvite',
        'channelAdminLogEventActionParticipantInvite',
        'channelAdminLogEventActionParticipantJoin',
        'channelAdminLogEventActionDefaultBannedRights',
        'channelAdminLogEventActionChangePhoto',
        'channelAdminLogEventActionChangeAbout',
        'channelAdminLogEventActionChangeTitle',
      ]);
      expect((groupLog.events as TlObject[])[0]).toMatchObject({ _: 'channelAdminLogEvent', user_id: BigInt(mona.id) });
      const newsLog = await log(news);
      expect((newsLog.events as TlObject[]).map((e) => (e.action as TlObject)._)).toEqual([
        'channelAdminLogEventActionExportedInviteRevoke',
        'channelAdminLogEventActionExportedInviteEdit',
        'channelAdminLogEventActionParticipantJoinByRequest',
        'channelAdminLogEventActionParticipantJoinByInvite',
        'channelAdminLogEventActionEditMessage',
      ]);
      expect((newsLog.events as TlObject[])[2]).toMatchObject({
        user_id: BigInt(rex.id),
        action: { approved_by: BigInt(olga.id) },
      });
      const filtered = await call({
        _: 'channels.getAdminLog',
        channel: { _: 'inputChannel', channel_id: BigInt(group.id), access_hash: group.accessHash },
        q: '',
        events_filter: { _: 'channelAdminLogEventsFilter', info: true },
        admins: [{ _: 'inputUserSelf' }],
        max_id: 0n,
        min_id: 0n,
        limit: 2,
      });
      expect((filtered.events as TlObject[]).map((e) => (e.action as TlObject)._)).toEqual([
        'channelAdminLogEventActionChangePhoto',
        'channelAdminLogEventActionChangeAbout',
      ]);
      close();
    },
  );
});

describe('inline mode in each layer', () => {
  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i writes messages.botResults (botInlineResult, botInlineMediaResult, the switch_pm button) and sends a result via the bot',
    async (layer) => {
      const world = new SandboxWorld();
      const ann = world.createUser({ phone: '15550009001', firstName: 'Ann' });
      const bea = world.createUser({ phone: '15550009002', firstName: 'Bea' });
      const bot = setInlineMode(world, world.createBot({ username: 'layered_inline_bot' }).id, { placeholder: 'Find' });
      world.files.set('AgAC-inline', {
        fileId: 'AgAC-inline',
        fileUniqueId: 'AQAD-inline',
        kind: 'photo',
        data: Buffer.alloc(10),
        size: 10,
        filePath: 'photos/inline.jpg',
        width: 1,
        height: 1,
        createdAt: new Date(),
      });
      // The bot answers at once, as its Bot API door would.
      world.on(WorldEvent.InlineQuery, (e: InlineQueryEvent) => {
        if (e.kind !== 'query') return;
        answerInline(world, e.query, {
          results: [
            { id: 'a', type: 'article', title: 'Hello', text: 'hello there', entities: [] },
            { id: 'p', type: 'photo', fileId: 'AgAC-inline', text: 'a photo' },
          ],
          cacheTime: 0,
          isPersonal: false,
          nextOffset: 'next',
          button: { text: 'Open the bot', startParameter: 'inline' },
        });
      });
      const { call, close } = layerDoor(world, layer, ann.id);
      const botUser = { _: 'inputUser', user_id: BigInt(bot.id), access_hash: bot.accessHash };
      const beaPeer = { _: 'inputPeerUser', user_id: BigInt(bea.id), access_hash: bea.accessHash };

      const results = await call({
        _: 'messages.getInlineBotResults',
        bot: botUser,
        peer: beaPeer,
        query: 'hi',
        offset: '',
      });
      expect(results).toMatchObject({
        _: 'messages.botResults',
        next_offset: 'next',
        switch_pm: { _: 'inlineBotSwitchPM', text: 'Open the bot', start_param: 'inline' },
        cache_time: 0,
      });
      const [article, photo] = results.results as TlObject[];
      expect(article).toMatchObject({
        _: 'botInlineResult',
        id: 'a',
        type: 'article',
        title: 'Hello',
        send_message: { _: 'botInlineMessageText', message: 'hello there' },
      });
      expect(photo).toMatchObject({
        _: 'botInlineMediaResult',
        id: 'p',
        type: 'photo',
        photo: { _: 'photo' },
        send_message: { _: 'botInlineMessageMediaAuto', message: 'a photo' },
      });
      expect((results.users as TlObject[])[0]).toMatchObject({ bot: true, bot_inline_placeholder: 'Find' });

      const sent = await call({
        _: 'messages.sendInlineBotResult',
        peer: beaPeer,
        random_id: 77n,
        query_id: results.query_id,
        id: 'a',
      });
      const message = (sent.updates as TlObject[]).find((u) => u._ === 'updateNewMessage')?.message as TlObject;
      expect(message).toMatchObject({ _: 'message', message: 'hello there', via_bot_id: BigInt(bot.id) });
      expect((sent.users as TlObject[]).map((u) => u.id)).toContain(BigInt(bot.id));
      close();
    },
  );
});

describe('Mini App web views answered in each layer', () => {
  const initDataOf = (url: unknown): URLSearchParams => {
    const fragment = new URLSearchParams(new URL(String(url)).hash.slice(1));
    return new URLSearchParams(fragment.get('tgWebAppData') ?? '');
  };

  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i answers requestWebView, requestSimpleWebView (simpleWebViewResultUrl before 184) and sendWebViewData',
    async (layer) => {
      const world = new SandboxWorld();
      const ann = world.createUser({ phone: '15550007101', firstName: 'Ann' });
      const bot = world.createBot({ username: 'layered_app_bot' });
      setMenuButton(world, bot, undefined, { type: 'web_app', text: 'Open', url: 'https://app.example/menu' });
      const { codec, call, close } = layerDoor(world, layer, ann.id);
      if (!codec.schema.functions.has('messages.requestWebView')) {
        // Mini Apps came with layer 140.
        expect(layer).toBeLessThan(140);
        close();
        return;
      }
      const inputBot = { _: 'inputUser', user_id: BigInt(bot.id), access_hash: bot.accessHash };
      const menu = await call({
        _: 'messages.requestWebView',
        from_bot_menu: true,
        peer: { _: 'inputPeerUser', user_id: BigInt(bot.id), access_hash: bot.accessHash },
        bot: inputBot,
        platform: 'android',
      });
      expect(menu).toMatchObject({ _: 'webViewResultUrl', query_id: expect.any(BigInt) });
      expect(String(menu.url)).toMatch(/^https:\/\/app\.example\/menu#tgWebAppData=/);
      const menuData = initDataOf(menu.url);
      expect(menuData.get('query_id')).toBeTruthy();
      expect(JSON.parse(menuData.get('user') ?? '{}')).toMatchObject({ id: ann.id, first_name: 'Ann' });

      const simple = await call({
        _: 'messages.requestSimpleWebView',
        bot: inputBot,
        url: 'https://app.example/keyboard',
        platform: 'android',
      });
      expect(simple._).toBe(layer < 184 ? 'simpleWebViewResultUrl' : 'webViewResultUrl');
      expect(String(simple.url)).toMatch(/^https:\/\/app\.example\/keyboard#/);
      expect(initDataOf(simple.url).get('query_id')).toBeNull();

      if (codec.schema.functions.has('messages.requestMainWebView')) {
        expect(layer).toBeGreaterThanOrEqual(185);
        const main = await call({
          _: 'messages.requestMainWebView',
          peer: { _: 'inputPeerUser', user_id: BigInt(bot.id), access_hash: bot.accessHash },
          bot: inputBot,
          start_param: 'from_profile',
          platform: 'ios',
        });
        expect(main._).toBe('webViewResultUrl');
        expect(initDataOf(main.url).get('start_param')).toBe('from_profile');
      }

      const sent = await call({
        _: 'messages.sendWebViewData',
        bot: inputBot,
        random_id: 7n,
        button_text: 'Order',
        data: '{"pizza":2}',
      });
      const message = (sent.updates as TlObject[]).find((u) => u._ === 'updateNewMessage')?.message as TlObject;
      expect(message).toMatchObject({
        _: 'messageService',
        action: { _: 'messageActionWebViewDataSent', text: 'Order' },
      });
      close();
    },
  );
});

describe('Mini App web views answered by their bot in each layer', () => {
  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i answers prolongWebView with Bool and writes updateWebViewResultSent and the message via the bot',
    async (layer) => {
      const world = new SandboxWorld();
      const ann = world.createUser({ phone: '15550007201', firstName: 'Ann' });
      const bot = world.createBot({ username: 'layered_answer_bot' });
      setMenuButton(world, bot, undefined, { type: 'web_app', text: 'Open', url: 'https://app.example/menu' });
      const { codec, answer, call, close } = layerDoor(world, layer, ann.id);
      if (!codec.schema.functions.has('messages.prolongWebView')) {
        // Mini Apps came with layer 140.
        expect(layer).toBeLessThan(140);
        close();
        return;
      }
      const peer = { _: 'inputPeerUser', user_id: BigInt(bot.id), access_hash: bot.accessHash };
      const inputBot = { _: 'inputUser', user_id: BigInt(bot.id), access_hash: bot.accessHash };
      const view = await call({
        _: 'messages.requestWebView',
        from_bot_menu: true,
        peer,
        bot: inputBot,
        platform: 'web',
      });
      const queryId = view.query_id as bigint;
      const prolonged = await answer({ _: 'messages.prolongWebView', peer, bot: inputBot, query_id: queryId });
      expect(prolonged.type).toBe('Bool');
      expect(codec.encodeAs('Bool', prolonged.value).equals(codec.encodeAs('Bool', true))).toBe(true);

      const webAppQueryId = new URLSearchParams(
        new URLSearchParams(new URL(String(view.url)).hash.slice(1)).get('tgWebAppData') ?? '',
      ).get('query_id');
      const { message } = answerWebViewQuery(world, bot, webAppQueryId ?? '', {
        id: '1',
        type: 'article',
        text: 'Done',
      });
      const pushed = codec.decode(codec.encode(webViewResultSentToTl(queryId, 1_700_000_000)));
      expect(pushed.update).toEqual({ _: 'updateWebViewResultSent', query_id: queryId });
      const history = await call({
        _: 'messages.getHistory',
        peer,
        offset_id: 0,
        offset_date: 0,
        add_offset: 0,
        limit: 5,
        max_id: 0,
        min_id: 0,
        hash: 0n,
      });
      expect((history.messages as TlObject[])[0]).toMatchObject({
        _: 'message',
        id: message.id,
        out: true,
        message: 'Done',
        via_bot_id: BigInt(bot.id),
      });
      await expect(
        call({ _: 'messages.prolongWebView', peer, bot: inputBot, query_id: queryId }),
      ).rejects.toMatchObject({
        errorMessage: 'QUERY_ID_INVALID',
      });
      close();
    },
  );
});

describe('message drafts in each layer', () => {
  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i reads saveDraft (reply_to_msg_id before 166, inputReplyToMessage since) and writes draftMessage back',
    async (layer) => {
      const world = new SandboxWorld();
      const ann = world.createUser({ phone: '15550009101', firstName: 'Ann' });
      const bea = world.createUser({ phone: '15550009102', firstName: 'Bea' });
      const hello = world.sendPrivateMessage({
        fromKind: 'user',
        fromId: bea.id,
        toKind: 'user',
        toId: ann.id,
        text: 'hi',
      });
      const { codec, answer, call, close } = layerDoor(world, layer, ann.id);
      const callBool = async (request: TlObject): Promise<boolean> => {
        const { type, value } = await answer(request);
        expect(type).toBe('Bool');
        return codec.encodeAs('Bool', value).equals(codec.encodeAs('Bool', true));
      };
      const peer = { _: 'inputPeerUser', user_id: BigInt(bea.id), access_hash: bea.accessHash };
      const reply =
        layer >= 166
          ? { reply_to: { _: 'inputReplyToMessage', reply_to_msg_id: hello.id } }
          : { reply_to_msg_id: hello.id };
      const replyOf = (draft: TlObject): unknown =>
        layer >= 166 ? (draft.reply_to as TlObject | undefined)?.reply_to_msg_id : draft.reply_to_msg_id;

      expect(
        await callBool({
          _: 'messages.saveDraft',
          peer,
          message: 'soon',
          entities: [{ _: 'messageEntityBold', offset: 0, length: 4 }],
          no_webpage: true,
          ...reply,
        }),
      ).toBe(true);

      const all = await call({ _: 'messages.getAllDrafts' });
      expect(all._).toBe('updates');
      const [update] = all.updates as TlObject[];
      expect(update).toMatchObject({ _: 'updateDraftMessage', peer: { _: 'peerUser', user_id: BigInt(bea.id) } });
      const draft = update!.draft as TlObject;
      expect(draft).toMatchObject({ _: 'draftMessage', message: 'soon', no_webpage: true });
      expect(draft.entities).toEqual([{ _: 'messageEntityBold', offset: 0, length: 4 }]);
      expect(replyOf(draft)).toBe(hello.id);

      const dialogs = await call({
        _: 'messages.getDialogs',
        offset_date: 0,
        offset_id: 0,
        offset_peer: { _: 'inputPeerEmpty' },
        limit: 10,
        hash: 0n,
      });
      const dialog = (dialogs.dialogs as TlObject[])[0]!;
      expect((dialog.draft as TlObject).message).toBe('soon');
      expect(replyOf(dialog.draft as TlObject)).toBe(hello.id);

      // What the user's other apps are pushed, as the layer writes it.
      const pushed = codec.decode(codec.encode(draftPushToTl({ kind: 'user', id: bea.id }, undefined, 1_700_000_000)));
      expect(pushed.update).toMatchObject({ _: 'updateDraftMessage', draft: { _: 'draftMessageEmpty' } });

      expect(await callBool({ _: 'messages.clearAllDrafts' })).toBe(true);
      expect((await call({ _: 'messages.getAllDrafts' })).updates).toEqual([]);
      close();
    },
  );
});

describe("bots' games in each layer", () => {
  it.each(publishedLayers().map((l) => l.layer))(
    "layer %i shows a game and a score's service message, and refuses a user the bot's score calls",
    async (layer) => {
      const world = new SandboxWorld();
      const ann = world.createUser({ phone: '15550009002', firstName: 'Ann' });
      const bot = world.createBot({ username: 'layered_games_bot' });
      const game = registerGame(world, bot.id, { shortName: 'lumberjack', title: 'Lumber Jack', description: 'Chop.' });
      const media = gameMedia(bot.id, game);
      const base = { fromKind: 'bot', fromId: bot.id, toKind: 'user', toId: ann.id, text: '' } as const;
      const sent = world.sendPrivateMessage({ ...base, media });
      const scored = world.sendPrivateMessage({
        ...base,
        gameScore: { userId: ann.id, score: 120, gameMessageId: sent.id, gameId: media.gameId },
      });
      const { codec, call, close } = layerDoor(world, layer, ann.id);
      const shown = codec.decode(codec.encodeAs('Message', privateMessageToTl(sent, ann.id)));
      expect(shown.media).toMatchObject({
        _: 'messageMediaGame',
        game: { _: 'game', id: BigInt(media.gameId), short_name: 'lumberjack', title: 'Lumber Jack' },
      });
      const service = codec.decode(codec.encodeAs('Message', privateMessageToTl(scored, ann.id)));
      expect(service).toMatchObject({
        _: 'messageService',
        from_id: { _: 'peerUser', user_id: BigInt(ann.id) },
        action: { _: 'messageActionGameScore', game_id: BigInt(media.gameId), score: 120 },
      });
      const peer = { _: 'inputPeerUser', user_id: BigInt(bot.id), access_hash: bot.accessHash };
      await expect(
        call({ _: 'messages.getGameHighScores', peer, id: sent.id, user_id: { _: 'inputUserSelf' } }),
      ).rejects.toMatchObject({ errorMessage: 'BOT_METHOD_INVALID' });
      close();
    },
  );
});
