import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import * as http from 'node:http';
import { Input, Telegraf, Telegram } from 'telegraf';
import type { ChatMember, Message, Update, UserFromGetMe, WebhookInfo } from 'telegraf/types';
import { type AppConfig, TelegramMode } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DomainMetrics } from '../health/domain-metrics';
import { failureCode } from './telegram-bot-api.failure';

/** An update Telegram delivers to a bot (webhook body or long-polling result). */
export type BotUpdate = Update;
/** The bot itself, as getMe describes it. */
export type BotUser = UserFromGetMe;
/** A bot's webhook as Telegram sees it (getWebhookInfo). */
export type BotWebhookInfo = WebhookInfo;
/** Telegram's answers to the three kinds of post. */
export type BotTextMessage = Message.TextMessage;
export type BotPhotoMessage = Message.PhotoMessage;
export type BotDocumentMessage = Message.DocumentMessage;
export type BotParseMode = 'HTML' | 'MarkdownV2' | 'Markdown';
/** What to attach: a file_id Telegram already holds, or bytes to upload under a file name. */
export type BotFileSource = string | { buffer: Buffer; fileName: string };

/** The bot's standing in a chat, as Telegram reports it. */
export type BotMemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

/** The bot's standing in a chat and what it allows: channel posts need admin rights, groups only membership. */
export interface BotMembership {
  status: BotMemberStatus;
  admin: boolean;
  canPost: boolean;
}

/** Reads a chat member (getChatMember's answer, or the new standing in a my_chat_member update). */
export function membershipOf(member: ChatMember, isChannel: boolean): BotMembership {
  const status = member.status;
  switch (member.status) {
    case 'creator':
      return { status, admin: true, canPost: true };
    case 'administrator':
      return { status, admin: true, canPost: isChannel ? member.can_post_messages === true : true };
    case 'member':
      return { status, admin: false, canPost: !isChannel };
    case 'restricted':
      return { status, admin: false, canPost: !isChannel && member.can_send_messages };
    case 'left':
    case 'kicked':
      return { status, admin: false, canPost: false };
  }
}

/**
 * One bot's Bot API calls, in the product's terms. Built by TelegramBotApi only; failures are telegraf's
 * error or a network error, read with `classifyTelegramFailure` (telegram-bot-api.failure.ts).
 */
export class BotApiClient {
  /** @param telegram the bounded telegraf client TelegramBotApi built for the token. */
  constructor(private readonly telegram: Telegram) {}

  getMe(): Promise<BotUser> {
    return this.telegram.getMe();
  }

  getWebhookInfo(): Promise<BotWebhookInfo> {
    return this.telegram.getWebhookInfo();
  }

  async setWebhook(url: string, options: { secretToken: string; allowedUpdates: string[] }): Promise<void> {
    await this.telegram.setWebhook(url, {
      secret_token: options.secretToken,
      allowed_updates: options.allowedUpdates as never,
    });
  }

  async deleteWebhook(): Promise<void> {
    await this.telegram.deleteWebhook();
  }

  sendText(chatId: number | string, text: string, options?: { parseMode?: BotParseMode }): Promise<BotTextMessage> {
    return options
      ? this.telegram.sendMessage(chatId, text, { parse_mode: options.parseMode })
      : this.telegram.sendMessage(chatId, text);
  }

  sendPhoto(
    chatId: number | string,
    photo: BotFileSource,
    options: { caption?: string; parseMode?: BotParseMode },
  ): Promise<BotPhotoMessage> {
    return this.telegram.sendPhoto(chatId, inputOf(photo), { caption: options.caption, parse_mode: options.parseMode });
  }

  sendDocument(
    chatId: number | string,
    document: BotFileSource,
    options?: { caption?: string; parseMode?: BotParseMode },
  ): Promise<BotDocumentMessage> {
    const input = inputOf(document);
    return options
      ? this.telegram.sendDocument(chatId, input, { caption: options.caption, parse_mode: options.parseMode })
      : this.telegram.sendDocument(chatId, input);
  }

  /** The bot's own standing in a chat (getChatMember of the bot's id). */
  async botMembership(chatId: number | string, botId: number, isChannel: boolean): Promise<BotMembership> {
    return membershipOf(await this.telegram.getChatMember(chatId, botId), isChannel);
  }

  /** How many members a chat has, subscribers for a channel (getChatMemberCount). */
  memberCount(chatId: number | string): Promise<number> {
    return this.telegram.getChatMembersCount(chatId);
  }

  /** A chat's title and public username (getChat), where it has them. */
  async chatName(chatId: number | string): Promise<{ title?: string; username?: string }> {
    const chat = await this.telegram.getChat(chatId);
    return {
      ...('title' in chat && chat.title ? { title: chat.title } : {}),
      ...('username' in chat && chat.username ? { username: chat.username } : {}),
    };
  }

  /** The download URL of a file (getFile); it carries the token, so it is never shown to anyone. */
  fileUrl(fileId: string): Promise<URL> {
    return this.telegram.getFileLink(fileId);
  }
}

const inputOf = (source: BotFileSource): string | ReturnType<typeof Input.fromBuffer> =>
  typeof source === 'string' ? source : Input.fromBuffer(source.buffer, source.fileName);

/**
 * The one place that builds telegraf clients. In sandbox mode they talk to the local sandbox's
 * Bot API door; otherwise to the configured Bot API server. Also usable outside Nest: construct
 * it with a config object.
 */
@Injectable()
export class TelegramBotApi implements OnModuleDestroy {
  readonly apiRoot: string;
  /**
   * telegraf keeps connections alive over https (its own shared agent) but
   * drops its agent for an http:// apiRoot (the sandbox, a local Bot API
   * server), and its HTTP client then closes the connection after every call.
   * One shared keep-alive agent for those roots spares a TCP handshake per call.
   */
  private readonly plainAgent?: http.Agent;
  private readonly timeoutMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() private readonly metrics?: DomainMetrics,
  ) {
    this.timeoutMs = config.telegram.botApiTimeoutMs;
    this.apiRoot =
      config.telegram.mode === TelegramMode.Sandbox
        ? `http://127.0.0.1:${config.telegram.sandbox.httpPort}`
        : config.telegram.botApiUrl;
    if (this.apiRoot.startsWith('http://')) this.plainAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  }

  /**
   * A bot instance for handling updates. With `botInfo` known (stored at registration) telegraf
   * skips the getMe it would otherwise make before the first update. `webhookReply` is off so
   * every call gets a real answer (and errors) instead of riding on the webhook response.
   */
  createBot(token: string, botInfo?: BotUser): Telegraf {
    const bot = new Telegraf(token, { telegram: { apiRoot: this.apiRoot, webhookReply: false } });
    if (botInfo) bot.botInfo = botInfo;
    this.keepAlive(bot.telegram);
    return bot;
  }

  /** A bare API client, for calls outside update handling (verification, sending, admin checks). */
  client(token: string): BotApiClient {
    return new BotApiClient(this.keepAlive(new Telegram(token, { apiRoot: this.apiRoot, webhookReply: false })));
  }

  onModuleDestroy(): void {
    this.plainAgent?.destroy();
  }

  /**
   * telegraf gives every call node-fetch's 500 s (fixed in its client), so a Telegram that accepts
   * the connection and never answers would hold a sender that long. Each call without a signal of
   * its own (long polling brings one) gets TELEGRAM_BOT_API_TIMEOUT_SECONDS and then fails like a
   * network error, which callers treat as Telegram being unavailable. Every failed call is counted
   * here, by Telegram's status code (or network / timeout).
   */
  bound(telegram: Telegram): Telegram {
    const timeoutMs = this.timeoutMs;
    const metrics = this.metrics;
    const call = telegram.callApi.bind(telegram);
    const bounded = async (
      method: Parameters<typeof call>[0],
      payload: Parameters<typeof call>[1],
      options: Parameters<typeof call>[2] = {},
    ): Promise<unknown> => {
      const signal = options.signal ? undefined : AbortSignal.timeout(timeoutMs);
      try {
        // telegraf types its option with the abort-controller shim; node-fetch takes the standard signal.
        return await call(method, payload, signal ? { signal: signal as NonNullable<typeof options.signal> } : options);
      } catch (err) {
        if (signal?.aborted) {
          metrics?.botApiError('timeout');
          throw new Error(`Telegram did not answer ${method} within ${timeoutMs / 1000} s`);
        }
        // A long poll its caller stopped is no failure.
        if (!options.signal?.aborted) metrics?.botApiError(failureCode(err));
        throw err;
      }
    };
    telegram.callApi = bounded as Telegram['callApi'];
    return telegram;
  }

  private keepAlive(telegram: Telegram): Telegram {
    if (this.plainAgent) telegram.options.agent = this.plainAgent;
    return this.bound(telegram);
  }
}
