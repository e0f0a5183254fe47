import type { SandboxPlainMedia } from '../world';
import { BotApiError } from './bot-api-error';
import { type Method, type MethodContext, NOT_MODIFIED, ok, replyMarkupJson } from './bot-api-methods';
import { readPoint, sendPlain } from './locations-contacts-dice';
import { type Edited, editableMessage } from './media-edits';
import type { Json } from './serializers';

/**
 * Live locations: sendLocation with live_period (and heading, proximity_alert_radius), then editMessageLiveLocation
 * and stopMessageLiveLocation while the period lasts. Members' apps read a live location as messageMediaGeoLive and
 * are pushed each edit; bots of the chat read the edits as edited messages. A stop ends the period at once, as
 * Telegram shortens it (the sandbox's best reading: `period` becomes the seconds since the message was sent).
 *
 * The official server reads the integers without refusing any (`get_integer_arg`); the range refusals are TDLib's,
 * in the wording the sandbox's best reading gives them ("wrong live location period specified", ...), as TDLib's
 * source is not at hand.
 */

type LiveLocation = Extract<SandboxPlainMedia, { kind: 'location' }>;

/** live_period 0x7FFFFFFF: a location that may be updated indefinitely (Bot API 7.6). */
const FOREVER = 0x7fffffff;
const MIN_PERIOD = 60;
const MAX_PERIOD = 86400;
/** An edit may lengthen the period by at most a day. */
const MAX_EXTENSION = 86400;

/** heading and proximity_alert_radius, as an update of a live location gives them (0 or absent: none). */
function readLiveExtras(ctx: MethodContext): Pick<LiveLocation, 'heading' | 'proximityAlertRadius'> {
  const heading = ctx.params.clampedInteger('heading', 0);
  if (heading < 0 || heading > 360) throw BotApiError.badRequest('wrong live location heading specified');
  const radius = ctx.params.clampedInteger('proximity_alert_radius', 0);
  if (radius < 0) throw BotApiError.badRequest('wrong live location proximity alert radius specified');
  return { heading: heading || undefined, proximityAlertRadius: radius || undefined };
}

const sendLocation: Method = (ctx) =>
  sendPlain(ctx, 'sendLocation', () => {
    const point = readPoint(ctx);
    const period = ctx.params.clampedInteger('live_period', 0);
    // Without a period the location is a still one: heading and proximity_alert_radius mean nothing then.
    if (period === 0) return { kind: 'location', ...point };
    if (period !== FOREVER && (period < MIN_PERIOD || period > MAX_PERIOD)) {
      throw BotApiError.badRequest('wrong live location period specified');
    }
    const extras = readLiveExtras(ctx);
    const liveUntil = ctx.world.unixNow() + period;
    return { kind: 'location', ...point, livePeriod: period, liveUntil, ...extras };
  });

/** The live location an edit or stop names, refused once its period is over (stopped, or run out). */
function liveMessage(ctx: MethodContext, message: Edited): LiveLocation {
  const media = message.media;
  if (media?.kind !== 'location') throw BotApiError.badRequest('there is no live location in the message to edit');
  if (media.livePeriod === undefined || (media.liveUntil ?? 0) <= ctx.world.unixNow()) {
    throw BotApiError.badRequest("message can't be edited");
  }
  return media;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const LIVE_FIELDS = ['latitude', 'longitude', 'horizontalAccuracy', 'livePeriod', 'heading', 'proximityAlertRadius'];
const sameLive = (a: LiveLocation, b: LiveLocation): boolean =>
  LIVE_FIELDS.every((f) => a[f as keyof LiveLocation] === b[f as keyof LiveLocation]);

/** The live location's edit written (the message's text and keyboard kept unless a keyboard is given) and answered. */
function writeLive(ctx: MethodContext, message: Edited, media: LiveLocation, replyMarkup: Json | undefined) {
  const caption = { text: message.text, entities: message.entities ?? [], entitiesJson: [] };
  return ok(message.apply(media, caption, replyMarkup));
}

const editMessageLiveLocation: Method = (ctx) => {
  // In the official server's order: the integers, the point, then the chat and message, then the keyboard.
  const period = ctx.params.clampedInteger('live_period', 0);
  const extras = readLiveExtras(ctx);
  const point = readPoint(ctx);
  const replyMarkup = replyMarkupJson(ctx);
  const message = editableMessage(ctx);
  const old = liveMessage(ctx, message);
  const current = old.livePeriod ?? 0;
  let livePeriod = current;
  if (period !== 0 && period !== current) {
    // The period counts from the message's date: a longer one may add at most a day, and must end in the future.
    const ends = message.date + period;
    const allowed =
      period === FOREVER || (current !== FOREVER && period <= current + MAX_EXTENSION && ends > ctx.world.unixNow());
    if (!allowed) throw BotApiError.badRequest('wrong live location period specified');
    livePeriod = period;
  }
  const media: LiveLocation = {
    kind: 'location',
    ...point,
    livePeriod,
    liveUntil: livePeriod === current ? old.liveUntil : message.date + livePeriod,
    ...extras,
  };
  const sameMarkup = replyMarkup === undefined || sameJson(replyMarkup, message.replyMarkup);
  if (sameLive(media, old) && sameMarkup) throw BotApiError.badRequest(NOT_MODIFIED);
  return writeLive(ctx, message, media, replyMarkup);
};

const stopMessageLiveLocation: Method = (ctx) => {
  const replyMarkup = replyMarkupJson(ctx);
  const message = editableMessage(ctx);
  const old = liveMessage(ctx, message);
  const now = ctx.world.unixNow();
  return writeLive(ctx, message, { ...old, livePeriod: Math.max(now - message.date, 0), liveUntil: now }, replyMarkup);
};

export const LIVE_LOCATION_METHODS: Record<string, Method> = {
  sendLocation,
  editMessageLiveLocation,
  stopMessageLiveLocation,
};
