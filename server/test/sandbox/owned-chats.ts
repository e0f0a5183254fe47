import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import type { Telegram } from 'telegraf';
import { newBot, newChannel, telegramFor } from './bot-helpers';
import { type MtprotoKit, newUser, signedInClient } from './mtproto-kit';

/** Every right an owner can give in a supergroup, as the app's `chatAdminRights`. */
export const SUPERGROUP_ADMIN_RIGHTS = {
  changeInfo: true,
  deleteMessages: true,
  banUsers: true,
  inviteUsers: true,
  pinMessages: true,
  addAdmins: true,
  manageCall: true,
  other: true,
};

/** Every right an owner can give, a channel's too. */
export const ALL_ADMIN_RIGHTS = { ...SUPERGROUP_ADMIN_RIGHTS, postMessages: true, editMessages: true };

/** A new channel or supergroup with its owner's signed-in app, and a new bot (not yet in it). */
export interface OwnedChat {
  chatId: number;
  owner: { id: number; phone: string };
  ownerApp: TelegramClient;
  channel: Api.InputChannel;
  peer: Api.InputPeerChannel;
  bot: { id: number; token: string; username: string };
  tg: Telegram;
}

/** The chat the administration specs start from: an owner (Olga) signed in, her new chat and a new bot. */
export async function ownedChat(kit: MtprotoKit, opts: { megagroup: boolean }): Promise<OwnedChat> {
  const owner = await newUser(kit, { firstName: 'Olga' });
  const ownerApp = await signedInClient(kit, owner);
  const created = await newChannel(kit.sandbox, owner.phone, { megagroup: opts.megagroup });
  const bot = await newBot(kit.sandbox);
  const channel = new Api.InputChannel({
    channelId: returnBigInt(created.channel_id),
    accessHash: returnBigInt(created.access_hash),
  });
  const peer = new Api.InputPeerChannel({ channelId: channel.channelId, accessHash: channel.accessHash });
  return { chatId: created.id, owner, ownerApp, channel, peer, bot, tg: telegramFor(kit.sandbox, bot.token) };
}

/** A user or bot, by username, as the app names it in a call. */
export async function inputUserOf(app: TelegramClient, username: string): Promise<Api.InputUser> {
  const user = (await app.invoke(new Api.contacts.ResolveUsername({ username }))).users[0] as Api.User;
  return new Api.InputUser({ userId: user.id, accessHash: returnBigInt(user.accessHash ?? 0) });
}

/** The owner makes someone (a user or bot, by username) an administrator with `rights` (the app's names). */
export async function promotedByOwner(
  chat: Pick<OwnedChat, 'ownerApp' | 'channel'>,
  username: string,
  rights: ConstructorParameters<typeof Api.ChatAdminRights>[0],
): Promise<void> {
  await chat.ownerApp.invoke(
    new Api.channels.EditAdmin({
      channel: chat.channel,
      userId: await inputUserOf(chat.ownerApp, username),
      adminRights: new Api.ChatAdminRights(rights),
      rank: '',
    }),
  );
}
