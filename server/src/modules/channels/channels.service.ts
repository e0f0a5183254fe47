import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { PageQueryDto, pageOffset } from '../../common/http/pagination';
import { isUuid } from '../database/tenant-db';
import { Channel } from './channel.entity';
import { type BotRights, ChannelsRepository } from './channels.repository';
import { channelNotFound, ChannelsError, ChannelsErrorCode } from './channels.errors';
import { ChannelDto, ChannelPageDto, CreateChannelDto, UpdateChannelDto } from './dtos/channel.dto';

const isUniqueViolation = (err: unknown): boolean =>
  err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505';

/** A channel's name for messages to the tenant: its title, else its username, else an id. */
export const channelLabel = (c: Channel): string => c.title || c.username || c.telegramId || c.id;

/**
 * A tenant's channels. The rows live behind ChannelsRepository; other modules read and change
 * them through this service.
 */
@Injectable()
export class ChannelsService {
  constructor(private readonly repo: ChannelsRepository) {}

  async create(tenantId: string, dto: CreateChannelDto): Promise<ChannelDto> {
    if (!dto.telegram_id && !dto.username) {
      throw new ChannelsError(ChannelsErrorCode.IdentityRequired, "Give the channel's telegram_id or its username.");
    }
    try {
      const saved = await this.repo.insert(tenantId, {
        telegramId: dto.telegram_id ?? null,
        username: dto.username ?? null,
        title: dto.title ?? dto.username ?? '',
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
    const [rows, total] = await this.repo.page(tenantId, pageOffset(q), q.page_size);
    return { items: rows.map((c) => ChannelDto.from(c)), page: q.page, page_size: q.page_size, total };
  }

  async get(tenantId: string, id: string): Promise<ChannelDto> {
    return ChannelDto.from(await this.find(tenantId, id));
  }

  /** Whether the channel exists and is the tenant's (the ownership guard asks this). */
  async owns(tenantId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return this.repo.exists(tenantId, id);
  }

  async update(tenantId: string, id: string, dto: UpdateChannelDto): Promise<ChannelDto> {
    const saved = await this.repo.change(tenantId, id, (channel) => {
      if (dto.title !== undefined) channel.title = dto.title;
      if (dto.username !== undefined) channel.username = dto.username;
      if (channel.telegramId === null && channel.username === null) {
        throw new ChannelsError(
          ChannelsErrorCode.IdentityRequired,
          'username cannot be cleared: this channel has no telegram_id, and a channel needs one of the two.',
          { fields: [{ field: 'username', problems: ['must not be null while the channel has no telegram_id'] }] },
        );
      }
    });
    if (!saved) throw channelNotFound(id);
    return ChannelDto.from(saved);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    if (!(await this.repo.delete(tenantId, id))) throw channelNotFound(id);
  }

  /** The tenant's channel, or NOT_FOUND (also for another tenant's channel or an id that is no uuid). */
  async find(tenantId: string, id: string): Promise<Channel> {
    if (!isUuid(id)) throw channelNotFound(id);
    const channel = await this.repo.findById(tenantId, id);
    if (!channel) throw channelNotFound(id);
    return channel;
  }

  /** Every channel of the tenant, oldest first. */
  all(tenantId: string): Promise<Channel[]> {
    return this.repo.all(tenantId);
  }

  count(tenantId: string): Promise<number> {
    return this.repo.count(tenantId);
  }

  /** Channel ids of every tenant, in id order after `afterId` (null: from the first), at most `limit`. */
  pageAcrossTenants(afterId: string | null, limit: number): Promise<{ id: string; userId: string }[]> {
    return this.repo.pageAcrossTenants(afterId, limit);
  }

  /** The channel's label (see channelLabel), or its id when it is gone. */
  async label(tenantId: string, id: string): Promise<string> {
    const channel = await this.repo.findById(tenantId, id);
    return channel ? channelLabel(channel) : id;
  }

  /** Records what the bot may do in the channel, and a title or username learnt from Telegram. */
  recordBotRights(
    tenantId: string,
    id: string,
    rights: BotRights,
    named: { title?: string; username?: string } = {},
  ): Promise<void> {
    return this.repo.setBotRights(tenantId, id, rights, named);
  }

  /**
   * Records what the bot may do in the tenant's channel with this Telegram id (a `my_chat_member`
   * update). Answers the channel as it was before, or null when the tenant has no such channel.
   */
  recordBotRightsByTelegramId(tenantId: string, telegramId: string, rights: BotRights): Promise<Channel | null> {
    return this.repo.setBotRightsByTelegramId(tenantId, telegramId, rights);
  }

  /** Caches the tenant's MTProto access hash for the channel (and its Telegram id when it had none). */
  recordAccessHash(tenantId: string, id: string, accessHash: string, telegramId?: string): Promise<void> {
    return this.repo.setAccessHash(tenantId, id, accessHash, telegramId);
  }
}
