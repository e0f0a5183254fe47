import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Api, TelegramClient } from 'telegram';
import { BinaryReader } from 'telegram/extensions';
import { control } from './bot-helpers';
import { mtcuteClient } from './mtcute-kit';
import { API_ID, errorOf, latestCode, MtprotoKit, newUser, signedInClient, startMtprotoKit } from './mtproto-kit';

jest.setTimeout(60000);

/**
 * A call sent through gramjs's connection as raw bytes, its answer kept as raw bytes: gramjs (layer
 * 198) carries the call, and an old-layer client's own parser reads the answer.
 */
class RawCall {
  readonly classType = 'request';
  readonly className = 'RawCall';

  constructor(private readonly bytes: Buffer) {}

  getBytes(): Buffer {
    return this.bytes;
  }

  async resolve(): Promise<void> {}

  readResult(reader: BinaryReader): { className: string; bytes: Buffer } {
    return { className: 'RawAnswer', bytes: reader.read() };
  }
}

async function raw(
  client: TelegramClient,
  request: Buffer | Promise<Buffer> | { getBytes(): Buffer },
): Promise<Buffer> {
  const resolved = await request;
  const bytes = Buffer.isBuffer(resolved) ? resolved : resolved.getBytes();
  const answer = (await client.invoke(new RawCall(bytes) as never)) as unknown as { bytes: Buffer };
  return answer.bytes;
}

/**
 * Telethon 1.25 (Debian's python3-telethon, API layer 144) in one Python process for the whole file: a
 * client of that layer whose own generated TL classes build requests and parse answers.
 */
const TELETHON = `
import sys, json
from telethon.tl import functions, types
from telethon.extensions import BinaryReader
from telethon.tl.alltlobjects import LAYER
def big(v):
    # 64-bit values (access hashes) travel as strings: JSON numbers hold 53 bits.
    if isinstance(v, dict): return {k: big(x) for k, x in v.items()}
    if isinstance(v, list): return [big(x) for x in v]
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 2**53: return str(v)
    return v
for line in sys.stdin:
    cmd = json.loads(line)
    try:
        if cmd['op'] == 'request':
            out = bytes(eval(cmd['expr'])).hex()
        else:
            obj = BinaryReader(bytes.fromhex(cmd['hex'])).tgread_object()
            out = {'layer': LAYER, 'obj': big([o.to_dict() for o in obj] if isinstance(obj, list) else obj.to_dict())}
        print(json.dumps({'ok': out}, default=str), flush=True)
    except Exception as e:
        print(json.dumps({'error': repr(e)}), flush=True)
`;

class Telethon {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: ReturnType<typeof createInterface>;
  private readonly waiting: ((line: string) => void)[] = [];
  /** Why Python is gone, once it is. */
  private exited: string | undefined;

  constructor() {
    this.proc = spawn('/usr/bin/python3', ['-c', TELETHON]);
    const fail = (why: string) => this.waiting.splice(0).forEach((w) => w(JSON.stringify({ error: why })));
    this.proc.on('error', (err) => fail(err.message));
    // Python gone (Telethon not installed, a crash): every question still waiting fails with what it printed,
    // and so does every later one, instead of waiting for the test's timeout.
    let stderr = '';
    this.proc.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    this.proc.on('close', (code) => {
      this.exited = `Telethon's Python exited (${code}): ${stderr.trim() || 'no output'}`;
      fail(this.exited);
    });
    this.proc.stdin.on('error', () => undefined);
    this.lines = createInterface({ input: this.proc.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
  }

  private ask(cmd: object): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const answer = JSON.parse(line) as { ok?: unknown; error?: string };
        if (answer.error) reject(new Error(answer.error));
        else resolve(answer.ok);
      });
      this.proc.stdin.write(`${JSON.stringify(cmd)}\n`);
    });
  }

  /** Serializes a request with Telethon's classes: `expr` is Python over `functions`/`types`. */
  async request(expr: string): Promise<Buffer> {
    return Buffer.from((await this.ask({ op: 'request', expr })) as string, 'hex');
  }

  /** Parses an answer as Telethon does: `{ layer, obj }` with `obj` from `to_dict()`. */
  read(bytes: Buffer): Promise<any> {
    return this.ask({ op: 'read', hex: bytes.toString('hex') });
  }

  close(): void {
    this.lines.close();
    this.proc.kill();
  }
}

const TELETHON_144 = { user: 0x3ff6ecb0, channel: 0x8261ac61, config: 0x330b4067, message: 0x38116ee0 };

function atLayer(layer: number, query: Api.AnyRequest): Api.InvokeWithLayer {
  return new Api.InvokeWithLayer({
    layer,
    query: new Api.InitConnection({
      apiId: API_ID,
      deviceModel: 'layer test',
      systemVersion: '1',
      appVersion: '1',
      systemLangCode: 'en',
      langPack: '',
      langCode: 'en',
      query,
    }),
  });
}

describe('sandbox MTProto door: every client in its own API layer, from one world', () => {
  let kit: MtprotoKit;
  const telethon = new Telethon();
  let owner: { id: number; phone: string };
  /** `id`: the marked (Bot API) id; `channelId`: the id in TL objects. */
  let channel: { id: number; channelId: number; username: string };

  beforeAll(async () => {
    kit = await startMtprotoKit();
    owner = await newUser(kit, { firstName: 'Lena', username: `layers_owner${Date.now() % 100000}` });
    const username = `layers_news${Date.now() % 100000}`;
    const created = await control(kit.sandbox, 'POST', '/sandbox/channels', {
      title: 'Layers news',
      username,
      owner_phone: owner.phone,
    });
    expect(created.status).toBe(201);
    const body = created.body as { id: number; channel_id: number };
    channel = { id: body.id, channelId: body.channel_id, username };
    const posted = await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, {
      text: 'one post, every layer',
      views: 5,
    });
    expect(posted.status).toBe(200);
  });

  afterAll(async () => {
    telethon.close();
    await kit.close();
  });

  it('answers a layer-144 client (Telethon parses it) and a layer-227 client (mtcute) with the same user, channel and message', async () => {
    const old = await signedInClient(kit, owner, undefined, { receiveUpdates: false });

    const config = await raw(
      old,
      telethon.request(
        `functions.InvokeWithLayerRequest(144, functions.InitConnectionRequest(${API_ID}, 'test', '1', '1', 'en', '', 'en', functions.help.GetConfigRequest()))`,
      ),
    );
    expect(config.readUInt32LE(0)).toBe(TELETHON_144.config);
    const parsedConfig = await telethon.read(config);
    expect(parsedConfig.layer).toBe(144);
    expect(parsedConfig.obj._).toBe('Config');
    expect(parsedConfig.obj.this_dc).toBe(2);

    const users = await raw(old, telethon.request('functions.users.GetUsersRequest([types.InputUserSelf()])'));
    expect(users.readUInt32LE(8)).toBe(TELETHON_144.user);
    const [user] = (await telethon.read(users)).obj;
    expect(user).toMatchObject({ _: 'User', id: owner.id, first_name: 'Lena', is_self: true });

    const resolved = await telethon.read(
      await raw(old, telethon.request(`functions.contacts.ResolveUsernameRequest('${channel.username}')`)),
    );
    expect(resolved.obj._).toBe('ResolvedPeer');
    const [chat] = resolved.obj.chats;
    expect(chat).toMatchObject({ _: 'Channel', id: channel.channelId, title: 'Layers news', creator: true });

    const history = await raw(
      old,
      telethon.request(
        `functions.messages.GetHistoryRequest(types.InputPeerChannel(${channel.channelId}, ${chat.access_hash}), 0, None, 0, 10, 0, 0, 0)`,
      ),
    );
    const parsedHistory = (await telethon.read(history)).obj;
    expect(parsedHistory._).toBe('ChannelMessages');
    expect(parsedHistory.messages).toHaveLength(1);
    expect(parsedHistory.messages[0]).toMatchObject({
      _: 'Message',
      id: 1,
      message: 'one post, every layer',
      views: 5,
    });
    await kit.destroy(old);

    // The newest layer's client reads the same objects in its own constructors.
    const mt = mtcuteClient(kit.sandbox);
    try {
      const sent = await mt.sendCode({ phone: owner.phone });
      if (!('phoneCodeHash' in sent)) throw new Error('no code sent');
      const me = await mt.signIn({
        phone: owner.phone,
        phoneCodeHash: sent.phoneCodeHash,
        phoneCode: await latestCode(kit, owner.phone),
      });
      expect(me.id).toBe(owner.id);
      expect(me.firstName).toBe('Lena');
      const chat227 = await mt.getChat(`@${channel.username}`);
      expect(chat227.id).toBe(channel.id);
      expect(chat227.title).toBe('Layers news');
      const [post] = await mt.getHistory(`@${channel.username}`);
      expect(post?.text).toBe('one post, every layer');
      expect(post?.views).toBe(5);
    } finally {
      await mt.destroy();
    }
  });

  it('keeps the layer a connection named: later calls on it are answered in that layer, other connections in theirs', async () => {
    const old = await signedInClient(kit, owner, undefined, { receiveUpdates: false });
    const current = await signedInClient(kit, owner, undefined, { receiveUpdates: false });
    const getSelf = () => new Api.users.GetUsers({ id: [new Api.InputUserSelf()] });

    await raw(old, atLayer(144, new Api.help.GetNearestDc()));
    // No wrapper on these calls: the connection's layer holds.
    const oldUsers = await raw(old, getSelf());
    expect(oldUsers.readUInt32LE(8)).toBe(TELETHON_144.user);
    expect((await telethon.read(oldUsers)).obj[0].id).toBe(owner.id);
    const currentUsers = await raw(current, getSelf());
    expect(currentUsers.readUInt32LE(8)).toBe(Api.User.CONSTRUCTOR_ID);

    // A connection may name another layer; from then on it is answered in that one.
    await raw(old, atLayer(198, new Api.help.GetNearestDc()));
    expect((await raw(old, getSelf())).readUInt32LE(8)).toBe(Api.User.CONSTRUCTOR_ID);
    await kit.destroy(old);
    await kit.destroy(current);
  });

  it('answers a method or constructor the connection’s layer lacks with an RPC error, and the connection lives on', async () => {
    const old = await signedInClient(kit, owner, undefined, { receiveUpdates: false });
    await raw(old, atLayer(144, new Api.help.GetNearestDc()));
    // stories.getAllStories came with layer 160: unknown in 144.
    expect(await errorOf(raw(old, new Api.stories.GetAllStories({})))).toBe('INPUT_METHOD_INVALID');
    // users.getUsers with an InputUser constructor no layer has.
    const bogus = Buffer.alloc(16);
    bogus.writeUInt32LE(Api.users.GetUsers.CONSTRUCTOR_ID, 0);
    bogus.writeUInt32LE(0x1cb5c415, 4);
    bogus.writeInt32LE(1, 8);
    bogus.writeUInt32LE(0x0badc0de, 12);
    expect(await errorOf(raw(old, bogus))).toBe('INPUT_CONSTRUCTOR_INVALID');
    // The same connection still answers.
    expect((await telethon.read(await raw(old, new Api.help.GetNearestDc()))).obj._).toBe('NearestDc');
    await kit.destroy(old);
  });

  it('refuses a layer older than 133 (before 64-bit ids) with CONNECTION_LAYER_INVALID', async () => {
    const old = await signedInClient(kit, owner, undefined, { receiveUpdates: false });
    expect(await errorOf(raw(old, atLayer(131, new Api.help.GetConfig())))).toBe('CONNECTION_LAYER_INVALID');
    await kit.destroy(old);
  });
});
