import type { TelegramClient as MtcuteClient } from '@mtcute/node';
import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events';
import { returnBigInt } from 'telegram/Helpers';
import { eventually } from '../helpers/eventually';
import { type BotChat, botChatOf, type ChatKind, sandboxForSuite } from './bot-chats';
import { addBotToChannel, control, newBot, newChannel, rawBotCall, telegramFor } from './bot-helpers';
import { mtcuteClient, signInMtcute } from './mtcute-kit';
import { errorOf, newUser, signedInClient } from './mtproto-kit';

type Json = Record<string, any>;

jest.setTimeout(30000);

describe('sandbox: polls through both doors (real telegraf, raw HTTP, gramjs and mtcute)', () => {
  const suite = sandboxForSuite();

  /** The first pending update of the bot of that type that passes `test`, once the bot has it. */
  const heard = (token: string, type: string, test: (payload: Json) => boolean = () => true): Promise<Json> =>
    eventually(
      async () => {
        const updates = (await rawBotCall(suite.kit.sandbox, token, 'getUpdates', { timeout: 0 })).body
          .result as Json[];
        return updates.map((u) => u[type] as Json | undefined).find((p) => p !== undefined && test(p));
      },
      { what: `a ${type} update` },
    );

  const vote = (app: TelegramClient, peer: Api.TypeInputPeer, msgId: number, options: string[]) =>
    app.invoke(new Api.messages.SendVote({ peer, msgId, options: options.map((o) => Buffer.from(o)) }));

  /** The poll a member's app reads in the chat's history. */
  const seenPoll = async (chat: BotChat, messageId: number): Promise<Api.MessageMediaPoll> => {
    const seen = (await chat.history()).find((m) => m.id === messageId);
    expect(seen?.media).toBeInstanceOf(Api.MessageMediaPoll);
    return seen?.media as Api.MessageMediaPoll;
  };

  const textOf = (t: Api.TypeTextWithEntities | string): string => (typeof t === 'string' ? t : t.text);

  describe.each<ChatKind>(['private', 'channel', 'supergroup', 'group'])('in a %s', (kind) => {
    it('sendPoll: the Message carries the poll, the member app reads it as messageMediaPoll', async () => {
      const chat = await botChatOf(suite.kit, kind);
      const sent = await chat.tg.sendPoll(chat.chatId, 'Lunch?', ['Soup', { text: 'Salad' } as never, 'Both'], {
        allows_multiple_answers: true,
        reply_markup: { inline_keyboard: [[{ text: 'Menu', callback_data: 'menu' }]] },
      });
      expect(sent.poll).toEqual({
        id: expect.stringMatching(/^\d+$/),
        question: 'Lunch?',
        options: [
          { persistent_id: '0', text: 'Soup', voter_count: 0 },
          { persistent_id: '1', text: 'Salad', voter_count: 0 },
          { persistent_id: '2', text: 'Both', voter_count: 0 },
        ],
        total_voter_count: 0,
        is_closed: false,
        is_anonymous: true,
        allows_multiple_answers: true,
        allows_revoting: true,
        members_only: false,
        type: 'regular',
      });
      expect((sent as Json).text).toBeUndefined();

      const media = await seenPoll(chat, sent.message_id);
      const poll = media.poll;
      expect(poll.id.toString()).toBe(sent.poll.id);
      expect(textOf(poll.question)).toBe('Lunch?');
      expect(poll.answers.map((a) => [textOf(a.text), a.option.toString()])).toEqual([
        ['Soup', '0'],
        ['Salad', '1'],
        ['Both', '2'],
      ]);
      expect({ multiple: poll.multipleChoice, public: poll.publicVoters, closed: poll.closed }).toEqual({
        multiple: true,
        public: false,
        closed: false,
      });
    });

    it('stopPoll: answers the closed Poll, and a second stop is refused', async () => {
      const chat = await botChatOf(suite.kit, kind);
      const sent = await chat.tg.sendPoll(chat.chatId, 'Ready?', ['Yes', 'No']);
      const stopped = await chat.tg.stopPoll(chat.chatId, sent.message_id, {
        reply_markup: { inline_keyboard: [[{ text: 'Results', callback_data: 'results' }]] },
      });
      expect(stopped).toMatchObject({ id: sent.poll.id, is_closed: true, total_voter_count: 0 });
      expect((await seenPoll(chat, sent.message_id)).poll.closed).toBe(true);
      if (kind === 'channel' || kind === 'supergroup') {
        // The keyboard given to stopPoll stays on the message.
        const listed = (await control(suite.kit.sandbox, 'GET', `/sandbox/channels/${chat.chatId}/messages`))
          .body as Json[];
        expect(listed.find((m) => m.message_id === sent.message_id)?.reply_markup).toEqual({
          inline_keyboard: [[{ text: 'Results', callback_data: 'results' }]],
        });
      }
      const again = await rawBotCall(suite.kit.sandbox, chat.bot.token, 'stopPoll', {
        chat_id: chat.chatId,
        message_id: sent.message_id,
      });
      expect(again.body).toEqual({
        ok: false,
        error_code: 400,
        description: 'Bad Request: poll has already been closed',
      });
    });
  });

  it('refuses a poll Telegram would not take, in the official server and TDLib words', async () => {
    const chat = await botChatOf(suite.kit, 'supergroup');
    const refusal = async (params: Json): Promise<string> => {
      const res = await rawBotCall(suite.kit.sandbox, chat.bot.token, 'sendPoll', {
        chat_id: chat.chatId,
        question: 'Q?',
        options: JSON.stringify(['a', 'b']),
        ...params,
      });
      expect(res.status).toBe(400);
      return res.body.description as string;
    };
    const many = Array.from({ length: 13 }, (_, i) => `option ${i}`);
    expect(await refusal({ options: JSON.stringify(['only']) })).toBe('Bad Request: poll must have at least 2 option');
    expect(await refusal({ options: JSON.stringify(many) })).toBe("Bad Request: poll can't have more than 12 options");
    expect(await refusal({ options: '[oops' })).toBe("Bad Request: can't parse options JSON object");
    expect(await refusal({ options: undefined })).toBe("Bad Request: can't parse options JSON object");
    expect(await refusal({ options: JSON.stringify({ a: 1 }) })).toBe(
      'Bad Request: expected an Array of String as options',
    );
    expect(await refusal({ options: JSON.stringify([1, 2]) })).toBe(
      'Bad Request: expected an option to be of type String',
    );
    expect(await refusal({ question: '' })).toBe('Bad Request: poll question must be non-empty');
    expect(await refusal({ question: 'q'.repeat(301) })).toBe('Bad Request: poll question length must not exceed 300');
    expect(await refusal({ options: JSON.stringify(['a', '']) })).toBe('Bad Request: poll options must be non-empty');
    expect(await refusal({ options: JSON.stringify(['a', 'b'.repeat(101)]) })).toBe(
      'Bad Request: poll options length must not exceed 100',
    );
    expect(await refusal({ type: 'survey' })).toBe('Bad Request: unsupported poll type specified');
    expect(await refusal({ type: 'quiz' })).toBe('Bad Request: wrong correct option ID specified');
    expect(await refusal({ type: 'quiz', correct_option_id: 2 })).toBe(
      'Bad Request: wrong correct option ID specified',
    );
    // The limits themselves are allowed: a 300-character question, 12 options of 100.
    const longest = await rawBotCall(suite.kit.sandbox, chat.bot.token, 'sendPoll', {
      chat_id: chat.chatId,
      question: 'q'.repeat(300),
      options: Array.from({ length: 12 }, (_, i) => `${i}`.padEnd(100, '.')),
    });
    expect(longest.body.result.poll.options).toHaveLength(12);

    const channel = await botChatOf(suite.kit, 'channel');
    const publicVoters = await rawBotCall(suite.kit.sandbox, channel.bot.token, 'sendPoll', {
      chat_id: channel.chatId,
      question: 'Q?',
      options: ['a', 'b'],
      is_anonymous: false,
    });
    expect(publicVoters.body.description).toBe("Bad Request: non-anonymous polls can't be sent to channel chats");
  });

  it('stopPoll refuses a message that is no poll, one it did not send, and one that is not there', async () => {
    const chat = await botChatOf(suite.kit, 'group');
    const stop = async (messageId: number): Promise<string> =>
      (await rawBotCall(suite.kit.sandbox, chat.bot.token, 'stopPoll', { chat_id: chat.chatId, message_id: messageId }))
        .body.description;
    const text = await chat.tg.sendMessage(chat.chatId, 'no poll here');
    expect(await stop(text.message_id)).toBe('Bad Request: message is not a poll');
    expect(await stop(999999)).toBe('Bad Request: message with poll to stop not found');
    // The member's own poll, sent from their app.
    const members = (await chat.app.invoke(
      new Api.messages.SendMedia({
        peer: chat.peer,
        message: '',
        randomId: returnBigInt(Date.now()),
        media: new Api.InputMediaPoll({
          poll: new Api.Poll({
            id: returnBigInt(0),
            question: new Api.TextWithEntities({ text: 'Members only?', entities: [] }),
            answers: ['Yes', 'No'].map(
              (t, i) =>
                new Api.PollAnswer({
                  text: new Api.TextWithEntities({ text: t, entities: [] }),
                  option: Buffer.from([i]),
                }),
            ),
          }),
        }),
      }),
    )) as Api.Updates;
    const posted = members.updates.find((u) => u instanceof Api.UpdateNewMessage) as Api.UpdateNewMessage;
    const memberPoll = posted.message as Api.Message;
    expect(memberPoll.media).toBeInstanceOf(Api.MessageMediaPoll);
    // The bot (an administrator of the group) hears it as a message with a poll.
    const heardPoll = await heard(chat.bot.token, 'message', (m) => m.message_id === memberPoll.id);
    expect(heardPoll.poll).toMatchObject({ question: 'Members only?', is_anonymous: true, type: 'regular' });
    expect(await stop(memberPoll.id)).toBe("Bad Request: poll can't be stopped");
  });

  it('a member votes with messages.sendVote: the bot hears poll_answer and poll, others are pushed updateMessagePoll', async () => {
    const chat = await botChatOf(suite.kit, 'supergroup');
    const other = await newUser(suite.kit, { firstName: 'Oleg' });
    await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chat.chatId}/members`, { phone: other.phone });
    const otherApp = await signedInClient(suite.kit, other);
    const pushed: Api.UpdateMessagePoll[] = [];
    otherApp.addEventHandler((u: Api.UpdateMessagePoll) => pushed.push(u), new Raw({ types: [Api.UpdateMessagePoll] }));
    await otherApp.invoke(new Api.messages.GetHistory({ peer: chat.peer, limit: 5 }));

    const sent = await chat.tg.sendPoll(chat.chatId, 'Where?', ['Park', 'Cafe', 'Home'], {
      is_anonymous: false,
      allows_multiple_answers: true,
    });
    const answer = (await vote(chat.app, chat.peer, sent.message_id, ['0', '2'])) as Api.Updates;
    const own = answer.updates[0] as Api.UpdateMessagePoll;
    expect(own).toBeInstanceOf(Api.UpdateMessagePoll);
    expect(own.pollId.toString()).toBe(sent.poll.id);
    expect(own.results.results?.map((r) => [r.option.toString(), r.chosen, r.voters])).toEqual([
      ['0', true, 1],
      ['1', false, 0],
      ['2', true, 1],
    ]);
    expect(own.results.totalVoters).toBe(1);

    const me = await chat.app.getMe();
    const answered = await heard(chat.bot.token, 'poll_answer');
    expect(answered).toEqual({
      poll_id: sent.poll.id,
      user: expect.objectContaining({ id: Number(me.id), first_name: 'Ann', is_bot: false }),
      option_ids: [0, 2],
      option_persistent_ids: ['0', '2'],
    });
    const state = await heard(chat.bot.token, 'poll', (p) => p.total_voter_count === 1);
    expect(state.options.map((o: Json) => o.voter_count)).toEqual([1, 0, 1]);
    // The control API lists who chose what.
    const listed = (await control(suite.kit.sandbox, 'GET', `/sandbox/channels/${chat.chatId}/messages`))
      .body as Json[];
    expect(listed.find((m) => m.message_id === sent.message_id)?.media).toMatchObject({
      kind: 'poll',
      poll_id: sent.poll.id,
      question: 'Where?',
      votes: [{ user_id: Number(me.id), options: [0, 2] }],
    });

    // The other member's app is told, with nothing of theirs chosen.
    const told = await eventually(() => pushed.find((u) => u.pollId.toString() === sent.poll.id), {
      what: 'updateMessagePoll pushed to the other member',
    });
    expect(told.results.results?.map((r) => [r.chosen, r.voters])).toEqual([
      [false, 1],
      [false, 0],
      [false, 1],
    ]);

    // messages.getPollResults answers the same results, with the asker's own choice.
    const asked = (await otherApp.invoke(
      new Api.messages.GetPollResults({ peer: chat.peer, msgId: sent.message_id }),
    )) as Api.Updates;
    expect((asked.updates[0] as Api.UpdateMessagePoll).results.results?.map((r) => r.voters)).toEqual([1, 0, 1]);
    const mine = (await chat.app.invoke(
      new Api.messages.GetPollResults({ peer: chat.peer, msgId: sent.message_id }),
    )) as Api.Updates;
    expect((mine.updates[0] as Api.UpdateMessagePoll).results.results?.map((r) => r.chosen)).toEqual([
      true,
      false,
      true,
    ]);

    // Taking the vote back: option_ids is empty.
    await vote(chat.app, chat.peer, sent.message_id, []);
    const retracted = await heard(chat.bot.token, 'poll_answer', (a) => a.option_ids.length === 0);
    expect(retracted.poll_id).toBe(sent.poll.id);
    const empty = await heard(chat.bot.token, 'poll', (p) => p.total_voter_count === 0);
    expect(empty.options.map((o: Json) => o.voter_count)).toEqual([0, 0, 0]);

    // Closed by the bot: the bot hears the final state; a vote now is refused.
    await vote(otherApp, chat.peer, sent.message_id, ['1']);
    await chat.tg.stopPoll(chat.chatId, sent.message_id);
    const closed = await heard(chat.bot.token, 'poll', (p) => p.is_closed === true);
    expect(closed.options.map((o: Json) => o.voter_count)).toEqual([0, 1, 0]);
    expect(await errorOf(vote(chat.app, chat.peer, sent.message_id, ['0']))).toBe('MESSAGE_POLL_CLOSED');
  });

  it("refuses a member's poll Telegram would not take from an app (messages.sendMedia with inputMediaPoll)", async () => {
    const chat = await botChatOf(suite.kit, 'channel');
    const send = (poll: Partial<ConstructorParameters<typeof Api.Poll>[0]>, correctAnswers?: Buffer[]) =>
      chat.app.invoke(
        new Api.messages.SendMedia({
          peer: chat.peer,
          message: '',
          randomId: returnBigInt(Date.now() + Math.floor(Math.random() * 1e6)),
          media: new Api.InputMediaPoll({
            poll: new Api.Poll({
              id: returnBigInt(0),
              question: new Api.TextWithEntities({ text: 'Q?', entities: [] }),
              answers: ['a', 'b'].map(
                (t, i) =>
                  new Api.PollAnswer({
                    text: new Api.TextWithEntities({ text: t, entities: [] }),
                    option: Buffer.from([i]),
                  }),
              ),
              ...poll,
            }),
            correctAnswers,
          }),
        }),
      );
    const one = [
      new Api.PollAnswer({ text: new Api.TextWithEntities({ text: 'a', entities: [] }), option: Buffer.from([0]) }),
    ];
    expect(await errorOf(send({ answers: one }))).toBe('POLL_ANSWERS_INVALID');
    const twins = [0, 0].map(
      (b) =>
        new Api.PollAnswer({ text: new Api.TextWithEntities({ text: 'x', entities: [] }), option: Buffer.from([b]) }),
    );
    expect(await errorOf(send({ answers: twins }))).toBe('POLL_OPTION_DUPLICATE');
    expect(await errorOf(send({ question: new Api.TextWithEntities({ text: ' ', entities: [] }) }))).toBe(
      'POLL_QUESTION_INVALID',
    );
    expect(await errorOf(send({ quiz: true }))).toBe('QUIZ_CORRECT_ANSWERS_EMPTY');
    expect(await errorOf(send({ quiz: true }, [Buffer.from([7])]))).toBe('QUIZ_CORRECT_ANSWER_INVALID');
    expect(await errorOf(send({ publicVoters: true }))).toBe('BROADCAST_PUBLIC_VOTERS_FORBIDDEN');
    // A quiz the owner posts is taken; the bot, not its sender, does not learn the answer from the message.
    await send({ quiz: true }, [Buffer.from([1])]);
    const post = await heard(chat.bot.token, 'channel_post', (m) => m.poll?.type === 'quiz');
    expect(post.poll).toMatchObject({ question: 'Q?', type: 'quiz', is_anonymous: true });
    expect(post.poll.correct_option_id).toBeUndefined();
  });

  it('refuses a vote Telegram refuses: unknown or several options, a quiz answered twice, a message that is no poll', async () => {
    const chat = await botChatOf(suite.kit, 'private');
    const single = await chat.tg.sendPoll(chat.chatId, 'One?', ['a', 'b']);
    expect(await errorOf(vote(chat.app, chat.peer, single.message_id, ['7']))).toBe('OPTION_INVALID');
    expect(await errorOf(vote(chat.app, chat.peer, single.message_id, ['0', '1']))).toBe('OPTION_INVALID');
    expect(await errorOf(vote(chat.app, chat.peer, single.message_id, ['0', '1', '0']))).toBe('OPTIONS_TOO_MUCH');
    const text = await chat.tg.sendMessage(chat.chatId, 'plain');
    expect(await errorOf(vote(chat.app, chat.peer, text.message_id, ['0']))).toBe('MSG_ID_INVALID');
    expect(await errorOf(vote(chat.app, chat.peer, 999999, ['0']))).toBe('MSG_ID_INVALID');

    // A quiz: the bot that sent it knows the answer; the member learns it by answering, once.
    const quiz = await chat.tg.sendQuiz(chat.chatId, '2+2?', ['3', '4', '5'], {
      correct_option_id: 1,
      explanation: 'Basic *arithmetic*',
      explanation_parse_mode: 'Markdown',
    });
    expect(quiz.poll).toMatchObject({
      type: 'quiz',
      correct_option_id: 1,
      explanation: 'Basic arithmetic',
      explanation_entities: [{ type: 'bold', offset: 6, length: 10 }],
      allows_revoting: false,
    });
    const before = (await seenPoll(chat, quiz.message_id)).results;
    expect(before.solution ?? undefined).toBeUndefined();
    expect(before.results?.some((r) => r.correct)).toBe(false);
    const answered = (await vote(chat.app, chat.peer, quiz.message_id, ['0'])) as Api.Updates;
    const results = (answered.updates[0] as Api.UpdateMessagePoll).results;
    expect(results.results?.map((r) => [r.chosen, r.correct])).toEqual([
      [true, false],
      [false, true],
      [false, false],
    ]);
    expect(results.solution).toBe('Basic arithmetic');
    expect(await errorOf(vote(chat.app, chat.peer, quiz.message_id, ['1']))).toBe('REVOTE_NOT_ALLOWED');
  });

  it('allowed_updates without poll_answer keeps votes from the bot, as it keeps any kind it did not ask for', async () => {
    const chat = await botChatOf(suite.kit, 'group');
    const sent = await chat.tg.sendPoll(chat.chatId, 'Tea?', ['Yes', 'No'], { is_anonymous: false });
    // Everything pending is confirmed; from now on the bot asks for messages and poll states only.
    const pending = (await rawBotCall(suite.kit.sandbox, chat.bot.token, 'getUpdates', { timeout: 0 })).body
      .result as Json[];
    const offset = (pending.at(-1)?.update_id ?? 0) + 1;
    await rawBotCall(suite.kit.sandbox, chat.bot.token, 'getUpdates', {
      offset,
      timeout: 0,
      allowed_updates: ['message', 'poll'],
    });
    await vote(chat.app, chat.peer, sent.message_id, ['0']);
    const marker = await chat.write('after the vote');
    const seen = await eventually(
      async () => {
        const updates = (
          await rawBotCall(suite.kit.sandbox, chat.bot.token, 'getUpdates', {
            offset,
            timeout: 0,
            allowed_updates: ['message', 'poll'],
          })
        ).body.result as Json[];
        return updates.some((u) => u.message?.message_id === marker) ? updates : undefined;
      },
      { what: 'the message written after the vote' },
    );
    expect(seen.filter((u) => u.poll).map((u) => u.poll.total_voter_count)).toEqual([1]);
    expect(seen.filter((u) => u.poll_answer)).toEqual([]);
  });

  it('a poll closes by itself when its open_period is over: the bot hears it closed, the member app is told', async () => {
    const chat = await botChatOf(suite.kit, 'private');
    const pushed: Api.UpdateMessagePoll[] = [];
    chat.app.addEventHandler((u: Api.UpdateMessagePoll) => pushed.push(u), new Raw({ types: [Api.UpdateMessagePoll] }));
    const sent = await chat.tg.sendPoll(chat.chatId, 'Quick?', ['Yes', 'No'], { open_period: 1 });
    expect(sent.poll).toMatchObject({ open_period: 1, close_date: expect.any(Number), is_closed: false });
    const closed = await heard(chat.bot.token, 'poll', (p) => p.id === sent.poll.id && p.is_closed === true);
    expect(closed.total_voter_count).toBe(0);
    const told = await eventually(() => pushed.find((u) => u.pollId.toString() === sent.poll.id), {
      what: 'the closed poll pushed to the member',
    });
    expect((told.poll as Api.Poll).closed).toBe(true);
    expect(await errorOf(vote(chat.app, chat.peer, sent.message_id, ['0']))).toBe('MESSAGE_POLL_CLOSED');
  });

  it("a timed poll closes on the world's clock: moving it through the control API closes the poll right then", async () => {
    const chat = await botChatOf(suite.kit, 'group');
    const pushed: Api.UpdateMessagePoll[] = [];
    chat.app.addEventHandler((u: Api.UpdateMessagePoll) => pushed.push(u), new Raw({ types: [Api.UpdateMessagePoll] }));
    const sent = await chat.tg.sendPoll(chat.chatId, 'Ten minutes?', ['Yes', 'No'], { open_period: 600 });
    const clock = (seconds: number) =>
      control(suite.kit.sandbox, 'POST', '/sandbox/clock', { advance_seconds: seconds });

    // Halfway there the poll still takes votes.
    expect((await clock(300)).status).toBe(200);
    await vote(chat.app, chat.peer, sent.message_id, ['0']);
    expect((await seenPoll(chat, sent.message_id)).poll.closed).toBeFalsy();

    // Past its close date in the world's time, it closes without waiting for the machine's clock.
    expect((await clock(301)).status).toBe(200);
    const closed = await heard(chat.bot.token, 'poll', (p) => p.id === sent.poll.id && p.is_closed === true);
    expect(closed).toMatchObject({ total_voter_count: 1, open_period: 600, close_date: sent.poll.close_date });
    const told = await eventually(() => pushed.find((u) => u.pollId.toString() === sent.poll.id && u.poll?.closed), {
      what: 'the closed poll pushed to the member',
    });
    expect(told.results.totalVoters).toBe(1);
    expect(await errorOf(vote(chat.app, chat.peer, sent.message_id, ['1']))).toBe('MESSAGE_POLL_CLOSED');
  });

  it('a forwarded poll is the poll itself: one id, votes counted together, closed everywhere; a copy is a new poll', async () => {
    const club = await botChatOf(suite.kit, 'supergroup');
    const sent = await club.tg.sendPoll(club.chatId, 'Pizza or pasta?', ['Pizza', 'Pasta'], { is_anonymous: false });
    await vote(club.app, club.peer, sent.message_id, ['0']);
    // Bea, who has written to the bot, is sent the poll as a forward in her private chat.
    const bea = await newUser(suite.kit, { firstName: 'Bea' });
    await control(suite.kit.sandbox, 'POST', `/sandbox/bots/${club.bot.id}/messages`, {
      from_phone: bea.phone,
      text: '/start',
    });
    const beaApp = await signedInClient(suite.kit, bea);
    const botUser = (await beaApp.invoke(new Api.contacts.ResolveUsername({ username: club.bot.username })))
      .users[0] as Api.User;
    const beaPeer = new Api.InputPeerUser({ userId: botUser.id, accessHash: returnBigInt(botUser.accessHash ?? 0) });
    const forward = (await club.tg.forwardMessage(bea.id, club.chatId, sent.message_id)) as Json;
    expect(forward.poll).toMatchObject({ id: sent.poll.id, total_voter_count: 1 });

    const pushed: Api.UpdateMessagePoll[] = [];
    club.app.addEventHandler((u: Api.UpdateMessagePoll) => pushed.push(u), new Raw({ types: [Api.UpdateMessagePoll] }));
    const results = (await vote(beaApp, beaPeer, forward.message_id, ['1'])) as Api.Updates;
    const mine = results.updates.find((u): u is Api.UpdateMessagePoll => u instanceof Api.UpdateMessagePoll);
    expect(mine?.results.totalVoters).toBe(2);
    // The supergroup's member is told of Bea's vote, and the bot hears it as an answer to its own poll.
    const told = await eventually(() => pushed.find((u) => u.results.totalVoters === 2), {
      what: "Bea's vote pushed to the supergroup's member",
    });
    expect(told.pollId.toString()).toBe(sent.poll.id);
    const answer = await heard(club.bot.token, 'poll_answer', (a) => a.user?.id === bea.id);
    expect(answer).toMatchObject({ poll_id: sent.poll.id, option_ids: [1] });
    expect((await seenPoll(club, sent.message_id)).results.totalVoters).toBe(2);

    // Stopped where it was sent, it is closed in the forward too.
    expect(await club.tg.stopPoll(club.chatId, sent.message_id)).toMatchObject({
      is_closed: true,
      total_voter_count: 2,
    });
    expect(await errorOf(vote(beaApp, beaPeer, forward.message_id, ['0']))).toBe('MESSAGE_POLL_CLOSED');

    // A copy is the copying bot's new poll: another id, open, no votes.
    const copy = await club.tg.copyMessage(bea.id, club.chatId, sent.message_id);
    const history = (await beaApp.invoke(
      new Api.messages.GetHistory({ peer: beaPeer, limit: 5 }),
    )) as Api.messages.Messages;
    const copied = history.messages.find((m) => m.id === copy.message_id) as Api.Message;
    const copiedPoll = copied.media as Api.MessageMediaPoll;
    expect(copiedPoll.poll.id.toString()).not.toBe(sent.poll.id);
    expect(copiedPoll.poll.closed).toBeFalsy();
    expect(copiedPoll.results.totalVoters ?? 0).toBe(0);
  });

  it('a member using mtcute reads the poll, votes, and reads the results', async () => {
    const { sandbox } = suite.kit;
    const owner = await newUser(suite.kit, { firstName: 'Mira' });
    const username = `poll_club_${Date.now() % 100000}`;
    const channel = await newChannel(sandbox, owner.phone, { megagroup: true, username });
    const bot = await newBot(sandbox);
    await addBotToChannel(sandbox, channel.id, bot.id);
    const sent = await telegramFor(sandbox, bot.token).sendPoll(channel.id, 'Movie night?', ['Friday', 'Saturday'], {
      is_anonymous: false,
    });

    const app: MtcuteClient = mtcuteClient(sandbox);
    try {
      await signInMtcute(suite.kit, app, owner.phone);
      const [message] = await app.getHistory(`@${username}`, { limit: 1 });
      const media = message?.media;
      if (media?.type !== 'poll') throw new Error(`no poll: ${media?.type}`);
      expect(media.question).toBe('Movie night?');
      expect(media.answers.map((a) => a.text)).toEqual(['Friday', 'Saturday']);
      expect(media.isPublic).toBe(true);

      const after = await app.sendVote({ chatId: `@${username}`, message: sent.message_id, options: [1] });
      expect(after.voters).toBe(1);
      expect(after.answers.map((a) => [a.chosen, a.voters])).toEqual([
        [false, 0],
        [true, 1],
      ]);
      const answer = await heard(bot.token, 'poll_answer');
      expect(answer).toMatchObject({ poll_id: sent.poll.id, user: { id: owner.id }, option_ids: [1] });
    } finally {
      await app.destroy();
    }
  });
});
