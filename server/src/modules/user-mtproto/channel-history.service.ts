import { Injectable } from '@nestjs/common';
import { CredentialsService } from '../credentials/credentials.service';
import { HISTORY_OP, HistoryArgs } from './channel-history.worker';
import { HistoryMessageDto, HistoryPageDto } from './dtos/history.dto';
import { MtprotoCallClient } from './mtproto-calls';
import type { HistoryMessage } from './telegram-user-session';
import { notConfigured } from './user-mtproto.errors';

const iso = (unix: number | null): string | null => (unix === null ? null : new Date(unix * 1000).toISOString());

/** The API side of channel history: asks the worker that owns the tenant's session. */
@Injectable()
export class ChannelHistoryService {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly calls: MtprotoCallClient,
  ) {}

  async history(tenantId: string, channelId: string, q: { limit: number; offsetId: number }): Promise<HistoryPageDto> {
    const creds = await this.credentials.get(tenantId);
    if (!creds?.isMtprotoVerified || !creds.sessionString) throw notConfigured();
    const args: HistoryArgs = { channelId, limit: q.limit, offsetId: q.offsetId };
    const messages = await this.calls.call<HistoryMessage[]>(tenantId, HISTORY_OP, args);
    const items: HistoryMessageDto[] = messages.map((m) => ({
      id: m.id,
      date: iso(m.date) ?? '',
      text: m.text,
      views: m.views,
      forwards: m.forwards,
      replies: m.replies,
      edit_date: iso(m.editDate),
    }));
    return {
      messages: items,
      next_offset_id: items.length === q.limit ? (items.at(-1)?.id ?? null) : null,
    };
  }
}
