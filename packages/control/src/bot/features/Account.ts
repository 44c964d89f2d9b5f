/**
 * The seller's account with the bot: `/start` and `/ajuda` (what Vigia does, the seller's Telegram id, and the
 * administrators' commands to an administrator) and `/status` (the account connected or connecting, its session, the
 * active groups and any orders that could not be reported). `/plano` is in `Payments`, with the plans on sale.
 */
import { mask } from "@vigia/domain/PhoneNumber"
import { Config, Context, Effect, Layer, Option } from "effect"
import { Composer } from "grammy"
import { ActiveGroups } from "../../data/ActiveGroups.ts"
import { Orders } from "../../data/Orders.ts"
import { Sessions } from "../../data/Sessions.ts"
import type { User } from "../../data/Users.ts"
import type { BotContext } from "../BotContext.ts"
import { Handlers } from "../Handlers.ts"
import { Support } from "../Support.ts"
import * as Texts from "../Texts.ts"

export interface AccountOptions {
  /** Telegram user ids of the administrators: `/ajuda` lists them their commands. */
  readonly adminIds: ReadonlySet<number>
}

export class Account extends Context.Service<Account, {
  readonly composer: Composer<BotContext>
}>()("@vigia/control/bot/features/Account") {
  static readonly layer = (options: AccountOptions) => Layer.effect(Account, make(options))

  static readonly layerConfig = (config: Config.Wrap<AccountOptions>) =>
    Layer.effect(Account, Effect.flatMap(Config.unwrap(config), make))
}

const make = Effect.fnUntraced(function*(options: AccountOptions) {
  const handlers = yield* Handlers
  const sessions = yield* Sessions
  const activeGroups = yield* ActiveGroups
  const orders = yield* Orders
  const support = yield* Support

  /**
   * The session `/status` shows: the connected account's, or one still logging in; none once the seller logged out
   * (the phone stays mapped to the seller, but nothing of it runs).
   */
  const sessionOf = (seller: User) =>
    seller.phoneNumber === null
      ? Effect.succeedNone
      : sessions.get(seller.phoneNumber).pipe(
        Effect.map((session) =>
          seller.telegramAccountId !== null || session.desiredState === "running" ? Option.some(session) : Option.none()
        ),
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
  composer.command(
    ["ajuda", "help"],
    handlers.handle((ctx) => {
      const id = ctx.seller.telegramUserId
      return handlers.reply(ctx, Texts.help(id, options.adminIds.has(id), support.contact))
    })
  )
  composer.command("status", handlers.handle(status))

  return Account.of({ composer })
})
