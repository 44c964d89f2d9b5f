/**
 * Buying a plan in the bot with Telegram Stars: `/plano` shows the plan with a button per plan on sale, a button
 * sends an invoice (`XTR`), Telegram's pre-checkout is answered by `PreCheckout`, and `successful_payment` extends the
 * plan once per charge id; a payment that matches no invoice is given back at once. Refunds are in `Refunds`, whose
 * `/admin_reembolso` this feature's composer carries.
 */
import type { Plan } from "@vigia/domain/Plan"
import { Config, Context, Effect, Layer, Option, Schedule, Schema } from "effect"
import { Composer } from "grammy"
import { PaidPlan, payloadOf, PlanPayments } from "../../data/PlanPayments.ts"
import { type EffectiveSubscription, Subscriptions } from "../../data/Subscriptions.ts"
import type { User } from "../../data/Users.ts"
import type { BotContext } from "../BotContext.ts"
import { Handlers } from "../Handlers.ts"
import * as PaymentTexts from "../PaymentTexts.ts"
import { countPayment } from "./PreCheckout.ts"
import { Support } from "../Support.ts"
import { TelegramBot } from "../TelegramBot.ts"
import * as Texts from "../Texts.ts"
import { PreCheckout } from "./PreCheckout.ts"
import { Refunds } from "./Refunds.ts"

export interface PaymentsOptions {
  /** 30 days of each plan, in Telegram Stars; 0: not sold in the bot. */
  readonly prices: Record<PaidPlan, number>
}

/** Callback data of the buy buttons: `pay:{plan}`. */
export const buttonPrefix = "pay:"


const decodePlan = Schema.decodeUnknownOption(PaidPlan)


const rank: Record<Plan, number> = { free: 0, basic: 1, premium: 2 }

/** The plans the seller may buy now: those on sale, not below a paid plan in force, nothing over a plan without expiry. */
export const buyable = (current: EffectiveSubscription, prices: Record<PaidPlan, number>): ReadonlyArray<PaidPlan> => {
  const noExpiry = current.plan !== "free" && current.subscription.expiresAt === null
  return PaidPlan.literals.filter((plan) => prices[plan] > 0 && !noExpiry && rank[plan] >= rank[current.plan])
}

export class Payments extends Context.Service<Payments, {
  /** `/plano`, the buy buttons and the payment messages, for sellers in their private chat. */
  readonly composer: Composer<BotContext>
  /** Telegram's pre-checkout queries, which come from no chat: installed before the private-chat filter. */
  readonly preCheckout: Composer<BotContext>
}>()("@vigia/control/bot/features/Payments") {
  static readonly layer = (options: PaymentsOptions) => Layer.effect(Payments, make(options))

  static readonly layerConfig = (config: Config.Wrap<PaymentsOptions>) =>
    Layer.effect(Payments, Effect.flatMap(Config.unwrap(config), make))
}

const make = Effect.fnUntraced(function*(options: PaymentsOptions) {
  const telegram = yield* TelegramBot
  const handlers = yield* Handlers
  const subscriptions = yield* Subscriptions
  const payments = yield* PlanPayments
  const support = yield* Support
  const refunds = yield* Refunds

  const showPlan = Effect.fn("Payments.showPlan")(function*(seller: User) {
    const current = yield* subscriptions.current(seller.id)
    const { limits, plan, subscription } = current
    const summary = Texts.planSummary(plan, limits, plan === "free" ? null : subscription.expiresAt)
    const plans = buyable(current, options.prices)
    const offers = plans.length > 0
      ? PaymentTexts.offersHeader
      : plan !== "free" && subscription.expiresAt === null
      ? PaymentTexts.noOffers(support.contact)
      : ""
    const text = [summary, offers, Texts.supportLine(support.contact)].filter((part) => part !== "").join("\n\n")
    const buttons = plans.map((buy) => [{
      text: PaymentTexts.buyButton(buy, options.prices[buy], buy === plan),
      callback_data: `${buttonPrefix}${buy}`
    }])
    yield* telegram.send(seller.telegramUserId, text, buttons.length === 0 ? {} : { replyMarkup: { inline_keyboard: buttons } })
  })

  /** Why `plan` cannot be bought now: not on sale, below the paid plan in force, or over one that does not expire. */
  const refusalOf = (plan: PaidPlan, current: EffectiveSubscription) =>
    options.prices[plan] === 0
      ? PaymentTexts.notForSale(plan)
      : current.subscription.expiresAt === null
      ? PaymentTexts.noOffers(support.contact)
      : PaymentTexts.belowCurrent(plan, current.plan, current.subscription.expiresAt)

  /** A buy button: an invoice for 30 days of the plan, unless it cannot be bought now. */
  const buy = Effect.fn("Payments.buy")(function*(seller: User, data: string) {
    const plan = decodePlan(data.slice(buttonPrefix.length))
    const current = yield* subscriptions.current(seller.id)
    if (Option.isNone(plan) || !buyable(current, options.prices).includes(plan.value)) {
      const text = Option.isNone(plan) ? PaymentTexts.staleButton : refusalOf(plan.value, current)
      yield* telegram.send(seller.telegramUserId, text)
      return text
    }
    const invoice = yield* payments.createInvoice(seller.id, {
      plan: plan.value,
      days: PaymentTexts.periodDays,
      stars: options.prices[plan.value]
    })
    yield* telegram.call("sendInvoice", (api, signal) =>
      api.sendInvoice(
        seller.telegramUserId,
        PaymentTexts.invoiceTitle(invoice.plan),
        PaymentTexts.invoiceDescription(invoice.plan),
        payloadOf(invoice),
        "XTR",
        [{ label: PaymentTexts.invoiceLabel(invoice.plan), amount: invoice.stars }],
        {},
        signal
      ))
    yield* countPayment("invoice", invoice.plan)
    return PaymentTexts.invoiceSent
  })

  const receive = Effect.fn("Payments.receive")(function*(
    seller: User,
    payment: { readonly telegram_payment_charge_id: string; readonly invoice_payload: string; readonly currency: string; readonly total_amount: number }
  ) {
    // Telegram will not deliver this message again: a database that is away is waited for (about two minutes).
    const receipt = yield* payments.receive({
      chargeId: payment.telegram_payment_charge_id,
      telegramUserId: seller.telegramUserId,
      payload: payment.invoice_payload,
      currency: payment.currency,
      amount: payment.total_amount
    }).pipe(
      Effect.retry({ times: 7, schedule: Schedule.exponential("1 second"), while: (error) => error._tag === "DatabaseError" }),
      Effect.tapError((error) =>
        Effect.logError("a plan payment could not be recorded; credit it by hand", error).pipe(
          Effect.annotateLogs({ chargeId: payment.telegram_payment_charge_id, stars: payment.total_amount }),
          Effect.andThen(countPayment("payment", "not-recorded")),
          Effect.andThen(telegram.send(seller.telegramUserId, PaymentTexts.notRecorded(support.contact)).pipe(Effect.ignore))
        )
      )
    )
    yield* countPayment("payment", receipt._tag.toLowerCase())
    yield* Effect.logInfo("a plan payment was received").pipe(Effect.annotateLogs({ outcome: receipt._tag, stars: payment.total_amount }))
    switch (receipt._tag) {
      case "Credited":
        return yield* telegram.send(seller.telegramUserId, PaymentTexts.paid(receipt.subscription.plan, receipt.subscription.expiresAt))
      case "Duplicate":
        return yield* telegram.send(seller.telegramUserId, PaymentTexts.alreadyCredited(receipt.payment.plan))
      case "Unmatched":
        return yield* refunds.giveBackUnmatched(receipt.payment)
    }
  }, (effect) => Effect.asVoid(effect))

  const composer = new Composer<BotContext>()
  composer.use(refunds.composer)
  composer.command("plano", handlers.handle((ctx) => showPlan(ctx.seller)))
  composer.callbackQuery(new RegExp(`^${buttonPrefix}`), handlers.button((ctx) => buy(ctx.seller, ctx.callbackQuery.data)))
  composer.on("message:successful_payment", handlers.handle((ctx) => receive(ctx.seller, ctx.message.successful_payment)))
  composer.on("message:refunded_payment", handlers.handle((ctx) => refunds.refundedByTelegram(ctx.message.refunded_payment)))

  return Payments.of({ composer, preCheckout: (yield* PreCheckout).composer })
})
