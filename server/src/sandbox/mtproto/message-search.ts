import { RpcError } from './rpc-error';
import type { TlObject } from './tl-codec';

/** Which messages of a chat a search keeps, by their text (a media message's caption). */
export type TextMatcher = (text: string) => boolean;

const words = (text: string): string[] =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean);

/**
 * messages.search in one chat: each word of `q` must begin a word of the message's text, in any case (Telegram
 * matches words by prefix); an empty `q` keeps every message. Only `inputMessagesFilterEmpty` is served: another
 * filter (photos, links...) is refused with INPUT_FILTER_INVALID rather than answered wrongly.
 */
export function searchMatcher(req: TlObject): TextMatcher {
  const filter = req.filter as TlObject | undefined;
  if (filter && filter._ !== 'inputMessagesFilterEmpty') throw new RpcError(400, 'INPUT_FILTER_INVALID');
  const asked = words(typeof req.q === 'string' ? req.q : '');
  return (text) => {
    const have = words(text);
    return asked.every((w) => have.some((h) => h.startsWith(w)));
  };
}
