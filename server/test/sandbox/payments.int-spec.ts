import { Telegraf, type Telegram } from 'telegraf';
import { message } from 'telegraf/filters';
import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { eventually } from '../helpers/eventually';
import { control, newBot, telegramError, telegramFor } from './bot-helpers';
import { errorOf, type MtprotoKit, newUser, signedInClient, startMtprotoKit } from './mtproto-kit';

/**
 * Bot payments in Telegram Stars through both doors: a real telegraf bot sends invoices, answers pre-checkout
 * queries, hears successful payments and refunds them; a real gramjs app reads the invoice, gets its payment form
 * and pays it, its balance set through the control API.
 */
describe('sandbox: bot payments in Telegram Stars (real telegraf and gramjs)', () => {
  let kit: MtprotoKit;
  /** The wait for a bot's answer to a pre-checkout query, short here so a silent bot fails fast. */
  const PRECHECKOUT_WAIT_MS = 400;

  beforeAll(async () => {
    kit = await startMtprotoKit({ preCheckoutTimeoutMs: PRECHECKOUT_WAIT_MS, limitsEnabled: false });
  });
  afterAll(async () => {
    await kit.close();
  });

  type Decision = 'yes' | 'no' | 'silent';

  interface Shop {
    bot: { id: number; token: string; username: string };
    tg: Telegram;
    /** The pre-checkout queries the bot heard. */
    queries: { id: string; from: number; currency: string; total_amount: number; invoice_payload: string }[];
    /** The successful_payment messages the bot heard. */
    paid: { from: number; payment: Record<string, unknown> }[];
    decide(next: Decision): void;
    stop(): Promise<void>;
  }

  /** A telegraf bot polling the sandbox that answers pre-checkout queries as told (yes unless told otherwise). */
  async function runShop(): Promise<Shop> {
    const bot = await newBot(kit.sandbox);
    const app = new Telegraf(bot.token, { telegram: { apiRoot: kit.sandbox.httpUrl, webhookReply: false } });
    const queries: Shop['queries'] = [];
    const paid: Shop['paid'] = [];
    let decision: Decision = 'yes';
    app.on('pre_checkout_query', async (ctx) => {
      const q = ctx.preCheckoutQuery;
      queries.push({
        id: q.id,
        from: q.from.id,
        currency: q.currency,
        total_amount: q.total_amount,
        invoice_payload: q.invoice_payload,
      });
      if (decision === 'yes') await ctx.answerPreCheckoutQuery(true);
      if (decision === 'no') await ctx.answerPreCheckoutQuery(false, 'Sold out, sorry');
    });
    app.on(message('successful_payment'), (ctx) => {
      paid.push({ from: ctx.from.id, payment: { ...ctx.message.successful_payment } });
    });
    const running = app.launch();
    return {
      bot,
      tg: telegramFor(kit.sandbox, bot.token),
      queries,
      paid,
      decide: (next) => (decision = next),
      async stop() {
        app.stop('test done');
        await running;
      },
    };
  }

  interface Buyer {
    id: number;
    phone: string;
    app: TelegramClient;
    /** The bot as the app names it. */
    peer: Api.InputPeerUser;
  }

  /** A user with `stars` Stars whose app has started the bot (a bot cannot write first). */
  async function buyer(shop: Shop, stars: number): Promise<Buyer> {
    const user = await newUser(kit, { firstName: 'Pia' });
    expect((await control(kit.sandbox, 'POST', `/sandbox/users/${user.phone}/stars`, { balance: stars })).body).toEqual(
      {
        balance: stars,
      },
    );
    const app = await signedInClient(kit, user);
    const botUser = (await app.invoke(new Api.contacts.ResolveUsername({ username: shop.bot.username })))
      .users[0] as Api.User;
    const peer = new Api.InputPeerUser({ userId: botUser.id, accessHash: returnBigInt(botUser.accessHash ?? 0) });
    await control(kit.sandbox, 'POST', `/sandbox/bots/${shop.bot.id}/messages`, {
      from_phone: user.phone,
      text: '/start',
    });
    return { ...user, app, peer };
  }

  const coins = {
    title: 'Coins',
    description: '50 coins for the game',
    payload: 'order-42',
    provider_token: '',
    currency: 'XTR',
    prices: [{ label: '50 coins', amount: 30 }],
  };

  const balanceOf = async (user: Buyer): Promise<number> => {
    const status = await user.app.invoke(new Api.payments.GetStarsStatus({ peer: new Api.InputPeerSelf() }));
    const balance = status.balance;
    return Number(balance.amount);
  };

  const callApi = (tg: Telegram, method: string, params: Record<string, unknown>): Promise<unknown> =>
    (tg.callApi as unknown as (m: string, p: Record<string, unknown>) => Promise<unknown>)(method, params);

  const formOf = async (user: Buyer, invoice: Api.TypeInputInvoice): Promise<Api.payments.PaymentFormStars> => {
    const form = await user.app.invoke(new Api.payments.GetPaymentForm({ invoice }));
    expect(form).toBeInstanceOf(Api.payments.PaymentFormStars);
    return form as Api.payments.PaymentFormStars;
  };

  it('sends an invoice the app pays in Stars: the bot says yes, hears successful_payment, and the Stars move', async () => {
    const shop = await runShop();
    try {
      const pia = await buyer(shop, 100);
      const sent = await shop.tg.sendInvoice(pia.id, { ...coins, start_parameter: 'coins' });
      expect(sent.invoice).toEqual({
        title: 'Coins',
        description: '50 coins for the game',
        start_parameter: 'coins',
        currency: 'XTR',
        total_amount: 30,
      });

      // The app reads the invoice message.
      const [shown] = await pia.app.getMessages(pia.peer, { ids: [sent.message_id] });
      expect(shown?.media).toBeInstanceOf(Api.MessageMediaInvoice);
      expect(shown?.media).toMatchObject({ title: 'Coins', currency: 'XTR', startParam: 'coins' });
      expect(Number((shown?.media as Api.MessageMediaInvoice).totalAmount)).toBe(30);

      const invoice = new Api.InputInvoiceMessage({ peer: pia.peer, msgId: sent.message_id });
      const form = await formOf(pia, invoice);
      expect(form).toMatchObject({ title: 'Coins', description: '50 coins for the game' });
      expect(Number(form.botId)).toBe(shop.bot.id);
      expect(form.invoice.currency).toBe('XTR');
      expect(form.invoice.prices.map((p) => [p.label, Number(p.amount)])).toEqual([['50 coins', 30]]);

      const result = await pia.app.invoke(new Api.payments.SendStarsForm({ formId: form.formId, invoice }));
      expect(result).toBeInstanceOf(Api.payments.PaymentResult);
      const updates = (result as Api.payments.PaymentResult).updates as Api.Updates;
      const service = updates.updates
        .map((u) => (u instanceof Api.UpdateNewMessage ? u.message : undefined))
        .find((m): m is Api.MessageService => m instanceof Api.MessageService);
      expect(service?.action).toBeInstanceOf(Api.MessageActionPaymentSent);
      expect(service?.action).toMatchObject({ currency: 'XTR' });
      expect(Number((service?.action as Api.MessageActionPaymentSent).totalAmount)).toBe(30);
      expect(service?.out).toBe(true);
      expect(service?.replyTo).toMatchObject({ replyToMsgId: sent.message_id });

      expect(shop.queries).toEqual([
        {
          id: expect.stringMatching(/^\d+$/),
          from: pia.id,
          currency: 'XTR',
          total_amount: 30,
          invoice_payload: 'order-42',
        },
      ]);
      const heard = await eventually(() => shop.paid[0], { what: 'the successful_payment reaching the bot' });
      expect(heard).toEqual({
        from: pia.id,
        payment: {
          currency: 'XTR',
          total_amount: 30,
          invoice_payload: 'order-42',
          telegram_payment_charge_id: expect.stringMatching(/^stx\w+$/),
          provider_payment_charge_id: '',
        },
      });
      expect(await balanceOf(pia)).toBe(70);
      expect((await control(kit.sandbox, 'GET', `/sandbox/users/${pia.phone}/stars`)).body).toEqual({ balance: 70 });
      expect(await callApi(shop.tg, 'getMyStarBalance', {})).toEqual({ amount: 30 });
      // The invoice now names its receipt.
      const [paidInvoice] = await pia.app.getMessages(pia.peer, { ids: [sent.message_id] });
      expect((paidInvoice?.media as Api.MessageMediaInvoice).receiptMsgId).toBe(service?.id);
    } finally {
      await shop.stop();
    }
  });

  it("lists the bot's Star transactions and refunds a payment once: the user gets the Stars back", async () => {
    const shop = await runShop();
    try {
      const pia = await buyer(shop, 50);
      const sent = await shop.tg.sendInvoice(pia.id, coins);
      const invoice = new Api.InputInvoiceMessage({ peer: pia.peer, msgId: sent.message_id });
      const form = await formOf(pia, invoice);
      await pia.app.invoke(new Api.payments.SendStarsForm({ formId: form.formId, invoice }));
      const charge = (await eventually(() => shop.paid[0], { what: 'the payment' })).payment
        .telegram_payment_charge_id as string;
      expect(await balanceOf(pia)).toBe(20);

      expect(await callApi(shop.tg, 'refundStarPayment', { user_id: pia.id, telegram_payment_charge_id: charge })).toBe(
        true,
      );
      expect(await balanceOf(pia)).toBe(50);
      const again = await telegramError(
        callApi(shop.tg, 'refundStarPayment', { user_id: pia.id, telegram_payment_charge_id: charge }),
      );
      expect(again.description).toBe('Bad Request: CHARGE_ALREADY_REFUNDED');
      expect(await callApi(shop.tg, 'getMyStarBalance', {})).toEqual({ amount: 0 });

      const listed = (await callApi(shop.tg, 'getStarTransactions', {})) as { transactions: Record<string, any>[] };
      expect(listed.transactions).toEqual([
        {
          id: charge,
          amount: 30,
          date: expect.any(Number),
          source: {
            type: 'user',
            user: expect.objectContaining({ id: pia.id }),
            transaction_type: 'invoice_payment',
            invoice_payload: 'order-42',
          },
        },
        {
          id: charge,
          amount: 30,
          date: expect.any(Number),
          receiver: { type: 'user', user: expect.objectContaining({ id: pia.id }) },
        },
      ]);
      const page = (await callApi(shop.tg, 'getStarTransactions', { offset: 1, limit: 1 })) as {
        transactions: Record<string, any>[];
      };
      expect(page.transactions.map((t) => 'receiver' in t)).toEqual([true]);
    } finally {
      await shop.stop();
    }
  });

  it('answers BALANCE_TOO_LOW, BOT_PRECHECKOUT_FAILED when the bot says no and BOT_PRECHECKOUT_TIMEOUT when it is silent', async () => {
    const shop = await runShop();
    try {
      const poor = await buyer(shop, 10);
      const sent = await shop.tg.sendInvoice(poor.id, coins);
      const invoice = new Api.InputInvoiceMessage({ peer: poor.peer, msgId: sent.message_id });
      const form = await formOf(poor, invoice);
      expect(await errorOf(poor.app.invoke(new Api.payments.SendStarsForm({ formId: form.formId, invoice })))).toBe(
        'BALANCE_TOO_LOW',
      );
      // The bot was never asked.
      expect(shop.queries).toEqual([]);

      const rich = await buyer(shop, 100);
      const richSent = await shop.tg.sendInvoice(rich.id, coins);
      const richInvoice = new Api.InputInvoiceMessage({ peer: rich.peer, msgId: richSent.message_id });
      shop.decide('no');
      const refused = await formOf(rich, richInvoice);
      expect(
        await errorOf(
          rich.app.invoke(new Api.payments.SendStarsForm({ formId: refused.formId, invoice: richInvoice })),
        ),
      ).toBe('BOT_PRECHECKOUT_FAILED');
      shop.decide('silent');
      const unanswered = await formOf(rich, richInvoice);
      expect(
        await errorOf(
          rich.app.invoke(new Api.payments.SendStarsForm({ formId: unanswered.formId, invoice: richInvoice })),
        ),
      ).toBe('BOT_PRECHECKOUT_TIMEOUT');
      expect(shop.queries.map((q) => q.from)).toEqual([rich.id, rich.id]);
      // Nothing was paid.
      expect(await balanceOf(rich)).toBe(100);
      expect(shop.paid).toEqual([]);
      // The bot's late answer comes to nothing.
      const late = await telegramError(shop.tg.answerPreCheckoutQuery(shop.queries[1]!.id, true));
      expect(late.description).toBe('Bad Request: QUERY_ID_INVALID');
      // A form the door never gave is refused as one older than 10 minutes.
      expect(
        await errorOf(
          rich.app.invoke(new Api.payments.SendStarsForm({ formId: returnBigInt(12345), invoice: richInvoice })),
        ),
      ).toBe('FORM_EXPIRED');
    } finally {
      await shop.stop();
    }
  });

  it('makes an invoice link the app opens by its slug and pays', async () => {
    const shop = await runShop();
    try {
      const pia = await buyer(shop, 40);
      const link = await shop.tg.createInvoiceLink({
        ...coins,
        payload: 'link-7',
        prices: [{ label: 'Pack', amount: 15 }],
      });
      expect(link).toMatch(/^https:\/\/t\.me\/\$[\w-]+$/);
      const invoice = new Api.InputInvoiceSlug({ slug: link.replace('https://t.me/$', '') });
      const form = await formOf(pia, invoice);
      expect(form.invoice.prices.map((p) => Number(p.amount))).toEqual([15]);
      await pia.app.invoke(new Api.payments.SendStarsForm({ formId: form.formId, invoice }));
      const heard = await eventually(() => shop.paid[0], { what: 'the payment by link' });
      expect(heard.payment).toMatchObject({ invoice_payload: 'link-7', total_amount: 15 });
      expect(await balanceOf(pia)).toBe(25);
      expect(
        await errorOf(
          pia.app.invoke(new Api.payments.GetPaymentForm({ invoice: new Api.InputInvoiceSlug({ slug: 'nope' }) })),
        ),
      ).toBe('SLUG_INVALID');
    } finally {
      await shop.stop();
    }
  });

  it('refuses invoices the official server refuses: another currency, several prices, a provider token with Stars', async () => {
    const bot = await newBot(kit.sandbox);
    const tg = telegramFor(kit.sandbox, bot.token);
    const user = await newUser(kit, { firstName: 'Ola' });
    await control(kit.sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: '/start' });
    const refusal = async (changes: Record<string, unknown>): Promise<string | undefined> =>
      (await telegramError(tg.sendInvoice(user.id, { ...coins, ...changes }))).description;
    expect(await refusal({ currency: 'USD' })).toBe('Bad Request: PAYMENT_PROVIDER_INVALID');
    expect(
      await refusal({
        prices: [
          { label: 'A', amount: 1 },
          { label: 'B', amount: 2 },
        ],
      }),
    ).toBe('Bad Request: STARS_INVOICE_INVALID');
    expect(await refusal({ provider_token: '284685063:TEST:abc' })).toBe('Bad Request: STARS_INVOICE_INVALID');
    expect(await refusal({ prices: [] })).toBe('Bad Request: there must be at least one price');
    expect(await refusal({ prices: [{ label: '', amount: 5 }] })).toBe(
      "Bad Request: can't parse labeled price: LabeledPrice label must be non-empty",
    );
    const link = await telegramError(tg.createInvoiceLink({ ...coins, currency: 'EUR' }));
    expect(link.description).toBe('Bad Request: PAYMENT_PROVIDER_INVALID');
    const noReason = await telegramError(tg.answerPreCheckoutQuery('1', false));
    expect(noReason.description).toBe('Bad Request: parameter "error_message" is required');
    expect((await control(kit.sandbox, 'POST', `/sandbox/users/${user.phone}/stars`, { balance: -1 })).status).toBe(
      400,
    );
  });
});
