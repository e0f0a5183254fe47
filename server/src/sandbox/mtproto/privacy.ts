import type { PrivacyRule, SandboxUser, SandboxWorld } from '../world';
import { RpcError } from './rpc-error';
import { basicGroupToTl, botToTl, channelToTl, userToTl } from './tl-builders';
import { isTlObject, type TlObject } from './tl-codec';

/**
 * A user's privacy settings through their app: `account.setPrivacy` and `account.getPrivacy`, for every privacy key
 * (`inputPrivacyKeyForwards` → `forwards`, `inputPrivacyKeyStatusTimestamp` → `status_timestamp`, …). The world
 * applies the ones it models ({@link SandboxWorld.privacyAllows}); the rest are kept and given back as set.
 */

/** Telegram refuses longer rule lists with PRIVACY_TOO_LONG (a user's exceptions are capped; 1,000 is generous). */
const MAX_LISTED_IDS = 1000;

const RULES: Record<string, Omit<PrivacyRule, 'ids'>> = {
  AllowAll: { allow: true, who: 'all' },
  AllowContacts: { allow: true, who: 'contacts' },
  AllowUsers: { allow: true, who: 'users' },
  AllowChatParticipants: { allow: true, who: 'chat_participants' },
  AllowBots: { allow: true, who: 'bots' },
  AllowPremium: { allow: true, who: 'premium' },
  AllowCloseFriends: { allow: true, who: 'close_friends' },
  DisallowAll: { allow: false, who: 'all' },
  DisallowContacts: { allow: false, who: 'contacts' },
  DisallowUsers: { allow: false, who: 'users' },
  DisallowChatParticipants: { allow: false, who: 'chat_participants' },
  DisallowBots: { allow: false, who: 'bots' },
};

/** `inputPrivacyKeyStatusTimestamp` → `status_timestamp`; anything else is PRIVACY_KEY_INVALID. */
function keyName(input: unknown): { name: string; suffix: string } {
  if (!isTlObject(input) || !input._.startsWith('inputPrivacyKey')) throw new RpcError(400, 'PRIVACY_KEY_INVALID');
  const suffix = input._.slice('inputPrivacyKey'.length);
  if (!suffix) throw new RpcError(400, 'PRIVACY_KEY_INVALID');
  return {
    name: suffix.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`)),
    suffix,
  };
}

function toNumber(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN;
}

/**
 * The input rules as the world keeps them; users are resolved as the caller's app named them (an unknown one is
 * USER_ID_INVALID), chats by id.
 */
function rulesFromTl(input: unknown, resolveUser: (ref: TlObject) => number): PrivacyRule[] {
  if (!Array.isArray(input)) throw new RpcError(400, 'PRIVACY_VALUE_INVALID');
  return input.map((value) => {
    if (!isTlObject(value) || !value._.startsWith('inputPrivacyValue')) {
      throw new RpcError(400, 'PRIVACY_VALUE_INVALID');
    }
    const rule = RULES[value._.slice('inputPrivacyValue'.length)];
    if (!rule) throw new RpcError(400, 'PRIVACY_VALUE_INVALID');
    if (rule.who === 'users' || rule.who === 'chat_participants') {
      const listed = rule.who === 'users' ? value.users : value.chats;
      if (!Array.isArray(listed)) throw new RpcError(400, 'PRIVACY_VALUE_INVALID');
      if (listed.length > MAX_LISTED_IDS) throw new RpcError(400, 'PRIVACY_TOO_LONG');
      const ids =
        rule.who === 'users'
          ? listed.map((u) => {
              if (!isTlObject(u)) throw new RpcError(400, 'USER_ID_INVALID');
              return resolveUser(u);
            })
          : listed.map(toNumber);
      if (ids.some((id) => !Number.isSafeInteger(id) || id <= 0)) throw new RpcError(400, 'PRIVACY_VALUE_INVALID');
      return { ...rule, ids };
    }
    return { ...rule };
  });
}

/** `privacyValue*` for each rule, with the users and chats it lists as the caller sees them. */
function privacyRulesToTl(world: SandboxWorld, me: SandboxUser, rules: PrivacyRule[]): TlObject {
  const users = new Map<number, TlObject>();
  const chats = new Map<number, TlObject>();
  const tl = rules.map((rule) => {
    const name = Object.entries(RULES).find(([, r]) => r.allow === rule.allow && r.who === rule.who)?.[0] ?? 'AllowAll';
    const ids = (rule.ids ?? []).map((id) => BigInt(id));
    if (rule.who === 'users') {
      for (const id of rule.ids ?? []) {
        const user = world.findUserById(id);
        const bot = user ? undefined : world.findBotById(id);
        if (user) users.set(id, userToTl(user, me.id));
        else if (bot) users.set(id, botToTl(bot));
      }
      return { _: `privacyValue${name}`, users: ids };
    }
    if (rule.who === 'chat_participants') {
      for (const id of rule.ids ?? []) {
        const group = world.findBasicGroup(id);
        const channel = group ? undefined : world.findChannel(id);
        if (group) chats.set(id, basicGroupToTl(group, me.id));
        else if (channel) chats.set(id, channelToTl(channel, me.id));
      }
      return { _: `privacyValue${name}`, chats: ids };
    }
    return { _: `privacyValue${name}` };
  });
  return { _: 'account.privacyRules', rules: tl, chats: [...chats.values()], users: [...users.values()] };
}

export function setPrivacy(
  world: SandboxWorld,
  me: SandboxUser,
  req: TlObject,
  resolveUser: (ref: TlObject) => number,
): TlObject {
  const { name } = keyName(req.key);
  world.setPrivacyRules(me.id, name, rulesFromTl(req.rules, resolveUser));
  return privacyRulesToTl(world, me, world.privacyRulesOf(me.id, name));
}

export function getPrivacy(world: SandboxWorld, me: SandboxUser, req: TlObject): TlObject {
  const { name } = keyName(req.key);
  return privacyRulesToTl(world, me, world.privacyRulesOf(me.id, name));
}
