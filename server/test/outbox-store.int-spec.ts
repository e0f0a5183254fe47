import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/data-source-options';
import { APP_DB_ROLE } from '../src/modules/database/runtime-role';
import { TenantDb } from '../src/modules/database/tenant-db';
import { PooledStatements } from '../src/modules/database/pooled-statements';
import { OutboxStore } from '../src/modules/posts/outbox-store';
import { PostMedia, PostStatus } from '../src/modules/posts/post.entity';
import { ScopedSendFunction, SendPathFunctions } from '../src/modules/posts/send-path-functions';
import { newChannel } from './factories/channel.factory';
import { newTenant } from './factories/user.factory';
import { createMigratedDatabase, TestDatabase } from './helpers/test-database';

/**
 * The real send-path functions on a real TenantDb that write down the tenants of every statement
 * they send and, while held, keep them from reaching the database: a test can fill the store's
 * lanes and then queue calls that must go out together, in one statement, without knowing how
 * many lanes there are.
 */
class RecordingSendPath extends SendPathFunctions {
  readonly statements: { fn: ScopedSendFunction; tenants: string[] }[] = [];
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
  }

  protected override call<R>(fn: ScopedSendFunction, tenantIds: string[], args: unknown[]): Promise<R[]> {
    this.statements.push({ fn, tenants: tenantIds });
    const gate = this.gate;
    return gate.then(() => super.call<R>(fn, tenantIds, args));
  }
}

/**
 * Holds the store's statements, makes calls (`filler`) until one of them waits for a lane, then
 * makes `calls` in the same tick and lets everything go: the waiting filler and `calls` leave
 * together, in one statement, the way many tenants' senders share one under load.
 */
async function inOneStatement<T>(
  db: RecordingSendPath,
  filler: () => Promise<unknown>,
  calls: () => Promise<T>[],
): Promise<{ results: T[]; tenants: string[] }> {
  db.hold();
  const pending: Promise<unknown>[] = [];
  for (;;) {
    const sent = db.statements.length;
    pending.push(filler());
    if (db.statements.length === sent) break;
  }
  const batchIndex = db.statements.length;
  const results = calls();
  db.release();
  await Promise.all(pending);
  const out = await Promise.all(results);
  expect(db.statements.length).toBeGreaterThan(batchIndex);
  return { results: out, tenants: db.statements.at(batchIndex)?.tenants ?? [] };
}

interface PostRow {
  id: string;
  user_id: string;
  status: PostStatus;
  attempts: number;
  telegram_message_id: string | null;
  sent_at: Date | null;
  error: string | null;
  media: PostMedia | null;
  updated_at: Date;
}

describe('OutboxStore on a real database: tenants interleaved in one statement', () => {
  let db: TestDatabase;
  /** The schema owner: writes fixtures and reads every row, whatever the policies say. */
  let owner: DataSource;
  /** Two senders' connections, as the restricted role (row-level security applies). */
  let appA: DataSource;
  let appB: DataSource;
  let sendPath: RecordingSendPath;
  let store: OutboxStore;
  let clock = Date.now() - 3_600_000;

  const appDataSource = (): DataSource =>
    new DataSource(dataSourceOptions(db.url, { extra: { max: 1, options: `-c role=${APP_DB_ROLE}` } }));

  /** A post of `tenantId` in `channelId`, created after every post made before it. */
  async function newPost(
    tenantId: string,
    channelId: string,
    o: { scheduledAt?: Date | null; status?: PostStatus; media?: PostMedia | null } = {},
  ): Promise<string> {
    clock += 1000;
    const [row] = await owner.query<{ id: string }[]>(
      `INSERT INTO posts (user_id, channel_id, text, media, scheduled_at, status, created_at)
       VALUES ($1, $2, 'hello', $3, $4, $5, $6) RETURNING id`,
      [tenantId, channelId, o.media ?? null, o.scheduledAt ?? null, o.status ?? PostStatus.Scheduled, new Date(clock)],
    );
    if (!row) throw new Error('the post was not inserted');
    return row.id;
  }

  async function rows(ids: string[]): Promise<Map<string, PostRow>> {
    const found = await owner.query<PostRow[]>(`SELECT * FROM posts WHERE id = ANY ($1)`, [ids]);
    return new Map(found.map((r) => [r.id, r]));
  }

  async function allRows(): Promise<PostRow[]> {
    return owner.query<PostRow[]>(`SELECT * FROM posts ORDER BY id`);
  }

  async function tenantWithChannels(n: number): Promise<{ id: string; channels: [string, ...string[]] }> {
    const { user } = await newTenant(owner);
    const channels: [string, ...string[]] = [(await newChannel(owner, user.id)).id];
    for (let i = 1; i < n; i++) channels.push((await newChannel(owner, user.id)).id);
    return { id: user.id, channels };
  }

  beforeAll(async () => {
    db = await createMigratedDatabase('tg_outbox');
    owner = new DataSource(dataSourceOptions(db.url));
    appA = appDataSource();
    appB = appDataSource();
    await Promise.all([owner.initialize(), appA.initialize(), appB.initialize()]);
    sendPath = new RecordingSendPath(new TenantDb(appA, new PooledStatements(appA)));
    store = new OutboxStore(sendPath);
  });
  afterAll(async () => {
    for (const d of [owner, appA, appB]) if (d?.isInitialized) await d.destroy();
    await db?.drop();
  });
  beforeEach(async () => {
    await owner.query(`DELETE FROM posts`);
  });

  it('gives each tenant of one statement its own share: the oldest due post of each of its channels, up to its own limit', async () => {
    const busy = await tenantWithChannels(4);
    const small = await tenantWithChannels(1);
    const later = await tenantWithChannels(2);
    const idle = await tenantWithChannels(1);
    const busyHeads: string[] = [];
    for (const channel of busy.channels) {
      busyHeads.push(await newPost(busy.id, channel));
      await newPost(busy.id, channel);
      await newPost(busy.id, channel);
    }
    const smallHead = await newPost(small.id, small.channels[0]);
    await newPost(small.id, small.channels[0]);
    await newPost(later.id, later.channels[0], { scheduledAt: new Date(Date.now() + 3_600_000) });
    await newPost(later.id, later.channels[0], { status: PostStatus.Sent });
    const [, laterSecond = ''] = later.channels;
    const laterDue = await newPost(later.id, laterSecond, { scheduledAt: new Date(Date.now() - 60_000) });
    const claimedEarlier = await newPost(small.id, small.channels[0], { status: PostStatus.Sending });

    const { results, tenants } = await inOneStatement(
      sendPath,
      () => store.due(idle.id, 1),
      () => [store.due(busy.id, 2), store.due(small.id, 5), store.due(busy.id, 3), store.due(later.id, 5)],
    );
    expect(tenants.slice(-4)).toEqual([busy.id, small.id, busy.id, later.id]);

    const [busyTwo = [], smallAll = [], busyThree = [], laterAll = []] = results;
    expect(busyTwo.map((p) => p.id)).toEqual(busyHeads.slice(0, 2));
    expect(busyThree.map((p) => p.id)).toEqual(busyHeads.slice(0, 3));
    expect(busyThree.map((p) => p.dueInChannel)).toEqual([3, 3, 3]);
    // The busy tenant's twelve posts take nothing from the others: each had its own limit.
    expect(smallAll.map((p) => ({ id: p.id, due: p.dueInChannel }))).toEqual([{ id: smallHead, due: 3 }]);
    expect(smallAll.map((p) => p.id)).not.toContain(claimedEarlier);
    expect(laterAll.map((p) => p.id)).toEqual([laterDue]);
    for (const [i, tenant] of [busy, small, busy, later].entries()) {
      for (const p of results[i] ?? []) {
        expect(tenant.channels).toContain(p.channelId);
        expect(p.ownerStatus).toBe('active');
        expect(p.chatId).toMatch(/^-100\d+$/);
      }
    }
  });

  it('claims all of a tenant whose posts are not next to each other in the statement, each slice under its own tenant', async () => {
    const a = await tenantWithChannels(1);
    const b = await tenantWithChannels(1);
    const idle = await tenantWithChannels(1);
    const a1 = await newPost(a.id, a.channels[0]);
    const a2 = await newPost(a.id, a.channels[0]);
    const a3 = await newPost(a.id, a.channels[0]);
    const b1 = await newPost(b.id, b.channels[0]);
    const b2 = await newPost(b.id, b.channels[0]);
    const idlePost = await newPost(idle.id, idle.channels[0]);

    const { results, tenants } = await inOneStatement(
      sendPath,
      () => store.claim(idle.id, [idlePost]),
      () => [store.claim(a.id, [a1, a2]), store.claim(b.id, [b1]), store.claim(a.id, [a3]), store.claim(b.id, [b2])],
    );
    expect(tenants.slice(-5)).toEqual([a.id, a.id, b.id, a.id, b.id]);
    expect(results).toEqual([[a1, a2], [b1], [a3], [b2]]);
    const after = await rows([a1, a2, a3, b1, b2]);
    for (const r of after.values())
      expect({ status: r.status, attempts: r.attempts }).toEqual({ status: 'sending', attempts: 1 });
  });

  it('lets exactly one of two concurrent claimers win each post', async () => {
    const first = await tenantWithChannels(2);
    const tenants = [first, await tenantWithChannels(1), await tenantWithChannels(3)];
    const posts = new Map<string, string[]>();
    for (const t of tenants) {
      const ids: string[] = [];
      for (const channel of t.channels) for (let i = 0; i < 6; i++) ids.push(await newPost(t.id, channel));
      posts.set(t.id, ids);
    }
    const other = new OutboxStore(new SendPathFunctions(new TenantDb(appB, new PooledStatements(appB))));
    const claims = tenants.flatMap((t) => {
      const ids = posts.get(t.id) ?? [];
      // Both senders go for every post, in opposite orders, at once.
      return [store.claim(t.id, ids), other.claim(t.id, [...ids].reverse())];
    });
    const won = await Promise.all(claims);
    const byFirst = won.filter((_, i) => i % 2 === 0).flat();
    const bySecond = won.filter((_, i) => i % 2 === 1).flat();
    const all = [...posts.values()].flat();
    expect(byFirst.filter((id) => bySecond.includes(id))).toEqual([]);
    expect([...byFirst, ...bySecond].sort()).toEqual([...all].sort());
    for (const r of (await rows(all)).values()) expect(r.attempts).toBe(1);
    // Claimed once, ever: a later claim wins nothing.
    expect(await other.claim(first.id, posts.get(first.id) ?? [])).toEqual([]);
  });

  it('records exactly the claimed posts it is given, and keeps an uploaded file_id on posts with media', async () => {
    const a = await tenantWithChannels(1);
    const b = await tenantWithChannels(1);
    const photo: PostMedia = { kind: 'photo', file_name: 'p.jpg', mime_type: 'image/jpeg', size: 3 };
    const a1 = await newPost(a.id, a.channels[0], { media: photo });
    const a2 = await newPost(a.id, a.channels[0]);
    const a3 = await newPost(a.id, a.channels[0]);
    const b1 = await newPost(b.id, b.channels[0]);
    const b2 = await newPost(b.id, b.channels[0], { media: photo });
    const untouched = await newPost(b.id, b.channels[0]);
    expect(await store.claim(a.id, [a1, a2, a3])).toEqual([a1, a2, a3]);
    expect(await store.claim(b.id, [b1, b2])).toEqual([b1, b2]);
    const before = await allRows();

    const { tenants } = await inOneStatement(
      sendPath,
      () => store.recordSent(b.id, [{ postId: b1, messageId: 7, fileId: null }]),
      () => [
        store.recordSent(a.id, [{ postId: a1, messageId: 11, fileId: 'AgACfile-a1' }]),
        store.recordSent(b.id, [{ postId: b2, messageId: 12, fileId: 'AgACfile-b2' }]),
        store.recordSent(a.id, [{ postId: a2, messageId: 13, fileId: 'ignored-without-media' }]),
      ],
    );
    expect(tenants.slice(-3)).toEqual([a.id, b.id, a.id]);

    const after = new Map((await allRows()).map((r) => [r.id, r]));
    const sent = (id: string) => {
      const r = after.get(id);
      return {
        status: r?.status,
        message: r?.telegram_message_id,
        sentAt: r?.sent_at instanceof Date,
        media: r?.media,
      };
    };
    expect(sent(a1)).toEqual({
      status: 'sent',
      message: '11',
      sentAt: true,
      media: { ...photo, file_id: 'AgACfile-a1' },
    });
    expect(sent(a2)).toEqual({ status: 'sent', message: '13', sentAt: true, media: null });
    expect(sent(b1)).toEqual({ status: 'sent', message: '7', sentAt: true, media: null });
    expect(sent(b2)).toEqual({
      status: 'sent',
      message: '12',
      sentAt: true,
      media: { ...photo, file_id: 'AgACfile-b2' },
    });
    // Every other row is exactly as it was: a3 claimed but not recorded, the unclaimed post, the rest.
    const recorded = new Set([a1, a2, b1, b2]);
    expect(before.filter((r) => !recorded.has(r.id))).toEqual([...after.values()].filter((r) => !recorded.has(r.id)));
    expect(after.get(a3)?.status).toBe('sending');
    expect(after.get(untouched)?.status).toBe('scheduled');

    // Each recorded post's post.sent event is appended by the same statement, to its own tenant, once:
    // recording a post again (a retried record) appends nothing.
    await store.recordSent(a.id, [{ postId: a1, messageId: 11, fileId: null }]);
    const events = await owner.query<{ user_id: string; type: string; data: Record<string, unknown> }[]>(
      `SELECT user_id, type, data FROM events WHERE user_id = ANY ($1) ORDER BY id`,
      [[a.id, b.id]],
    );
    const event = (tenant: { id: string; channels: string[] }, postId: string, messageId: number) => ({
      user_id: tenant.id,
      type: 'post.sent',
      data: { post_id: postId, channel_id: tenant.channels[0], message_id: messageId },
    });
    expect(events).toHaveLength(4);
    expect(events).toEqual(
      expect.arrayContaining([event(a, a1, 11), event(a, a2, 13), event(b, b1, 7), event(b, b2, 12)]),
    );
  });

  it("never lets a tenant's claim or record touch another tenant's rows, alone or interleaved in one statement", async () => {
    const a = await tenantWithChannels(1);
    const b = await tenantWithChannels(1);
    const a1 = await newPost(a.id, a.channels[0]);
    const b1 = await newPost(b.id, b.channels[0]);
    const b2 = await newPost(b.id, b.channels[0]);
    const before = await allRows();

    expect(await store.claim(a.id, [b1])).toEqual([]);
    const { results } = await inOneStatement(
      sendPath,
      () => store.claim(a.id, [b2]),
      () => [store.claim(b.id, [a1]), store.claim(a.id, [b1, b2])],
    );
    expect(results).toEqual([[], []]);
    await store.recordSent(a.id, [{ postId: b1, messageId: 99, fileId: null }]);
    await store.recordSent(b.id, [{ postId: a1, messageId: 98, fileId: null }]);
    expect(await allRows()).toEqual(before);
    expect(await owner.query(`SELECT count(*)::int AS n FROM events WHERE user_id = ANY ($1)`, [[a.id, b.id]])).toEqual(
      [{ n: 0 }],
    );

    // A tenant's scope ends with its statement: the same connection, asked next without one, sees nothing.
    await store.due(a.id, 10);
    expect(await appA.query(`SELECT count(*)::int AS n FROM posts`)).toEqual([{ n: 0 }]);
  });
});
