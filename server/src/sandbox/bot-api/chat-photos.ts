import { deleteChatPhoto as removeChatPhoto, setChatPhoto as putChatPhoto } from '../chat-photos';
import type { SandboxChatPhoto, SandboxWorld } from '../world';
import { BotApiError } from './bot-api-error';
import { inputFile, type Method, type MethodContext, ok } from './bot-api-methods';
import { infoTarget } from './chat-administration';
import type { Json } from './serializers';

/**
 * setChatPhoto and deleteChatPhoto (see chat-photos.ts), by an administrator bot that may change the chat's info, and
 * getChat's `photo`. Gathered by `method-table.ts`.
 */

const by = (ctx: MethodContext) => ({ kind: 'bot' as const, id: ctx.session.bot.id });

/**
 * The official server takes a chat photo as an upload only (a part named `photo`, or one `attach://` names): a
 * file_id or URL is refused before the chat is looked at.
 */
function requireUploadedPhoto(ctx: MethodContext): void {
  const ref = ctx.params.string('photo')?.trim();
  const attached = ref?.startsWith('attach://') ? ctx.params.file(ref.slice('attach://'.length)) : undefined;
  if (attached ?? ctx.params.file('photo')) return;
  if (!ref) throw BotApiError.badRequest('there is no photo in the request');
  throw BotApiError.badRequest('photo must be uploaded as an InputFile');
}

const setChatPhoto: Method = async (ctx) => {
  requireUploadedPhoto(ctx);
  // TDLib's wording for a chat whose info the bot may not change.
  const target = infoTarget(ctx, 'not enough rights to change chat photo');
  const file = await inputFile(ctx, 'photo', 'photo');
  putChatPhoto(ctx.world, target, by(ctx), file);
  return ok(true);
};

const deleteChatPhoto: Method = (ctx) => {
  const target = infoTarget(ctx, 'not enough rights to change chat photo');
  // MTProto's answer for a chat with no photo, as the official server passes it on to a bot (not checked).
  if (!removeChatPhoto(ctx.world, target, by(ctx)).changed) throw BotApiError.badRequest('CHAT_NOT_MODIFIED');
  return ok(true);
};

/**
 * getChat's `photo` (ChatPhoto): the small and big photo's file ids, the same file here as the sandbox does not
 * resize. Empty when the chat has no photo.
 */
export function chatPhotoJson(world: SandboxWorld, photo: SandboxChatPhoto | undefined): Json {
  const file = photo ? world.files.get(photo.fileId) : undefined;
  if (!file) return {};
  return {
    photo: {
      small_file_id: file.fileId,
      small_file_unique_id: file.fileUniqueId,
      big_file_id: file.fileId,
      big_file_unique_id: file.fileUniqueId,
    },
  };
}

export const CHAT_PHOTO_METHODS: Record<string, Method> = { setChatPhoto, deleteChatPhoto };
