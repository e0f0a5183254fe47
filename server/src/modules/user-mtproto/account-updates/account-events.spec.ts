import { EventType } from '../../events/event-types';
import { accountEvents, botApiId, privatePeers } from './account-events';
import type { AccountMessage, AccountUpdate } from './account-update-types';

const incoming = (id: number, from: string, out = false): AccountMessage => ({
  id,
  date: 1_700_000_000,
  text: `hi ${id}`,
  out,
  peer: { type: 'user', id: from },
  fromId: out ? null : from,
  editDate: null,
});

const users = [{ id: '7', username: 'ann', firstName: 'Ann', self: false }];

describe('account events from updates', () => {
  it("gives a new person's first message account.new_contact before account.message, once", () => {
    const updates: AccountUpdate[] = [
      { kind: 'message', message: incoming(1, '7') },
      { kind: 'message', message: incoming(2, '7') },
    ];
    const events = accountEvents({ users, channels: [] }, updates, new Set(['7']));
    expect(events.map((e) => e.type)).toEqual([
      EventType.AccountNewContact,
      EventType.AccountMessage,
      EventType.AccountMessage,
    ]);
    expect(events[0]).toMatchObject({
      data: { user: { id: '7', username: 'ann', first_name: 'Ann' }, message_id: 1 },
      dedupeKey: 'account.new_contact:7',
    });
    expect(events[1]?.dedupeKey).toBe('account.message:user:7:1');
    expect(events[1]?.data).toEqual({
      peer: { type: 'user', id: '7', username: 'ann' },
      message_id: 1,
      date: '2023-11-14T22:13:20.000Z',
      text: 'hi 1',
      from: { id: '7', username: 'ann', first_name: 'Ann' },
    });
  });

  it('gives a contact added before any message account.new_contact, once per person, and only when flagged a contact', () => {
    const contacts = [
      { id: '7', username: 'ann', firstName: 'Ann', self: false, contact: true },
      { id: '8', firstName: 'Bo', self: false },
    ];
    const updates: AccountUpdate[] = [
      { kind: 'contact', userId: '7' },
      { kind: 'message', message: incoming(1, '7') },
      { kind: 'contact', userId: '8' },
    ];
    expect(privatePeers(updates)).toEqual(['7', '7', '8']);
    const events = accountEvents({ users: contacts, channels: [] }, updates, new Set(['7', '8']));
    expect(events.map((e) => e.type)).toEqual([EventType.AccountNewContact, EventType.AccountMessage]);
    expect(events[0]).toMatchObject({
      data: { user: { id: '7', username: 'ann', first_name: 'Ann' }, peer: { type: 'user', id: '7' } },
      dedupeKey: 'account.new_contact:7',
    });
    expect(events[0]?.data).not.toHaveProperty('message_id');
    // Written to first, then added: the message was the lead.
    const later = accountEvents(
      { users: contacts, channels: [] },
      [
        { kind: 'message', message: incoming(2, '7') },
        { kind: 'contact', userId: '7' },
      ],
      new Set(['7']),
    );
    expect(later.map((e) => e.type)).toEqual([EventType.AccountNewContact, EventType.AccountMessage]);
    expect(later[0]?.data).toMatchObject({ message_id: 2 });
    // Known already: nothing.
    expect(accountEvents({ users: contacts, channels: [] }, [{ kind: 'contact', userId: '7' }], new Set())).toEqual([]);
  });

  it('gives no event for what the account sent, and no new contact to someone it wrote to first', () => {
    const updates: AccountUpdate[] = [
      { kind: 'message', message: incoming(1, '7', true) },
      { kind: 'message', message: incoming(2, '7') },
    ];
    expect(privatePeers(updates)).toEqual(['7', '7']);
    const events = accountEvents({ users, channels: [] }, updates, new Set(['7']));
    expect(events.map((e) => e.type)).toEqual([EventType.AccountMessage]);
  });

  it('names channels and supergroups as the Bot API does', () => {
    expect(botApiId('channel', '123')).toBe('-100123');
    expect(botApiId('group', '123', true)).toBe('-100123');
    expect(botApiId('group', '123')).toBe('-123');
    expect(botApiId('user', '123')).toBe('123');
    const post: AccountMessage = { ...incoming(5, '0'), peer: { type: 'channel', id: '123' }, fromId: null };
    const [event] = accountEvents(
      { users: [], channels: [{ id: '123', accessHash: 'h', username: 'news', title: 'News', megagroup: false }] },
      [{ kind: 'channelMessage', channelId: '123', message: post }],
      new Set(),
    );
    expect(event).toMatchObject({
      type: EventType.AccountChannelPost,
      data: { channel_id: '-100123', peer: { type: 'channel', id: '-100123', username: 'news' }, message_id: 5 },
      dedupeKey: 'account.message:channel:123:5',
    });
  });

  it('keys edits and deletions by their box and pts', () => {
    const events = accountEvents(
      { users, channels: [] },
      [
        { kind: 'edit', message: { ...incoming(1, '7'), editDate: 1_700_000_100 }, pts: 12, ptsCount: 1 },
        { kind: 'delete', messageIds: [1], pts: 13, ptsCount: 1 },
        { kind: 'channelDelete', channelId: '9', messageIds: [4], pts: 30, ptsCount: 1 },
      ],
      new Set(),
    );
    expect(events.map((e) => e.dedupeKey)).toEqual([
      'account.message_edited:common:12',
      'account.message_deleted:common:13',
      'account.message_deleted:9:30',
    ]);
  });
});
