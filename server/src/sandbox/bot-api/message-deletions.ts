import { deleteGroupMessages, mayDeleteForEveryone } from '../basic-group-management';
import type { SandboxBasicGroup } from '../world';
import { BotApiError } from './bot-api-error';
import {
  findGroup,
  inGroup,
  type Method,
  type MethodContext,
  messageDeletion,
  messageIdParam,
  ok,
  resolveChat,
} from './bot-api-methods';
import { messageIdsParam } from './forwarding';

/**
 * A message of a basic group the bot deletes, for everyone: its own, or any as an administrator of the group;
 * undefined when the group has no such message, "message can't be deleted" for one the bot may not delete. A group
 * the bot is not in is refused as a send to it is (the sandbox's reading: the official server's words for it
 * depend on what TDLib knows of the chat).
 */
function groupMessageDeletion(
  ctx: MethodContext,
  group: SandboxBasicGroup,
  messageId: number,
): (() => void) | undefined {
  if (!inGroup(ctx, group)) throw BotApiError.forbidden('bot is not a member of the group chat');
  const message = group.messages.find((m) => m.id === messageId);
  if (!message) return undefined;
  if (!mayDeleteForEveryone(group, message, { kind: 'bot', id: ctx.session.bot.id })) {
    throw BotApiError.badRequest("message can't be deleted");
  }
  return () => deleteGroupMessages(ctx.world, group, [messageId]);
}

/** The deletion of one message of the chat chat_id names: a basic group's, or a channel's or private chat's. */
function deletionsIn(ctx: MethodContext): (messageId: number) => (() => void) | undefined {
  const chatId = ctx.params.chatId();
  const group = findGroup(ctx, chatId);
  if (group) return (id) => groupMessageDeletion(ctx, group, id);
  const target = resolveChat(ctx, chatId);
  return (id) => messageDeletion(ctx, target, id);
}

/** deleteMessage: one message; a message not there is "message to delete not found". */
const deleteMessage: Method = (ctx) => {
  // Both are checked before the chat, in the official server's words.
  if (!ctx.params.has('chat_id')) throw BotApiError.badRequest('Chat identifier is not specified');
  const messageId = messageIdParam(ctx);
  const deletion = deletionsIn(ctx)(messageId);
  if (!deletion) throw BotApiError.badRequest('message to delete not found');
  deletion();
  return ok(true);
};

/**
 * deleteMessages: up to 100 messages of one chat deleted at once, each as deleteMessage deletes it (members see
 * the same deletions). As the official server does (`process_delete_messages_query`, `check_messages` with empty
 * allowed), message_ids is read before the chat and ids not found are skipped; a call that finds none of them still
 * answers true. Telegram (TDLib's delete_messages) refuses the whole call with "message can't be deleted" when one
 * of the found messages may not be deleted by the bot, before anything is deleted: the sandbox's best reading, as
 * TDLib's source is not at hand.
 */
const deleteMessages: Method = (ctx) => {
  const ids = [...new Set(messageIdsParam(ctx))];
  const deletionOf = deletionsIn(ctx);
  const deletions = ids.map(deletionOf);
  for (const deletion of deletions) deletion?.();
  return ok(true);
};

export const MESSAGE_DELETION_METHODS: Record<string, Method> = { deleteMessage, deleteMessages };
