import { TelegramClient } from '@mtcute/node';
import { control } from './bot-helpers';
import { MTCUTE_TRANSPORTS, mtcuteClient, signInMtcute } from './mtcute-kit';
import { errorOf, MtprotoKit, newUser, startMtprotoKit } from './mtproto-kit';

jest.setTimeout(30000);

describe.each(Object.keys(MTCUTE_TRANSPORTS))(
  'sandbox MTProto door with mtcute (a second real client, layer 227) over %s framing',
  (transport) => {
    let kit: MtprotoKit;
    const clients: TelegramClient[] = [];
    let serial = 0;

    const client = (): TelegramClient => {
      const c = mtcuteClient(kit.sandbox, undefined, transport);
      clients.push(c);
      return c;
    };

    const unique = (prefix: string): string => `${prefix}${Date.now() % 100000}${serial++}`;

    async function signedIn(user: { phone: string }): Promise<TelegramClient> {
      const c = client();
      await signInMtcute(kit, c, user.phone);
      return c;
    }

    beforeAll(async () => {
      kit = await startMtprotoKit();
    });

    afterAll(async () => {
      await Promise.all(clients.map((c) => c.destroy()));
      await kit.close();
    });

    it('signs in with the login code shown in the control API', async () => {
      const user = await newUser(kit, { firstName: 'Mira' });
      const c = client();
      const me = await signInMtcute(kit, c, user.phone);
      expect(me.id).toBe(user.id);
      expect(me.firstName).toBe('Mira');
      expect(me.isSelf).toBe(true);
      expect((await c.getMe()).id).toBe(user.id);
    });

    it('asks a 2FA account for its password (SRP), rejects a wrong one and accepts the right one', async () => {
      const user = await newUser(kit, { password: 'correct horse' });
      const c = client();
      expect(await errorOf(signInMtcute(kit, c, user.phone))).toBe('SESSION_PASSWORD_NEEDED');
      expect(await errorOf(c.checkPassword('wrong horse'))).toBe('PASSWORD_HASH_INVALID');
      const me = await c.checkPassword('correct horse');
      expect(me.id).toBe(user.id);
    });

    it('logs in by QR code accepted through the control API, with the 2FA password when the account has one', async () => {
      for (const password of [undefined, 'qr secret']) {
        const user = await newUser(kit, password ? { password } : {});
        const c = client();
        const me = await c.signInQr({
          password,
          onUrlUpdated: (url) => {
            const token = new URL(url).searchParams.get('token');
            void control(kit.sandbox, 'POST', `/sandbox/users/${user.phone}/accept-login-token`, { token });
          },
        });
        expect(me.id).toBe(user.id);
      }
    });

    it('reads a channel history made through the control API and posts to it', async () => {
      const owner = await newUser(kit);
      const username = unique('mtc_news');
      const created = await control(kit.sandbox, 'POST', '/sandbox/channels', {
        title: 'mtcute news',
        username,
        owner_phone: owner.phone,
      });
      expect(created.status).toBe(201);
      const channelId = (created.body as { id: number }).id;
      for (const text of ['first post', 'second post']) {
        const posted = await control(kit.sandbox, 'POST', `/sandbox/channels/${channelId}/messages`, {
          text,
          views: 7,
        });
        expect(posted.status).toBe(200);
      }
      const c = await signedIn(owner);
      const history = await c.getHistory(`@${username}`, { limit: 10 });
      expect(history.map((m) => m.text)).toEqual(['second post', 'first post']);
      expect(history[0]?.views).toBe(7);
      expect(history[0]?.chat.displayName).toBe('mtcute news');

      const sent = await c.sendText(`@${username}`, 'posted by mtcute');
      expect(sent.text).toBe('posted by mtcute');
      expect(sent.id).toBe(3);
      const messages = await control(kit.sandbox, 'GET', `/sandbox/channels/${channelId}/messages`);
      expect(JSON.stringify(messages.body)).toContain('posted by mtcute');
    });

    it('sends a private message that the recipient reads in its own history', async () => {
      const aliceName = unique('mtc_alice');
      const alice = await newUser(kit, { username: aliceName });
      const bobName = unique('mtc_bob');
      const bob = await newUser(kit, { username: bobName, firstName: 'Bob' });
      const a = await signedIn(alice);
      const sent = await a.sendText(`@${bobName}`, 'hello from mtcute');
      expect(sent.text).toBe('hello from mtcute');
      expect(sent.isOutgoing).toBe(true);

      const b = await signedIn(bob);
      const inbox = await b.getHistory(`@${aliceName}`, { limit: 5 });
      expect(inbox.map((m) => m.text)).toEqual(['hello from mtcute']);
      expect(inbox[0]?.isOutgoing).toBe(false);
      expect(inbox[0]?.sender.id).toBe(alice.id);
    });

    it('ends the other sessions with auth.resetAuthorizations and its own with logOut', async () => {
      const user = await newUser(kit);
      const kept = await signedIn(user);
      const other = await signedIn(user);
      expect((await other.getMe()).id).toBe(user.id);

      expect(await kept.call({ _: 'auth.resetAuthorizations' })).toBe(true);
      expect(await errorOf(other.call({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] }))).toBe(
        'AUTH_KEY_UNREGISTERED',
      );
      const self = await kept.call({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] });
      expect(self[0]?._).toBe('user');

      await kept.call({ _: 'auth.logOut' });
      expect(await errorOf(kept.call({ _: 'users.getUsers', id: [{ _: 'inputUserSelf' }] }))).toBe(
        'AUTH_KEY_UNREGISTERED',
      );
    });
  },
);
