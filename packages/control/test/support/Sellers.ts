/**
 * Test sellers: a fresh user (new Telegram id) on a given plan, the way the bot and an admin
 * would make one, for tests that need users in a real database.
 */
import type { Plan } from "@vigia/domain/Plan"
import { Effect } from "effect"
import { Subscriptions } from "../../src/data/Subscriptions.ts"
import { Users } from "../../src/data/Users.ts"

let nextTelegramId = 5_000_000_000

/** A new user on `plan`, granted by an admin, expiring at `expiresAt` (`null`: never). */
export const newSeller = (plan: Plan, expiresAt: Date | null = null) =>
  Effect.gen(function*() {
    const users = yield* Users
    const subscriptions = yield* Subscriptions
    const user = yield* users.getOrCreate({
      telegramUserId: nextTelegramId++,
      firstName: "Vendedora",
      lastName: null,
      username: null,
      languageCode: "pt-br"
    })
    if (plan !== "free") {
      yield* subscriptions.grant(user.id, { plan, expiresAt, overrides: {}, paymentReference: null, source: "admin" })
    }
    return user
  })
