import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { productSourceFiles } from './helpers/source-files';

const MODULES = path.join(__dirname, '..', 'src', 'modules');

/**
 * Tables with one owner: the files that may read or write each. Everyone else asks the owning
 * module's service. `admin/admin-read-model.ts` is the console's one declared cross-module read model.
 * SQL function sources (`<module>/sql/*.sql`) count like any other file: a function that reads
 * another module's table is listed here with why.
 */
const OWNERS: Record<string, { entity: string; files: string[] }> = {
  channels: {
    entity: 'Channel',
    // The send path's due-posts function reads a channel's chat beside its posts.
    files: ['channels/channels.repository.ts', 'admin/admin-read-model.ts', 'posts/sql/tenant_due_posts.sql'],
  },
  posts: {
    entity: 'Post',
    // post_media's leftover sweep joins the post's status; both tables are the posts module's.
    files: [
      'posts/posts.repository.ts',
      'posts/post-media.repository.ts',
      'posts/sql/tenant_due_posts.sql',
      'posts/sql/tenant_claim_posts.sql',
      'posts/sql/tenant_record_sent.sql',
      'posts/sql/tg_due_post_channels.sql',
    ],
  },
  post_media: { entity: 'PostMediaFile', files: ['posts/post-media.repository.ts'] },
  files: { entity: 'StoredFile', files: ['files/files.repository.ts'] },
  users: {
    entity: 'User',
    // The send path and the bot lookups read a tenant's status (suspended or not) in their own statement.
    files: [
      'tenants/users.repository.ts',
      'admin/admin-read-model.ts',
      'posts/sql/tenant_due_posts.sql',
      'bot/sql/tg_active_bots.sql',
      'bot/sql/tg_bot_owner.sql',
    ],
  },
  refresh_tokens: { entity: 'RefreshToken', files: ['auth/refresh-tokens.repository.ts'] },
  audit_events: { entity: 'AuditEvent', files: ['audit/audit.repository.ts', 'audit/sql/audit_append.sql'] },
  user_bot_credentials: {
    entity: 'UserBotCredentials',
    files: [
      'credentials/credentials.repository.ts',
      'admin/admin-read-model.ts',
      'credentials/sql/tenant_credentials.sql',
      'bot/sql/tg_active_bots.sql',
      'bot/sql/tg_bot_owner.sql',
    ],
  },
  mtproto_logins: { entity: 'MtprotoLogin', files: ['user-mtproto/mtproto-logins.repository.ts'] },
  // The send path's record appends each sent post's event through events_append, in its statement;
  // webhook dispatch reads the events it hands to endpoints in the statement that moves their cursors.
  events: {
    entity: 'Event',
    files: ['events/events.repository.ts', 'events/sql/events_append.sql', 'webhooks/sql/tenant_webhook_dispatch.sql'],
  },
  event_keys: { entity: 'EventKey', files: ['events/sql/events_append.sql', 'events/sql/events_maintain.sql'] },
  webhook_endpoints: {
    entity: 'WebhookEndpoint',
    // The sweep reads which endpoints are enabled beside their pending attempts; both tables are the webhooks module's.
    // Dispatch and outcomes move the endpoints' cursors and failure clocks with their attempts; targets reads them.
    files: [
      'webhooks/webhook-endpoints.repository.ts',
      'webhooks/webhook-deliveries.repository.ts',
      'webhooks/sql/tenant_webhook_dispatch.sql',
      'webhooks/sql/tenant_webhook_record.sql',
      'webhooks/sql/tenant_webhook_targets.sql',
    ],
  },
  webhook_deliveries: {
    entity: 'WebhookDelivery',
    files: [
      'webhooks/webhook-deliveries.repository.ts',
      'webhooks/sql/tenant_webhook_dispatch.sql',
      'webhooks/sql/tenant_webhook_record.sql',
    ],
  },
  mtproto_account_updates: {
    entity: 'MtprotoAccountUpdates',
    files: ['user-mtproto/account-updates/account-updates.repository.ts'],
  },
  mtproto_channel_states: {
    entity: 'MtprotoChannelState',
    files: ['user-mtproto/account-updates/account-updates.repository.ts'],
  },
  mtproto_known_peers: {
    entity: 'MtprotoKnownPeer',
    files: ['user-mtproto/account-updates/account-updates.repository.ts'],
  },
  mtproto_account_sends: {
    entity: 'MtprotoAccountSend',
    files: [
      'user-mtproto/account-actions/account-sends.repository.ts',
      'user-mtproto/account-actions/sql/tenant_account_send_claim.sql',
      'user-mtproto/account-actions/sql/tenant_account_send_record.sql',
    ],
  },
  channel_subscriber_samples: {
    entity: 'ChannelSubscriberSample',
    files: ['analytics/analytics.repository.ts', 'analytics/sql/analytics_maintain.sql'],
  },
  post_view_samples: {
    entity: 'PostViewSample',
    files: [
      'analytics/analytics.repository.ts',
      'analytics/sql/analytics_maintain.sql',
      'analytics/sql/analytics_rollup.sql',
    ],
  },
  // The hourly rollup of post_view_samples: written by analytics_rollup in the transaction that records a sample.
  channel_hourly_stats: {
    entity: 'ChannelHourlyStats',
    files: [
      'analytics/analytics.repository.ts',
      'analytics/sql/analytics_rollup.sql',
      'analytics/sql/analytics_maintain.sql',
    ],
  },
  channel_analytics_schedule: {
    entity: 'ChannelAnalyticsSchedule',
    files: ['analytics/collector/collection-schedule.repository.ts'],
  },
  channel_analytics_posts: {
    entity: 'ChannelAnalyticsPost',
    files: ['analytics/collector/collection-schedule.repository.ts'],
  },
};

/** Where a file reaches the table: through its entity's repository or query builder, or by name in SQL. */
function touches(source: string, table: string, entity: string): boolean {
  const byEntity = new RegExp(
    `(getRepository|createQueryBuilder|\\.update|\\.insert|\\.delete|\\.from|\\.into)\\(\\s*${entity}\\b`,
  );
  const bySql = new RegExp(`\\b(FROM|JOIN|INTO|UPDATE|USING)\\s+"?${table}"?(\\s|$|\\)|,)`, 'i');
  return byEntity.test(source) || bySql.test(source);
}

describe('table owners', () => {
  const files = productSourceFiles(MODULES, ['.ts', '.sql']).map((f) => ({
    name: path.relative(MODULES, f).split(path.sep).join('/'),
    source: readFileSync(f, 'utf8'),
  }));

  it.each(Object.entries(OWNERS))('only the owners of %s read or write it', (table, { entity, files: owners }) => {
    const reaching = files.filter((f) => touches(f.source, table, entity)).map((f) => f.name);
    expect(reaching.filter((name) => !owners.includes(name))).toEqual([]);
  });

  it('finds each owner reaching its table (the check looks where it should)', () => {
    for (const [table, { entity, files: owners }] of Object.entries(OWNERS)) {
      const [owner = ''] = owners;
      const file = files.find((f) => f.name === owner);
      expect({ table, owner, reaches: file ? touches(file.source, table, entity) : false }).toEqual({
        table,
        owner,
        reaches: true,
      });
    }
  });
});
