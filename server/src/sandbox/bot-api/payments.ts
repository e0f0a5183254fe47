import {
  answerPreCheckout,
  botStarBalance,
  createInvoiceLink,
  findPayment,
  PaymentError,
  type PreCheckoutEvent,
  refundStarPayment,
  STARS_CURRENCY,
  starTransactionsOf,
} from '../payments';
import type { PrivateMessage, SandboxInvoice, SandboxWorld } from '../world';
import { BotApiError } from './bot-api-error';
import { deliver, type Method, type MethodContext, ok, resolveSendTarget, parseJsonParam } from './bot-api-methods';
import { type Json, userJson } from './serializers';

/**
 * Payments in Telegram Stars for a bot: sendInvoice, createInvoiceLink, answerPreCheckoutQuery, refundStarPayment,
 * getStarTransactions and getMyStarBalance, the `pre_checkout_query` update and the `successful_payment` message.
 * Gathered by `method-table.ts`; the payments themselves are the world's (`../payments.ts`). Parameters are read
 * and refused as the official server reads them (`get_input_message_invoice`, `get_labeled_price_parts`).
 */

/** A refusal of the world's, passed on as the official server passes MTProto's errors on. */
function asBotApiError(err: unknown): unknown {
  return err instanceof PaymentError ? BotApiError.badRequest(err.code) : err;
}

/** One LabeledPrice, refused in the official server's words. */
function labeledPrice(value: unknown): { label: string; amount: number } {
  const cantParse = (why: string): BotApiError => BotApiError.badRequest(`Can't parse labeled price: ${why}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw cantParse('LabeledPrice must be an Object');
  const fields = value as Record<string, unknown>;
  const label = fields.label;
  // wording guessed (TDLib's JSON field reader) for a missing or non-text label and a missing or non-integer amount
  if (typeof label !== 'string') throw cantParse('Field "label" must be of type String');
  if (label === '') throw cantParse('LabeledPrice label must be non-empty');
  const raw = fields.amount;
  const amount = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) throw cantParse('Field "amount" must be a Number');
  return { label, amount };
}

/**
 * The invoice sendInvoice and createInvoiceLink take. Only Telegram Stars are served: currency `XTR` with no
 * provider token and exactly one price of at least one Star (Telegram's STARS_INVOICE_INVALID otherwise); another
 * currency needs a payment provider the sandbox has not (PAYMENT_PROVIDER_INVALID, as for a token Telegram does not
 * know).
 */
function readInvoice(ctx: MethodContext): SandboxInvoice {
  const { params } = ctx;
  const title = params.required('title');
  const description = params.required('description');
  const payload = params.required('payload');
  const providerToken = params.text('provider_token');
  const startParameter = params.text('start_parameter');
  const currency = params.required('currency');
  const pricesText = params.required('prices');
  const pricesJson = parseJsonParam(pricesText, 'prices');
  if (!Array.isArray(pricesJson)) throw BotApiError.badRequest('Expected an Array of labeled prices');
  const prices = pricesJson.map(labeledPrice);
  if (prices.length === 0) throw BotApiError.badRequest('There must be at least one price');
  if (currency !== STARS_CURRENCY) throw BotApiError.badRequest('PAYMENT_PROVIDER_INVALID');
  const [price] = prices;
  // wording guessed for a provider token given with Stars (Telegram's error for a Stars invoice it refuses)
  if (providerToken !== '' || prices.length !== 1 || !price || price.amount < 1) {
    throw BotApiError.badRequest('STARS_INVOICE_INVALID');
  }
  const photoUrl = params.text('photo_url');
  return {
    kind: 'invoice',
    title,
    description,
    payload,
    currency,
    label: price.label,
    amount: price.amount,
    startParameter,
    ...(photoUrl ? { photoUrl } : {}),
  };
}

/** The `pre_checkout_query` update a user's confirmed payment makes, for the bot that sold. */
export function preCheckoutQueryJson(e: PreCheckoutEvent): Json {
  return {
    id: e.id,
    from: userJson(e.user),
    currency: e.currency,
    total_amount: e.amount,
    invoice_payload: e.payload,
  };
}

/**
 * The content of a payment's service message as its bot reads it: `successful_payment` (a Stars payment has no
 * provider charge: the official server sends its provider_payment_charge_id empty).
 */
export function paymentMessageJson(world: SandboxWorld, m: PrivateMessage): Json | undefined {
  const payment = m.payment && findPayment(world, m.payment.chargeId);
  if (!payment) return undefined;
  return {
    successful_payment: {
      currency: payment.currency,
      total_amount: payment.amount,
      invoice_payload: payment.payload,
      telegram_payment_charge_id: payment.chargeId,
      provider_payment_charge_id: '',
    },
  };
}

const sendInvoice: Method = (ctx) => {
  // The official server reads the invoice before it looks at the chat.
  const plain = readInvoice(ctx);
  const target = resolveSendTarget(ctx);
  return ok(deliver(ctx, target, { method: 'sendInvoice', plain }));
};

const createInvoiceLinkMethod: Method = (ctx) => {
  const invoice = readInvoice(ctx);
  const link = createInvoiceLink(ctx.world, ctx.session.bot.id, invoice);
  return ok(`https://t.me/$${link.slug}`);
};

const answerPreCheckoutQuery: Method = (ctx) => {
  const { params } = ctx;
  const id = params.text('pre_checkout_query_id');
  const yes = params.boolean('ok');
  const answer = yes ? { ok: true as const } : { ok: false as const, errorMessage: params.required('error_message') };
  // Telegram's answer to an unknown, answered or timed-out query (wording guessed: MTProto's QUERY_ID_INVALID).
  if (!answerPreCheckout(ctx.world, ctx.session.bot.id, id, answer)) throw BotApiError.badRequest('QUERY_ID_INVALID');
  return ok(true);
};

const refundStarPaymentMethod: Method = (ctx) => {
  const userId = ctx.params.userId();
  const chargeId = ctx.params.required('telegram_payment_charge_id');
  try {
    refundStarPayment(ctx.world, ctx.session.bot.id, userId, chargeId);
  } catch (err) {
    throw asBotApiError(err);
  }
  return ok(true);
};

/** getStarTransactions: the bot's transactions in the order they happened, from `offset`, at most `limit` (1-100). */
const getStarTransactions: Method = (ctx) => {
  const offset = ctx.params.clampedInteger('offset', 0, 0);
  const limit = ctx.params.clampedInteger('limit', 100, 1, 100);
  const transactions = starTransactionsOf(ctx.world, ctx.session.bot.id)
    .slice(offset, offset + limit)
    .map((t) => {
      const user = ctx.world.findUserById(t.payment.userId);
      const partner: Json = {
        type: 'user',
        ...(user ? { user: userJson(user) } : {}),
        ...(t.incoming ? { transaction_type: 'invoice_payment', invoice_payload: t.payment.payload } : {}),
      };
      return {
        id: t.payment.chargeId,
        amount: t.payment.amount,
        date: t.date,
        ...(t.incoming ? { source: partner } : { receiver: partner }),
      };
    });
  return ok({ transactions });
};

const getMyStarBalance: Method = (ctx) => ok({ amount: botStarBalance(ctx.world, ctx.session.bot.id) });

export const PAYMENT_METHODS: Record<string, Method> = {
  sendInvoice,
  createInvoiceLink: createInvoiceLinkMethod,
  answerPreCheckoutQuery,
  refundStarPayment: refundStarPaymentMethod,
  getStarTransactions,
  getMyStarBalance,
};
