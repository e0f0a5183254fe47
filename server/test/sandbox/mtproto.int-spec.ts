import { Api, TelegramClient } from 'telegram';
import { FloodWaitError } from 'telegram/errors';
import { NewMessage, NewMessageEvent } from 'telegram/events';
import { Raw } from 'telegram/events/Raw';
import { returnBigInt } from 'telegram/Helpers';
import type { MtprotoServerStats } from '../../src/sandbox/mtproto/mtproto-server';
import { eventually } from '../helpers/eventually';
import { present } from '../helpers/present';
import { control, newBot, telegramFor } from './bot-helpers';
import {
  API_HASH,
  API_ID,
  checkPassword,
  errorOf,
  latestCode,
  MtprotoKit,
  newUser,
  sendCode,
  signedInClient,
  signInCall,
  startMtprotoKit,
} from './mtproto-kit';

jest.setTimeout(30000);

describe('sandbox MTProto door (real gramjs through MtprotoClientFactory)', () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    kit = await startMtprotoKit();
  });

  afterAll(async () => {
    await kit.close();
  });

  async function mtprotoStats(): Promise<MtprotoServerStats> {
    return (await control<MtprotoServerStats>(kit.sandbox, 'GET', '/sandbox/mtproto/stats')).body;
  }

  it('completes the handshake and answers help.getConfig', async () => {
    const client = await kit.client();
    await client.connect();
    const config = await client.invoke(new Api.help.GetConfig());
    expect(config.thisDc).toBe(2);
    expect(config.dcOptions.some((o) => o.port === kit.sandbox.mtprotoPort)).toBe(true);
    const stats = await control(kit.sandbox, 'GET', '/sandbox/mtproto/stats');
    expect(stats.body.handshakes).toBeGreaterThanOrEqual(1);
    await kit.destroy(client);
  });

  it('signs in with the code shown in the control API, in the session that asked for it', async () => {
    const user = await newUser(kit);
    const client = await kit.client();
    await client.connect();
    const hash = await sendCode(client, user.phone);
    const code = await latestCode(kit, user.phone);
    const auth = await signInCall(client, user.phone, hash, code);
    expect(auth).toBeInstanceOf(Api.auth.Authorization);
    const me = await client.getMe();
    expect(Number(me.id)).toBe(user.id);
    expect(me.phone).toBe(user.phone);
    await kit.destroy(client);
  });

  it('rejects a login code used from a different session with PHONE_CODE_EXPIRED', async () => {
    const user = await newUser(kit);
    const asking = await kit.client();
    await asking.connect();
    const hash = await sendCode(asking, user.phone);
    const code = await latestCode(kit, user.phone);
    const other = await kit.client();
    await other.connect();
    expect(await errorOf(signInCall(other, user.phone, hash, code))).toBe('PHONE_CODE_EXPIRED');
    // The code still works where it was requested.
    await expect(signInCall(asking, user.phone, hash, code)).resolves.toBeInstanceOf(Api.auth.Authorization);
    await kit.destroy(other);
    await kit.destroy(asking);
  });

  it('rejects a wrong code with PHONE_CODE_INVALID', async () => {
    const user = await newUser(kit);
    const client = await kit.client();
    await client.connect();
    const hash = await sendCode(client, user.phone);
    const code = await latestCode(kit, user.phone);
    const wrong = code === '00000' ? '11111' : '00000';
    expect(await errorOf(signInCall(client, user.phone, hash, wrong))).toBe('PHONE_CODE_INVALID');
    await kit.destroy(client);
  });

  it('rejects an expired code with PHONE_CODE_EXPIRED', async () => {
    const user = await newUser(kit);
    const client = await kit.client();
    await client.connect();
    const ttl = kit.sandbox.world.codeTtlSeconds;
    // A code that lives no time at all: expired as soon as it is sent, with no wait.
    kit.sandbox.world.codeTtlSeconds = 0;
    let hash: string;
    try {
      hash = await sendCode(client, user.phone);
    } finally {
      kit.sandbox.world.codeTtlSeconds = ttl;
    }
    const code = await latestCode(kit, user.phone);
    expect(await errorOf(signInCall(client, user.phone, hash, code))).toBe('PHONE_CODE_EXPIRED');
    await kit.destroy(client);
  });

  it('answers PHONE_NUMBER_UNOCCUPIED for a phone with no account', async () => {
    const phone = '15559990000';
    const client = await kit.client();
    await client.connect();
    const hash = await sendCode(client, phone);
    const code = await latestCode(kit, phone);
    expect(await errorOf(signInCall(client, phone, hash, code))).toBe('PHONE_NUMBER_UNOCCUPIED');
    await kit.destroy(client);
  });

  it('rejects a malformed api_hash with API_ID_INVALID', async () => {
    const user = await newUser(kit);
    const client = await kit.client();
    await client.connect();
    const call = client.sendCode({ apiId: API_ID, apiHash: 'not-a-hash' }, user.phone);
    expect(await errorOf(call)).toBe('API_ID_INVALID');
    await kit.destroy(client);
  });

  it('asks for the 2FA password, rejects a wrong one and accepts the right one', async () => {
    const user = await newUser(kit, { password: 'correct horse' });
    const client = await kit.client();
    await client.connect();
    const hash = await sendCode(client, user.phone);
    const code = await latestCode(kit, user.phone);
    expect(await errorOf(signInCall(client, user.phone, hash, code))).toBe('SESSION_PASSWORD_NEEDED');
    expect(await errorOf(checkPassword(client, 'wrong horse'))).toBe('PASSWORD_HASH_INVALID');
    const auth = await checkPassword(client, 'correct horse');
    expect(auth).toBeInstanceOf(Api.auth.Authorization);
    expect(Number((await client.getMe()).id)).toBe(user.id);
    await kit.destroy(client);
  });

  async function qrLogin(client: TelegramClient, phone: string): Promise<unknown> {
    const updated = new Promise<void>((resolve) => {
      client.addEventHandler((update: unknown) => {
        if (update instanceof Api.UpdateLoginToken) resolve();
      }, new Raw({}));
    });
    const first = await client.invoke(
      new Api.auth.ExportLoginToken({ apiId: API_ID, apiHash: API_HASH, exceptIds: [] }),
    );
    if (!(first instanceof Api.auth.LoginToken)) throw new Error('expected a login token');
    const accepted = await control(kit.sandbox, 'POST', `/sandbox/users/${phone}/accept-login-token`, {
      token: Buffer.from(first.token).toString('base64url'),
    });
    expect(accepted.status).toBe(200);
    await updated;
    return client.invoke(new Api.auth.ExportLoginToken({ apiId: API_ID, apiHash: API_HASH, exceptIds: [] }));
  }

  it('logs in by QR token accepted through the control API', async () => {
    const user = await newUser(kit);
    const client = await kit.client();
    await client.connect();
    const result = await qrLogin(client, user.phone);
    expect(result).toBeInstanceOf(Api.auth.LoginTokenSuccess);
    expect(Number((await client.getMe()).id)).toBe(user.id);
    await kit.destroy(client);
  });

  it('asks a 2FA account for its password after the QR token is accepted', async () => {
    const user = await newUser(kit, { password: 'qr secret' });
    const client = await kit.client();
    await client.connect();
    expect(await errorOf(qrLogin(client, user.phone))).toBe('SESSION_PASSWORD_NEEDED');
    await checkPassword(client, 'qr secret');
    expect(Number((await client.getMe()).id)).toBe(user.id);
    await kit.destroy(client);
  });

  it('resumes a saved StringSession in a new client', async () => {
    const user = await newUser(kit);
    const first = await signedInClient(kit, user);
    const saved = kit.factory.saveSession(first);
    await kit.destroy(first);
    const resumed = await kit.client({ session: saved });
    await resumed.connect();
    expect(Number((await resumed.getMe()).id)).toBe(user.id);
    await kit.destroy(resumed);
  });

  it('answers AUTH_KEY_UNREGISTERED after the sessions were revoked, and counts no further attempts once destroyed', async () => {
    const user = await newUser(kit);
    const client = await signedInClient(kit, user);
    const keyId = kit.factory.authKeyId(client);
    expect(keyId).toBeDefined();
    const told = new Promise<void>((resolve) => {
      client.addEventHandler((update: unknown) => {
        if (update instanceof Api.UpdatesTooLong) resolve();
      }, new Raw({}));
    });
    await client.getMe();
    const revoked = await control(kit.sandbox, 'POST', `/sandbox/users/${user.phone}/revoke-sessions`);
    expect(revoked.status).toBe(200);
    // The live connection hears that its state is stale before it calls again.
    await told;
    expect(await errorOf(client.getMe())).toBe('AUTH_KEY_UNREGISTERED');
    await kit.destroy(client);
    const before = (await mtprotoStats()).attemptsByAuthKey[keyId!];
    // The door saw the destroyed client's connection close, and no connection came back with its key.
    await eventually(
      async () => ((await mtprotoStats()).connectionsByAuthKey[keyId!] === undefined ? true : undefined),
      { what: 'no connection to use the revoked key' },
    );
    const after = (await mtprotoStats()).attemptsByAuthKey[keyId!];
    expect(before).toBeGreaterThan(0);
    expect(after).toBe(before);
  });

  it('turns an injected FLOOD_WAIT into a FloodWaitError carrying its seconds', async () => {
    const user = await newUser(kit);
    const client = await signedInClient(kit, user, undefined, { floodSleepThreshold: 0 });
    const fault = await control(kit.sandbox, 'POST', '/sandbox/faults', {
      door: 'mtproto',
      method: 'help.getNearestDc',
      error: 'FLOOD_WAIT_30',
    });
    expect(fault.status).toBe(201);
    let caught: unknown;
    try {
      await client.invoke(new Api.help.GetNearestDc());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FloodWaitError);
    expect((caught as FloodWaitError).seconds).toBe(30);
    // The fault was used up: the next call goes through.
    await expect(client.invoke(new Api.help.GetNearestDc())).resolves.toBeInstanceOf(Api.NearestDc);
    await kit.destroy(client);
  });

  async function channelWithPosts(owner: { phone: string }, username: string) {
    const created = await control(kit.sandbox, 'POST', '/sandbox/channels', {
      title: 'Sandbox news',
      username,
      owner_phone: owner.phone,
    });
    expect(created.status).toBe(201);
    return created.body as { id: number; channel_id: number };
  }

  it('returns posts made through the control API and by a bot in getHistory, with their views', async () => {
    const owner = await newUser(kit);
    const channel = await channelWithPosts(owner, `news_${Date.now() % 1000000}`);
    const bot = await newBot(kit.sandbox, owner.phone);
    const admin = await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/members`, {
      bot_id: bot.id,
      admin: true,
      can_post_messages: true,
    });
    expect(admin.status).toBe(200);
    await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'from control', views: 42 });
    const sent = await telegramFor(kit.sandbox, bot.token).sendMessage(channel.id, 'from the bot');
    expect(sent.message_id).toBe(2);

    const client = await signedInClient(kit, owner);
    // The channel is found the way an app finds it: through the dialog list.
    const dialogs = await client.getDialogs({});
    const dialog = dialogs.find((d) => d.isChannel && Number(d.id) === channel.id);
    expect(dialog).toBeDefined();
    const messages = await client.getMessages(dialog!.inputEntity, { limit: 10 });
    expect([...messages].map((m) => m.message)).toEqual(['from the bot', 'from control']);
    expect(Number(messages[0]?.viaBotId)).toBe(bot.id);
    expect(messages[1]?.views).toBe(42);
    expect(messages[0]?.post).toBe(true);
    await kit.destroy(client);
  });

  it('delivers a new channel post to a connected member as a NewMessage event', async () => {
    const owner = await newUser(kit);
    const channel = await channelWithPosts(owner, `live_${Date.now() % 1000000}`);
    const client = await signedInClient(kit, owner);
    const received = new Promise<NewMessageEvent>((resolve) => {
      client.addEventHandler((event: NewMessageEvent) => resolve(event), new NewMessage({}));
    });
    // Event builders resolve lazily; a round trip makes sure the handler is in place.
    await client.getMe();
    await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'breaking news' });
    const event = await received;
    expect(event.message.message).toBe('breaking news');
    expect(event.message.peerId).toBeInstanceOf(Api.PeerChannel);
    await kit.destroy(client);
  });

  it('delivers a private message to the recipient as a NewMessage event', async () => {
    const sender = await newUser(kit, { firstName: 'Bob' });
    const recipient = await newUser(kit);
    const client = await signedInClient(kit, recipient);
    const received = new Promise<NewMessageEvent>((resolve) => {
      client.addEventHandler((event: NewMessageEvent) => resolve(event), new NewMessage({}));
    });
    await client.getMe();
    const sent = await control(kit.sandbox, 'POST', `/sandbox/users/${recipient.phone}/messages`, {
      from_phone: sender.phone,
      text: 'hello there',
    });
    expect(sent.status).toBe(200);
    const event = await received;
    expect(event.message.message).toBe('hello there');
    expect(event.isPrivate).toBe(true);
    expect(Number(event.message.senderId)).toBe(sender.id);
    const state = await client.invoke(new Api.updates.GetState());
    expect(state.pts).toBe(1);
    await kit.destroy(client);
  });

  it('pushes no updates to a client built with receiveUpdates false', async () => {
    const owner = await newUser(kit);
    const channel = await channelWithPosts(owner, `quiet_${Date.now() % 1000000}`);
    const quiet = await signedInClient(kit, owner, undefined, { receiveUpdates: false });
    const live = await signedInClient(kit, owner);
    const quietEvents: string[] = [];
    quiet.addEventHandler((e: NewMessageEvent) => quietEvents.push(e.message.message), new NewMessage({}));
    const received = new Promise<string>((resolve) => {
      live.addEventHandler((e: NewMessageEvent) => resolve(e.message.message), new NewMessage({}));
    });
    await Promise.all([quiet.getMe(), live.getMe()]);
    await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'only for live' });
    expect(await received).toBe('only for live');
    // Both connections' pushes for the post are decided together: the live key's count shows the moment has passed,
    // and the quiet key was sent nothing.
    const pushed = (await mtprotoStats()).updatesPushedByAuthKey;
    expect(pushed[present(kit.factory.authKeyId(live), "the live client's key")]).toBeGreaterThanOrEqual(1);
    expect(pushed[present(kit.factory.authKeyId(quiet), "the quiet client's key")]).toBeUndefined();
    expect(quietEvents).toEqual([]);
    // Its requests still work.
    expect(Number((await quiet.getMe()).id)).toBe(owner.id);
    await kit.destroy(quiet);
    await kit.destroy(live);
  });

  it('creates a channel, invites a member, promotes a bot and posts once per random_id', async () => {
    const owner = await newUser(kit);
    const memberName = `dave_${Date.now() % 1000000}`;
    const member = await newUser(kit, { username: memberName, firstName: 'Dave' });
    const bot = await newBot(kit.sandbox, owner.phone);
    const client = await signedInClient(kit, owner);

    const created = await client.invoke(
      new Api.channels.CreateChannel({ title: 'Made over MTProto', about: '', broadcast: true }),
    );
    const channel = (created as Api.Updates).chats[0] as Api.Channel;
    expect(channel.creator).toBe(true);
    const input = new Api.InputChannel({ channelId: channel.id, accessHash: channel.accessHash! });

    const resolved = await client.invoke(new Api.contacts.ResolveUsername({ username: memberName }));
    const memberUser = resolved.users[0] as Api.User;
    await client.invoke(
      new Api.channels.InviteToChannel({
        channel: input,
        users: [new Api.InputUser({ userId: memberUser.id, accessHash: memberUser.accessHash! })],
      }),
    );
    const botUser = (await client.invoke(new Api.contacts.ResolveUsername({ username: bot.username })))
      .users[0] as Api.User;
    await client.invoke(
      new Api.channels.EditAdmin({
        channel: input,
        userId: new Api.InputUser({ userId: botUser.id, accessHash: botUser.accessHash! }),
        adminRights: new Api.ChatAdminRights({ postMessages: true, editMessages: true }),
        rank: '',
      }),
    );
    const state = await control(kit.sandbox, 'GET', `/sandbox/channels/${Number(channel.id)}`);
    const members = state.body.members as { kind: string; id: number; admin: boolean; can_post_messages: boolean }[];
    expect(members.find((m) => m.kind === 'user' && m.id === member.id)).toMatchObject({ admin: false });
    expect(members.find((m) => m.kind === 'bot' && m.id === bot.id)).toMatchObject({
      admin: true,
      can_post_messages: true,
    });

    const send = () =>
      client.invoke(
        new Api.messages.SendMessage({
          peer: new Api.InputPeerChannel({ channelId: channel.id, accessHash: channel.accessHash! }),
          message: 'exactly once',
          randomId: returnBigInt('987654321'),
        }),
      );
    await send();
    await send();
    const full = await client.invoke(new Api.channels.GetFullChannel({ channel: input }));
    expect((full.fullChat as Api.ChannelFull).participantsCount).toBe(3);
    const posts = await client.invoke(
      new Api.channels.GetMessages({
        channel: input,
        id: [1, 2, 3].map((id) => new Api.InputMessageID({ id })),
      }),
    );
    // The channel's first message says it was made; inviting to a broadcast channel writes nothing.
    const [made, first, second] = (posts as Api.messages.ChannelMessages).messages;
    expect(made).toBeInstanceOf(Api.MessageService);
    expect((made as Api.MessageService).action).toBeInstanceOf(Api.MessageActionChannelCreate);
    expect((first as Api.Message).message).toBe('exactly once');
    expect(second).toBeInstanceOf(Api.MessageEmpty);
    await kit.destroy(client);
  });

  it('answers methods the sandbox does not implement with METHOD_NOT_SUPPORTED, and logs out', async () => {
    const user = await newUser(kit);
    const client = await signedInClient(kit, user);
    expect(await errorOf(client.invoke(new Api.account.GetAuthorizations()))).toBe('METHOD_NOT_SUPPORTED');
    await client.invoke(new Api.auth.LogOut());
    expect(await errorOf(client.invoke(new Api.users.GetFullUser({ id: new Api.InputUserSelf() })))).toBe(
      'AUTH_KEY_UNREGISTERED',
    );
    await kit.destroy(client);
  });

  it('resolves usernames of users, bots and channels, and answers USERNAME_NOT_OCCUPIED for free ones', async () => {
    const username = `carol_${Date.now() % 1000000}`;
    const carol = await newUser(kit, { username, firstName: 'Carol' });
    const viewer = await newUser(kit);
    const channelName = `chan_${Date.now() % 1000000}`;
    const channel = await channelWithPosts(carol, channelName);
    const client = await signedInClient(kit, viewer);
    const user = await client.invoke(new Api.contacts.ResolveUsername({ username }));
    expect(user.peer).toBeInstanceOf(Api.PeerUser);
    expect(Number((user.peer as Api.PeerUser).userId)).toBe(carol.id);
    const chan = await client.invoke(new Api.contacts.ResolveUsername({ username: channelName }));
    expect(Number((chan.peer as Api.PeerChannel).channelId)).toBe(channel.channel_id);
    expect(await errorOf(client.invoke(new Api.contacts.ResolveUsername({ username: 'nobody_here_xyz' })))).toBe(
      'USERNAME_NOT_OCCUPIED',
    );
    await kit.destroy(client);
  });

  it('rejects a channel reference with a wrong access_hash with CHANNEL_INVALID', async () => {
    const owner = await newUser(kit);
    const channel = await channelWithPosts(owner, `hash_${Date.now() % 1000000}`);
    const client = await signedInClient(kit, owner);
    const real = kit.sandbox.world.findChannel(channel.channel_id)!;
    const wrong = new Api.InputChannel({
      channelId: returnBigInt(channel.channel_id),
      accessHash: returnBigInt((real.accessHash ^ 1n).toString()),
    });
    expect(await errorOf(client.invoke(new Api.channels.GetFullChannel({ channel: wrong })))).toBe('CHANNEL_INVALID');
    await kit.destroy(client);
  });
});
