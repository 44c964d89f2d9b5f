/**
 * Plans and their limits (free, basic, premium) and a subscription's feature overrides;
 * the decisions over them live in `Subscription.ts`.
 */
import { Schema } from "effect"

export const Plan = Schema.Literals(["free", "basic", "premium"])
export type Plan = typeof Plan.Type

export const Unlimited = -1

/** What a plan allows. `maxActiveGroups` is `Unlimited` (-1) for no limit, as in the seed. */
export class PlanLimits extends Schema.Class<PlanLimits>("@vigia/domain/PlanLimits")({
  maxActiveGroups: Schema.Int,
  canUseAdvancedFeatures: Schema.Boolean,
  canCreateContainer: Schema.Boolean
}) {}

export const limitsOf: Record<Plan, PlanLimits> = {
  free: new PlanLimits({ maxActiveGroups: 1, canUseAdvancedFeatures: false, canCreateContainer: false }),
  basic: new PlanLimits({ maxActiveGroups: 5, canUseAdvancedFeatures: true, canCreateContainer: true }),
  premium: new PlanLimits({ maxActiveGroups: Unlimited, canUseAdvancedFeatures: true, canCreateContainer: true })
}

/** Per-subscription overrides of a plan's limits (the seed's `features` jsonb). */
export const FeatureOverrides = Schema.Struct({
  maxActiveGroups: Schema.optional(Schema.Int),
  canUseAdvancedFeatures: Schema.optional(Schema.Boolean),
  canCreateContainer: Schema.optional(Schema.Boolean)
})
export type FeatureOverrides = typeof FeatureOverrides.Type
