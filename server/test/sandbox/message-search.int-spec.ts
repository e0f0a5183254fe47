import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { newChannel } from './bot-helpers';
import { channelPeer, errorOf, type MtprotoKit, namedUser, signedInClient, startMtprotoKit } from './mtproto-kit';

/** messages.search in one chat, from a real gramjs app: by words of the text, paged like getHistory. */
describe('searching one chat for text', () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    kit = await startMtprotoKit();
  });
  afterAll(async () => {
    await kit.close();
  });

  const search = (q: string, extra: Partial<ConstructorParameters<typeof Api.messages.Search>[0]> = {}) => ({
    q,
    filter: new Api.InputMessagesFilterEmpty(),
    minDate: 0,
    maxDate: 0,
    offsetId: 0,
    addOffset: 0,
    limit: 10,
    maxId: 0,
    minId: 0,
    hash: returnBigInt(0),
    ...extra,
  });
  const texts = (answer: Api.messages.TypeMessages): string[] =>
    'messages' in answer ? answer.messages.map((m) => (m as Api.Message).message) : [];

  it('finds the messages of a private chat whose words begin with the words asked, newest first, a page at a time', async () => {
    const ann = await namedUser(kit, 'Ann');
    const ben = await namedUser(kit, 'Ben');
    const client = await signedInClient(kit, ann);
    const peer = await client.getInputEntity(ben.username);
    for (const message of ['Invoice for March', 'lunch?', 'the INVOICES are late', 'invoice paid']) {
      await client.sendMessage(peer, { message });
    }

    const all = await client.invoke(new Api.messages.Search({ peer, ...search('invoice') }));
    expect(all).toBeInstanceOf(Api.messages.Messages);
    expect(texts(all)).toEqual(['invoice paid', 'the INVOICES are late', 'Invoice for March']);
    const two = await client.invoke(new Api.messages.Search({ peer, ...search('invoice paid') }));
    expect(texts(two)).toEqual(['invoice paid']);

    const first = await client.invoke(new Api.messages.Search({ peer, ...search('invoice', { limit: 2 }) }));
    expect(first).toBeInstanceOf(Api.messages.MessagesSlice);
    expect((first as Api.messages.MessagesSlice).count).toBe(3);
    const last = (first as Api.messages.MessagesSlice).messages.at(-1)!;
    const next = await client.invoke(new Api.messages.Search({ peer, ...search('invoice', { offsetId: last.id }) }));
    expect(texts(next)).toEqual(['Invoice for March']);
    const none = await client.invoke(new Api.messages.Search({ peer, ...search('dinner') }));
    expect(texts(none)).toEqual([]);

    expect(
      await errorOf(
        client.invoke(
          new Api.messages.Search({ peer, ...search('invoice', { filter: new Api.InputMessagesFilterPhotos() }) }),
        ),
      ),
    ).toBe('INPUT_FILTER_INVALID');
  });

  it('searches a supergroup, answering channelMessages with the count found', async () => {
    const owner = await namedUser(kit, 'Olga');
    const chat = await newChannel(kit.sandbox, owner.phone, { megagroup: true });
    const client = await signedInClient(kit, owner);
    const peer = channelPeer(chat);
    for (const message of ['release on Friday', 'coffee', 'Release notes are up']) {
      await client.sendMessage(peer, { message });
    }
    const found = await client.invoke(new Api.messages.Search({ peer, ...search('release') }));
    expect(found).toBeInstanceOf(Api.messages.ChannelMessages);
    expect((found as Api.messages.ChannelMessages).count).toBe(2);
    expect(texts(found)).toEqual(['Release notes are up', 'release on Friday']);
  });
});
