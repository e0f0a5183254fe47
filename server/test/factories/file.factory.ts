import { StoredFile } from '../../src/modules/files/stored-file.entity';
import { saveAsTenant } from './tenant-scope';
import type { FactoryTarget } from './user.factory';

export interface FileOverrides {
  channelId?: string | null;
  telegramFileId?: string;
  fileName?: string;
  size?: number;
  mimeType?: string;
}

/** A stored file record of `tenantId`, written inside that tenant's row-level-security scope. */
export async function newFile(
  target: FactoryTarget,
  tenantId: string,
  overrides: FileOverrides = {},
): Promise<StoredFile> {
  return saveAsTenant(target, tenantId, StoredFile, {
    userId: tenantId,
    channelId: overrides.channelId ?? null,
    telegramFileId: overrides.telegramFileId ?? 'fixture-file-id',
    fileName: overrides.fileName ?? 'a.txt',
    size: String(overrides.size ?? 1),
    mimeType: overrides.mimeType ?? 'text/plain',
  });
}
