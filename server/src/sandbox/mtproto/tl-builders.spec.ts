import { Api } from 'telegram';
import { BinaryReader } from 'telegram/extensions/BinaryReader';
import { SandboxWorld } from '../world';
import { channelMessageToTl, channelToTl, configToTl } from './tl-builders';
import { TlCodec } from './tl-codec';
import { loadInstalledSchema } from './tl-schema';

describe('world entities as TL objects', () => {
  const codec = new TlCodec(loadInstalledSchema());
  const read = (bytes: Buffer): unknown => new BinaryReader(bytes).tgReadObject();

  function world() {
    const w = new SandboxWorld();
    const owner = w.createUser({ phone: '15550001111', firstName: 'Olga' });
    const channel = w.createChannel({ title: 'News', username: 'news_feed', ownerPhone: owner.phone });
    return { w, owner, channel };
  }

  it('describes a channel post with views, the posting bot and a document the client can read', () => {
    const { w, channel } = world();
    const bot = w.createBot({ username: 'poster_bot' });
    const post = w.postToChannel(channel.id, {
      text: 'report',
      views: 7,
      viaBotId: bot.id,
      media: { kind: 'document', fileId: 'file-1', fileName: 'report.pdf', mimeType: 'application/pdf', size: 1234 },
    });
    const message = read(codec.encode(channelMessageToTl(channel, post))) as Api.Message;
    expect(message).toBeInstanceOf(Api.Message);
    expect(message.post).toBe(true);
    expect(message.views).toBe(7);
    expect(Number(message.viaBotId)).toBe(bot.id);
    expect(message.media).toBeInstanceOf(Api.MessageMediaDocument);
    const doc = (message.media as Api.MessageMediaDocument).document as Api.Document;
    expect(doc.mimeType).toBe('application/pdf');
    expect(Number(doc.size)).toBe(1234);
  });

  it('describes a photo post', () => {
    const { w, channel } = world();
    const post = w.postToChannel(channel.id, { text: '', media: { kind: 'photo', fileId: 'p-1', size: 10 } });
    const message = read(codec.encode(channelMessageToTl(channel, post))) as Api.Message;
    expect(message.media).toBeInstanceOf(Api.MessageMediaPhoto);
  });

  it("marks the creator's own channel as created and administered by them", () => {
    const { owner, channel } = world();
    const chat = read(codec.encode(channelToTl(channel, owner.id))) as Api.Channel;
    expect(chat.creator).toBe(true);
    expect(chat.left).toBe(false);
    expect(chat.broadcast).toBe(true);
    expect(chat.adminRights?.postMessages).toBe(true);
    expect(chat.username).toBe('news_feed');
  });

  it('points every data centre of the config at the sandbox', () => {
    const config = read(codec.encode(configToTl('127.0.0.1', 40000))) as Api.Config;
    expect(config.thisDc).toBe(2);
    expect(config.dcOptions.every((o) => o.ipAddress === '127.0.0.1' && o.port === 40000)).toBe(true);
  });
});
