/**
 * The bot's side of `PlanNotifier`: what the periodic plan check tells a seller (a paid plan ending soon, what a plan
 * no longer allowed), in their private chat with the bot.
 */
import { Effect, Layer } from "effect"
import type { UserId } from "../data/UserId.ts"
import { Users } from "../data/Users.ts"
import { PlanNotifier } from "../plans/PlanNotifier.ts"
import { TelegramBot } from "./TelegramBot.ts"
import * as Texts from "./Texts.ts"

/** The bot's `PlanNotifier`; a notice that cannot be delivered is logged (the check gives each notice once). */
export const layer = Layer.effect(
  PlanNotifier,
  Effect.gen(function*() {
    const telegram = yield* TelegramBot
    const users = yield* Users

    const tell = (notice: string, userId: UserId, text: string) =>
      users.get(userId).pipe(
        Effect.flatMap((seller) => telegram.send(seller.telegramUserId, text)),
        Effect.asVoid,
        Effect.catchCause((cause) => Effect.logError(`could not tell the seller (${notice})`, cause)),
        Effect.withSpan(`BotPlanNotifier.${notice}`)
      )

    return PlanNotifier.of({
      expiringSoon: (userId, plan, expiresAt) => tell("expiringSoon", userId, Texts.planExpiring(plan, expiresAt)),
      enforced: (userId, notice) => tell("enforced", userId, Texts.planEnforced(notice))
    })
  })
)
