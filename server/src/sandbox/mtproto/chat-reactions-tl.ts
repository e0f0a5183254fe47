import { STANDARD_REACTIONS } from '../reactions';
import type { ChatReactionChoice } from '../world';
import { RpcError } from './rpc-error';
import { isTlObject, type TlObject } from './tl-codec';

const emoji = (emoticon: string): TlObject => ({ _: 'reactionEmoji', emoticon });

/**
 * A chat's allowed reactions as apps read them (`channelFull.available_reactions`): `ChatReactions` from layer 145
 * on. Before it the field is the list of allowed emoji, which the codec writes from the object's `reactions`: for
 * every standard one, `chatReactionsAll` carries that list too (a field layer 145 on does not have, so not written).
 */
export function chatReactionsToTl(choice: ChatReactionChoice | undefined): TlObject {
  if (!choice) return { _: 'chatReactionsAll', allow_custom: false, reactions: STANDARD_REACTIONS.map(emoji) };
  if (choice.kind === 'none') return { _: 'chatReactionsNone' };
  return { _: 'chatReactionsSome', reactions: choice.emoticons.map(emoji) };
}

/**
 * The choice of `messages.setChatAvailableReactions`: a `ChatReactions` (layer 145 on; custom emoji are refused with
 * REACTION_INVALID, as the sandbox has none), or before it the list of emoji (empty: none). Undefined is every
 * standard one.
 */
export function chatReactionChoiceFromTl(raw: unknown): ChatReactionChoice | undefined {
  const emoticons = (list: unknown): string[] =>
    (Array.isArray(list) ? list : []).map((r: unknown) => {
      if (typeof r === 'string') return r;
      if (isTlObject(r) && r._ === 'reactionEmoji' && typeof r.emoticon === 'string') return r.emoticon;
      throw new RpcError(400, 'REACTION_INVALID');
    });
  if (Array.isArray(raw)) {
    const some = emoticons(raw);
    return some.length === 0 ? { kind: 'none' } : { kind: 'some', emoticons: some };
  }
  if (!isTlObject(raw)) throw new RpcError(400, 'REACTION_INVALID');
  if (raw._ === 'chatReactionsNone') return { kind: 'none' };
  if (raw._ === 'chatReactionsAll') {
    if (raw.allow_custom === true) throw new RpcError(400, 'REACTION_INVALID');
    return undefined;
  }
  if (raw._ === 'chatReactionsSome') return { kind: 'some', emoticons: emoticons(raw.reactions) };
  throw new RpcError(400, 'REACTION_INVALID');
}
