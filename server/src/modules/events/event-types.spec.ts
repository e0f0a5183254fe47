import { botUpdateEvent, EventType, isEventType, TENANT_BOT_UPDATE_KINDS } from './event-types';

describe('event types', () => {
  it('gives each kind of bot update its event, and none to other kinds', () => {
    expect(botUpdateEvent({ update_id: 1, message: {} })).toBe(EventType.BotMessage);
    expect(botUpdateEvent({ update_id: 1, edited_message: {} })).toBe(EventType.BotEditedMessage);
    expect(botUpdateEvent({ update_id: 1, callback_query: {} })).toBe(EventType.BotCallbackQuery);
    expect(botUpdateEvent({ update_id: 1, channel_post: {} })).toBe(EventType.BotChannelPost);
    expect(botUpdateEvent({ update_id: 1, my_chat_member: {} })).toBe(EventType.BotMemberChanged);
    expect(botUpdateEvent({ update_id: 1, inline_query: {} })).toBeNull();
  });

  it('asks Telegram for exactly the update kinds that become events', () => {
    expect([...TENANT_BOT_UPDATE_KINDS].sort()).toEqual(
      ['callback_query', 'channel_post', 'edited_message', 'message', 'my_chat_member'].sort(),
    );
  });

  it('knows its types by their wire names', () => {
    expect(isEventType('post.sent')).toBe(true);
    expect(isEventType('post.sent ')).toBe(false);
  });
});
