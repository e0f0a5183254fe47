import { randomBytes } from 'node:crypto';
import { setChatPhoto } from '../chat-photos';
import { type SandboxFile, SandboxWorld } from '../world';
import { fileVisibleTo, getFile } from './downloads';
import { fileNumericId } from './file-tl';
import { RpcError } from './rpc-error';

function photoFile(world: SandboxWorld, name: string): SandboxFile {
  const file: SandboxFile = {
    fileId: `AgAC-${name}`,
    fileUniqueId: `AQAD-${name}`,
    kind: 'photo',
    data: randomBytes(5000),
    size: 5000,
    filePath: `photos/${name}.jpg`,
    createdAt: new Date(1_700_000_000_000),
  };
  world.files.set(file.fileId, file);
  return file;
}

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof RpcError) return e.errorMessage;
    throw e;
  }
  throw new Error('expected an RpcError');
};

describe('upload.getFile (downloads.ts)', () => {
  const world = new SandboxWorld();
  const owner = world.createUser({ phone: '15550007001', firstName: 'Olga' });
  const reader = world.createUser({ phone: '15550007002', firstName: 'Rita' });
  const stranger = world.createUser({ phone: '15550007003', firstName: 'Sam' });
  const hidden = world.createChannel({ title: 'Private', ownerPhone: owner.phone, megagroup: true });
  const open = world.createChannel({ title: 'Public', ownerPhone: owner.phone, username: 'open_dl' });
  const group = world.createBasicGroup({ title: 'Friends', ownerPhone: owner.phone, userPhones: [reader.phone] });
  const posted = photoFile(world, 'posted');
  world.postToChannel(open.id, { text: '', media: { kind: 'photo', fileId: posted.fileId, size: posted.size } });
  const hiddenPhoto = photoFile(world, 'hidden');
  setChatPhoto(world, { kind: 'channel', channel: hidden }, { kind: 'user', id: owner.id }, hiddenPhoto);
  const groupPhoto = photoFile(world, 'group');
  setChatPhoto(world, { kind: 'group', group }, { kind: 'user', id: owner.id }, groupPhoto);

  const peerPhoto = (peer: Record<string, unknown>, photoId: bigint) => ({
    _: 'upload.getFile',
    location: { _: 'inputPeerPhotoFileLocation', peer, photo_id: photoId },
    offset: 0n,
    limit: 4096,
  });
  const hiddenPeer = { _: 'inputPeerChannel', channel_id: BigInt(hidden.id), access_hash: hidden.accessHash };

  it('finds a file in a public channel for anyone, a chat photo for those who see the chat', () => {
    expect(fileVisibleTo(world, stranger.id, posted.fileId)).toBe(true);
    expect(fileVisibleTo(world, owner.id, hiddenPhoto.fileId)).toBe(true);
    expect(fileVisibleTo(world, stranger.id, hiddenPhoto.fileId)).toBe(false);
    expect(fileVisibleTo(world, reader.id, groupPhoto.fileId)).toBe(true);
    expect(fileVisibleTo(world, stranger.id, groupPhoto.fileId)).toBe(false);
  });

  it("serves a chat's photo to a member, and refuses a chat the account cannot read or a photo it no longer has", () => {
    const part = getFile(world, owner.id, peerPhoto(hiddenPeer, fileNumericId(hiddenPhoto.fileId)));
    expect(part).toMatchObject({ _: 'upload.file', type: { _: 'storage.fileJpeg' }, mtime: 1_700_000_000 });
    expect(Buffer.compare(part.bytes as Buffer, hiddenPhoto.data.subarray(0, 4096))).toBe(0);
    expect(errorOf(() => getFile(world, stranger.id, peerPhoto(hiddenPeer, fileNumericId(hiddenPhoto.fileId))))).toBe(
      'CHANNEL_PRIVATE',
    );
    expect(
      errorOf(() =>
        getFile(world, owner.id, peerPhoto({ ...hiddenPeer, access_hash: 1n }, fileNumericId(hiddenPhoto.fileId))),
      ),
    ).toBe('CHANNEL_INVALID');
    expect(errorOf(() => getFile(world, owner.id, peerPhoto(hiddenPeer, fileNumericId(posted.fileId))))).toBe(
      'LOCATION_INVALID',
    );
    const groupPeer = { _: 'inputPeerChat', chat_id: BigInt(group.id) };
    expect(getFile(world, reader.id, peerPhoto(groupPeer, fileNumericId(groupPhoto.fileId))).bytes).toHaveLength(4096);
    expect(errorOf(() => getFile(world, stranger.id, peerPhoto(groupPeer, fileNumericId(groupPhoto.fileId))))).toBe(
      'PEER_ID_INVALID',
    );
  });

  it('checks the range before it looks for the file', () => {
    const req = { ...peerPhoto(hiddenPeer, 0n), offset: 4096n, limit: 0 };
    expect(errorOf(() => getFile(world, owner.id, req))).toBe('LIMIT_INVALID');
    expect(errorOf(() => getFile(world, owner.id, { ...req, offset: -4096n, limit: 4096 }))).toBe('OFFSET_INVALID');
  });
});
