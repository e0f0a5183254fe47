import { BotApiError } from './bot-api-error';
import type { Json } from './serializers';

/** Text after markup is applied, with MessageEntity objects (offsets and lengths in UTF-16 units). */
export interface FormattedText {
  text: string;
  entities: Json[];
}

const byteOffset = (source: string, index: number): number => Buffer.byteLength(source.slice(0, index), 'utf8');
const cantParse = (what: string): BotApiError => BotApiError.badRequest(`can't parse entities: ${what}`);

/** The longest text the official server parses: 32 KB of UTF-8. */
const MAX_RAW_TEXT_BYTES = 1 << 15;

/**
 * Applies `parse_mode` as Telegram does: markup becomes entities, the text loses it, and outer
 * whitespace is trimmed. Without a parse mode, explicit `entities` (if any) pass through.
 */
export function formatText(raw: string, parseMode: string | undefined, explicit: unknown): FormattedText {
  if (Buffer.byteLength(raw) > MAX_RAW_TEXT_BYTES) throw BotApiError.badRequest('Text is too long');
  let formatted: FormattedText;
  const mode = parseMode?.trim().toLowerCase() ?? '';
  // "None", like no parse_mode, takes the text as it is; an empty text has nothing to parse.
  if (mode === '' || mode === 'none' || raw === '') {
    formatted = { text: raw, entities: Array.isArray(explicit) ? (explicit as Json[]) : [] };
  } else if (mode === 'html') {
    formatted = parseHtml(raw);
  } else if (mode === 'markdownv2') {
    formatted = parseMarkdownV2(raw);
  } else if (mode === 'markdown') {
    formatted = parseMarkdown(raw);
  } else {
    throw BotApiError.badRequest('unsupported parse_mode');
  }
  return trim(formatted);
}

function trim({ text, entities }: FormattedText): FormattedText {
  const lead = text.length - text.trimStart().length;
  const trimmed = text.trim();
  const out: Json[] = [];
  for (const e of entities) {
    const start = Math.max(0, Number(e.offset) - lead);
    const end = Math.min(trimmed.length, Number(e.offset) + Number(e.length) - lead);
    if (end > start) out.push({ ...e, offset: start, length: end - start });
  }
  out.sort((a, b) => Number(a.offset) - Number(b.offset));
  return { text: trimmed, entities: out };
}

// ---- HTML ----

const HTML_TAGS: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  a: 'text_link',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
  'tg-emoji': 'custom_emoji',
};

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

function attribute(attrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i').exec(attrs);
  return m ? decodeHtml(m[1] ?? m[2] ?? m[3] ?? '') : undefined;
}

function decodeHtml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? all;
  });
}

function parseHtml(source: string): FormattedText {
  let text = '';
  const entities: Json[] = [];
  const stack: { tag: string; start: number; entity: Json }[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '&') {
      const m = /^&(#x[0-9a-f]+|#\d+|[a-z]+);/i.exec(source.slice(i, i + 12));
      if (m) {
        text += decodeHtml(m[0]);
        i += m[0].length;
        continue;
      }
      text += c;
      i += 1;
      continue;
    }
    if (c !== '<') {
      text += c;
      i += 1;
      continue;
    }
    const close = source.indexOf('>', i);
    if (close < 0) throw cantParse(`Unclosed start tag at byte offset ${byteOffset(source, i)}`);
    const inner = source.slice(i + 1, close);
    if (inner.startsWith('/')) {
      const name = inner.slice(1).trim().toLowerCase();
      const open = stack.pop();
      if (!open) throw cantParse(`Unexpected end tag at byte offset ${byteOffset(source, i)}`);
      if (open.tag !== name) {
        throw cantParse(
          `Unmatched end tag at byte offset ${byteOffset(source, i)}, expected "</${open.tag}>", found "</${name}>"`,
        );
      }
      const length = text.length - open.start;
      if (length > 0) entities.push({ ...open.entity, offset: open.start, length });
      i = close + 1;
      continue;
    }
    const m = /^([a-z-]+)(.*)$/is.exec(inner.replace(/\/$/, ''));
    const tag = m?.[1]?.toLowerCase() ?? '';
    const attrs = m?.[2] ?? '';
    const type = HTML_TAGS[tag];
    if (!type) throw cantParse(`Unsupported start tag "${tag}" at byte offset ${byteOffset(source, i)}`);
    const entity: Json = { type };
    if (tag === 'span' && attribute(attrs, 'class') !== 'tg-spoiler') {
      throw cantParse(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(source, i)}`);
    }
    if (tag === 'a') entity.url = attribute(attrs, 'href') ?? '';
    if (tag === 'tg-emoji') entity.custom_emoji_id = attribute(attrs, 'emoji-id') ?? '';
    if (tag === 'blockquote' && /(^|\s)expandable(\s|=|$)/i.test(attrs)) entity.type = 'expandable_blockquote';
    if (tag === 'code') {
      // <pre><code class="language-x"> sets the language of the enclosing pre instead of nesting a code entity.
      const parent = stack[stack.length - 1];
      const lang = /^language-(.+)$/.exec(attribute(attrs, 'class') ?? '')?.[1];
      if (parent?.tag === 'pre' && parent.start === text.length) {
        if (lang) parent.entity.language = lang;
        stack.push({ tag, start: text.length, entity: { type: 'code', merged: true } });
        i = close + 1;
        continue;
      }
    }
    stack.push({ tag, start: text.length, entity });
    i = close + 1;
  }
  const open = stack.pop();
  if (open) {
    throw cantParse(`Can't find end tag corresponding to start tag "${open.tag}"`);
  }
  return { text, entities: entities.filter((e) => !e.merged) };
}

// ---- MarkdownV2 ----

const RESERVED_V2 = new Set('_*[]()~`>#+-=|{}.!'.split(''));
const V2_NAMES: Record<string, string> = {
  bold: 'Bold',
  italic: 'Italic',
  underline: 'Underline',
  strikethrough: 'Strikethrough',
  spoiler: 'Spoiler',
  text_link: 'TextUrl',
};

function parseMarkdownV2(source: string): FormattedText {
  let text = '';
  const entities: Json[] = [];
  const stack: { type: string; start: number; at: number }[] = [];
  let quoteStart: number | undefined;
  let i = 0;
  const toggle = (type: string, markerLength: number): void => {
    const top = stack[stack.length - 1];
    if (top?.type === type) {
      stack.pop();
      if (text.length > top.start) entities.push({ type, offset: top.start, length: text.length - top.start });
    } else if (stack.some((s) => s.type === type)) {
      const open = stack.find((s) => s.type === type)!;
      throw cantParse(
        `Can't find end of ${V2_NAMES[type] ?? type} entity at byte offset ${byteOffset(source, open.at)}`,
      );
    } else {
      stack.push({ type, start: text.length, at: i });
    }
    i += markerLength;
  };
  while (i < source.length) {
    const c = source.charAt(i);
    const atLineStart = i === 0 || source[i - 1] === '\n';
    if (atLineStart) {
      if (c === '>') {
        quoteStart ??= text.length;
        i += 1;
        continue;
      }
      if (quoteStart !== undefined) {
        const end = text.endsWith('\n') ? text.length - 1 : text.length;
        if (end > quoteStart) entities.push({ type: 'blockquote', offset: quoteStart, length: end - quoteStart });
        quoteStart = undefined;
      }
    }
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) throw cantParse(`Character '\\' is reserved and must be escaped with the preceding '\\'`);
      text += next;
      i += 2;
      continue;
    }
    if (c === '`') {
      const isPre = source.startsWith('```', i);
      const marker = isPre ? '```' : '`';
      let j = i + marker.length;
      let body = '';
      let language: string | undefined;
      if (isPre) {
        const nl = source.indexOf('\n', j);
        const firstLine = nl >= 0 ? source.slice(j, nl) : '';
        if (nl >= 0 && /^[A-Za-z0-9_+#.-]+$/.test(firstLine)) {
          language = firstLine;
          j = nl + 1;
        }
      }
      for (;;) {
        if (j >= source.length) {
          throw cantParse(`Can't find end of ${isPre ? 'Pre' : 'Code'} entity at byte offset ${byteOffset(source, i)}`);
        }
        if (source[j] === '\\' && j + 1 < source.length) {
          body += source[j + 1];
          j += 2;
          continue;
        }
        if (source.startsWith(marker, j)) break;
        body += source[j];
        j += 1;
      }
      const start = text.length;
      text += body;
      if (body.length > 0) {
        entities.push({
          type: isPre ? 'pre' : 'code',
          offset: start,
          length: body.length,
          ...(language ? { language } : {}),
        });
      }
      i = j + marker.length;
      continue;
    }
    if (c === '*') {
      toggle('bold', 1);
      continue;
    }
    if (c === '_') {
      if (source[i + 1] === '_') toggle('underline', 2);
      else toggle('italic', 1);
      continue;
    }
    if (c === '~') {
      toggle('strikethrough', 1);
      continue;
    }
    if (c === '|' && source[i + 1] === '|') {
      toggle('spoiler', 2);
      continue;
    }
    if (c === '[') {
      stack.push({ type: 'text_link', start: text.length, at: i });
      i += 1;
      continue;
    }
    if (c === ']' && stack[stack.length - 1]?.type === 'text_link' && source[i + 1] === '(') {
      const open = stack.pop()!;
      let j = i + 2;
      let url = '';
      while (j < source.length && source[j] !== ')') {
        if (source[j] === '\\' && j + 1 < source.length) {
          url += source[j + 1];
          j += 2;
          continue;
        }
        url += source[j];
        j += 1;
      }
      if (j >= source.length) throw cantParse(`Can't find end of a URL at byte offset ${byteOffset(source, i + 1)}`);
      if (text.length > open.start) {
        entities.push({ type: 'text_link', offset: open.start, length: text.length - open.start, url });
      }
      i = j + 1;
      continue;
    }
    if (RESERVED_V2.has(c)) {
      throw cantParse(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
    }
    text += c;
    i += 1;
  }
  const open = stack.pop();
  if (open) {
    throw cantParse(
      `Can't find end of ${V2_NAMES[open.type] ?? open.type} entity at byte offset ${byteOffset(source, open.at)}`,
    );
  }
  if (quoteStart !== undefined && text.length > quoteStart) {
    entities.push({ type: 'blockquote', offset: quoteStart, length: text.length - quoteStart });
  }
  return { text, entities };
}

// ---- legacy Markdown ----

function parseMarkdown(source: string): FormattedText {
  let text = '';
  const entities: Json[] = [];
  let i = 0;
  const closing = (marker: string, from: number, at: number): number => {
    const end = source.indexOf(marker, from);
    if (end < 0) throw cantParse(`Can't find end of the entity starting at byte offset ${byteOffset(source, at)}`);
    return end;
  };
  while (i < source.length) {
    const c = source[i];
    if (c === '\\' && '_*`['.includes(source[i + 1] ?? '')) {
      text += source[i + 1];
      i += 2;
      continue;
    }
    if (c === '*' || c === '_') {
      const end = closing(c, i + 1, i);
      const body = source.slice(i + 1, end);
      if (body.length > 0)
        entities.push({ type: c === '*' ? 'bold' : 'italic', offset: text.length, length: body.length });
      text += body;
      i = end + 1;
      continue;
    }
    if (c === '`') {
      const isPre = source.startsWith('```', i);
      const marker = isPre ? '```' : '`';
      const end = closing(marker, i + marker.length, i);
      let body = source.slice(i + marker.length, end);
      let language: string | undefined;
      if (isPre) {
        const nl = body.indexOf('\n');
        if (nl > 0 && /^[A-Za-z0-9_+#.-]+$/.test(body.slice(0, nl))) {
          language = body.slice(0, nl);
          body = body.slice(nl + 1);
        }
      }
      if (body.length > 0) {
        entities.push({
          type: isPre ? 'pre' : 'code',
          offset: text.length,
          length: body.length,
          ...(language ? { language } : {}),
        });
      }
      text += body;
      i = end + marker.length;
      continue;
    }
    if (c === '[') {
      const end = closing(']', i + 1, i);
      const label = source.slice(i + 1, end);
      if (source[end + 1] === '(') {
        const urlEnd = closing(')', end + 2, i);
        if (label.length > 0) {
          entities.push({
            type: 'text_link',
            offset: text.length,
            length: label.length,
            url: source.slice(end + 2, urlEnd),
          });
        }
        text += label;
        i = urlEnd + 1;
        continue;
      }
    }
    text += c;
    i += 1;
  }
  return { text, entities };
}
