import { randomInt } from 'node:crypto';
import { Channel, ChannelType } from '../../src/modules/channels/channel.entity';
import { dataSourceOf, FactoryTarget } from './user.factory';

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
  const ds = dataSourceOf(target);
  return ds.transaction(async (em) => {
    await em.query(`SELECT set_config('app.user_id', $1, true)`, [tenantId]);
    const repo = em.getRepository(Channel);
    return repo.save(
      repo.create({
        userId: tenantId,
        telegramId: overrides.telegramId === undefined ? `-100${randomInt(1e9, 9e9)}` : overrides.telegramId,
        username: overrides.username ?? null,
        title: overrides.title ?? 'Test channel',
        type: overrides.type ?? ChannelType.Channel,
      }),
    );
  });
}
