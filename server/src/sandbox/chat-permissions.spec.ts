import {
  activeRestriction,
  allPermissions,
  effectivePermissions,
  restrictMember,
  sendKindOfMedia,
  sendRefusal,
  setDefaultPermissions,
  untilOrForever,
} from './chat-permissions';
import { bannedRightsToTl, permissionsFromTl } from './mtproto/banned-rights';
import { type MemberChangedEvent, SandboxInvalidError, SandboxWorld, WorldEvent } from './world';

describe('chat permissions (chat-permissions.ts)', () => {
  function club(): { world: SandboxWorld; channelId: number; ann: number; bob: number } {
    const world = new SandboxWorld();
    const ann = world.createUser({ phone: '15550007001', firstName: 'Ann' });
    const bob = world.createUser({ phone: '15550007002', firstName: 'Bob' });
    const channel = world.createChannel({ title: 'Club', ownerPhone: ann.phone, megagroup: true });
    world.setMember(channel.id, { kind: 'user', id: bob.id });
    return { world, channelId: channel.id, ann: ann.id, bob: bob.id };
  }

  it("refuses a restricted member's text with the error of what is missing, and lets the creator send anything", () => {
    const { world, channelId, ann, bob } = club();
    const channel = world.findChannel(channelId)!;
    expect(sendRefusal(world, channel, bob, 'text')).toBeUndefined();
    restrictMember(world, channelId, { kind: 'user', id: bob }, allPermissions(false), 0, { userId: ann });
    expect(sendRefusal(world, channel, bob, 'text')).toBe('CHAT_WRITE_FORBIDDEN');
    expect(sendRefusal(world, channel, bob, 'photo')).toBe('CHAT_WRITE_FORBIDDEN');
    const photosOnly = { ...allPermissions(false), can_send_messages: true, can_send_photos: true };
    restrictMember(world, channelId, { kind: 'user', id: bob }, photosOnly, 0, { userId: ann });
    expect(sendRefusal(world, channel, bob, 'text')).toBeUndefined();
    expect(sendRefusal(world, channel, bob, 'photo')).toBeUndefined();
    expect(sendRefusal(world, channel, bob, 'video')).toBe('CHAT_SEND_VIDEOS_FORBIDDEN');
    expect(sendRefusal(world, channel, bob, 'voice')).toBe('CHAT_SEND_VOICES_FORBIDDEN');
    expect(sendRefusal(world, channel, bob, 'poll')).toBe('CHAT_SEND_POLL_FORBIDDEN');
    const textless = { ...allPermissions(true), can_send_messages: false };
    restrictMember(world, channelId, { kind: 'user', id: bob }, textless, 0, { userId: ann });
    expect(sendRefusal(world, channel, bob, 'text')).toBe('CHAT_SEND_PLAIN_FORBIDDEN');
    const noMedia = { ...allPermissions(false), can_send_messages: true };
    restrictMember(world, channelId, { kind: 'user', id: bob }, noMedia, 0, { userId: ann });
    expect(sendRefusal(world, channel, bob, 'document')).toBe('CHAT_SEND_MEDIA_FORBIDDEN');
    expect(sendRefusal(world, channel, ann, 'document')).toBeUndefined();
    const kept = { kind: 'voice' as const, fileId: 'f', size: 1 };
    expect(sendRefusal(world, channel, bob, sendKindOfMedia(kept))).toBe('CHAT_SEND_MEDIA_FORBIDDEN');
    expect(sendKindOfMedia(undefined)).toBe('text');
    expect(sendKindOfMedia({ kind: 'location', latitude: 1, longitude: 2 })).toBe('text');
    expect(() => restrictMember(world, channelId, { kind: 'user', id: ann }, noMedia, 0, { userId: ann })).toThrow(
      SandboxInvalidError,
    );
  });

  it("takes what both the chat's defaults and the member's own restriction allow", () => {
    const { world, channelId, ann, bob } = club();
    const channel = world.findChannel(channelId)!;
    setDefaultPermissions(world, channelId, { ...allPermissions(true), can_send_polls: false });
    const noPhotos = { ...allPermissions(true), can_send_photos: false };
    restrictMember(world, channelId, { kind: 'user', id: bob }, noPhotos, 0, { userId: ann });
    expect(effectivePermissions(world, channel, 'user', bob)).toMatchObject({
      can_send_polls: false,
      can_send_photos: false,
      can_send_videos: true,
    });
    expect(effectivePermissions(world, channel, 'user', ann).can_send_polls).toBe(true);
    setDefaultPermissions(world, channelId, allPermissions(true));
    expect(channel.defaultPermissions).toBeUndefined();
  });

  it('ends a restriction when its date passes by the world clock, and lifts one that grants everything', () => {
    const { world, channelId, ann, bob } = club();
    const channel = world.findChannel(channelId)!;
    const events: MemberChangedEvent[] = [];
    world.on(WorldEvent.MemberChanged, (e: MemberChangedEvent) => events.push(e));
    const until = untilOrForever(world, world.unixNow() + 120);
    expect(until).toBeGreaterThan(0);
    restrictMember(world, channelId, { kind: 'user', id: bob }, allPermissions(false), until, { userId: ann });
    expect(activeRestriction(world, channel, 'user', bob)?.untilDate).toBe(until);
    expect(events[0]?.restriction).toMatchObject({ old: undefined, now: { untilDate: until } });
    world.advanceClock(121);
    expect(activeRestriction(world, channel, 'user', bob)).toBeUndefined();
    expect(sendRefusal(world, channel, bob, 'text')).toBeUndefined();
    restrictMember(world, channelId, { kind: 'user', id: bob }, allPermissions(false), 0, { userId: ann });
    expect(restrictMember(world, channelId, { kind: 'user', id: bob }, allPermissions(true), 0, {})).toBeUndefined();
    expect(channel.restricted?.[`user:${bob}`]).toBeUndefined();
    // Under 30 seconds or over 366 days ahead is forever.
    expect(untilOrForever(world, world.unixNow() + 10)).toBe(0);
    expect(untilOrForever(world, world.unixNow() + 400 * 86400)).toBe(0);
  });

  it("writes permissions as chatBannedRights flags and reads them back, old clients' send_media included", () => {
    const p = { ...allPermissions(true), can_send_photos: false, can_send_other_messages: false };
    const tl = bannedRightsToTl(p, 1234);
    expect(tl).toMatchObject({ until_date: 1234, send_photos: true, send_stickers: true, send_gifs: true });
    expect(tl.send_media).toBeUndefined();
    expect(tl.send_plain).toBeUndefined();
    expect(permissionsFromTl(tl)).toEqual(p);
    const none = bannedRightsToTl(allPermissions(false), 0);
    expect(none).toMatchObject({ send_messages: true, send_media: true, send_plain: true, pin_messages: true });
    expect(permissionsFromTl({ _: 'chatBannedRights', send_media: true, until_date: 0 })).toMatchObject({
      can_send_messages: true,
      can_send_photos: false,
      can_send_voice_notes: false,
    });
    expect(permissionsFromTl({ _: 'chatBannedRights', send_messages: true, until_date: 0 }).can_send_messages).toBe(
      false,
    );
  });
});
