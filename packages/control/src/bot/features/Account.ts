/**
 * The seller's account with the bot: `/start` and `/ajuda` (what Vigia does), `/plano` (the plan and its limits)
 * and `/status` (the connected account, its session, the active groups and any orders that could not be reported).
 */
import { mask } from "@vigia/domain/PhoneNumber"
import { Context, Effect, Layer, Option } from "effect"
import { Composer } from "grammy"
import { ActiveGroups } from "../../data/ActiveGroups.ts"
import { Orders } from "../../data/Orders.ts"
import { Sessions } from "../../data/Sessions.ts"
import { Subscriptions } from "../../data/Subscriptions.ts"
import type { User } from "../../data/Users.ts"
import type { BotContext } from "../BotContext.ts"
import { Handlers } from "../Handlers.ts"
import * as Texts from "../Texts.ts"

export class Account extends Context.Service<Account, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/Account") {
  static readonly layer = Layer.effect(
    Account,
    Effect.gen(function*() {
      const handlers = yield* Handlers
      const subscriptions = yield* Subscriptions
      const sessions = yield* Sessions
      const activeGroups = yield* ActiveGroups
      const orders = yield* Orders

      const plan = Effect.fn("Account.plan")(function*(ctx: BotContext) {
        const { plan, limits, subscription } = yield* subscriptions.current(ctx.seller.id)
        yield* handlers.reply(ctx, Texts.planSummary(plan, limits, plan === "free" ? null : subscription.expiresAt))
      })

      const sessionOf = (seller: User) =>
        seller.phoneNumber === null
          ? Effect.succeedNone
          : sessions.get(seller.phoneNumber).pipe(
            Effect.map(Option.some),
            Effect.catchReason("SessionsError", "SessionNotFound", () => Effect.succeedNone)
          )

      const status = Effect.fn("Account.status")(function*(ctx: BotContext) {
        const active = yield* activeGroups.list(ctx.seller.id)
        const session = yield* sessionOf(ctx.seller)
        const undelivered = yield* orders.undelivered(ctx.seller.id)
        yield* handlers.reply(
          ctx,
          Texts.status(
            Option.getOrUndefined(Option.map(session, (found) => ({
              phone: mask(found.phoneNumber),
              state: found.observedState,
              lastError: found.lastError
            }))),
            active.map((group) => ({ title: group.title ?? String(group.groupId), autoReply: group.autoReply }))
          ) + (undelivered > 0 ? `\n\n${Texts.undeliveredOrders(undelivered)}` : "")
        )
      })

      const composer = new Composer<BotContext>()
      composer.command("start", handlers.handle((ctx) => handlers.reply(ctx, Texts.welcome(ctx.seller.firstName))))
      composer.command(["ajuda", "help"], handlers.handle((ctx) => handlers.reply(ctx, Texts.help())))
      composer.command("plano", handlers.handle(plan))
      composer.command("status", handlers.handle(status))

      return Account.of({ composer })
    })
  )
}
