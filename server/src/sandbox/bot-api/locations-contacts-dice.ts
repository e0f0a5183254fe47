import { randomInt } from 'node:crypto';
import type { SandboxPlainMedia } from '../world';
import { BotApiError } from './bot-api-error';
import { deliver, type Method, type MethodContext, ok, resolveSendTarget } from './bot-api-methods';

/**
 * sendVenue, sendContact and sendDice: a bot sends a place, a contact card or a dice roll to any chat it may send
 * to, with a reply and a keyboard as the other send methods take them (sendLocation, with live locations, is in
 * live-locations.ts and reads its point here). Parameters are read as the official Bot API server reads them: a
 * coordinate is the number its text starts with (junk is 0), an empty one is refused, and Telegram refuses a point
 * off the globe.
 */

/** Telegram keeps a location's accuracy between 0 and 1500 meters; a value outside is clamped. */
const MAX_ACCURACY = 1500;

/** The dice Telegram rolls and the highest value of each (🎰 is 64 slot machine combinations). */
const DICE: Record<string, number> = { '🎲': 6, '🎯': 6, '🏀': 5, '⚽': 5, '🎳': 6, '🎰': 64 };
const DEFAULT_DICE = '🎲';

/** A floating-point parameter read as the official server reads one (`to_double`): its leading number, junk is 0. */
function leadingFloat(text: string): number {
  const m = /^[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?)/i.exec(text);
  const value = m ? Number(m[0]) : 0;
  return Number.isFinite(value) ? value : 0;
}

/**
 * latitude and longitude (both required) and horizontal_accuracy, as the official server reads them. A point
 * outside ±90° latitude or ±180° longitude is refused by Telegram; the wording follows TDLib's "Wrong location
 * specified" (TDLib's source is not at hand to confirm it).
 */
export function readPoint(ctx: MethodContext): { latitude: number; longitude: number; horizontalAccuracy?: number } {
  const latitude = ctx.params.text('latitude').trim();
  if (latitude === '') throw BotApiError.badRequest('latitude is empty');
  const longitude = ctx.params.text('longitude').trim();
  if (longitude === '') throw BotApiError.badRequest('longitude is empty');
  const point = { latitude: leadingFloat(latitude), longitude: leadingFloat(longitude) };
  if (Math.abs(point.latitude) > 90 || Math.abs(point.longitude) > 180) {
    throw BotApiError.badRequest('wrong location specified');
  }
  const accuracy = Math.min(Math.max(leadingFloat(ctx.params.text('horizontal_accuracy').trim()), 0), MAX_ACCURACY);
  return accuracy > 0 ? { ...point, horizontalAccuracy: accuracy } : point;
}

export function sendPlain(ctx: MethodContext, method: string, read: () => SandboxPlainMedia) {
  // The official server reads the content's parameters before it looks at the chat.
  const plain = read();
  const target = resolveSendTarget(ctx);
  return ok(deliver(ctx, target, { method, plain }));
}

/** An optional text parameter; empty is absent. */
const optional = (ctx: MethodContext, name: string): string | undefined => ctx.params.text(name) || undefined;

export const LOCATION_CONTACT_DICE_METHODS: Record<string, Method> = {
  // A venue keeps one provider's id and type, as Telegram does: Foursquare's when either foursquare_id or
  // foursquare_type is given, otherwise Google Places' (the official server reads them in that order, the
  // Foursquare pair last). An empty id or type is left out of the answer.
  sendVenue: (ctx) =>
    sendPlain(ctx, 'sendVenue', () => {
      const { latitude, longitude } = readPoint(ctx);
      const title = ctx.params.text('title');
      const address = ctx.params.text('address');
      const foursquare = {
        foursquareId: optional(ctx, 'foursquare_id'),
        foursquareType: optional(ctx, 'foursquare_type'),
      };
      const google = {
        googlePlaceId: optional(ctx, 'google_place_id'),
        googlePlaceType: optional(ctx, 'google_place_type'),
      };
      const given = (pair: Record<string, string | undefined>) =>
        Object.fromEntries(Object.entries(pair).filter(([, v]) => v !== undefined)) as Record<string, string>;
      const provider = Object.keys(given(foursquare)).length > 0 ? given(foursquare) : given(google);
      return { kind: 'venue', latitude, longitude, title, address, ...provider };
    }),

  // The card names the sandbox user who has that phone number, as Telegram links a contact to its account.
  sendContact: (ctx) =>
    sendPlain(ctx, 'sendContact', () => {
      const phoneNumber = ctx.params.required('phone_number');
      const firstName = ctx.params.required('first_name');
      const lastName = optional(ctx, 'last_name');
      const vcard = optional(ctx, 'vcard');
      const user = ctx.world.findUserByPhone(phoneNumber);
      return {
        kind: 'contact',
        phoneNumber,
        firstName,
        ...(lastName !== undefined ? { lastName } : {}),
        ...(vcard !== undefined ? { vcard } : {}),
        ...(user ? { userId: user.id } : {}),
      };
    }),

  // The emoji may carry the emoji variation selector (U+FE0F), as apps type "⚽️"; one Telegram does not roll is
  // refused with the error Telegram's servers give (EMOTICON_INVALID), which the official server passes on.
  sendDice: (ctx) =>
    sendPlain(ctx, 'sendDice', () => {
      const emoji = ctx.params.text('emoji').replace(/\uFE0F/g, '') || DEFAULT_DICE;
      const max = DICE[emoji];
      if (max === undefined) throw BotApiError.badRequest('EMOTICON_INVALID');
      return { kind: 'dice', emoji, value: randomInt(1, max + 1) };
    }),
};
