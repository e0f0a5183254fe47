import { activeBan } from '../channel-administration';
import { deleteChatPhoto, setChatPhoto } from '../chat-photos';
import type { ServiceChat, ServiceMessageOf } from '../service-messages';
import type { SandboxChatPhoto, SandboxFile, SandboxMessageMedia, SandboxWorld } from '../world';
import { fileNumericId } from './file-tl';
import { RpcError } from './rpc-error';
import { isTlObject, type TlObject } from './tl-codec';

const bigintOf = (v: unknown): bigint | undefined =>
  typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : undefined;

/** The photo of the chat an `inputPeer` names, as the account may see it. */
function photoOfPeer(world: SandboxWorld, userId: number, peer: TlObject): SandboxChatPhoto | undefined {
  switch (peer._) {
    case 'inputPeerChannel': {
      const channel = world.findChannel(Number(bigintOf(peer.channel_id) ?? 0n));
      if (!channel || channel.accessHash !== bigintOf(peer.access_hash)) throw new RpcError(400, 'CHANNEL_INVALID');
      const readable =
        channel.members.has(`user:${userId}`) ||
        (channel.username !== undefined && !activeBan(world, channel, 'user', userId));
      if (!readable) throw new RpcError(400, 'CHANNEL_PRIVATE');
      return channel.photo;
    }
    case 'inputPeerChat': {
      const group = world.findBasicGroup(Number(bigintOf(peer.chat_id) ?? 0n));
      if (!group?.userIds.includes(userId)) throw new RpcError(400, 'PEER_ID_INVALID');
      return group.photo;
    }
    case 'inputPeerUser':
    case 'inputPeerSelf':
      // The sandbox's people have no profile photos.
      return undefined;
    default:
      throw new RpcError(400, 'PEER_ID_INVALID');
  }
}

/**
 * The file of an `inputPeerPhotoFileLocation`: the chat's current photo, when `photo_id` names it. `big` or not,
 * the same picture (the sandbox does not resize). A photo the chat no longer has: LOCATION_INVALID (the sandbox's
 * reading).
 */
export function chatPhotoFileOfPeer(world: SandboxWorld, userId: number, location: TlObject): SandboxFile {
  const peer = isTlObject(location.peer) ? location.peer : undefined;
  if (!peer) throw new RpcError(400, 'PEER_ID_INVALID');
  const photo = photoOfPeer(world, userId, peer);
  const file = photo ? world.files.get(photo.fileId) : undefined;
  if (!photo || !file || fileNumericId(photo.fileId) !== bigintOf(location.photo_id)) {
    throw new RpcError(400, 'LOCATION_INVALID');
  }
  return file;
}

/**
 * `channels.editPhoto` / `messages.editChatPhoto`'s `photo` applied by the user `userId` (whose right to change the
 * chat's info is checked already): `inputChatUploadedPhoto` sets the photo uploaded in parts (`uploaded` assembles it
 * as `messages.sendMedia` would a photo), `inputChatPhotoEmpty` takes the photo away (CHAT_NOT_MODIFIED when there is
 * none). Answers with the service message written. A photo already sent (`inputChatPhoto`) or a video is not
 * modelled: PHOTO_INVALID (the sandbox's reading).
 */
export function editChatPhotoFromTl<C extends ServiceChat>(
  world: SandboxWorld,
  chat: C,
  userId: number,
  photo: unknown,
  uploaded: (input: TlObject) => SandboxMessageMedia,
): ServiceMessageOf<C> | undefined {
  const by = { kind: 'user' as const, id: userId };
  const input = isTlObject(photo) ? photo : undefined;
  if (input?._ === 'inputChatPhotoEmpty') {
    const { changed, message } = deleteChatPhoto(world, chat, by);
    if (!changed) throw new RpcError(400, 'CHAT_NOT_MODIFIED');
    return message;
  }
  if (input?._ !== 'inputChatUploadedPhoto' || !isTlObject(input.file) || input.video !== undefined) {
    throw new RpcError(400, 'PHOTO_INVALID');
  }
  const media = uploaded({ _: 'inputMediaUploadedPhoto', file: input.file });
  const file = 'fileId' in media ? world.files.get(media.fileId) : undefined;
  if (!file) throw new RpcError(400, 'PHOTO_INVALID');
  return setChatPhoto(world, chat, by, file);
}
