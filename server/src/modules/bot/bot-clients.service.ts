import { Injectable } from '@nestjs/common';
import { CredentialsService } from '../credentials/credentials.service';
import { type BotApiClient, TelegramBotApi } from './telegram-bot-api';

export interface TenantBotClient {
  tenantId: string;
  botId: string;
  api: BotApiClient;
}

const MAX_CLIENTS = 5000;

/**
 * Bot API clients for calls outside update handling (sending, admin checks),
 * one per tenant and token, kept while the token stays the same.
 */
@Injectable()
export class BotClients {
  private readonly clients = new Map<string, { token: string; client: TenantBotClient }>();

  constructor(
    private readonly credentials: CredentialsService,
    private readonly api: TelegramBotApi,
  ) {}

  /** The tenant's client, or null when no verified bot is connected. */
  async forTenant(tenantId: string): Promise<TenantBotClient | null> {
    const c = await this.credentials.get(tenantId);
    if (!c?.botToken || !c.botId) return null;
    const hit = this.clients.get(tenantId);
    if (hit && hit.token === c.botToken) return hit.client;
    if (this.clients.size >= MAX_CLIENTS) this.clients.clear();
    const client = { tenantId, botId: c.botId, api: this.api.client(c.botToken) };
    this.clients.set(tenantId, { token: c.botToken, client });
    return client;
  }

  forget(tenantId: string): void {
    this.clients.delete(tenantId);
  }
}
