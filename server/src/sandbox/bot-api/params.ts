import { BotApiError } from './bot-api-error';
import type { RawParams, UploadedFile } from './request-body';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * A parameter's value as the official Bot API server holds it: every parameter is text. A JSON body's string is
 * taken as it is and any other JSON value as its JSON text (`true`, `12`, `null`, `[1,2]`); absent is empty.
 */
export function paramText(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

/**
 * The leading integer of a text, read as the official server reads an integer parameter (TDLib's `to_integer`): an
 * optional '-' and the digits that follow, so junk reads as 0 and "12abc" as 12; leading spaces and '+' are junk. A
 * number past the `bits`-bit range wraps around as it does there.
 */
export function leadingInteger(text: string, bits: 32 | 64): number {
  const m = /^(-?)(\d*)/.exec(text);
  const digits = m?.[2] ?? '';
  if (!digits) return 0;
  const value = BigInt(digits) * (m?.[1] === '-' ? -1n : 1n);
  return Number(BigInt.asIntN(bits, value));
}

/** Whether a text means true as the official server reads a Boolean parameter: "true", "yes" or "1", any case. */
export function paramBoolean(v: unknown): boolean {
  return ['true', 'yes', '1'].includes(paramText(v).trim().toLowerCase());
}

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

  /** The parameter as the official server holds it: text, empty when absent. */
  text(name: string): string {
    return paramText(this.raw.fields[name]);
  }

  /**
   * A text parameter a method cannot do without, refused when absent or empty in the official server's words
   * (`get_required_string_arg`).
   */
  required(name: string): string {
    const text = this.text(name);
    if (text === '') throw BotApiError.badRequest(`Parameter "${name}" is required`);
    return text;
  }

  /**
   * An Integer parameter read the official server's way (`get_integer_arg`): `fallback` when absent or empty,
   * otherwise its leading integer (junk is 0), clamped to [min, max]. Nothing is refused.
   */
  clampedInteger(name: string, fallback: number, min = INT32_MIN, max = INT32_MAX): number {
    const text = this.text(name);
    const value = text === '' ? fallback : leadingInteger(text, 32);
    return Math.min(Math.max(value, min), max);
  }

  /**
   * A message identifier read the official server's way (`get_message_id`): 0 when absent, junk or negative, which
   * each method then treats as "no message".
   */
  messageId(name = 'message_id'): number {
    return Math.max(0, leadingInteger(this.text(name), 32));
  }

  /** A user identifier read the official server's way (`get_user_id`): one that is not positive is refused. */
  userId(name = 'user_id'): number {
    const id = leadingInteger(this.text(name), 64);
    if (id <= 0) throw BotApiError.badRequest(`Invalid ${name} specified`);
    return id;
  }

  /** A Boolean parameter as the official server reads one: "true", "yes" or "1" in any case; anything else is false. */
  boolean(name: string): boolean {
    return paramBoolean(this.raw.fields[name]);
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
