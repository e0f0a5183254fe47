import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { productSourceFiles } from './helpers/source-files';

const MODULES = path.join(__dirname, '..', 'src', 'modules');

/**
 * Tables with one owner: the files that may read or write each. Everyone else asks the owning
 * module's service. `admin/admin-read-model.ts` is the console's one declared cross-module read model.
 */
const OWNERS: Record<string, { entity: string; files: string[] }> = {
  channels: {
    entity: 'Channel',
    files: ['channels/channels.repository.ts', 'admin/admin-read-model.ts'],
  },
  posts: {
    entity: 'Post',
    // post_media's leftover sweep joins the post's status; both tables are the posts module's.
    files: ['posts/posts.repository.ts', 'posts/post-media.repository.ts'],
  },
  post_media: { entity: 'PostMediaFile', files: ['posts/post-media.repository.ts'] },
  files: { entity: 'StoredFile', files: ['files/files.repository.ts'] },
  users: { entity: 'User', files: ['tenants/users.repository.ts', 'admin/admin-read-model.ts'] },
  refresh_tokens: { entity: 'RefreshToken', files: ['auth/refresh-tokens.repository.ts'] },
  audit_events: { entity: 'AuditEvent', files: ['audit/audit.repository.ts'] },
  user_bot_credentials: {
    entity: 'UserBotCredentials',
    files: ['credentials/credentials.repository.ts', 'admin/admin-read-model.ts'],
  },
  mtproto_logins: { entity: 'MtprotoLogin', files: ['user-mtproto/mtproto-logins.repository.ts'] },
  events: { entity: 'Event', files: ['events/events.repository.ts'] },
  event_keys: { entity: 'EventKey', files: ['events/events.repository.ts'] },
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
  const files = productSourceFiles(MODULES).map((f) => ({
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
