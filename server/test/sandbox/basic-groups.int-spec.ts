import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { control, newBot, newUser, telegramFor } from './bot-helpers';

/** What telegraf's TelegramError carries of Telegram's answer. */
const refusal = (error_code: number, description: string) => ({ response: { ok: false, error_code, description } });

describe('sandbox basic groups through the Bot API (real telegraf)', () => {
  let sandbox: SandboxHandle;

  beforeAll(async () => {
    sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  async function newGroup(
    ownerPhone: string,
    memberPhones: string[],
    bots: { id: number; admin?: boolean }[],
  ): Promise<{ id: number; bot_api_id: number }> {
    const res = await control(sandbox, 'POST', '/sandbox/groups', {
      title: 'Book club',
      owner_phone: ownerPhone,
      member_phones: memberPhones,
      bots,
    });
    if (res.status !== 201) throw new Error(`group not created: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  it('tells each bot put in a new group, from its creator, as a member or an administrator', async () => {
    const owner = await newUser(sandbox, 'Owner');
    const plain = await newBot(sandbox);
    const admin = await newBot(sandbox);
    const group = await newGroup(owner.phone, [], [{ id: plain.id }, { id: admin.id, admin: true }]);

    const changeOf = async (token: string): Promise<any> => {
      const updates = (await telegramFor(sandbox, token).getUpdates(0, 100, 0, undefined)) as any[];
      expect(updates).toHaveLength(1);
      return updates[0].my_chat_member;
    };
    const [plainChange, adminChange] = [await changeOf(plain.token), await changeOf(admin.token)];
    for (const [change, bot] of [
      [plainChange, plain],
      [adminChange, admin],
    ] as const) {
      expect(change.chat).toEqual({ id: group.bot_api_id, title: 'Book club', type: 'group' });
      expect(change.from).toMatchObject({ id: owner.id, first_name: 'Owner', is_bot: false });
      expect(change.old_chat_member).toMatchObject({ status: 'left', user: { id: bot.id, is_bot: true } });
      expect(change.new_chat_member.user).toMatchObject({ id: bot.id, is_bot: true });
    }
    expect(plainChange.new_chat_member.status).toBe('member');
    expect(adminChange.new_chat_member).toMatchObject({ status: 'administrator', can_pin_messages: true });
  });

  it("sends a bot's message to its group, where other bots do not hear it and members' messages still arrive", async () => {
    const owner = await newUser(sandbox, 'Owner');
    const member = await newUser(sandbox, 'Bea');
    const sender = await newBot(sandbox);
    const listener = await newBot(sandbox);
    const group = await newGroup(owner.phone, [member.phone], [{ id: sender.id }, { id: listener.id, admin: true }]);
    const tg = telegramFor(sandbox, sender.token);

    const sent = (await tg.sendMessage(group.bot_api_id, 'Chapter 3 tonight')) as any;
    expect(sent).toMatchObject({
      message_id: expect.any(Number),
      from: { id: sender.id, is_bot: true },
      chat: { id: group.bot_api_id, type: 'group', title: 'Book club' },
      date: expect.any(Number),
      text: 'Chapter 3 tonight',
    });
    expect(sandbox.world.findBasicGroup(group.id)?.messages).toEqual([
      expect.objectContaining({ id: sent.message_id, fromBotId: sender.id, text: 'Chapter 3 tonight' }),
    ]);
    const record = await control(sandbox, 'GET', `/sandbox/bots/${sender.id}/sent`);
    expect(record.body).toEqual([
      expect.objectContaining({ message_id: sent.message_id, chat_id: group.bot_api_id, method: 'sendMessage' }),
    ]);

    // A member writes after the bot: the administrator bot hears the member, never the bot before it.
    const posted = await control(sandbox, 'POST', `/sandbox/groups/${group.id}/messages`, {
      from_phone: member.phone,
      text: 'see you',
    });
    expect(posted.status).toBe(200);
    const heard = (await telegramFor(sandbox, listener.token).getUpdates(0, 100, 0, undefined)) as any[];
    expect(heard.map((u) => Object.keys(u).filter((k) => k !== 'update_id'))).toEqual([
      ['my_chat_member'],
      ['message'],
    ]);
    expect(heard[1].message).toMatchObject({
      message_id: posted.body.message_id,
      from: { id: member.id, is_bot: false },
      text: 'see you',
    });

    expect(await tg.getChat(group.bot_api_id)).toMatchObject({
      id: group.bot_api_id,
      type: 'group',
      title: 'Book club',
    });
  });

  it("answers Telegram's errors for a group the bot is not in and for an unknown group", async () => {
    const owner = await newUser(sandbox);
    const outsider = await newBot(sandbox);
    const group = await newGroup(owner.phone, [], []);
    const tg = telegramFor(sandbox, outsider.token);

    await expect(tg.sendMessage(group.bot_api_id, 'let me in')).rejects.toMatchObject(
      refusal(403, 'Forbidden: bot is not a member of the group chat'),
    );
    expect(sandbox.world.findBasicGroup(group.id)?.messages).toEqual([]);
    const chatNotFound = refusal(400, 'Bad Request: chat not found');
    await expect(tg.getChat(group.bot_api_id)).rejects.toMatchObject(chatNotFound);

    const unknownId = -(group.id + 1000);
    await expect(tg.sendMessage(unknownId, 'anyone?')).rejects.toMatchObject(chatNotFound);
    await expect(tg.getChat(unknownId)).rejects.toMatchObject(chatNotFound);
  });
});
