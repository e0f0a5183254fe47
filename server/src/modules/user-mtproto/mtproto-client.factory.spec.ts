import { generateKeyPairSync } from 'node:crypto';
import { TelegramClient } from 'telegram';
import { _serverKeys } from 'telegram/crypto/RSA';
import { PromisedNetSockets } from 'telegram/extensions';
import { Logger } from 'telegram/extensions/Logger';
import { ConnectionTCPFull } from 'telegram/network';
import { loadConfig, TelegramMode } from '../../config/app-config';
import { MtprotoClientFactory } from './mtproto-client.factory';

const API = { apiId: 1, apiHash: '0123456789abcdef0123456789abcdef' };

function internals(client: TelegramClient) {
  return client as unknown as { _connection: typeof ConnectionTCPFull; _floodSleepThreshold: number };
}

describe('MtprotoClientFactory', () => {
  it('builds a plain client in real mode', async () => {
    const factory = new MtprotoClientFactory(loadConfig({ NODE_ENV: 'test', TELEGRAM_MODE: TelegramMode.Real }));
    const client = await factory.createClient({ ...API, floodSleepThreshold: 0 });
    expect(internals(client)._connection).toBe(ConnectionTCPFull);
    expect(internals(client)._floodSleepThreshold).toBe(0);
    expect(client.session.serverAddress).toBeUndefined();
    await factory.destroyClient(client);
  });

  it('in sandbox mode trusts the sandbox key and dials the sandbox port whatever the session says', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const fingerprint = '-1234567890123456789';
    const factory = new MtprotoClientFactory(loadConfig({ NODE_ENV: 'test', TELEGRAM_MODE: TelegramMode.Sandbox }), {
      host: '127.0.0.1',
      port: 45678,
      publicKey: { pem, fingerprint },
    });
    const client = await factory.createClient(API);
    expect(_serverKeys.get(fingerprint)?.e).toBe(65537);
    expect(client.session.serverAddress).toBe('127.0.0.1');
    // Ports above 32767 cannot be stored in a StringSession; the session keeps a placeholder.
    expect(client.session.port).toBe(443);
    expect(() => factory.saveSession(client)).not.toThrow();
    const Connection = internals(client)._connection;
    const conn = new Connection({
      ip: '149.154.167.50',
      port: 80,
      dcId: 2,
      loggers: new Logger(),
      socket: PromisedNetSockets,
      testServers: false,
    });
    expect(conn).toBeInstanceOf(ConnectionTCPFull);
    expect(conn.toString()).toMatch(/^127\.0\.0\.1:45678\//);
    await factory.destroyClient(client);
    _serverKeys.delete(fingerprint);
  });
});
