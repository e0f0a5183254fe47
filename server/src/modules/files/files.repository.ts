import { Injectable } from '@nestjs/common';
import { TenantDb } from '../database/tenant-db';
import { StoredFile } from './stored-file.entity';

/** A file as it is recorded once Telegram holds it. */
export type NewStoredFile = Pick<
  StoredFile,
  'channelId' | 'telegramFileId' | 'telegramFileUniqueId' | 'telegramMessageId' | 'fileName' | 'size' | 'mimeType'
>;

/** The only code that reads or writes `files`. Tenant first, in the tenant's row-level-security scope. */
@Injectable()
export class FilesRepository {
  constructor(private readonly tenantDb: TenantDb) {}

  insert(tenantId: string, file: NewStoredFile): Promise<StoredFile> {
    return this.tenantDb.run(tenantId, (em) => {
      const repo = em.getRepository(StoredFile);
      return repo.save(repo.create({ userId: tenantId, ...file }));
    });
  }

  /** A page, newest first, and the tenant's total. */
  page(tenantId: string, skip: number, take: number): Promise<[StoredFile[], number]> {
    return this.tenantDb.run(tenantId, (em) =>
      em.getRepository(StoredFile).findAndCount({
        where: { userId: tenantId },
        order: { createdAt: 'DESC', id: 'DESC' },
        skip,
        take,
      }),
    );
  }

  findById(tenantId: string, id: string): Promise<StoredFile | null> {
    return this.tenantDb.run(tenantId, (em) => em.getRepository(StoredFile).findOneBy({ id, userId: tenantId }));
  }
}
