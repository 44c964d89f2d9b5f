/**
 * Telegram's pre-checkout of a Stars payment, answered within its 10 seconds: ok only when the invoice is one the bot
 * sent (its payload), to this payer, of this amount and currency, and not paid yet; otherwise refused with why, which
 * Telegram shows the payer. A failure to judge, or a slow one, is a refusal, never silence.
 */
import { Context, Effect, Layer, Metric, Option, Schema } from "effect"
import { Composer } from "grammy"
import type { PreCheckoutQuery } from "grammy/types"
import type { DatabaseError } from "../../data/Database.ts"
import { invoiceIdOf, PlanPayments } from "../../data/PlanPayments.ts"
import { type UserError, Users } from "../../data/Users.ts"
import type { BotContext } from "../BotContext.ts"
import { Handlers } from "../Handlers.ts"
import * as PaymentTexts from "../PaymentTexts.ts"
import { TelegramBot } from "../TelegramBot.ts"

/** Every step of a payment by its outcome: invoices sent, pre-checkouts answered, payments received. */
export const paymentEvents = Metric.counter("vigia_payments_total", {
  description: "Plan payments in Telegram Stars, by event (invoice, pre-checkout, payment) and outcome"
})
export const countPayment = (event: string, outcome: string) =>
  Metric.update(Metric.withAttributes(paymentEvents, { event, outcome }), 1)

/** Judging a pre-checkout took longer than Telegram waits. */
class PreCheckoutTimeout extends Schema.TaggedError<PreCheckoutTimeout>()("PreCheckoutTimeout", {}) {
  override get message() {
    return "judging a pre-checkout query took longer than Telegram waits"
  }
}

export class PreCheckout extends Context.Service<PreCheckout, {
  /** Handles `pre_checkout_query` updates, which come from no chat. */
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/PreCheckout") {
  static readonly layer = Layer.effect(
    PreCheckout,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      const payments = yield* PlanPayments
      const users = yield* Users

      /** Why the payment the query announces must not go through, if it must not. */
      const judge = Effect.fnUntraced(function*(query: PreCheckoutQuery): Effect.fn.Return<
        PaymentTexts.PreCheckoutRefusal | undefined,
        DatabaseError | UserError
      > {
        const id = invoiceIdOf(query.invoice_payload)
        const invoice = id === undefined ? Option.none() : yield* payments.findInvoice(id)
        if (Option.isNone(invoice)) return "UnknownInvoice"
        const payer = yield* users.findByTelegramId(query.from.id).pipe(
          Effect.map(Option.some),
          Effect.catchReason("UserError", "UserNotFound", () => Effect.succeedNone)
        )
        if (Option.isNone(payer) || payer.value.id !== invoice.value.userId) return "NotYourInvoice"
        if (query.currency !== "XTR" || query.total_amount !== invoice.value.stars) return "WrongAmount"
        if (yield* payments.isPaid(invoice.value.id)) return "AlreadyPaid"
        return undefined
      })

      /** Telegram waits 10 seconds for the answer: a failure to judge, or a slow one, is a refusal, never silence. */
      const answerPreCheckout = Effect.fn("PreCheckout.answer")(function*(query: PreCheckoutQuery) {
        const refusal = yield* judge(query).pipe(
          Effect.timeoutOrElse({ duration: "7 seconds", orElse: () => Effect.fail(new PreCheckoutTimeout()) }),
          Effect.map(Option.fromNullishOr),
          Effect.catchCause((cause) =>
            Effect.logError("could not judge a pre-checkout query", cause).pipe(
              Effect.as(Option.some<PaymentTexts.PreCheckoutRefusal>("Unavailable"))
            )
          )
        )
        yield* countPayment("pre-checkout", Option.getOrElse(refusal, () => "accepted"))
        if (Option.isSome(refusal)) {
          yield* Effect.logWarning("a pre-checkout query was refused").pipe(
            Effect.annotateLogs({ reason: refusal.value, telegramUserId: query.from.id, amount: query.total_amount })
          )
        }
        yield* telegram.call("answerPreCheckoutQuery", (api, signal) =>
          api.answerPreCheckoutQuery(
            query.id,
            Option.isNone(refusal),
            Option.match(refusal, { onNone: () => ({}), onSome: (reason) => ({ error_message: PaymentTexts.preCheckoutRefused[reason] }) }),
            signal
          ))
      })

      const composer = new Composer<BotContext>()
      composer.on("pre_checkout_query", handlers.handle((ctx) => answerPreCheckout(ctx.preCheckoutQuery)))

      return PreCheckout.of({ composer })
    })
  )
}
