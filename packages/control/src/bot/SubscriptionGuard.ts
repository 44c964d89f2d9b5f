/**
 * The check before every bot command (seed 16): free users may only read about Vigia and
 * their plan; connecting an account and everything after it needs a plan that allows it.
 */
import { Plan } from "@vigia/domain/Plan"
import { canStartSession } from "@vigia/domain/Subscription"
import { Clock, Config, Context, Effect, Layer, Schema } from "effect"
import type { DatabaseError } from "../data/Database.ts"
import { type SubscriptionError, Subscriptions } from "../data/Subscriptions.ts"
import type { UserId } from "../data/UserId.ts"

/** Commands any user may run, whatever their plan. */
export const publicCommands: ReadonlySet<string> = new Set(["start", "ajuda", "help", "plano", "cancelar"])

export interface SubscriptionGuardOptions {
  /** Telegram user ids allowed to run the admin commands. */
  readonly adminIds: ReadonlySet<number>
}

/** An admin command from someone who is not an administrator. */
export class AdminOnly extends Schema.TaggedError<AdminOnly>()("AdminOnly", {
  command: Schema.String
}) {
  override get message() {
    return `/${this.command} is for administrators only`
  }
}

/** The plan in force does not allow the command; `lapsedPlan` is the paid plan that is no longer in force, if any. */
export class PlanForbids extends Schema.TaggedError<PlanForbids>()("PlanForbids", {
  command: Schema.String,
  plan: Plan,
  lapsedPlan: Schema.NullOr(Plan)
}) {
  override get message() {
    return `the ${this.plan} plan does not allow /${this.command}`
  }
}

export class GuardRefusal extends Schema.TaggedError<GuardRefusal>()("GuardRefusal", {
  reason: Schema.Union([AdminOnly, PlanForbids])
}) {
  override get message() {
    return this.reason.message
  }
}

export class SubscriptionGuard extends Context.Service<SubscriptionGuard, {
  /** Passes when the user may run `command` (without its slash), else fails with why not. */
  readonly check: (
    userId: UserId,
    telegramUserId: number,
    command: string
  ) => Effect.Effect<void, GuardRefusal | SubscriptionError | DatabaseError>
}>()("@vigia/control/bot/SubscriptionGuard") {
  static readonly layer = (options: SubscriptionGuardOptions) => Layer.effect(SubscriptionGuard, make(options))

  static readonly layerConfig = (config: Config.Wrap<SubscriptionGuardOptions>) =>
    Layer.effect(SubscriptionGuard, Effect.flatMap(Config.unwrap(config), make))
}

const make = Effect.fnUntraced(function*(options: SubscriptionGuardOptions) {
  const subscriptions = yield* Subscriptions

  const check = Effect.fn("SubscriptionGuard.check")(function*(userId: UserId, telegramUserId: number, command: string) {
    if (command.startsWith("admin")) {
      if (!options.adminIds.has(telegramUserId)) return yield* new GuardRefusal({ reason: new AdminOnly({ command }) })
      return
    }
    if (publicCommands.has(command)) return
    const { subscription } = yield* subscriptions.current(userId)
    const now = new Date(yield* Clock.currentTimeMillis)
    const subscribed = subscription.terms.plan
    yield* canStartSession(subscription.terms, now).pipe(
      Effect.mapError((refusal) =>
        new GuardRefusal({
          reason: new PlanForbids({ command, plan: refusal.plan, lapsedPlan: subscribed === refusal.plan ? null : subscribed })
        })
      )
    )
  })

  return SubscriptionGuard.of({ check })
})
