import { randomInt } from 'node:crypto';
import { Channel, ChannelType } from '../../src/modules/channels/channel.entity';
import { saveAsTenant } from './tenant-scope';
import type { FactoryTarget } from './user.factory';

export interface ChannelOverrides {
  telegramId?: string | null;
  username?: string | null;
  title?: string;
  type?: ChannelType;
}

/** A channel of `tenantId`, written inside that tenant's row-level-security scope. */
export async function newChannel(
  target: FactoryTarget,
  tenantId: string,
  overrides: ChannelOverrides = {},
): Promise<Channel> {
  return saveAsTenant(target, tenantId, Channel, {
    userId: tenantId,
    telegramId: overrides.telegramId === undefined ? `-100${randomInt(1e9, 9e9)}` : overrides.telegramId,
    username: overrides.username ?? null,
    title: overrides.title ?? 'Test channel',
    type: overrides.type ?? ChannelType.Channel,
  });
}
