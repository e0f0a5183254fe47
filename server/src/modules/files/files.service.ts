import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { CommonError, CommonErrorCode } from '../../common/errors/common-errors';
import { PageQueryDto, pageOffset } from '../../common/http/pagination';
import { BotClients } from '../bot/bot-clients.service';
import { botNotConfigured, BotError, BotErrorCode, telegramUnavailable } from '../bot/bot.errors';
import { classifyTelegramFailure, describeFailure } from '../bot/telegram-bot-api.failure';
import { ChannelsService } from '../channels/channels.service';
import { CredentialsService } from '../credentials/credentials.service';
import { isUuid } from '../database/tenant-db';
import type { UploadedFile } from '../posts/multipart';
import { RateLimitError } from '../rate-limit/rate-limit.errors';
import { TelegramSendLimiter } from '../rate-limit/telegram-send-limiter';
import { FileDto, FilePageDto } from './file.dto';
import { FilesRepository } from './files.repository';

/** The Bot API serves downloads up to 20 MB. */
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
const WAIT_MS = 10_000;

const fileNotFound = (id: string) => new CommonError(CommonErrorCode.NotFound, `File ${id} not found.`);

export interface FileDownload {
  file: FileDto;
  stream: Readable;
}

/** Channel-backed storage: a file is a document in one of the tenant's channels. */
@Injectable()
export class FilesService {
  constructor(
    private readonly files: FilesRepository,
    private readonly channels: ChannelsService,
    private readonly clients: BotClients,
    private readonly credentials: CredentialsService,
    private readonly telegramLimiter: TelegramSendLimiter,
  ) {}

  async upload(tenantId: string, channelId: string, upload: UploadedFile | undefined): Promise<FileDto> {
    if (!upload)
      throw new CommonError(CommonErrorCode.ValidationFailed, 'Attach the file as a multipart part named "file".');
    if (upload.buffer.length === 0) throw new CommonError(CommonErrorCode.ValidationFailed, 'The file is empty.');
    const channel = await this.channels.find(tenantId, channelId);
    const client = await this.clients.forTenant(tenantId);
    const creds = await this.credentials.get(tenantId);
    if (!client || !creds) throw botNotConfigured();
    const chatId = channel.telegramId ?? `@${channel.username ?? ''}`;

    // One slot covers the tenant's budget and the bot's and the chat's windows.
    const slot = await this.telegramLimiter.take(
      { tenantId, botId: client.botId, rps: creds.rateLimitRps, maxConcurrent: creds.maxConcurrentRequests },
      chatId,
      WAIT_MS,
    );
    if (!('done' in slot)) throw new RateLimitError(Math.ceil(slot.waitMs / 1000));
    let message;
    try {
      message = await client.api.sendDocument(chatId, { buffer: upload.buffer, fileName: upload.fileName });
    } catch (err) {
      const failure = classifyTelegramFailure(err);
      if (failure.kind === 'flood') {
        await this.telegramLimiter.block(client.botId, failure.retryAfter);
        throw new RateLimitError(failure.retryAfter);
      }
      if (failure.kind === 'unavailable') throw telegramUnavailable();
      throw new BotError(BotErrorCode.TelegramRefused, `Telegram refused the file: ${describeFailure(failure)}`);
    } finally {
      await slot.done();
    }
    const doc = message.document;
    const saved = await this.files.insert(tenantId, {
      channelId,
      telegramFileId: doc.file_id,
      telegramFileUniqueId: doc.file_unique_id,
      telegramMessageId: String(message.message_id),
      fileName: doc.file_name ?? upload.fileName,
      size: String(doc.file_size ?? upload.buffer.length),
      mimeType: doc.mime_type ?? upload.mimeType,
    });
    return FileDto.from(saved);
  }

  async list(tenantId: string, q: PageQueryDto): Promise<FilePageDto> {
    const [rows, total] = await this.files.page(tenantId, pageOffset(q), q.page_size);
    return { items: rows.map((f) => FileDto.from(f)), page: q.page, page_size: q.page_size, total };
  }

  /** Streams the file back from Telegram (getFile, then the file URL, which carries the token and is never shown). */
  async download(tenantId: string, id: string): Promise<FileDownload> {
    if (!isUuid(id)) throw fileNotFound(id);
    const row = await this.files.findById(tenantId, id);
    if (!row) throw fileNotFound(id);
    if (Number(row.size) > MAX_DOWNLOAD_BYTES) {
      throw new CommonError(
        CommonErrorCode.PayloadTooLarge,
        'Telegram lets bots download files up to 20 MB; this one stays in its channel.',
      );
    }
    const client = await this.clients.forTenant(tenantId);
    if (!client) throw botNotConfigured();
    let url: URL;
    try {
      url = await client.api.fileUrl(row.telegramFileId);
    } catch (err) {
      const failure = classifyTelegramFailure(err);
      if (failure.kind === 'unavailable' || failure.kind === 'flood') throw telegramUnavailable();
      throw new BotError(BotErrorCode.TelegramRefused, `Telegram refused the download: ${describeFailure(failure)}`);
    }
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    } catch {
      throw telegramUnavailable();
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw telegramUnavailable();
    }
    return { file: FileDto.from(row), stream: Readable.fromWeb(res.body) };
  }
}
