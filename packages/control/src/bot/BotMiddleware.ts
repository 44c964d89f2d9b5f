/**
 * The way every update goes through the bot, written once and in order: private chats with people only, the
 * per-seller rate limit, the seller loaded (created on first contact), the step a plain message answers, the
 * subscription guard (every update: commands, buttons and messages), the features, and last the answer to what no
 * feature took.
 */
import { Context, Effect, Layer } from "effect"
import { Composer } from "grammy"
import type { Update } from "grammy/types"
import { Conversations, Idle, type Step } from "../data/Conversations.ts"
import { Users } from "../data/Users.ts"
import { type BotContext, commandOf } from "./BotContext.ts"
import * as FailureTexts from "./FailureTexts.ts"
import { Account } from "./features/Account.ts"
import { Admin } from "./features/Admin.ts"
import { DailySummary } from "./features/DailySummary.ts"
import { DeleteMyData } from "./features/DeleteMyData.ts"
import { Groups } from "./features/Groups.ts"
import { History } from "./features/History.ts"
import { Login } from "./features/Login.ts"
import { LoginSteps } from "./features/LoginSteps.ts"
import { Payments } from "./features/Payments.ts"
import { PriceEdits } from "./features/PriceEdits.ts"
import { PriceTable } from "./features/PriceTable.ts"
import { Handlers } from "./Handlers.ts"
import { RateLimiter } from "./RateLimiter.ts"
import { requestOf, SubscriptionGuard } from "./SubscriptionGuard.ts"
import { TelegramBot } from "./TelegramBot.ts"
import * as Texts from "./Texts.ts"

/** The steps whose answer is a secret the seller typed: the login code, the 2FA password, the e-mail code. */
const secretSteps: ReadonlySet<Step["_tag"]> = new Set(["AwaitingCode", "AwaitingPassword", "AwaitingEmailCode"])

export class BotMiddleware extends Context.Service<BotMiddleware, {
  /** Takes one update through the whole chain; what fails is logged, never raised. */
  readonly handleUpdate: (update: Update) => Effect.Effect<void>
}>()("@vigia/control/bot/BotMiddleware") {
  static readonly layer = Layer.effect(
    BotMiddleware,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const handlers = yield* Handlers
      const limiter = yield* RateLimiter
      const users = yield* Users
      const guard = yield* SubscriptionGuard
      const conversations = yield* Conversations
      const payments = yield* Payments
      // Payments first: a payment message is the seller's purchase, never the answer to the step they are in.
      const features = [payments, yield* Account, yield* Login, yield* LoginSteps, yield* Groups, yield* PriceTable, yield* PriceEdits, yield* History, yield* DailySummary, yield* DeleteMyData, yield* Admin]
      const bot = telegram.bot

      /** Telegram's word that a payment went through, or was given back: money, never dropped by the rate limit. */
      const isPayment = (ctx: BotContext) => ctx.message?.successful_payment !== undefined || ctx.message?.refunded_payment !== undefined

      const rateLimit = handlers.middleware((ctx: BotContext, next) =>
        isPayment(ctx) ? next : Effect.flatMap(limiter.take(ctx.from?.id ?? 0), (verdict) => {
          switch (verdict) {
            case "allowed":
              return next
            case "refused-tell":
              return telegram.send(ctx.chat?.id ?? 0, Texts.slowDown).pipe(Effect.asVoid)
            case "refused-quiet":
              return Effect.void
          }
        })
      )

      const loadSeller = handlers.middleware((ctx: BotContext, next) =>
        Effect.gen(function*() {
          const from = ctx.from
          if (from === undefined) return
          ctx.seller = yield* users.getOrCreate({
            telegramUserId: from.id,
            firstName: from.first_name,
            lastName: from.last_name ?? null,
            username: from.username ?? null,
            languageCode: from.language_code ?? null
          })
          yield* next
        })
      )

      /** Plain messages get the step they answer first: the guard judges them by it. */
      const loadStep = handlers.middleware((ctx: BotContext, next) =>
        ctx.message === undefined || commandOf(ctx) !== undefined
          ? next
          : conversations.get(ctx.seller.telegramUserId).pipe(
            Effect.tap((step) => Effect.sync(() => (ctx.step = step))),
            Effect.andThen(next)
          )
      )

      /**
       * A refused answer to a step leaves the step (it cannot be finished on this plan; an unfinished login's worker is
       * the plan check's to stop), and one that carries a secret (a code, a password) does not stay in the chat either.
       */
      const refuse = (ctx: BotContext, text: string) =>
        Effect.gen(function*() {
          const chatId = ctx.seller.telegramUserId
          const step = ctx.step
          if (ctx.message !== undefined && step !== undefined && step._tag !== "Idle") {
            if (secretSteps.has(step._tag)) yield* telegram.remove(chatId, ctx.message.message_id).pipe(Effect.ignore)
            yield* conversations.set(chatId, new Idle())
          }
          yield* telegram.send(chatId, text)
          if (ctx.callbackQuery !== undefined) yield* telegram.answerButton(ctx.callbackQuery.id, text)
        })

      /** Every update: a command, a button or a message goes no further unless the seller's plan allows it. */
      const checkGuard = handlers.middleware((ctx: BotContext, next) =>
        guard.check(ctx.seller.id, ctx.seller.telegramUserId, requestOf(ctx)).pipe(
          Effect.andThen(next),
          Effect.catchTag("GuardRefusal", (refusal) => refuse(ctx, FailureTexts.guardRefused(refusal.reason)))
        )
      )

      /** What no feature took: an unknown command or a message out of place, a button of an old message. */
      const fallback = new Composer<BotContext>()
      fallback.on(
        "message",
        handlers.handle((ctx) => handlers.reply(ctx, commandOf(ctx) === undefined ? Texts.chatter : Texts.unknownCommand))
      )
      fallback.on("callback_query", handlers.button(() => Effect.void))

      // Vigia talks to sellers in private chats only; group traffic reaches it through the sellers' workers.
      // Pre-checkout queries come from no chat: answered before the private-chat filter (Telegram waits 10 seconds).
      bot.use(payments.preCheckout)
      const sellers = bot.chatType("private").drop((ctx) => ctx.from === undefined || ctx.from.is_bot)
      sellers.use(rateLimit, loadSeller, loadStep, checkGuard)
      sellers.use(...features.map((feature) => feature.composer))
      sellers.use(fallback)
      bot.catch((error) => Effect.runFork(Effect.logError("grammY reported an error", error.error)))

      const handleUpdate = (update: Update) =>
        Effect.tryPromise(() => bot.handleUpdate(update)).pipe(
          Effect.catchCause((cause) => Effect.logError("the bot failed on an update", cause))
        )

      return BotMiddleware.of({ handleUpdate })
    })
  )
}
