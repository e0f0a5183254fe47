import {
  buildInitData,
  sendWebAppData,
  launchUrl,
  newWebViewQueryId,
  validStartParam,
  WEB_APP_VERSION,
  WebAppError,
  type WebAppLaunch,
  webAppUrl,
} from '../web-apps';
import { openWebViewQuery, prolongWebViewQuery } from '../web-app-queries';
import type { PrivateMessage, SandboxBot, SandboxUser, SandboxWorld } from '../world';
import { RpcError } from './rpc-error';
import { isTlObject, type TlObject } from './tl-codec';
import type { TlSchema } from './tl-schema';

/**
 * Mini Apps through the MTProto door: an app asks for a web view of a bot's Mini App (`messages.requestWebView` from
 * the menu button or an inline keyboard button, `messages.requestSimpleWebView` from a keyboard button, an inline
 * query's switch button or the side menu, `messages.requestMainWebView` from the bot's profile) and gets the address
 * to open: the web app's, then `#tgWebAppData=<signed initData>&tgWebAppVersion=…&tgWebAppPlatform=…` (the initData
 * is built and signed in `../web-apps.ts`). rpc.ts resolves the bot and the peer and hands them here.
 */

/** What the handlers need of rpc.ts: the world, and the bot and peer of a request resolved for the caller. */
export interface WebAppRpcDeps {
  world: SandboxWorld;
  /** The bot `input` names (BOT_INVALID when it names none). */
  botOf(me: SandboxUser, input: unknown): SandboxBot;
  /** Whether `peer` is the caller's private chat with `bot`. */
  isChatWith(me: SandboxUser, peer: unknown, bot: SandboxBot): boolean;
  /** The Updates answering a send of one private message (updateMessageID, then updateNewMessage). */
  sentUpdates(me: SandboxUser, randomId: bigint, message: PrivateMessage): TlObject;
}

const optionalString = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** `start_param`, refused with START_PARAM_INVALID when it is not up to 512 of A-Z, a-z, 0-9, _ and -. */
function startParamOf(req: TlObject): string | undefined {
  const value = optionalString(req.start_param);
  if (value !== undefined && !validStartParam(value)) throw new RpcError(400, 'START_PARAM_INVALID');
  return value;
}

/** The launch's web app address with its fragment; a refusal of the world's as an RPC error. */
function openUrl(deps: WebAppRpcDeps, me: SandboxUser, bot: SandboxBot, req: TlObject, launch: WebAppLaunch): string {
  let base: string;
  try {
    base = launchUrl(deps.world, bot, me, optionalString(req.url));
  } catch (err) {
    throw err instanceof WebAppError ? new RpcError(400, err.code) : err;
  }
  const theme = isTlObject(req.theme_params) && typeof req.theme_params.data === 'string' ? req.theme_params.data : '';
  return webAppUrl(base, {
    initData: buildInitData(deps.world, bot, me, launch),
    version: WEB_APP_VERSION,
    // Layer 140's requests name no platform.
    platform: optionalString(req.platform) ?? 'unknown',
    themeParams: theme || undefined,
  });
}

/**
 * `messages.requestWebView`: the bot's menu button (`from_bot_menu`) or an inline keyboard button's web app (`url`),
 * opened in the user's private chat with the bot; a session the bot may answer (`query_id`). The attachment menu in
 * other chats is not served: PEER_ID_INVALID (wording guessed).
 */
export function requestWebView(deps: WebAppRpcDeps, me: SandboxUser, req: TlObject): TlObject {
  const bot = deps.botOf(me, req.bot);
  if (!deps.isChatWith(me, req.peer, bot)) throw new RpcError(400, 'PEER_ID_INVALID'); // wording guessed
  const queryId = newWebViewQueryId();
  const url = openUrl(deps, me, bot, req, { queryId, startParam: startParamOf(req) });
  // The bot may now answer it (answerWebAppQuery, ../web-app-queries.ts).
  openWebViewQuery(deps.world, bot, me, queryId);
  return { _: 'webViewResultUrl', query_id: queryId, url };
}

/** What the user's apps are pushed once the bot answered the web view of `queryId`: they close it. */
export function webViewResultSentToTl(queryId: bigint, date: number): TlObject {
  return { _: 'updateShort', update: { _: 'updateWebViewResultSent', query_id: queryId }, date };
}

/**
 * `messages.prolongWebView`: the app says the web view of `query_id` is still open (Telegram's apps call it every
 * minute); the query lives on and the answer is `true`. QUERY_ID_INVALID (the app closes the web view) for a query
 * that is not the user's with this bot, already answered or expired.
 */
export function prolongWebView(deps: WebAppRpcDeps, me: SandboxUser, req: TlObject): boolean {
  const bot = deps.botOf(me, req.bot);
  const queryId = typeof req.query_id === 'bigint' ? req.query_id : 0n;
  try {
    prolongWebViewQuery(deps.world, bot, me, queryId);
  } catch (err) {
    throw err instanceof WebAppError ? new RpcError(400, err.code) : err;
  }
  return true;
}

/**
 * `messages.requestSimpleWebView`: a keyboard button's web app (`url`), an inline query's switch button
 * (`from_switch_webview`) or the side menu (`from_side_menu`, the bot's menu button web app); no session to answer.
 * Up to layer 184 it answers `simpleWebViewResultUrl`, from then on `webViewResultUrl` without a query id.
 */
export function requestSimpleWebView(deps: WebAppRpcDeps, me: SandboxUser, req: TlObject, schema: TlSchema): TlObject {
  const bot = deps.botOf(me, req.bot);
  const url = openUrl(deps, me, bot, req, { startParam: startParamOf(req) });
  const simple = schema.functions.get('messages.requestSimpleWebView')?.type === 'SimpleWebViewResult';
  return simple ? { _: 'simpleWebViewResultUrl', url } : { _: 'webViewResultUrl', url };
}

/**
 * `messages.requestMainWebView` (layer 185 on): the bot's main Mini App, opened from its profile or a direct link. The
 * sandbox has no BotFather setting for it: the main Mini App is the bot's menu button web app (URL_INVALID without
 * one, wording guessed). The initData names the chat it was opened from as `sender` (the private chat).
 */
export function requestMainWebView(deps: WebAppRpcDeps, me: SandboxUser, req: TlObject): TlObject {
  const bot = deps.botOf(me, req.bot);
  const launch: WebAppLaunch = { startParam: startParamOf(req) };
  if (deps.isChatWith(me, req.peer, bot)) launch.chat = { type: 'sender', id: me.id };
  const url = openUrl(deps, me, bot, { ...req, url: undefined }, launch);
  return { _: 'webViewResultUrl', fullsize: true, url };
}

/**
 * `messages.sendWebViewData`: a keyboard button's Mini App sends its bot data (Telegram.WebApp.sendData); the user
 * writes the bot a service message (`messageActionWebViewDataSent` with the button's text on the user's side, the
 * bot reads `web_app_data`). Answers the send's Updates.
 */
export function sendWebViewData(deps: WebAppRpcDeps, me: SandboxUser, req: TlObject): TlObject {
  const bot = deps.botOf(me, req.bot);
  let message: PrivateMessage;
  try {
    message = sendWebAppData(
      deps.world,
      me,
      bot,
      typeof req.button_text === 'string' ? req.button_text : '',
      typeof req.data === 'string' ? req.data : '',
    );
  } catch (err) {
    throw err instanceof WebAppError ? new RpcError(400, err.code) : err;
  }
  const randomId = typeof req.random_id === 'bigint' ? req.random_id : BigInt(Number(req.random_id) || 0);
  return deps.sentUpdates(me, randomId, message);
}
