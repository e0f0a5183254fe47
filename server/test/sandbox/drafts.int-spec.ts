import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events';
import { generateRandomLong } from 'telegram/Helpers';
import { eventually } from '../helpers/eventually';
import { mtcuteClient, signInMtcute } from './mtcute-kit';
import { type MtprotoKit, namedUser, signedInClient, startMtprotoKit } from './mtproto-kit';

/**
 * Message drafts kept by the sandbox as Telegram keeps them, with two real gramjs apps of one user: what one app
 * saves the other is pushed (updateDraftMessage) and finds in its dialogs and getAllDrafts; a send with clear_draft,
 * clearAllDrafts and an empty draft clear it.
 */
describe('message drafts', () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    kit = await startMtprotoKit();
  });
  afterAll(async () => {
    await kit.close();
  });

  interface TwoApps {
    /** The app that writes. */
    a: TelegramClient;
    /** The user's other app, with the draft updates pushed to it. */
    b: TelegramClient;
    pushed: Api.UpdateDraftMessage[];
    /** A person the user has written to, as the writing app addresses them. */
    friendPeer: Api.TypeInputPeer;
    friendId: number;
  }

  /** A user signed in on two apps, who wrote to a friend once (so the chat is one of their dialogs). */
  async function twoApps(): Promise<TwoApps> {
    const me = await namedUser(kit, 'Drafter');
    const friend = await namedUser(kit, 'Friend');
    const a = await signedInClient(kit, me);
    const b = await signedInClient(kit, me);
    const pushed: Api.UpdateDraftMessage[] = [];
    b.addEventHandler((u: Api.UpdateDraftMessage) => pushed.push(u), new Raw({ types: [Api.UpdateDraftMessage] }));
    await b.getMe();
    const friendPeer = await a.getInputEntity(friend.username);
    await a.sendMessage(friendPeer, { message: 'hello' });
    return { a, b, pushed, friendPeer, friendId: friend.id };
  }

  const peerUserId = (peer: Api.TypePeer): number => (peer as Api.PeerUser).userId.toJSNumber();

  /** The draft the app's dialog with the person carries (undefined: none). */
  async function dialogDraft(client: TelegramClient, userId: number): Promise<Api.TypeDraftMessage | undefined> {
    const dialogs = (await client.invoke(
      new Api.messages.GetDialogs({ offsetPeer: new Api.InputPeerEmpty(), limit: 100 }),
    )) as Api.messages.Dialogs;
    const dialog = dialogs.dialogs.find((d) => d.peer instanceof Api.PeerUser && peerUserId(d.peer) === userId);
    if (!(dialog instanceof Api.Dialog)) throw new Error('no dialog with the person');
    // gramjs reads an absent flag field as null.
    return dialog.draft ?? undefined;
  }

  async function allDrafts(client: TelegramClient): Promise<Api.UpdateDraftMessage[]> {
    const answer = await client.invoke(new Api.messages.GetAllDrafts());
    expect(answer).toBeInstanceOf(Api.Updates);
    return (answer as Api.Updates).updates.filter(
      (u): u is Api.UpdateDraftMessage => u instanceof Api.UpdateDraftMessage,
    );
  }

  it("a draft saved in one app is pushed to the user's other app and is in its dialogs and getAllDrafts", async () => {
    const { a, b, pushed, friendPeer, friendId } = await twoApps();
    const history = await a.getMessages(friendPeer, { limit: 1 });
    const replyTo = history[0]!.id;

    const saved = await a.invoke(
      new Api.messages.SaveDraft({
        peer: friendPeer,
        message: 'see you at noon',
        entities: [new Api.MessageEntityBold({ offset: 11, length: 4 })],
        replyTo: new Api.InputReplyToMessage({ replyToMsgId: replyTo }),
        noWebpage: true,
      }),
    );
    expect(saved).toBe(true);

    const update = await eventually(() => pushed[0], { what: 'updateDraftMessage on the other app' });
    expect(peerUserId(update.peer)).toBe(friendId);
    expect(update.draft).toBeInstanceOf(Api.DraftMessage);
    const draft = update.draft as Api.DraftMessage;
    expect(draft).toMatchObject({ message: 'see you at noon', noWebpage: true });
    expect(draft.entities).toEqual([
      expect.objectContaining({ className: 'MessageEntityBold', offset: 11, length: 4 }),
    ]);
    expect((draft.replyTo as Api.InputReplyToMessage).replyToMsgId).toBe(replyTo);
    expect(typeof draft.date).toBe('number');

    const inDialog = await dialogDraft(b, friendId);
    expect(inDialog).toBeInstanceOf(Api.DraftMessage);
    expect((inDialog as Api.DraftMessage).message).toBe('see you at noon');

    const all = await allDrafts(b);
    expect(all.map((u) => [peerUserId(u.peer), (u.draft as Api.DraftMessage).message])).toEqual([
      [friendId, 'see you at noon'],
    ]);
    const answer = (await b.invoke(new Api.messages.GetAllDrafts())) as Api.Updates;
    expect(answer.users.map((u) => (u as Api.User).id.toJSNumber())).toContain(friendId);
    // The app that saved it is not told of its own draft.
    expect(pushed).toHaveLength(1);
  });

  it('a send with clear_draft clears the draft and tells the other app; a send without it keeps the draft', async () => {
    const { a, b, pushed, friendPeer, friendId } = await twoApps();
    await a.invoke(new Api.messages.SaveDraft({ peer: friendPeer, message: 'half a thought' }));
    await eventually(() => pushed.length === 1, { what: 'the saved draft pushed' });

    await a.sendMessage(friendPeer, { message: 'something else' });
    expect(await dialogDraft(b, friendId)).toBeInstanceOf(Api.DraftMessage);

    // gramjs's sendMessage types its clearDraft as false only: the request as an app sends it.
    const send = new Api.messages.SendMessage({
      peer: friendPeer,
      message: 'half a thought, finished',
      clearDraft: true,
      randomId: generateRandomLong(),
    });
    await a.invoke(send);
    const cleared = await eventually(() => pushed[1], { what: 'the cleared draft pushed' });
    expect(peerUserId(cleared.peer)).toBe(friendId);
    expect(cleared.draft).toBeInstanceOf(Api.DraftMessageEmpty);
    expect(await dialogDraft(b, friendId)).toBeUndefined();
    expect(await allDrafts(b)).toEqual([]);
  });

  it('clearAllDrafts clears the drafts of every chat, a private chat and a group, each pushed as empty', async () => {
    const { a, b, pushed, friendPeer, friendId } = await twoApps();
    const created = await a.invoke(new Api.messages.CreateChat({ users: [friendPeer], title: 'Plans' }));
    const chat = (created.updates as Api.Updates).chats[0] as Api.Chat;
    const groupPeer = new Api.InputPeerChat({ chatId: chat.id });
    await a.invoke(new Api.messages.SaveDraft({ peer: friendPeer, message: 'to the friend' }));
    await a.invoke(new Api.messages.SaveDraft({ peer: groupPeer, message: 'to the group' }));
    await eventually(() => pushed.length === 2, { what: 'both drafts pushed' });
    const all = await allDrafts(b);
    expect(all.map((u) => (u.draft as Api.DraftMessage).message)).toEqual(['to the friend', 'to the group']);
    expect(all[1]?.peer).toBeInstanceOf(Api.PeerChat);
    const answer = (await b.invoke(new Api.messages.GetAllDrafts())) as Api.Updates;
    expect(answer.chats.map((c) => (c as Api.Chat).title)).toEqual(['Plans']);

    expect(await a.invoke(new Api.messages.ClearAllDrafts())).toBe(true);
    await eventually(() => pushed.length === 4, { what: 'both clears pushed' });
    expect(pushed.slice(2).every((u) => u.draft instanceof Api.DraftMessageEmpty)).toBe(true);
    expect(pushed.slice(2).map((u) => u.peer.className)).toEqual(['PeerUser', 'PeerChat']);
    expect(await allDrafts(b)).toEqual([]);
    expect(await dialogDraft(b, friendId)).toBeUndefined();
  });

  it('an empty saveDraft clears the draft; a new draft replaces the old', async () => {
    const { a, b, pushed, friendPeer, friendId } = await twoApps();
    await a.invoke(new Api.messages.SaveDraft({ peer: friendPeer, message: 'first' }));
    await a.invoke(new Api.messages.SaveDraft({ peer: friendPeer, message: 'second' }));
    await eventually(() => pushed.length === 2, { what: 'both drafts pushed' });
    expect(((await dialogDraft(b, friendId)) as Api.DraftMessage).message).toBe('second');
    expect(await allDrafts(b)).toHaveLength(1);

    expect(await a.invoke(new Api.messages.SaveDraft({ peer: friendPeer, message: '' }))).toBe(true);
    const cleared = await eventually(() => pushed[2], { what: 'the cleared draft pushed' });
    expect(cleared.draft).toBeInstanceOf(Api.DraftMessageEmpty);
    expect(await dialogDraft(b, friendId)).toBeUndefined();
    expect(await allDrafts(b)).toEqual([]);
  });

  it("mtcute (the newest layer) saves a draft and sends with clearDraft; the user's gramjs app follows both", async () => {
    const me = await namedUser(kit, 'Mixed');
    const friend = await namedUser(kit, 'Pal');
    const gram = await signedInClient(kit, me);
    const pushed: Api.UpdateDraftMessage[] = [];
    gram.addEventHandler((u: Api.UpdateDraftMessage) => pushed.push(u), new Raw({ types: [Api.UpdateDraftMessage] }));
    await gram.getMe();
    const mt = mtcuteClient(kit.sandbox);
    try {
      await signInMtcute(kit, mt, me.phone);
      const first = await mt.sendText(`@${friend.username}`, 'hello');
      await mt.saveDraft(`@${friend.username}`, {
        message: 'a reply',
        replyTo: { _: 'inputReplyToMessage', replyToMsgId: first.id },
      });
      const update = await eventually(() => pushed[0], { what: "mtcute's draft pushed to the gramjs app" });
      expect(update.draft).toBeInstanceOf(Api.DraftMessage);
      expect((update.draft as Api.DraftMessage).message).toBe('a reply');
      expect(((update.draft as Api.DraftMessage).replyTo as Api.InputReplyToMessage).replyToMsgId).toBe(first.id);
      let draftText: string | undefined;
      for await (const d of mt.iterDialogs()) if (d.peer.id === friend.id) draftText = d.draftMessage?.text;
      expect(draftText).toBe('a reply');

      await mt.sendText(`@${friend.username}`, 'a reply, sent', { clearDraft: true });
      const cleared = await eventually(() => pushed[1], { what: 'the cleared draft pushed to the gramjs app' });
      expect(cleared.draft).toBeInstanceOf(Api.DraftMessageEmpty);
      expect(await dialogDraft(gram, friend.id)).toBeUndefined();
    } finally {
      await mt.destroy();
    }
  });
});
