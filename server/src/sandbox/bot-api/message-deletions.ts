import { type Method, messageDeletion, ok, resolveChat } from './bot-api-methods';
import { messageIdsParam } from './forwarding';

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
  const target = resolveChat(ctx, ctx.params.chatId());
  const deletions = ids.map((id) => messageDeletion(ctx, target, id));
  for (const deletion of deletions) deletion?.();
  return ok(true);
};

export const MESSAGE_DELETION_METHODS: Record<string, Method> = { deleteMessages };
