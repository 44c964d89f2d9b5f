/**
 * The check before every bot command (seed 16): free users may only read about Vigia and
 * their plan; connecting an account and everything after it needs a plan that allows it.
 */
import { canStartSession } from "@vigia/domain/Subscription"
import { Clock, Context, Effect, Layer, Schema } from "effect"
import { ControlSettings } from "../config/ControlSettings.ts"
import type { DatabaseError } from "../data/Database.ts"
import { Subscriptions } from "../data/Subscriptions.ts"
import * as Texts from "./Texts.ts"
import type { UserId } from "../data/UserId.ts"

/** Commands any user may run, whatever their plan. */
export const publicCommands: ReadonlySet<string> = new Set(["start", "ajuda", "help", "plano", "cancelar"])

/** Why a command was refused, in words for the seller. */
export class GuardRefusal extends Schema.TaggedError<GuardRefusal>()("GuardRefusal", {
  message: Schema.String
}) {}

export class SubscriptionGuard extends Context.Service<SubscriptionGuard, {
  /** Passes when the user may run `command` (without its slash), else fails with what the plan allows. */
  readonly check: (
    userId: UserId,
    telegramUserId: number,
    command: string
  ) => Effect.Effect<void, GuardRefusal | DatabaseError | { readonly _tag: "SubscriptionError" }>
  readonly isAdmin: (telegramUserId: number) => boolean
}>()("@vigia/control/bot/SubscriptionGuard") {
  static readonly layer = Layer.effect(
    SubscriptionGuard,
    Effect.gen(function*() {
      const subscriptions = yield* Subscriptions
      const settings = yield* ControlSettings
      const isAdmin = (telegramUserId: number) => settings.adminIds.has(telegramUserId)

      const check = Effect.fn("SubscriptionGuard.check")(function*(userId: UserId, telegramUserId: number, command: string) {
        if (command.startsWith("admin")) {
          if (!isAdmin(telegramUserId)) return yield* new GuardRefusal({ message: Texts.adminOnly })
          return
        }
        if (publicCommands.has(command)) return
        const { subscription } = yield* subscriptions.current(userId)
        const now = new Date(yield* Clock.currentTimeMillis)
        yield* canStartSession(subscription.terms, now).pipe(
          Effect.mapError((refusal) => new GuardRefusal({ message: refusal.message }))
        )
      })

      return SubscriptionGuard.of({ check, isAdmin })
    })
  )
}
