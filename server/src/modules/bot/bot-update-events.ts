import { Injectable } from '@nestjs/common';
import { botUpdateEvent, type NewEvent } from '../events/event-types';
import { EventsService } from '../events/events.service';
import type { BotUpdateJob } from './webhook-ingest.service';

/**
 * Tenant bot updates as their tenants' events, however they arrived (webhook batches in the
 * worker, or long polling in development): each once, its dedupe key the bot and the update id, so
 * an update recorded again (a batch that runs twice, Telegram delivering it again) adds nothing.
 */
@Injectable()
export class BotUpdateEvents {
  constructor(private readonly events: EventsService) {}

  /** Records the updates, every tenant's in one statement; updates of kinds without an event are skipped. */
  async record(updates: readonly BotUpdateJob[]): Promise<void> {
    const byTenant = new Map<string, NewEvent[]>();
    for (const { tenantId, botId, update } of updates) {
      const type = botUpdateEvent(update);
      if (!type) continue;
      const events = byTenant.get(tenantId) ?? [];
      events.push({ type, data: { bot_id: botId, update }, dedupeKey: `bot:${botId}:${update.update_id}` });
      byTenant.set(tenantId, events);
    }
    if (byTenant.size === 0) return;
    await this.events.emitForTenants([...byTenant].map(([tenantId, events]) => ({ tenantId, events })));
  }
}
