import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { exportServerRsaKey, generateServerRsaKey, importServerRsaKey, type ServerRsaKey } from '../mtproto/crypto';

export const RSA_KEY_FILE_NAME = 'mtproto-rsa-key.pem';

/**
 * The MTProto door's RSA key, kept in `<dataDir>/mtproto-rsa-key.pem` (mode 0600) so a client configured with
 * the sandbox's public key (Telethon, Pyrogram, TDLib apps take it as configuration) keeps working across
 * restarts and resets, as Telegram's keys do. A missing file gets a new key; an unreadable one is moved aside
 * (its content never quoted: it is a private key) and replaced.
 */
export async function loadOrCreateServerRsaKey(dataDir: string, log: (message: string) => void): Promise<ServerRsaKey> {
  const file = path.join(path.resolve(dataDir), RSA_KEY_FILE_NAME);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    try {
      return importServerRsaKey(text);
    } catch (err) {
      const movedTo = `${file}.bad-${Date.now()}`;
      await rename(file, movedTo);
      log(
        `the stored MTProto RSA key could not be read (${(err as Error).message}); moved to ${movedTo}, a new key is made`,
      );
    }
  }
  const key = generateServerRsaKey();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, exportServerRsaKey(key), { encoding: 'utf8', fsync: true, mode: 0o600 });
  return key;
}
