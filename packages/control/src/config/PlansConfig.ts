/** The periodic plan check's configuration: how often every seller's plan is checked (`PLAN_CHECK_INTERVAL`). */
import { Config, Duration } from "effect"
import type { PlanEnforcementOptions } from "../plans/PlanEnforcement.ts"

export const enforcement: Config.Wrap<PlanEnforcementOptions> = {
  interval: Config.Duration("PLAN_CHECK_INTERVAL").pipe(Config.withDefault(Duration.minutes(1)))
}
