import type { PeerSpec } from '../telegram-user-session';

/** The operations the API asks of the worker holding the tenant's session (see mtproto-calls.ts). */
export const AccountOps = {
  send: 'account.send',
  dialogs: 'account.dialogs',
  contacts: 'account.contacts',
  importContacts: 'account.importContacts',
  createChannel: 'account.createChannel',
  deleteChannel: 'account.deleteChannel',
  join: 'account.join',
  leave: 'account.leave',
} as const;

export interface SendArgs {
  /** The idempotency key: the worker reads the file (if any) of its row. */
  key: string;
  /** Derived from the key (randomIdOf): Telegram sends a message once per random_id. */
  randomId: string;
  hasFile: boolean;
  peer: PeerSpec;
  /** The tenant's channel row, when the peer is one (its access hash is recorded once found). */
  channelRowId: string | null;
  text: string;
  parseMode: 'markdown' | 'html' | null;
  replyTo: number | null;
}

export interface SendResult {
  messageId: number;
  date: number;
}

export interface DialogsArgs {
  limit: number;
  offset: number;
}

export interface ImportContactsArgs {
  contacts: { phone: string; firstName: string; lastName: string | null }[];
}

export interface CreateChannelArgs {
  title: string;
  about: string;
  /** The bot to make admin, or null. */
  botUsername: string | null;
}

export interface CreatedChannelResult {
  channelId: string;
  accessHash: string;
  inviteLink: string;
}

export interface ChannelArgs {
  channelRowId: string;
  peer: Extract<PeerSpec, { kind: 'channel' }>;
  /** Joining a private channel: the hash of its invite link. */
  inviteHash?: string | null;
}

export interface ChannelRefArgs {
  channelId: string;
  accessHash: string;
}
