import { runtimeMap } from './runtime-state';
import { randomBytes } from 'node:crypto';
import {
  type InvoiceLink,
  type PrivateMessage,
  type SandboxInvoice,
  type SandboxUser,
  type SandboxWorld,
  type StarPayment,
  WorldEvent,
} from './world';

/**
 * Bot payments in Telegram Stars (currency `XTR`, the only one for digital goods), as both doors share them: a bot
 * sends an invoice (or makes an invoice link), the user's app asks for its payment form and pays; the bot hears a
 * pre-checkout query and must answer it, and once it says yes the user's Stars go to the bot, the chat gets the
 * payment's service message (`successful_payment` for the bot) and the bot's Star transactions list it. A bot may
 * give the Stars back (refundStarPayment). Users' balances are set through the control API.
 */

/** The currency of Telegram Stars. */
export const STARS_CURRENCY = 'XTR';

/** A refusal worded as Telegram's servers word it (an MTProto error; the Bot API passes it on). */
export class PaymentError extends Error {
  constructor(
    readonly code: string,
    /** The bot's own words, for BOT_PRECHECKOUT_FAILED. */
    readonly botMessage?: string,
  ) {
    super(code);
    this.name = 'PaymentError';
  }
}

/** Payload of {@link WorldEvent.PreCheckoutQuery}: what the bot is asked to confirm. */
export interface PreCheckoutEvent {
  /** A positive long in decimal, as the Bot API's `id`. */
  id: string;
  botId: number;
  user: SandboxUser;
  currency: string;
  amount: number;
  payload: string;
}

/** The bot's answer to a pre-checkout query: yes, or no with the words the user is shown. */
export type PreCheckoutAnswer = { ok: true } | { ok: false; errorMessage: string };

interface PendingCheckout {
  event: PreCheckoutEvent;
  answer?: PreCheckoutAnswer;
  onAnswer?: (answer: PreCheckoutAnswer) => void;
}

/** Queries waiting for the bot, per world (they live as long as the app's call waits, so are never stored). */
const pendingOf = runtimeMap<PendingCheckout>();

/** A user's Stars. */
export const starBalanceOf = (world: SandboxWorld, userId: number): number => world.starBalances[String(userId)] ?? 0;

/** Sets a user's Stars (the control API's `POST /sandbox/users/:phone/stars`). */
export function setStarBalance(world: SandboxWorld, userId: number, balance: number): void {
  if (!Number.isSafeInteger(balance) || balance < 0) throw new RangeError('balance must be a whole number ≥ 0');
  world.starBalances[String(userId)] = balance;
}

/** A bot's Stars: what its payments brought in, less what it gave back. */
export function botStarBalance(world: SandboxWorld, botId: number): number {
  return world.starPayments
    .filter((p) => p.botId === botId && p.refundedAt === undefined)
    .reduce((sum, p) => sum + p.amount, 0);
}

/** A random positive 63-bit number in decimal (pre-checkout query ids, form ids). */
export function randomLongId(): string {
  const value = randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn;
  return (value === 0n ? 1n : value).toString();
}

/** A new `telegram_payment_charge_id`, shaped as Telegram's Stars charges are ("stxa…" then letters and digits). */
function newChargeId(): string {
  return `stx${randomBytes(24).toString('base64url').replace(/[-_]/g, 'A')}`;
}

/** Makes an invoice link's slug and keeps the invoice for it. */
export function createInvoiceLink(world: SandboxWorld, botId: number, invoice: SandboxInvoice): InvoiceLink {
  const link: InvoiceLink = { slug: randomBytes(12).toString('base64url'), botId, invoice };
  world.invoiceLinks[link.slug] = link;
  return link;
}

/** The private chat's invoice message the user pays: one the bot sent the user. */
export function invoiceMessageOf(
  world: SandboxWorld,
  userId: number,
  botId: number,
  messageId: number,
): { message: PrivateMessage; invoice: SandboxInvoice } | undefined {
  const message = world.findPrivateMessage(messageId);
  if (!message || message.fromKind !== 'bot' || message.fromId !== botId || message.toId !== userId) return undefined;
  if (message.deletedFor?.includes(userId) || message.media?.kind !== 'invoice') return undefined;
  return { message, invoice: message.media };
}

/** The bot answers a pre-checkout query (answerPreCheckoutQuery); false when no such query waits. */
export function answerPreCheckout(
  world: SandboxWorld,
  botId: number,
  queryId: string,
  answer: PreCheckoutAnswer,
): boolean {
  const pending = pendingOf(world).get(queryId);
  if (!pending || pending.event.botId !== botId || pending.answer) return false;
  pending.answer = answer;
  pending.onAnswer?.(answer);
  return true;
}

/** What a user pays: an invoice message of the bot's chat, or an invoice link's. */
export interface PaymentTarget {
  botId: number;
  invoice: SandboxInvoice;
  /** The invoice message, when the user pays one. */
  message?: PrivateMessage;
}

/**
 * The user pays the invoice in Stars: the bot hears a pre-checkout query and has `timeoutMs` to answer it. On its yes
 * the Stars move, the payment is kept, and the user writes the payment's service message to the bot (a reply to the
 * invoice). Refusals: BALANCE_TOO_LOW, BOT_PRECHECKOUT_TIMEOUT, BOT_PRECHECKOUT_FAILED (with the bot's words).
 */
export async function payInStars(
  world: SandboxWorld,
  user: SandboxUser,
  target: PaymentTarget,
  timeoutMs: number,
): Promise<{ payment: StarPayment; service: PrivateMessage }> {
  const { invoice, botId } = target;
  if (invoice.currency !== STARS_CURRENCY) throw new PaymentError('CURRENCY_INVALID');
  if (starBalanceOf(world, user.id) < invoice.amount) throw new PaymentError('BALANCE_TOO_LOW');
  const event: PreCheckoutEvent = {
    id: randomLongId(),
    botId,
    user,
    currency: invoice.currency,
    amount: invoice.amount,
    payload: invoice.payload,
  };
  const answer = await askBot(world, event, timeoutMs);
  if (!answer) throw new PaymentError('BOT_PRECHECKOUT_TIMEOUT');
  if (!answer.ok) throw new PaymentError('BOT_PRECHECKOUT_FAILED', answer.errorMessage);
  // The balance may have changed while the bot thought.
  if (starBalanceOf(world, user.id) < invoice.amount) throw new PaymentError('BALANCE_TOO_LOW');
  world.starBalances[String(user.id)] = starBalanceOf(world, user.id) - invoice.amount;
  const chargeId = newChargeId();
  const payment: StarPayment = {
    chargeId,
    botId,
    userId: user.id,
    currency: invoice.currency,
    amount: invoice.amount,
    payload: invoice.payload,
    date: world.unixNow(),
    ...(target.message ? { invoiceMessageId: target.message.id } : {}),
    serviceMessageId: 0,
  };
  world.starPayments.push(payment);
  // The service message is written once the payment is kept: the doors read it to describe the message.
  const service = world.sendPrivateMessage({
    fromKind: 'user',
    fromId: user.id,
    toKind: 'bot',
    toId: botId,
    text: '',
    replyToId: target.message?.id,
    payment: { chargeId, currency: invoice.currency, amount: invoice.amount },
  });
  payment.serviceMessageId = service.id;
  if (target.message?.media?.kind === 'invoice') target.message.media.receiptMessageId = service.id;
  return { payment, service };
}

function askBot(
  world: SandboxWorld,
  event: PreCheckoutEvent,
  timeoutMs: number,
): Promise<PreCheckoutAnswer | undefined> {
  const pending = pendingOf(world);
  const entry: PendingCheckout = { event };
  pending.set(event.id, entry);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(event.id);
      resolve(undefined);
    }, timeoutMs);
    // A wait never keeps a closing sandbox's process alive.
    timer.unref();
    entry.onAnswer = (answer) => {
      clearTimeout(timer);
      pending.delete(event.id);
      resolve(answer);
    };
    world.emit(WorldEvent.PreCheckoutQuery, event);
  });
}

/** The payment a charge id names. */
export function findPayment(world: SandboxWorld, chargeId: string): StarPayment | undefined {
  return world.starPayments.find((p) => p.chargeId === chargeId);
}

/**
 * The bot gives a payment's Stars back to the user who paid (refundStarPayment). Refusals: CHARGE_ID_INVALID for a
 * charge that is not the bot's payment from that user (wording guessed), CHARGE_ALREADY_REFUNDED.
 */
export function refundStarPayment(world: SandboxWorld, botId: number, userId: number, chargeId: string): StarPayment {
  const payment = findPayment(world, chargeId);
  // wording guessed
  if (!payment || payment.botId !== botId || payment.userId !== userId) throw new PaymentError('CHARGE_ID_INVALID');
  if (payment.refundedAt !== undefined) throw new PaymentError('CHARGE_ALREADY_REFUNDED');
  payment.refundedAt = world.unixNow();
  world.starBalances[String(userId)] = starBalanceOf(world, userId) + payment.amount;
  return payment;
}

/** One of a bot's Star transactions: Stars in from a payment, or out by a refund. */
export interface StarTransaction {
  payment: StarPayment;
  /** true: the Stars came in (a payment); false: they went back (a refund). */
  incoming: boolean;
  date: number;
}

/** A bot's Star transactions in the order they happened (a refund after its payment). */
export function starTransactionsOf(world: SandboxWorld, botId: number): StarTransaction[] {
  const all: StarTransaction[] = [];
  for (const payment of world.starPayments.filter((p) => p.botId === botId)) {
    all.push({ payment, incoming: true, date: payment.date });
    if (payment.refundedAt !== undefined) all.push({ payment, incoming: false, date: payment.refundedAt });
  }
  return all.sort((a, b) => a.date - b.date);
}
