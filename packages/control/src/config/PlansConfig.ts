/**
 * The plans' configuration: how often every seller's plan is checked (`PLAN_CHECK_INTERVAL`), and the plan a new
 * seller starts on (`DEFAULT_PLAN`, for `DEFAULT_PLAN_DAYS` days or without expiry).
 */
import { Plan } from "@vigia/domain/Plan"
import { Config, Duration, Option, Schema } from "effect"
import type { NewSellerPlan } from "../data/Subscriptions.ts"
import type { PlanEnforcementOptions } from "../plans/PlanEnforcement.ts"

export const enforcement: Config.Wrap<PlanEnforcementOptions> = {
  interval: Config.Duration("PLAN_CHECK_INTERVAL").pipe(Config.withDefault(Duration.minutes(1)))
}

/** `DEFAULT_PLAN` (`free`, `basic` or `premium`; default `free`) and `DEFAULT_PLAN_DAYS` (a whole number; unset: no expiry). */
export const newSellers: Config.Wrap<NewSellerPlan> = {
  plan: Config.Literals(Plan.literals, "DEFAULT_PLAN").pipe(Config.withDefault("free" as const)),
  duration: Config.option(Config.schema(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)), "DEFAULT_PLAN_DAYS")).pipe(
    Config.map(Option.match({ onNone: () => null, onSome: (days) => Duration.days(days) }))
  )
}
