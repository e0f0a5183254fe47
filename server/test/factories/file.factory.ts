import { StoredFile } from '../../src/modules/files/stored-file.entity';
import { dataSourceOf, FactoryTarget } from './user.factory';

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
  const ds = dataSourceOf(target);
  return ds.transaction(async (em) => {
    await em.query(`SELECT set_config('app.user_id', $1, true)`, [tenantId]);
    const repo = em.getRepository(StoredFile);
    return repo.save(
      repo.create({
        userId: tenantId,
        channelId: overrides.channelId ?? null,
        telegramFileId: overrides.telegramFileId ?? 'fixture-file-id',
        fileName: overrides.fileName ?? 'a.txt',
        size: String(overrides.size ?? 1),
        mimeType: overrides.mimeType ?? 'text/plain',
      }),
    );
  });
}
