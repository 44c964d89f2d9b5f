/**
 * The way every update goes through the bot, written once and in order: private chats with people only, the
 * per-seller rate limit, the seller loaded (created on first contact), the subscription guard, the step a plain
 * message answers, the features, and last the answer to what no feature took.
 */
import { Context, Effect, Layer } from "effect"
import { Composer } from "grammy"
import type { Update } from "grammy/types"
import { Conversations } from "../data/Conversations.ts"
import { Users } from "../data/Users.ts"
import { type BotContext, commandOf } from "./BotContext.ts"
import * as FailureTexts from "./FailureTexts.ts"
import { Account } from "./features/Account.ts"
import { Admin } from "./features/Admin.ts"
import { buttonPrefix as groupsButtonPrefix, Groups } from "./features/Groups.ts"
import { Login } from "./features/Login.ts"
import { LoginSteps } from "./features/LoginSteps.ts"
import { PriceTable } from "./features/PriceTable.ts"
import { Handlers } from "./Handlers.ts"
import { RateLimiter } from "./RateLimiter.ts"
import { SubscriptionGuard } from "./SubscriptionGuard.ts"
import { TelegramBot } from "./TelegramBot.ts"
import * as Texts from "./Texts.ts"

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
      const features = [yield* Account, yield* Login, yield* LoginSteps, yield* Groups, yield* PriceTable, yield* Admin]
      const bot = telegram.bot

      const rateLimit = handlers.middleware((ctx: BotContext, next) =>
        Effect.flatMap(limiter.take(ctx.from?.id ?? 0), (verdict) => {
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

      /** Commands, and the buttons of the groups menu (which stand for `/grupos`), pass the guard first. */
      const checkGuard = handlers.middleware((ctx: BotContext, next) => {
        const command = commandOf(ctx) ?? (ctx.callbackQuery?.data?.startsWith(groupsButtonPrefix) ? "grupos" : undefined)
        if (command === undefined) return next
        return guard.check(ctx.seller.id, ctx.seller.telegramUserId, command).pipe(
          Effect.andThen(next),
          Effect.catchTag("GuardRefusal", (refusal) => {
            const text = FailureTexts.guardRefused(refusal.reason)
            return ctx.callbackQuery === undefined
              ? handlers.reply(ctx, text).pipe(Effect.asVoid)
              : telegram.answerButton(ctx.callbackQuery.id, text)
          })
        )
      })

      const loadStep = handlers.middleware((ctx: BotContext, next) =>
        ctx.message === undefined || commandOf(ctx) !== undefined
          ? next
          : conversations.get(ctx.seller.telegramUserId).pipe(
            Effect.tap((step) => Effect.sync(() => (ctx.step = step))),
            Effect.andThen(next)
          )
      )

      /** What no feature took: an unknown command or a message out of place, a button of an old message. */
      const fallback = new Composer<BotContext>()
      fallback.on("message", handlers.handle((ctx) => handlers.reply(ctx, Texts.unknownCommand)))
      fallback.on("callback_query", handlers.button(() => Effect.void))

      // Vigia talks to sellers in private chats only; group traffic reaches it through the sellers' workers.
      const sellers = bot.chatType("private").drop((ctx) => ctx.from === undefined || ctx.from.is_bot)
      sellers.use(rateLimit, loadSeller, checkGuard, loadStep)
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
