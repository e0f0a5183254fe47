import type { Telegram } from 'telegraf';
import { eventually } from '../helpers/eventually';
import { sandboxForSuite } from './bot-chats';
import { addBotToChannel, control, newBot, rawBotCall, telegramError, telegramFor } from './bot-helpers';
import { errorOf, newUser, signedInClient } from './mtproto-kit';
import { type OwnedChat, promotedByOwner, SUPERGROUP_ADMIN_RIGHTS } from './owned-chats';
import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';

type Json = Record<string, any>;

/** A bot's account in a chat: its token, id and telegraf client. */
interface ChatBot {
  id: number;
  token: string;
  username: string;
  tg: Telegram;
}

describe('sandbox: forum topics (real telegraf and gramjs)', () => {
  const suite = sandboxForSuite();

  /**
   * A forum supergroup made by its owner (Olga, signed in), with a bot she made an administrator that may manage
   * topics (unless `manageTopics` is false) and a second bot that is a plain member and hears the chat.
   */
  async function forumChat(
    opts: { forum?: boolean; manageTopics?: boolean } = {},
  ): Promise<OwnedChat & { admin: ChatBot; member: ChatBot }> {
    const { kit } = suite;
    const owner = await newUser(kit, { firstName: 'Olga' });
    const ownerApp = await signedInClient(kit, owner);
    const created = await control(kit.sandbox, 'POST', '/sandbox/channels', {
      title: 'Help desk',
      owner_phone: owner.phone,
      megagroup: true,
      forum: opts.forum ?? true,
    });
    expect(created.status).toBe(201);
    const channel = new Api.InputChannel({
      channelId: returnBigInt(created.body.channel_id),
      accessHash: returnBigInt(created.body.access_hash),
    });
    const peer = new Api.InputPeerChannel({ channelId: channel.channelId, accessHash: channel.accessHash });
    const adminBot = await newBot(kit.sandbox);
    const memberBot = await newBot(kit.sandbox);
    const chat = {
      chatId: created.body.id as number,
      owner,
      ownerApp,
      channel,
      peer,
      bot: adminBot,
      tg: telegramFor(kit.sandbox, adminBot.token),
    };
    await addBotToChannel(kit.sandbox, created.body.channel_id, adminBot.id, { admin: false });
    await promotedByOwner(chat, adminBot.username, {
      ...SUPERGROUP_ADMIN_RIGHTS,
      manageTopics: opts.manageTopics ?? true,
    });
    await addBotToChannel(kit.sandbox, created.body.channel_id, memberBot.id, { admin: false });
    return {
      ...chat,
      admin: { ...adminBot, tg: chat.tg },
      member: { ...memberBot, tg: telegramFor(kit.sandbox, memberBot.token) },
    };
  }

  /** The messages a bot has been given by getUpdates so far, once `until` holds for them. */
  async function messagesHeard(bot: ChatBot, until: (messages: Json[]) => boolean): Promise<Json[]> {
    return eventually(
      async () => {
        const updates = (await rawBotCall(suite.kit.sandbox, bot.token, 'getUpdates', { timeout: 0 })).body
          .result as Json[];
        const messages = updates.map((u) => u.message as Json).filter(Boolean);
        return until(messages) ? messages : undefined;
      },
      { what: 'messages reaching the bot' },
    );
  }

  it('a bot that may manage topics creates one, posts into it, and every bot in the chat hears it in the topic', async () => {
    const chat = await forumChat();
    const topic = await chat.tg.createForumTopic(chat.chatId, '  Orders  ', { icon_color: 0xffd67e });
    expect(topic).toEqual({ message_thread_id: expect.any(Number), name: 'Orders', icon_color: 0xffd67e });
    expect(await chat.tg.getChat(chat.chatId)).toMatchObject({ type: 'supergroup', is_forum: true });

    const sent = (await chat.tg.sendMessage(chat.chatId, 'Where is my parcel?', {
      message_thread_id: topic.message_thread_id,
    })) as Json;
    expect(sent).toMatchObject({
      message_thread_id: topic.message_thread_id,
      is_topic_message: true,
      chat: { id: chat.chatId, is_forum: true },
      // A topic's message answers its "topic created" message, as the official server shows it.
      reply_to_message: {
        message_id: topic.message_thread_id,
        forum_topic_created: { name: 'Orders', icon_color: 0xffd67e },
      },
    });
    // A message of no topic is in General: no thread id.
    const general = (await chat.tg.sendMessage(chat.chatId, 'Hello all')) as Json;
    expect(general.message_thread_id).toBeUndefined();
    expect(general.is_topic_message).toBeUndefined();

    // Every bot of the chat hears the topic's creation (bots do not hear each other's messages in groups).
    const heard = await messagesHeard(chat.member, (ms) => ms.some((m) => m.forum_topic_created));
    expect(heard.find((m) => m.forum_topic_created)).toMatchObject({
      message_id: topic.message_thread_id,
      message_thread_id: topic.message_thread_id,
      is_topic_message: true,
      from: { id: chat.admin.id, is_bot: true },
      forum_topic_created: { name: 'Orders', icon_color: 0xffd67e },
    });
  });

  it('a closed topic takes messages only from those who manage topics, until it is reopened; bots hear both', async () => {
    const chat = await forumChat();
    const { message_thread_id: thread } = await chat.tg.createForumTopic(chat.chatId, 'Returns');
    expect(await chat.tg.closeForumTopic(chat.chatId, thread)).toBe(true);
    const closedTwice = await telegramError(chat.tg.closeForumTopic(chat.chatId, thread));
    expect(closedTwice.response).toMatchObject({ error_code: 400, description: 'Bad Request: TOPIC_NOT_MODIFIED' });

    const refused = await telegramError(
      chat.member.tg.sendMessage(chat.chatId, 'hello?', { message_thread_id: thread }),
    );
    expect(refused.response).toMatchObject({ error_code: 400, description: 'Bad Request: TOPIC_CLOSED' });
    // The administrator that may manage topics still writes in it.
    const byAdmin = (await chat.tg.sendMessage(chat.chatId, 'Closed for now', { message_thread_id: thread })) as Json;
    expect(byAdmin.message_thread_id).toBe(thread);

    expect(await chat.tg.reopenForumTopic(chat.chatId, thread)).toBe(true);
    const afterReopen = (await chat.member.tg.sendMessage(chat.chatId, 'hello again', {
      message_thread_id: thread,
    })) as Json;
    expect(afterReopen).toMatchObject({ message_thread_id: thread, is_topic_message: true });

    const heard = await messagesHeard(chat.member, (ms) => ms.some((m) => m.forum_topic_reopened));
    expect(heard.find((m) => m.forum_topic_closed)).toMatchObject({
      message_thread_id: thread,
      forum_topic_closed: {},
    });
    expect(heard.find((m) => m.forum_topic_reopened)).toMatchObject({ message_thread_id: thread });
  });

  it('renames a topic, hides and shows the General topic, and tells the bots', async () => {
    const chat = await forumChat();
    const { message_thread_id: thread } = await chat.tg.createForumTopic(chat.chatId, 'Billing');
    expect(await chat.tg.editForumTopic(chat.chatId, thread, { name: 'Invoices' })).toBe(true);
    expect(await chat.tg.hideGeneralForumTopic(chat.chatId)).toBe(true);
    // Hidden, the General topic is closed too: a plain member cannot write in it.
    const refused = await telegramError(chat.member.tg.sendMessage(chat.chatId, 'anyone?'));
    expect(refused.response?.description).toBe('Bad Request: TOPIC_CLOSED');
    expect(await chat.tg.unhideGeneralForumTopic(chat.chatId)).toBe(true);
    expect(await chat.tg.reopenGeneralForumTopic(chat.chatId)).toBe(true);
    expect(await chat.member.tg.sendMessage(chat.chatId, 'anyone?')).toMatchObject({ text: 'anyone?' });

    const heard = await messagesHeard(chat.member, (ms) => ms.some((m) => m.forum_topic_reopened));
    expect(heard.find((m) => m.forum_topic_edited)).toMatchObject({
      message_thread_id: thread,
      forum_topic_edited: { name: 'Invoices' },
    });
    const hidden = heard.find((m) => m.general_forum_topic_hidden);
    expect(hidden).toMatchObject({ general_forum_topic_hidden: {} });
    expect(hidden?.message_thread_id).toBeUndefined();
    expect(heard.some((m) => m.general_forum_topic_unhidden)).toBe(true);
    expect(heard.find((m) => m.forum_topic_reopened)?.message_thread_id).toBeUndefined();
  });

  it("unpins a topic's messages, deletes a topic with its messages: the thread is gone for later sends", async () => {
    const chat = await forumChat();
    const { message_thread_id: thread } = await chat.tg.createForumTopic(chat.chatId, 'Temporary');
    const inTopic = (await chat.tg.sendMessage(chat.chatId, 'soon gone', { message_thread_id: thread })) as Json;
    const kept = (await chat.tg.sendMessage(chat.chatId, 'stays in General')) as Json;
    // Unpinning all of a topic's messages unpins those of that topic.
    await chat.tg.pinChatMessage(chat.chatId, inTopic.message_id);
    expect(((await chat.tg.getChat(chat.chatId)) as Json).pinned_message?.message_id).toBe(inTopic.message_id);
    expect(await chat.tg.unpinAllForumTopicMessages(chat.chatId, thread)).toBe(true);
    expect(((await chat.tg.getChat(chat.chatId)) as Json).pinned_message).toBeUndefined();
    expect(await chat.tg.deleteForumTopic(chat.chatId, thread)).toBe(true);

    const listed = await control(suite.kit.sandbox, 'GET', `/sandbox/channels/${chat.chatId}/messages`);
    const ids = (listed.body as Json[]).map((m) => m.message_id as number);
    expect(ids).toContain(kept.message_id);
    expect(ids).not.toContain(inTopic.message_id);
    expect(ids).not.toContain(thread);
    const gone = await telegramError(chat.tg.sendMessage(chat.chatId, 'late', { message_thread_id: thread }));
    expect(gone.response?.description).toBe('Bad Request: message thread not found');
  });

  it("refuses as the official server does: a chat that is no forum, a bot without the right, the General topic's id, an unknown thread", async () => {
    const plain = await forumChat({ forum: false });
    const notForum = await telegramError(plain.tg.createForumTopic(plain.chatId, 'Orders'));
    expect(notForum.response).toMatchObject({ error_code: 400, description: 'Bad Request: the chat is not a forum' });
    // In a chat that is no forum the thread id is ignored.
    const ignored = (await plain.tg.sendMessage(plain.chatId, 'plain', { message_thread_id: 77 })) as Json;
    expect(ignored.message_thread_id).toBeUndefined();

    const noRight = await forumChat({ manageTopics: false });
    const refused = await telegramError(noRight.tg.createForumTopic(noRight.chatId, 'Orders'));
    expect(refused.response?.description).toBe('Bad Request: not enough rights to create a topic');
    const general = await telegramError(noRight.tg.sendMessage(noRight.chatId, 'x', { message_thread_id: 1 }));
    expect(general.response?.description).toBe('Bad Request: message thread not found');
    const unknown = await telegramError(noRight.tg.sendMessage(noRight.chatId, 'x', { message_thread_id: 9999 }));
    expect(unknown.response?.description).toBe('Bad Request: message thread not found');
    const invalid = await rawBotCall(suite.kit.sandbox, noRight.admin.token, 'closeForumTopic', {
      chat_id: noRight.chatId,
      message_thread_id: 0,
    });
    expect(invalid.body).toMatchObject({ description: 'Bad Request: invalid message thread identifier specified' });
    expect(await noRight.tg.getForumTopicIconStickers()).toEqual([]);
    // Only a supergroup can be made a forum.
    const broadcast = await control(suite.kit.sandbox, 'POST', '/sandbox/channels', {
      title: 'News',
      owner_phone: noRight.owner.phone,
      forum: true,
    });
    expect(broadcast.status).toBe(400);
  });

  it('an app makes the chat a forum and a topic the bot then sees, sends into it, and lists it with getForumTopics', async () => {
    const chat = await forumChat({ forum: false });
    const toggled = (await chat.ownerApp.invoke(
      new Api.channels.ToggleForum({ channel: chat.channel, enabled: true }),
    )) as Api.Updates;
    expect((toggled.chats[0] as Api.Channel).forum).toBe(true);
    expect(await chat.tg.getChat(chat.chatId)).toMatchObject({ is_forum: true });

    const created = (await chat.ownerApp.invoke(
      new Api.channels.CreateForumTopic({
        channel: chat.channel,
        title: 'Deliveries',
        iconColor: 0x8eee98,
        randomId: returnBigInt(7),
      }),
    )) as Api.Updates;
    const idUpdate = created.updates.find((u) => u instanceof Api.UpdateMessageID) as Api.UpdateMessageID;
    expect(idUpdate.randomId?.toString()).toBe('7');
    const service = (
      created.updates.find((u) => u instanceof Api.UpdateNewChannelMessage) as Api.UpdateNewChannelMessage
    ).message as Api.MessageService;
    expect(service.action).toMatchObject({
      className: 'MessageActionTopicCreate',
      title: 'Deliveries',
      iconColor: 0x8eee98,
    });
    const topicId = service.id;
    expect(idUpdate.id).toBe(topicId);

    await chat.ownerApp.invoke(
      new Api.messages.SendMessage({
        peer: chat.peer,
        message: 'Is the van late?',
        randomId: returnBigInt(8),
        replyTo: new Api.InputReplyToMessage({ replyToMsgId: topicId, topMsgId: topicId }),
      }),
    );
    // The administrator bot hears both in the topic: the topic made by the owner, and her message in it.
    const heard = await messagesHeard(chat.admin, (ms) => ms.some((m) => m.text === 'Is the van late?'));
    expect(heard.find((m) => m.forum_topic_created)).toMatchObject({
      message_thread_id: topicId,
      from: { id: chat.owner.id },
      forum_topic_created: { name: 'Deliveries', icon_color: 0x8eee98 },
    });
    expect(heard.find((m) => m.text === 'Is the van late?')).toMatchObject({
      message_thread_id: topicId,
      is_topic_message: true,
      reply_to_message: { message_id: topicId },
    });

    // The bot answers in the topic; the app reads it there.
    const answer = (await chat.tg.sendMessage(chat.chatId, 'On its way', { message_thread_id: topicId })) as Json;
    const history = (await chat.ownerApp.invoke(
      new Api.messages.GetHistory({ peer: chat.peer, limit: 10 }),
    )) as Api.messages.ChannelMessages;
    const read = history.messages.find((m) => m.id === answer.message_id) as Api.Message;
    expect(read.replyTo).toMatchObject({ forumTopic: true, replyToMsgId: topicId });
    // The app reads the topic alone: its messages, newest first, down to the "topic created" message.
    const inTopic = (await chat.ownerApp.invoke(
      new Api.messages.GetReplies({ peer: chat.peer, msgId: topicId, limit: 10 }),
    )) as Api.messages.ChannelMessages;
    expect(inTopic.messages.map((m) => m.id)).toEqual([answer.message_id, topicId + 1, topicId]);

    const listed = await chat.ownerApp.invoke(
      new Api.channels.GetForumTopics({ channel: chat.channel, offsetDate: 0, offsetId: 0, offsetTopic: 0, limit: 20 }),
    );
    const titles = listed.topics.map((t) => (t as Api.ForumTopic).title);
    expect(titles).toEqual(['Deliveries', 'General']);
    expect(listed.topics[0]).toMatchObject({
      id: topicId,
      iconColor: 0x8eee98,
      my: true,
      topMessage: answer.message_id,
    });
  });

  it('an app closes a topic, deletes it with its history, and a topic that is gone reads as deleted', async () => {
    const chat = await forumChat();
    const { message_thread_id: topicId } = await chat.tg.createForumTopic(chat.chatId, 'Old');
    await chat.ownerApp.invoke(new Api.channels.EditForumTopic({ channel: chat.channel, topicId, closed: true }));
    const byId = await chat.ownerApp.invoke(
      new Api.channels.GetForumTopicsByID({ channel: chat.channel, topics: [topicId] }),
    );
    expect(byId.topics[0]).toMatchObject({ className: 'ForumTopic', closed: true, title: 'Old', my: false });
    const again = await errorOf(
      chat.ownerApp.invoke(new Api.channels.EditForumTopic({ channel: chat.channel, topicId, closed: true })),
    );
    expect(again).toBe('TOPIC_NOT_MODIFIED');

    const affected = await chat.ownerApp.invoke(
      new Api.channels.DeleteTopicHistory({ channel: chat.channel, topMsgId: topicId }),
    );
    expect(affected.ptsCount).toBe(2);
    const gone = await chat.ownerApp.invoke(
      new Api.channels.GetForumTopicsByID({ channel: chat.channel, topics: [topicId] }),
    );
    expect(gone.topics[0]).toMatchObject({ className: 'ForumTopicDeleted', id: topicId });
    const noForum = await forumChat({ forum: false });
    expect(
      await errorOf(
        noForum.ownerApp.invoke(new Api.channels.CreateForumTopic({ channel: noForum.channel, title: 'x' })),
      ),
    ).toBe('CHANNEL_FORUM_MISSING');
  });
});
