import { Api } from 'telegram';
import { botChatOf, type ChatKind, sandboxForSuite } from './bot-chats';
import { addBotToChannel, channelPostsHeard, newBot, newUser, rawBotCall } from './bot-helpers';

type Json = Record<string, any>;

describe('sandbox: bots send locations, venues, contacts and dice (real telegraf, raw HTTP and gramjs)', () => {
  const suite = sandboxForSuite();

  describe.each<ChatKind>(['channel', 'private', 'group'])('in a %s', (kind) => {
    it('sendLocation: the Message carries `location`, the member app sees a geo point', async () => {
      const chat = await botChatOf(suite.kit, kind);
      const sent = await chat.tg.sendLocation(chat.chatId, 59.9386, 30.3141, {
        horizontal_accuracy: 25,
        live_period: 600,
        reply_markup: { inline_keyboard: [[{ text: 'Route', callback_data: 'route' }]] },
      });
      // With live_period it is a live location (see bot-api-message-edits.int-spec.ts for its updates).
      expect(sent.location).toEqual({
        latitude: 59.9386,
        longitude: 30.3141,
        horizontal_accuracy: 25,
        live_period: 600,
      });
      expect((sent as Json).text).toBeUndefined();

      const seen = (await chat.history()).find((m) => m.id === sent.message_id) as Api.Message;
      expect(seen.media).toBeInstanceOf(Api.MessageMediaGeoLive);
      expect((seen.media as Api.MessageMediaGeoLive).period).toBe(600);
      const geo = (seen.media as Api.MessageMediaGeoLive).geo as Api.GeoPoint;
      expect(geo).toBeInstanceOf(Api.GeoPoint);
      expect({ lat: geo.lat, long: geo.long, accuracyRadius: geo.accuracyRadius }).toEqual({
        lat: 59.9386,
        long: 30.3141,
        accuracyRadius: 25,
      });
    });

    it('sendVenue: the Message carries `venue` and its `location`, the member app sees a venue', async () => {
      const chat = await botChatOf(suite.kit, kind);
      const sent = await chat.tg.sendVenue(chat.chatId, 48.8584, 2.2945, 'Tower', 'Champ de Mars', {
        foursquare_id: '4adcda',
        foursquare_type: 'arts_entertainment/default',
      });
      const location = { latitude: 48.8584, longitude: 2.2945 };
      expect(sent.location).toEqual(location);
      expect(sent.venue).toEqual({
        location,
        title: 'Tower',
        address: 'Champ de Mars',
        foursquare_id: '4adcda',
        foursquare_type: 'arts_entertainment/default',
      });

      const seen = (await chat.history()).find((m) => m.id === sent.message_id) as Api.Message;
      expect(seen.media).toBeInstanceOf(Api.MessageMediaVenue);
      expect(seen.media).toMatchObject({
        title: 'Tower',
        address: 'Champ de Mars',
        provider: 'foursquare',
        venueId: '4adcda',
        venueType: 'arts_entertainment/default',
        geo: { lat: 48.8584, long: 2.2945 },
      });
    });

    it('sendContact: the Message carries `contact` with the user_id of the phone, the member app sees it', async () => {
      const chat = await botChatOf(suite.kit, kind);
      const known = await newUser(suite.kit.sandbox, 'Vera');
      const sent = await chat.tg.sendContact(chat.chatId, known.phone, 'Vera', {
        last_name: 'Lind',
        vcard: 'BEGIN:VCARD\nVERSION:3.0\nEND:VCARD',
      });
      expect(sent.contact).toEqual({
        phone_number: known.phone,
        first_name: 'Vera',
        last_name: 'Lind',
        vcard: 'BEGIN:VCARD\nVERSION:3.0\nEND:VCARD',
        user_id: known.id,
      });
      const stranger = await chat.tg.sendContact(chat.chatId, '+1 999 000 1111', 'Nobody');
      expect(stranger.contact).toEqual({ phone_number: '+1 999 000 1111', first_name: 'Nobody' });

      const history = await chat.history();
      const seen = history.find((m) => m.id === sent.message_id) as Api.Message;
      expect(seen.media).toBeInstanceOf(Api.MessageMediaContact);
      expect(seen.media).toMatchObject({ phoneNumber: known.phone, firstName: 'Vera', lastName: 'Lind' });
      expect(String((seen.media as Api.MessageMediaContact).userId)).toBe(String(known.id));
      const none = history.find((m) => m.id === stranger.message_id) as Api.Message;
      expect(String((none.media as Api.MessageMediaContact).userId)).toBe('0');
    });

    it('sendDice: 🎲 by default and each emoji rolls in its range; the member app sees the same value', async () => {
      const chat = await botChatOf(suite.kit, kind);
      const rolled = await chat.tg.sendDice(chat.chatId);
      expect(rolled.dice.emoji).toBe('🎲');
      expect(rolled.dice.value).toBeGreaterThanOrEqual(1);
      expect(rolled.dice.value).toBeLessThanOrEqual(6);
      const ranges: [string, number][] = [
        ['🎯', 6],
        ['🏀', 5],
        ['⚽', 5],
        ['🎳', 6],
        ['🎰', 64],
      ];
      for (const [emoji, max] of ranges) {
        const sent = await chat.tg.sendDice(chat.chatId, { emoji });
        expect(sent.dice.emoji).toBe(emoji);
        expect(sent.dice.value).toBeGreaterThanOrEqual(1);
        expect(sent.dice.value).toBeLessThanOrEqual(max);
      }
      const seen = (await chat.history()).find((m) => m.id === rolled.message_id) as Api.Message;
      expect(seen.media).toBeInstanceOf(Api.MessageMediaDice);
      expect(seen.media).toMatchObject({ value: rolled.dice.value, emoticon: '🎲' });
    });
  });

  it.each<ChatKind>(['channel', 'private', 'group'])(
    'in a %s, a location has neither text nor caption to edit',
    async (kind) => {
      const chat = await botChatOf(suite.kit, kind);
      const sent = await chat.tg.sendLocation(chat.chatId, 10, 20);
      const call = async (method: string, params: Json) =>
        (
          await rawBotCall(suite.kit.sandbox, chat.bot.token, method, {
            chat_id: chat.chatId,
            message_id: sent.message_id,
            ...params,
          })
        ).body;
      if (kind !== 'group') {
        expect(await call('editMessageText', { text: 'moved' })).toMatchObject({
          ok: false,
          description: 'Bad Request: there is no text in the message to edit',
        });
      }
      expect(await call('editMessageCaption', { caption: 'here' })).toMatchObject({
        ok: false,
        description: 'Bad Request: there is no caption in the message to edit',
      });
      const seen = (await chat.history()).find((m) => m.id === sent.message_id) as Api.Message;
      expect(seen.message).toBe('');
      expect(seen.media).toBeInstanceOf(Api.MessageMediaGeo);
    },
  );

  it('answers a reply with the replied message, and gives other bots the same fields in their updates', async () => {
    const { kit } = suite;
    const chat = await botChatOf(kit, 'channel');
    const listener = await newBot(kit.sandbox);
    await addBotToChannel(kit.sandbox, chat.chatId, listener.id);
    const location = await chat.tg.sendLocation(chat.chatId, -33.8568, 151.2153);
    const venue = await chat.tg.sendVenue(chat.chatId, 1.5, 2.5, 'Cafe', 'Main st', {
      google_place_id: 'ChIJ',
      google_place_type: 'cafe',
      reply_parameters: { message_id: location.message_id },
    });
    expect((venue as Json).reply_to_message?.location).toEqual(location.location);
    expect(venue.venue).toMatchObject({ google_place_id: 'ChIJ', google_place_type: 'cafe' });
    const seenVenue = (await chat.history()).find((m) => m.id === venue.message_id) as Api.Message;
    expect(seenVenue.media).toMatchObject({ provider: 'gplaces', venueId: 'ChIJ', venueType: 'cafe' });
    const contact = await chat.tg.sendContact(chat.chatId, '+44 20 7946 0000', 'Desk');
    const dice = await chat.tg.sendDice(chat.chatId, { emoji: '🎰' });

    const posts = await channelPostsHeard(kit.sandbox, listener.token, 4);
    const byId = (id: number) => posts.find((p) => p.message_id === id);
    expect(byId(location.message_id)?.location).toEqual(location.location);
    expect(byId(venue.message_id)?.venue).toEqual(venue.venue);
    expect(byId(contact.message_id)?.contact).toEqual(contact.contact);
    expect(byId(dice.message_id)?.dice).toEqual(dice.dice);

    const forwarded = (await chat.tg.forwardMessage(chat.chatId, chat.chatId, dice.message_id)) as Json;
    expect(forwarded.dice).toEqual(dice.dice);
  });

  it('refuses a missing or off-globe point, a missing contact field and an unknown dice emoji as Telegram words it', async () => {
    const chat = await botChatOf(suite.kit, 'channel');
    const call = async (method: string, params: Json) =>
      (await rawBotCall(suite.kit.sandbox, chat.bot.token, method, { chat_id: chat.chatId, ...params })).body;
    const refusal = (description: string) => ({ ok: false, error_code: 400, description });
    expect(await call('sendLocation', { longitude: 1 })).toEqual(refusal('Bad Request: latitude is empty'));
    expect(await call('sendLocation', { latitude: 1 })).toEqual(refusal('Bad Request: longitude is empty'));
    expect(await call('sendLocation', { latitude: 91, longitude: 1 })).toEqual(
      refusal('Bad Request: wrong location specified'),
    );
    expect(await call('sendVenue', { latitude: 1, longitude: 181, title: 'A', address: 'B' })).toEqual(
      refusal('Bad Request: wrong location specified'),
    );
    expect(await call('sendContact', { first_name: 'A' })).toEqual(
      refusal('Bad Request: parameter "phone_number" is required'),
    );
    expect(await call('sendContact', { phone_number: '123' })).toEqual(
      refusal('Bad Request: parameter "first_name" is required'),
    );
    expect(await call('sendDice', { emoji: '🍕' })).toEqual(refusal('Bad Request: EMOTICON_INVALID'));
    // A clamped accuracy and a dice emoji with its variation selector are taken.
    const clamped = await call('sendLocation', { latitude: '10.5abc', longitude: -20, horizontal_accuracy: 5000 });
    expect(clamped.result.location).toEqual({ latitude: 10.5, longitude: -20, horizontal_accuracy: 1500 });
    expect((await call('sendDice', { emoji: '⚽️' })).result.dice.emoji).toBe('⚽');
    // A venue keeps one provider: Foursquare's when its id or type is given, as the official server reads them.
    const both = await call('sendVenue', {
      latitude: 1,
      longitude: 2,
      title: 'Cafe',
      address: 'Main st',
      google_place_id: 'ChIJ',
      foursquare_type: 'food/cafe',
    });
    expect(both.result.venue).toEqual({
      location: { latitude: 1, longitude: 2 },
      title: 'Cafe',
      address: 'Main st',
      foursquare_type: 'food/cafe',
    });
    const seen = (await chat.history()).find((m) => m.id === both.result.message_id) as Api.Message;
    expect(seen.media).toMatchObject({ provider: 'foursquare', venueId: '', venueType: 'food/cafe' });
  });
});
