/**
 * Runs the bot's Effect handlers as grammY middleware, with the services captured once when the bot is built; what
 * a handler leaves unhandled ends as a log line for the operator and a clear reply to the seller.
 */
import type { CommandError } from "@vigia/protocol/Messages"
import { Context, Effect, Layer } from "effect"
import type { NextFunction } from "grammy"
import type { CallbackQuery, Message } from "grammy/types"
import type { ActiveGroupsError } from "../data/ActiveGroups.ts"
import type { DatabaseError } from "../data/Database.ts"
import type { PriceTablesError } from "../data/PriceTables.ts"
import type { SessionsError } from "../data/Sessions.ts"
import type { SubscriptionError } from "../data/Subscriptions.ts"
import type { UserError } from "../data/Users.ts"
import type { ContainerManagerError } from "../sessions/manager/ContainerManager.ts"
import type { SessionUnavailable } from "../sessions/SessionGateway.ts"
import type { BotContext } from "./BotContext.ts"
import * as FailureTexts from "./FailureTexts.ts"
import { type SendOptions, TelegramBot, type TelegramBotError } from "./TelegramBot.ts"
import * as Texts from "./Texts.ts"

/** Every failure a feature may leave to the bot: the seller is told, the operator gets the log line. */
export type BotFailure =
  | TelegramBotError
  | DatabaseError
  | UserError
  | SubscriptionError
  | SessionsError
  | ActiveGroupsError
  | PriceTablesError
  | SessionUnavailable
  | CommandError
  | ContainerManagerError

export class Handlers extends Context.Service<Handlers, {
  /** A grammY handler running `f` (the update goes no further down the middleware). */
  readonly handle: <C extends BotContext>(f: (ctx: C) => Effect.Effect<void, BotFailure>) => (ctx: C) => Promise<void>
  /** A grammY handler of a button press running `f`, then closing the button with the toast `f` gives, if any. */
  readonly button: <C extends BotContext & { callbackQuery: CallbackQuery }>(
    f: (ctx: C) => Effect.Effect<string | void, BotFailure>
  ) => (ctx: C) => Promise<void>
  /** A grammY middleware running `f`, where `next` hands the update on to the middleware that follows. */
  readonly middleware: <C extends BotContext>(
    f: (ctx: C, next: Effect.Effect<void>) => Effect.Effect<void, BotFailure>
  ) => (ctx: C, next: NextFunction) => Promise<void>
  /** Says `text` to the seller behind the update, in their private chat with the bot. */
  readonly reply: (ctx: BotContext, text: string, options?: SendOptions) => Effect.Effect<Message.TextMessage, TelegramBotError>
}>()("@vigia/control/bot/Handlers") {
  static readonly layer = Layer.effect(
    Handlers,
    Effect.gen(function*() {
      const telegram = yield* TelegramBot
      const context = yield* Effect.context<never>()

      const reply = (ctx: BotContext, text: string, options?: SendOptions) =>
        telegram.send(ctx.seller.telegramUserId, text, options)

      /** Tells the seller (and closes the button they pressed, if any); a failure to tell is only logged. */
      const tell = (ctx: BotContext, text: string) =>
        Effect.gen(function*() {
          const chatId = ctx.chat?.id
          if (chatId !== undefined) yield* telegram.send(chatId, text)
          if (ctx.callbackQuery !== undefined) yield* telegram.answerButton(ctx.callbackQuery.id)
        }).pipe(Effect.catchCause((cause) => Effect.logWarning("could not tell the seller about a failure", cause)))

      const recover = (ctx: BotContext) => (effect: Effect.Effect<void, BotFailure>) =>
        effect.pipe(
          Effect.catchTag("SessionUnavailable", (unavailable) =>
            Effect.logWarning("the seller's session is unavailable", unavailable.message).pipe(
              Effect.andThen(tell(ctx, FailureTexts.sessionUnavailable[unavailable.reason]))
            )),
          Effect.catchCause((cause) =>
            Effect.logError("a bot update failed", cause).pipe(Effect.andThen(tell(ctx, Texts.somethingWrong)))
          ),
          Effect.annotateLogs({ telegramUserId: ctx.from?.id ?? 0, updateId: ctx.update.update_id })
        )

      const run = (ctx: BotContext, effect: Effect.Effect<void, BotFailure>) =>
        Effect.runPromiseWith(context)(recover(ctx)(effect))

      return Handlers.of({
        handle: (f) => (ctx) => run(ctx, Effect.suspend(() => f(ctx))),
        button: (f) => (ctx) =>
          run(
            ctx,
            Effect.suspend(() => f(ctx)).pipe(
              Effect.flatMap((toast) => telegram.answerButton(ctx.callbackQuery.id, typeof toast === "string" ? toast : undefined))
            )
          ),
        middleware: (f) => (ctx, next) => run(ctx, Effect.suspend(() => f(ctx, Effect.promise(() => next())))),
        reply
      })
    })
  )
}
