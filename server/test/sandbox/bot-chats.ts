import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import type { Telegram } from 'telegraf';
import { addBotToChannel, control, newBot, newChannel, telegramFor } from './bot-helpers';
import { type MtprotoKit, newUser, signedInClient, startMtprotoKit } from './mtproto-kit';

/** The kinds of chat a bot may be in. */
export const CHAT_KINDS = ['private', 'channel', 'supergroup', 'group'] as const;
export type ChatKind = (typeof CHAT_KINDS)[number];

/** A chat with a fresh bot in it and a member's signed-in gramjs app that reads it. */
export interface BotChat {
  kind: ChatKind;
  /** The chat's Bot API id. */
  chatId: number;
  bot: { id: number; token: string; username: string };
  tg: Telegram;
  app: TelegramClient;
  /** The chat as the app names it. */
  peer: Api.TypeInputPeer;
  /** The chat's history as the app reads it, newest first. */
  history(): Promise<Api.Message[]>;
  /** A message someone else writes in the chat (the member, or the channel itself); its id. */
  write(text: string): Promise<number>;
}

/**
 * A new member (who, in a private chat, has written to the bot first) and a new bot in a chat of this kind: an
 * administrator of a channel or group unless `botRights` says otherwise. The member's app has read the chat once,
 * as an app does before it follows a chat's updates.
 */
export async function botChatOf(
  kit: MtprotoKit,
  kind: ChatKind,
  botRights: { admin?: boolean; can_post_messages?: boolean } = { admin: true, can_post_messages: true },
): Promise<BotChat> {
  const { sandbox } = kit;
  const member = await newUser(kit, { firstName: 'Ann' });
  const bot = await newBot(sandbox);
  const app = await signedInClient(kit, member);
  let chatId: number;
  let peer: Api.TypeInputPeer;
  let write: (text: string) => Promise<number>;
  if (kind === 'private') {
    write = async (text) =>
      (await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: member.phone, text })).body
        .message_id;
    // The user writes first: a bot cannot start a conversation.
    await write('/start');
    const botUser = (await app.invoke(new Api.contacts.ResolveUsername({ username: bot.username })))
      .users[0] as Api.User;
    chatId = member.id;
    peer = new Api.InputPeerUser({ userId: botUser.id, accessHash: returnBigInt(botUser.accessHash ?? 0) });
  } else if (kind === 'group') {
    const created = await control(sandbox, 'POST', '/sandbox/groups', {
      title: 'Book club',
      owner_phone: member.phone,
      bots: [{ id: bot.id, admin: botRights.admin ?? false }],
    });
    if (created.status !== 201) throw new Error(`group not created: ${JSON.stringify(created.body)}`);
    const groupId: number = created.body.id;
    chatId = created.body.bot_api_id;
    peer = new Api.InputPeerChat({ chatId: returnBigInt(groupId) });
    write = async (text) =>
      (await control(sandbox, 'POST', `/sandbox/groups/${groupId}/messages`, { from_phone: member.phone, text })).body
        .message_id;
  } else {
    const channel = await newChannel(sandbox, member.phone, { megagroup: kind === 'supergroup' });
    await addBotToChannel(sandbox, channel.id, bot.id, botRights);
    chatId = channel.id;
    peer = new Api.InputPeerChannel({
      channelId: returnBigInt(channel.channel_id),
      accessHash: returnBigInt(channel.access_hash),
    });
    write = async (text) =>
      (
        await control(sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, {
          text,
          ...(kind === 'supergroup' ? { from_phone: member.phone } : {}),
        })
      ).body.message_id;
  }
  const history = async (): Promise<Api.Message[]> =>
    ((await app.invoke(new Api.messages.GetHistory({ peer, limit: 50 }))) as Api.messages.Messages)
      .messages as Api.Message[];
  await history();
  return { kind, chatId, bot, tg: telegramFor(sandbox, bot.token), app, peer, history, write };
}

/**
 * Starts a sandbox with both doors for the enclosing describe block, and stops it after. Telegram's per-chat pace is
 * off: these tests make several calls a test to one chat, and the pace is not what they are about.
 */
export function sandboxForSuite(): { readonly kit: MtprotoKit } {
  let started: MtprotoKit | undefined;
  beforeAll(async () => {
    started = await startMtprotoKit();
    await control(started.sandbox, 'POST', '/sandbox/limits', { enabled: false });
  });
  afterAll(async () => {
    await started?.close();
  });
  return {
    get kit(): MtprotoKit {
      if (!started) throw new Error('the sandbox starts in beforeAll');
      return started;
    },
  };
}
