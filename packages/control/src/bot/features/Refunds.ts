/**
 * Giving Telegram Stars back (`refundStarPayment`): an administrator's `/admin_reembolso <cobrança>`, which takes the
 * period the payment bought off the seller's plan; a payment that matched no invoice, given back at once; and a
 * refund Telegram reports (`refunded_payment`) that the bot did not record yet. Each refund is recorded once.
 */
import { Context, DateTime, Effect, Layer, Metric, Option } from "effect"
import { Composer } from "grammy"
import type { RefundedPayment } from "grammy/types"
import { PlanPayments, type RefundRecord, type StarPayment } from "../../data/PlanPayments.ts"
import { argumentsOf, type BotContext } from "../BotContext.ts"
import { type BotFailure, Handlers } from "../Handlers.ts"
import * as PaymentTexts from "../PaymentTexts.ts"
import { Support } from "../Support.ts"
import { TelegramBot, type TelegramBotError } from "../TelegramBot.ts"

/** Refunds by who asked (`admin`, `automatic`, `telegram`) and outcome. */
export const refundEvents = Metric.counter("vigia_payment_refunds_total", {
  description: "Refunds of plan payments in Telegram Stars, by who asked and outcome"
})
const countRefund = (by: string, outcome: string) => Metric.update(Metric.withAttributes(refundEvents, { by, outcome }), 1)

/** Telegram's answer when the charge was given back before (by this bot, or by Telegram itself). */
const isAlreadyRefunded = (error: TelegramBotError) =>
  error.reason._tag === "BotApiRefused" && error.reason.description.includes("CHARGE_ALREADY_REFUNDED")

export class Refunds extends Context.Service<Refunds, {
  /** `/admin_reembolso` (the guard lets administrators only through). */
  readonly composer: Composer<BotContext>
  /** Gives back a payment that matched no invoice, and tells its payer. */
  readonly giveBackUnmatched: (payment: StarPayment) => Effect.Effect<void, BotFailure>
  /** Records a refund Telegram reports, if the bot had not (the seller is told then). */
  readonly refundedByTelegram: (refunded: RefundedPayment) => Effect.Effect<void, BotFailure>
}>()("@vigia/control/bot/features/Refunds") {
  static readonly layer = Layer.effect(
    Refunds,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      const payments = yield* PlanPayments
      const support = yield* Support

      const refundAtTelegram = (payment: StarPayment) =>
        telegram.call("refundStarPayment", (api, signal) => api.refundStarPayment(payment.telegramUserId, payment.chargeId, signal))

      /** Tells the payer what the refund did to their plan. */
      const tellSeller = (record: RefundRecord) =>
        Effect.gen(function*() {
          if (record._tag !== "Refunded") return
          const now = yield* DateTime.nowAsDate
          yield* telegram.send(
            record.payment.telegramUserId,
            PaymentTexts.sellerRefunded(record.payment, record.planShortened ? record.subscription?.expiresAt ?? null : null, now)
          ).pipe(Effect.ignore)
        })

      const giveBackUnmatched = Effect.fn("Refunds.giveBackUnmatched")(function*(payment: StarPayment) {
        const given = yield* refundAtTelegram(payment).pipe(
          Effect.as(true),
          Effect.catchIf(isAlreadyRefunded, () => Effect.succeed(true)),
          Effect.catchTag("TelegramBotError", (error) =>
            Effect.logError("could not give back a payment that matched no invoice", error.message).pipe(Effect.as(false)))
        )
        yield* countRefund("automatic", given ? "refunded" : "failed")
        if (!given) return yield* telegram.send(payment.telegramUserId, PaymentTexts.unmatchedNotRefunded(payment.stars, support.contact))
        yield* payments.recordRefund(payment.chargeId, "automatic")
        return yield* telegram.send(payment.telegramUserId, PaymentTexts.unmatchedRefunded(payment.stars))
      }, (effect) => Effect.asVoid(effect))

      const refundedByTelegram = Effect.fn("Refunds.refundedByTelegram")(function*(refunded: RefundedPayment) {
        const record = yield* payments.recordRefund(refunded.telegram_payment_charge_id, "telegram")
        if (record._tag === "Refunded") {
          yield* countRefund("telegram", "refunded")
          yield* tellSeller(record)
        }
      })

      /** Asks Telegram to give the payment back: whether Telegram had already (it refuses a second refund), or its refusal. */
      const giveBack = (ctx: BotContext, payment: StarPayment) =>
        refundAtTelegram(payment).pipe(
          Effect.as(Option.some(false)),
          Effect.catchIf(isAlreadyRefunded, () => Effect.succeed(Option.some(true))),
          Effect.catchTag("TelegramBotError", (error) =>
            Effect.gen(function*() {
              yield* countRefund("admin", "refused")
              yield* Effect.logWarning("Telegram refused a refund", error.message)
              yield* handlers.reply(ctx, PaymentTexts.refundFailed(error.reason.message))
              return Option.none<boolean>()
            }))
        )

      const adminRefund = Effect.fn("Refunds.adminRefund")(function*(ctx: BotContext, chargeId: string) {
        if (chargeId === "" || /\s/.test(chargeId)) return yield* handlers.reply(ctx, PaymentTexts.refundUsage)
        const found = yield* payments.find(chargeId)
        if (Option.isNone(found)) return yield* handlers.reply(ctx, PaymentTexts.refundUnknown(chargeId))
        if (found.value.status === "refunded") {
          yield* countRefund("admin", "already-refunded")
          return yield* handlers.reply(ctx, PaymentTexts.refundAlready(found.value))
        }
        const telegramHad = yield* giveBack(ctx, found.value)
        if (Option.isNone(telegramHad)) return
        const record = yield* payments.recordRefund(chargeId, { admin: ctx.seller.telegramUserId })
        if (record._tag !== "Refunded") return yield* handlers.reply(ctx, PaymentTexts.refundAlready(found.value))
        yield* countRefund("admin", "refunded")
        yield* handlers.reply(ctx, PaymentTexts.refundDone(record.payment, record.planShortened, telegramHad.value))
        yield* tellSeller(record)
      }, (effect) => Effect.asVoid(effect))

      const composer = new Composer<BotContext>()
      composer.command("admin_reembolso", handlers.handle((ctx) => adminRefund(ctx, argumentsOf(ctx))))

      return Refunds.of({ composer, giveBackUnmatched, refundedByTelegram })
    })
  )
}
