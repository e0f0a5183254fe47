import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { MAX_UPLOAD_BYTES } from '../../src/sandbox/bot-api/request-body';
import { fieldPart, filePart, multipartBody, rawPost, type RawPart, type RawResponse } from '../helpers/raw-http';
import { addBotToChannel, newBot, newChannel, newUser, telegramFor } from './bot-helpers';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** Every Bot API method of the sandbox that takes a file part. */
const METHODS = [
  { method: 'sendDocument', field: 'document', nameOf: (r: any): string => r.document.file_name },
  { method: 'sendPhoto', field: 'photo', nameOf: (): string => '' },
];

describe('sandbox Bot API uploads cannot hurt the sandbox', () => {
  let sandbox: SandboxHandle;
  let token: string;
  let botId: number;
  let chatId: number;

  beforeAll(async () => {
    sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
    const owner = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone);
    await addBotToChannel(sandbox, channel.id, bot.id);
    token = bot.token;
    botId = bot.id;
    chatId = channel.id;
  });
  afterAll(async () => {
    await sandbox.close();
  });

  /** A channel of its own, so tests that do send stay under Telegram's per-chat limit. */
  async function freshChat(): Promise<number> {
    const owner = await newUser(sandbox);
    const channel = await newChannel(sandbox, owner.phone);
    await addBotToChannel(sandbox, channel.id, botId);
    return channel.id;
  }

  /** The same sandbox still answers the Bot API. */
  async function stillServing(): Promise<void> {
    await expect(telegramFor(sandbox, token).getMe()).resolves.toMatchObject({ id: botId });
  }

  const call = (
    method: string,
    body: Buffer,
    extra: { contentLength?: number; abort?: boolean; contentType?: string } = {},
  ) => rawPost({ url: sandbox.httpUrl, path: `/bot${token}/${method}`, body, ...extra });

  const expectBotError = (res: RawResponse | null, status: number): void => {
    expect(res).not.toBeNull();
    expect(res!.status).toBe(status);
    expect(res!.body).toEqual({ ok: false, error_code: status, description: expect.any(String) });
  };

  it.each([
    ['raw UTF-8 bytes', Buffer.from('filename="café.txt"', 'utf8').toString('latin1'), 'café.txt'],
    ['bytes that are not UTF-8', 'filename="caf\xe9.txt"', 'caf\ufffd.txt'],
    ['path separators', 'filename="../../etc/passwd"', 'passwd'],
    ['a very long name', `filename="${'n'.repeat(1000)}.txt"`, `${'n'.repeat(251)}.txt`],
  ])('sendDocument keeps a safe file name from %s', async (_what, param, expected) => {
    const res = await call(
      'sendDocument',
      multipartBody([
        fieldPart('chat_id', String(await freshChat())),
        { disposition: `name="document"; ${param}`, data: 'hello' },
      ]),
    );
    expect(res!.status).toBe(200);
    expect(res!.body.result.document.file_name).toBe(expected);
    await stillServing();
  });

  describe.each(METHODS)('$method', ({ method, field, nameOf }) => {
    const chat = (): RawPart => fieldPart('chat_id', String(chatId));

    it('answers 400 to a body that ends inside the file part, and keeps serving', async () => {
      const whole = multipartBody([chat(), filePart(field, 'cut.png', Buffer.alloc(200_000, 3), 'image/png')]);
      const res = await call(method, whole.subarray(0, whole.length - 100_000));
      expectBotError(res, 400);
      expect(res!.body.description).toMatch(/^Bad Request: /);
      await stillServing();
    });

    it('survives a client that disconnects in the middle of the file', async () => {
      const whole = multipartBody([chat(), filePart(field, 'gone.png', Buffer.alloc(2_000_000, 1), 'image/png')]);
      const res = await call(method, whole.subarray(0, 1_000_000), { contentLength: whole.length, abort: true });
      expect(res).toBeNull();
      await stillServing();
    });

    it('answers 413 to a file over 50 MB', async () => {
      const res = await call(
        method,
        multipartBody([chat(), filePart(field, 'big.bin', Buffer.alloc(MAX_UPLOAD_BYTES + 1))]),
      );
      expectBotError(res, 413);
      expect(res!.body.description).toBe('Request Entity Too Large');
      await stillServing();
    });

    it('answers 400 to too many files', async () => {
      const files = Array.from({ length: 11 }, (_, i) => filePart(`f${i}`, `${i}.png`, PNG, 'image/png'));
      const res = await call(method, multipartBody([chat(), ...files]));
      expectBotError(res, 400);
      await stillServing();
    });

    it('answers 400 to too many fields', async () => {
      const fields = Array.from({ length: 60 }, (_, i) => fieldPart(`x${i}`, 'v'));
      const res = await call(method, multipartBody([chat(), ...fields, filePart(field, 'a.png', PNG, 'image/png')]));
      expectBotError(res, 400);
      await stillServing();
    });

    it('answers 400 to multipart without a boundary', async () => {
      const res = await call(method, multipartBody([chat(), filePart(field, 'a.png', PNG, 'image/png')]), {
        contentType: 'multipart/form-data',
      });
      expectBotError(res, 400);
      await stillServing();
    });

    it("takes a filename*=UTF-8''… name", async () => {
      const res = await call(
        method,
        multipartBody([
          fieldPart('chat_id', String(await freshChat())),
          {
            disposition: `name="${field}"; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.png`,
            contentType: 'image/png',
            data: PNG,
          },
        ]),
      );
      expect(res!.status).toBe(200);
      expect(res!.body.ok).toBe(true);
      if (field === 'document') expect(nameOf(res!.body.result)).toBe('отчёт.png');
      await stillServing();
    });
  });
});
