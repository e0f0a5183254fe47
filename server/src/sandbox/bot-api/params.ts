import { BotApiError } from './bot-api-error';
import type { RawParams, UploadedFile } from './request-body';

/** Typed, Telegram-tolerant reads of one call's parameters (numbers may arrive as strings and vice versa). */
export class Params {
  constructor(private readonly raw: RawParams) {}

  has(name: string): boolean {
    const v = this.raw.fields[name];
    return v !== undefined && v !== null && v !== '';
  }

  string(name: string): string | undefined {
    const v = this.raw.fields[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw BotApiError.badRequest(`field "${name}" must be of type String`);
  }

  /** An integer parameter; `undefined` when absent. */
  integer(name: string): number | undefined {
    const v = this.raw.fields[name];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) throw BotApiError.badRequest(`field "${name}" must be of type Integer`);
    return n;
  }

  boolean(name: string): boolean {
    const v = this.raw.fields[name];
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    if (typeof v === 'string') return ['true', '1', 'yes', 'on'].includes(v.toLowerCase());
    return false;
  }

  /** A parameter that is a JSON value; forms carry it serialized. */
  json(name: string): unknown {
    const v = this.raw.fields[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      throw BotApiError.badRequest(`can't parse ${name} JSON object`);
    }
  }

  /** A chat identifier: an integer id, or '@username'. */
  chatId(name = 'chat_id'): number | string {
    const v = this.raw.fields[name];
    if (v === undefined || v === null || v === '') throw BotApiError.badRequest(`${name} is empty`);
    const id = parseChatId(v);
    if (id === undefined) throw BotApiError.chatNotFound();
    return id;
  }

  file(name: string): UploadedFile | undefined {
    return this.raw.files.get(name);
  }

  /** The same call without some parameters: for a method that does not take them, so they are not read. */
  without(...names: string[]): Params {
    const fields = Object.fromEntries(Object.entries(this.raw.fields).filter(([name]) => !names.includes(name)));
    return new Params({ fields, files: this.raw.files });
  }
}

/** A chat_id as Telegram reads one (a number, its digits as text, or '@username'); undefined when it is none. */
export function parseChatId(v: unknown): number | string | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^-?\d+$/.test(s)) return Number(s);
  return /^@[A-Za-z0-9_]{1,32}$/.test(s) ? s : undefined;
}
