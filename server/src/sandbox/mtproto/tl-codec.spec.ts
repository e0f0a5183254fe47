import { Api } from 'telegram';
import { BinaryReader } from 'telegram/extensions/BinaryReader';
import { returnBigInt } from 'telegram/Helpers';
import { TlCodec } from './tl-codec';
import { loadInstalledSchema, parseTlSchema } from './tl-schema';

describe('schema-driven TL codec', () => {
  const codec = new TlCodec(loadInstalledSchema());

  it('reads the layer and constructor ids of the installed client', () => {
    const schema = loadInstalledSchema();
    expect(schema.layer).toBeGreaterThan(150);
    expect(schema.functions.get('help.getConfig')?.id).toBe(0xc4f9186b);
    expect(schema.constructors.get('user')?.params.find((p) => p.name === 'bot')?.flag).toEqual({
      field: 'flags',
      bit: 14,
    });
  });

  it('writes objects the client reads back, flags and all', () => {
    const bytes = codec.encode({
      _: 'user',
      self: true,
      id: 100000001n,
      access_hash: -5n,
      first_name: 'Ada',
      username: 'ada_l',
      status: { _: 'userStatusRecently' },
      usernames: [],
    });
    const user = new BinaryReader(bytes).tgReadObject() as Api.User;
    expect(user).toBeInstanceOf(Api.User);
    expect(user.self).toBe(true);
    expect(user.bot).toBe(false);
    expect(user.id.toString()).toBe('100000001');
    expect(user.accessHash?.toString()).toBe('-5');
    expect(user.firstName).toBe('Ada');
    expect(user.lastName ?? undefined).toBeUndefined();
    expect(user.status).toBeInstanceOf(Api.UserStatusRecently);
  });

  it('reads what the client writes, including wrapped queries and long strings', () => {
    const long = 'x'.repeat(300);
    const request = new Api.InvokeWithLayer({
      layer: 1,
      query: new Api.messages.SendMessage({
        peer: new Api.InputPeerSelf(),
        message: long,
        randomId: returnBigInt('-1234567890123'),
        silent: true,
      }),
    });
    const decoded = codec.decode(request.getBytes());
    expect(decoded._).toBe('invokeWithLayer');
    const query = decoded.query as Record<string, unknown>;
    expect(query._).toBe('messages.sendMessage');
    expect(query.message).toBe(long);
    expect(query.random_id).toBe(-1234567890123n);
    expect(query.silent).toBe(true);
    expect(query.noforwards).toBe(false);
    expect((query.peer as Record<string, unknown>)._).toBe('inputPeerSelf');
  });

  it('serializes function results by their declared type, bare and boxed vectors alike', () => {
    const bytes = codec.encodeAs('Vector<User>', [{ _: 'userEmpty', id: 7n }]);
    expect(bytes.readUInt32LE(0)).toBe(0x1cb5c415);
    expect(bytes.readInt32LE(4)).toBe(1);
    expect(bytes.readUInt32LE(8)).toBe(0xd3bc4b7a);
  });

  it('skips schema lines that carry no constructor id', () => {
    const schema = parseTlSchema(
      [{ text: 'tlsBlockZero length:int = TlBlock;\nping#7abe77ec ping_id:long = Pong;', binaryStrings: true }],
      1,
    );
    expect([...schema.constructors.keys()]).toEqual(['ping']);
  });
});
