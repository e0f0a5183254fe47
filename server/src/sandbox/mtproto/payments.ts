import { runtimeMap } from '../runtime-state';
import {
  invoiceMessageOf,
  PaymentError,
  type PaymentTarget,
  payInStars,
  randomLongId,
  STARS_CURRENCY,
  starBalanceOf,
} from '../payments';
import type { PrivateMessage, SandboxInvoice, SandboxUser, SandboxWorld } from '../world';
import { RpcError } from './rpc-error';
import { isTlObject, type TlObject } from './tl-codec';
import type { TlSchema } from './tl-schema';
import { invoicePhotoToTl, privateMessageToTl } from './tl-builders';

/**
 * A user's app paying a bot's invoice in Telegram Stars: payments.getPaymentForm (an invoice message of the bot's
 * chat, or an invoice link's slug) answers `payments.paymentFormStars`, payments.sendStarsForm pays it once the bot
 * said yes to its pre-checkout query, payments.getStarsStatus tells the balance. Stars exist from layer 181: an
 * older layer has no Stars form to answer with (see {@link getPaymentForm}). The payments themselves are the
 * world's (`../payments.ts`).
 */

/** How long an app's payment waits for the bot's answer to its pre-checkout query: Telegram's 10 seconds. */
export const DEFAULT_PRECHECKOUT_TIMEOUT_MS = 10_000;

/** A form's life: Telegram's FORM_EXPIRED comes 10 minutes after payments.getPaymentForm. */
const FORM_TTL_MS = 10 * 60 * 1000;

export interface PaymentsRpcDeps {
  world: SandboxWorld;
  /** The bot a peer of the app names (PEER_ID_INVALID when it is no bot). */
  botOfPeer(me: SandboxUser, peer: unknown): number;
  usersToTl(ids: number[], viewerId: number): TlObject[];
  /** The user's pts now (after the payment's service message). */
  userPts(userId: number): number;
  preCheckoutTimeoutMs(): number;
}

interface Form {
  userId: number;
  target: PaymentTarget;
  expiresAtMs: number;
}

/** Forms given out, per world (never stored: an app asks again after a restart, as after FORM_EXPIRED). */
const formsOf = runtimeMap<Form>();

/**
 * What an InputInvoice names: `inputInvoiceMessage` (an invoice the bot sent the user) or `inputInvoiceSlug` (an
 * invoice link's); layers before 143 name the message by the call's own `peer` and `msg_id`.
 */
function paymentTarget(deps: PaymentsRpcDeps, me: SandboxUser, req: TlObject): PaymentTarget {
  const input = isTlObject(req.invoice)
    ? req.invoice
    : { _: 'inputInvoiceMessage', peer: req.peer, msg_id: req.msg_id };
  if (input._ === 'inputInvoiceSlug') {
    const link = typeof input.slug === 'string' ? deps.world.invoiceLinks[input.slug] : undefined;
    // Telegram's answer to a slug it does not know (documented for payments.getPaymentForm).
    if (!link) throw new RpcError(400, 'SLUG_INVALID');
    return { botId: link.botId, invoice: link.invoice };
  }
  if (input._ !== 'inputInvoiceMessage') throw new RpcError(400, 'INVOICE_INVALID'); // wording guessed
  const botId = deps.botOfPeer(me, input.peer);
  const msgId = typeof input.msg_id === 'number' ? input.msg_id : 0;
  const found = invoiceMessageOf(deps.world, me.id, botId, msgId);
  if (!found) throw new RpcError(400, 'MESSAGE_ID_INVALID');
  return { botId, invoice: found.invoice, message: found.message };
}

/** The invoice as the form shows it: its one price in Stars. */
function invoiceToTl(invoice: SandboxInvoice): TlObject {
  return {
    _: 'invoice',
    currency: invoice.currency,
    prices: [{ _: 'labeledPrice', label: invoice.label, amount: BigInt(invoice.amount) }],
  };
}

/**
 * payments.getPaymentForm for an invoice in Stars: `payments.paymentFormStars` with a form id good for 10 minutes.
 * A layer without Stars forms (before 181) gets STARS_INVOICE_INVALID (wording guessed: Telegram does not say
 * what an outdated app is answered), as does an invoice in another currency (the sandbox has no payment providers).
 */
export function getPaymentForm(deps: PaymentsRpcDeps, me: SandboxUser, req: TlObject, schema: TlSchema): TlObject {
  const target = paymentTarget(deps, me, req);
  if (!schema.constructors.has('payments.paymentFormStars') || target.invoice.currency !== STARS_CURRENCY) {
    throw new RpcError(400, 'STARS_INVOICE_INVALID');
  }
  const formId = randomLongId();
  const forms = formsOf(deps.world);
  const now = deps.world.now();
  for (const [id, form] of forms) if (form.expiresAtMs <= now) forms.delete(id);
  forms.set(formId, { userId: me.id, target, expiresAtMs: now + FORM_TTL_MS });
  return {
    _: 'payments.paymentFormStars',
    form_id: BigInt(formId),
    bot_id: BigInt(target.botId),
    title: target.invoice.title,
    description: target.invoice.description,
    photo: invoicePhotoToTl(target.invoice),
    invoice: invoiceToTl(target.invoice),
    users: deps.usersToTl([target.botId], me.id),
  };
}

/**
 * payments.sendStarsForm: the user pays the form's invoice. Refusals: FORM_EXPIRED (a form older than 10 minutes,
 * or one this door never gave), BALANCE_TOO_LOW, and the bot's: BOT_PRECHECKOUT_TIMEOUT when it does not answer
 * its pre-checkout query in time, BOT_PRECHECKOUT_FAILED when it says no (those two names are Telegram's for
 * payments.sendPaymentForm, not confirmed for Stars). Answers `payments.paymentResult` with the payment's service
 * message (`messageActionPaymentSent`).
 */
export async function sendStarsForm(deps: PaymentsRpcDeps, me: SandboxUser, req: TlObject): Promise<TlObject> {
  const formId = typeof req.form_id === 'bigint' ? req.form_id.toString() : String(req.form_id);
  const forms = formsOf(deps.world);
  const form = forms.get(formId);
  if (!form || form.userId !== me.id || form.expiresAtMs <= deps.world.now()) throw new RpcError(400, 'FORM_EXPIRED');
  // The invoice the call names must be the form's.
  const target = paymentTarget(deps, me, req);
  if (target.invoice !== form.target.invoice) throw new RpcError(400, 'FORM_EXPIRED');
  let service: PrivateMessage;
  try {
    ({ service } = await payInStars(deps.world, me, target, deps.preCheckoutTimeoutMs()));
  } catch (err) {
    if (err instanceof PaymentError) throw new RpcError(400, err.code);
    throw err;
  }
  forms.delete(formId);
  return {
    _: 'payments.paymentResult',
    updates: {
      _: 'updates',
      updates: [
        {
          _: 'updateNewMessage',
          message: privateMessageToTl(service, me.id),
          pts: deps.userPts(me.id),
          pts_count: 1,
        },
      ],
      users: deps.usersToTl([me.id, target.botId], me.id),
      chats: [],
      date: service.date,
      seq: 0,
    },
  };
}

/**
 * payments.getStarsStatus of the user's own account: the balance (a `long` before layer 198, `starsAmount` from
 * it: the codec writes either). No history is kept for users here.
 */
export function getStarsStatus(deps: PaymentsRpcDeps, me: SandboxUser, req: TlObject): TlObject {
  const peer = isTlObject(req.peer) ? req.peer : undefined;
  const self =
    peer?._ === 'inputPeerSelf' || (peer?._ === 'inputPeerUser' && BigInt(String(peer.user_id)) === BigInt(me.id));
  if (!self) throw new RpcError(400, 'PEER_ID_INVALID');
  return {
    _: 'payments.starsStatus',
    balance: { _: 'starsAmount', amount: BigInt(starBalanceOf(deps.world, me.id)), nanos: 0 },
    history: [],
    chats: [],
    users: [],
  };
}
