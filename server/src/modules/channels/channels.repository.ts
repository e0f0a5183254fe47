import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ADMIN_DATA_SOURCE } from '../database/admin-data-source';
import { TenantDb } from '../database/tenant-db';
import { Channel } from './channel.entity';

/** What the bot may do in a channel, as last seen (a check or a `my_chat_member` update). */
export interface BotRights {
  botIsAdmin: boolean;
  botCanPost: boolean;
  adminCheckedAt: Date;
}

/**
 * The only code that reads or writes `channels` (the admin console's read model aside). Every
 * method takes the tenant first and runs in that tenant's row-level-security scope, filtering by
 * the tenant as well.
 */
@Injectable()
export class ChannelsRepository {
  constructor(
    private readonly tenantDb: TenantDb,
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {}

  /** Channels of every tenant (the admin pool), by id after `afterId`, at most `limit`: for workers sweeping them. */
  async pageAcrossTenants(afterId: string | null, limit: number): Promise<{ id: string; userId: string }[]> {
    const rows: { id: string; user_id: string }[] = await this.adminDs.query(
      `SELECT id, user_id FROM channels WHERE ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({ id: r.id, userId: r.user_id }));
  }

  insert(tenantId: string, row: Pick<Channel, 'telegramId' | 'username' | 'title'>): Promise<Channel> {
    return this.tenantDb.run(tenantId, (em) => {
      const repo = em.getRepository(Channel);
      return repo.save(repo.create({ userId: tenantId, ...row }));
    });
  }

  /** A page, newest first, and the tenant's total. */
  page(tenantId: string, skip: number, take: number): Promise<[Channel[], number]> {
    return this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Channel).findAndCount({
        where: { userId: tenantId },
        order: { createdAt: 'DESC', id: 'ASC' },
        skip,
        take,
      }),
    );
  }

  /** Every channel of the tenant, oldest first. */
  all(tenantId: string): Promise<Channel[]> {
    return this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Channel).find({ where: { userId: tenantId }, order: { createdAt: 'ASC', id: 'ASC' } }),
    );
  }

  findById(tenantId: string, id: string): Promise<Channel | null> {
    return this.tenantDb.run(tenantId, (em) => em.getRepository(Channel).findOneBy({ id, userId: tenantId }));
  }

  exists(tenantId: string, id: string): Promise<boolean> {
    return this.tenantDb.run(tenantId, (em) => em.getRepository(Channel).existsBy({ id, userId: tenantId }));
  }

  count(tenantId: string): Promise<number> {
    return this.tenantDb.run(tenantId, (em) => em.getRepository(Channel).countBy({ userId: tenantId }));
  }

  /**
   * Loads the channel, lets `change` edit it (and refuse by throwing), and saves it, in one
   * transaction. Answers null when the tenant has no such channel.
   */
  change(tenantId: string, id: string, change: (channel: Channel) => void): Promise<Channel | null> {
    return this.tenantDb.run(tenantId, async (em) => {
      const repo = em.getRepository(Channel);
      const channel = await repo.findOneBy({ id, userId: tenantId });
      if (!channel) return null;
      change(channel);
      return repo.save(channel);
    });
  }

  /** Answers whether a row went. */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const result = await this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Channel).delete({ id, userId: tenantId }),
    );
    return Boolean(result.affected);
  }

  /** Records the bot's rights in a channel, with a title and username learnt from Telegram. */
  async setBotRights(
    tenantId: string,
    id: string,
    rights: BotRights,
    named: { title?: string; username?: string } = {},
  ): Promise<void> {
    await this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Channel).update({ id, userId: tenantId }, { ...rights, ...named }),
    );
  }

  /**
   * Records the bot's rights in the channel with this Telegram id, in one transaction with
   * reading what they were. Answers the channel as it was, or null when the tenant has none such.
   */
  setBotRightsByTelegramId(tenantId: string, telegramId: string, rights: BotRights): Promise<Channel | null> {
    return this.tenantDb.run(tenantId, async (em) => {
      const repo = em.getRepository(Channel);
      const channel = await repo.findOneBy({ userId: tenantId, telegramId });
      if (!channel) return null;
      await repo.update({ id: channel.id }, rights);
      return channel;
    });
  }

  /** Caches the tenant's MTProto access hash for a channel, and its Telegram id when it had none. */
  async setAccessHash(tenantId: string, id: string, accessHash: string, telegramId?: string): Promise<void> {
    await this.tenantDb.run(tenantId, (em) =>
      em
        .getRepository(Channel)
        .update({ id, userId: tenantId }, { accessHash, ...(telegramId === undefined ? {} : { telegramId }) }),
    );
  }
}
