import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { PageQueryDto, pageOffset } from '../../common/http/pagination';
import { isUuid, TenantDb } from '../database/tenant-db';
import { Channel } from './channel.entity';
import { channelNotFound, ChannelsError, ChannelsErrorCode } from './channels.errors';
import { ChannelDto, ChannelPageDto, CreateChannelDto, UpdateChannelDto } from './dtos/channel.dto';

const isUniqueViolation = (err: unknown): boolean =>
  err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505';

/** A tenant's channels. Every query runs in the tenant's row-level-security scope and filters by tenant too. */
@Injectable()
export class ChannelsService {
  constructor(private readonly tenantDb: TenantDb) {}

  async create(tenantId: string, dto: CreateChannelDto): Promise<ChannelDto> {
    if (!dto.telegram_id && !dto.username) {
      throw new ChannelsError(ChannelsErrorCode.IdentityRequired, "Give the channel's telegram_id or its username.");
    }
    try {
      const saved = await this.tenantDb.run(tenantId, (em) => {
        const repo = em.getRepository(Channel);
        return repo.save(
          repo.create({
            userId: tenantId,
            telegramId: dto.telegram_id ?? null,
            username: dto.username ?? null,
            title: dto.title ?? dto.username ?? '',
          }),
        );
      });
      return ChannelDto.from(saved);
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ChannelsError(ChannelsErrorCode.ChannelExists, `Channel ${dto.telegram_id ?? ''} is already added.`);
      }
      throw err;
    }
  }

  async list(tenantId: string, q: PageQueryDto): Promise<ChannelPageDto> {
    const [rows, total] = await this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Channel).findAndCount({
        where: { userId: tenantId },
        order: { createdAt: 'DESC', id: 'ASC' },
        skip: pageOffset(q),
        take: q.page_size,
      }),
    );
    return { items: rows.map((c) => ChannelDto.from(c)), page: q.page, page_size: q.page_size, total };
  }

  async get(tenantId: string, id: string): Promise<ChannelDto> {
    return ChannelDto.from(await this.find(tenantId, id));
  }

  /** Whether the channel exists and is the tenant's (the ownership guard asks this). */
  async owns(tenantId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return this.tenantDb.run(tenantId, (em) => em.getRepository(Channel).existsBy({ id, userId: tenantId }));
  }

  async update(tenantId: string, id: string, dto: UpdateChannelDto): Promise<ChannelDto> {
    return this.tenantDb.run(tenantId, async (em) => {
      const repo = em.getRepository(Channel);
      const channel = await repo.findOneBy({ id, userId: tenantId });
      if (!channel) throw channelNotFound(id);
      if (dto.title !== undefined) channel.title = dto.title;
      if (dto.username !== undefined) channel.username = dto.username;
      if (channel.telegramId === null && channel.username === null) {
        throw new ChannelsError(
          ChannelsErrorCode.IdentityRequired,
          'username cannot be cleared: this channel has no telegram_id, and a channel needs one of the two.',
          { fields: [{ field: 'username', problems: ['must not be null while the channel has no telegram_id'] }] },
        );
      }
      return ChannelDto.from(await repo.save(channel));
    });
  }

  async remove(tenantId: string, id: string): Promise<void> {
    const result = await this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Channel).delete({ id, userId: tenantId }),
    );
    if (!result.affected) throw channelNotFound(id);
  }

  private async find(tenantId: string, id: string): Promise<Channel> {
    if (!isUuid(id)) throw channelNotFound(id);
    const channel = await this.tenantDb.run(tenantId, (em) =>
      em.getRepository(Channel).findOneBy({ id, userId: tenantId }),
    );
    if (!channel) throw channelNotFound(id);
    return channel;
  }
}
