/**
 * A seller's subscription terms (plan, overrides, expiry), its effective limits at a
 * given moment, and the pure decisions the control plane asks of it, with typed refusals.
 */
import { Effect, Schema } from "effect"
import { FeatureOverrides, limitsOf, Plan, PlanLimits, Unlimited } from "./Plan.ts"

/** What the `subscriptions` row says: the plan, its `features` overrides, expiry and status. */
export class SubscriptionTerms extends Schema.Class<SubscriptionTerms>("@vigia/domain/SubscriptionTerms")({
  plan: Plan,
  overrides: FeatureOverrides,
  expiresAt: Schema.NullOr(Schema.Date),
  isActive: Schema.Boolean
}) {}

const isCurrent = (terms: SubscriptionTerms, now: Date): boolean =>
  terms.isActive && (terms.expiresAt === null || terms.expiresAt.getTime() > now.getTime())

/** The plan in force: `free` once the subscription is inactive or expired (`expiresAt <= now`). */
export const effectivePlan = (terms: SubscriptionTerms, now: Date): Plan => isCurrent(terms, now) ? terms.plan : "free"

/** The limits in force: free limits when not current, else the plan's limits with the overrides applied. */
export const effectiveLimits = (terms: SubscriptionTerms, now: Date): PlanLimits => {
  if (!isCurrent(terms, now)) return limitsOf.free
  const base = limitsOf[terms.plan]
  const { maxActiveGroups, canUseAdvancedFeatures, canCreateContainer } = terms.overrides
  return new PlanLimits({
    maxActiveGroups: maxActiveGroups ?? base.maxActiveGroups,
    canUseAdvancedFeatures: canUseAdvancedFeatures ?? base.canUseAdvancedFeatures,
    canCreateContainer: canCreateContainer ?? base.canCreateContainer
  })
}

export class PlanRefusal extends Schema.TaggedError<PlanRefusal>()("PlanRefusal", {
  reason: Schema.Literals(["SessionNotAllowed", "GroupLimitReached", "AdvancedFeaturesNotAllowed"]),
  plan: Plan,
  limit: Schema.NullOr(Schema.Int),
  message: Schema.String
}) {}

/** The paid plan that is no longer in force, said for the logs: the seller's words live in the bot. */
const lapsedNote = (terms: SubscriptionTerms, now: Date): string =>
  terms.plan !== "free" && !isCurrent(terms, now) ? ` (the ${terms.plan} subscription is inactive or expired)` : ""

/** May this subscription run a session (a worker for the seller's own Telegram account)? */
export const canStartSession = (terms: SubscriptionTerms, now: Date): Effect.Effect<void, PlanRefusal> => {
  if (effectiveLimits(terms, now).canCreateContainer) return Effect.void
  const plan = effectivePlan(terms, now)
  return Effect.fail(
    new PlanRefusal({
      reason: "SessionNotAllowed",
      plan,
      limit: null,
      message: `the ${plan} plan does not allow connecting a Telegram account${lapsedNote(terms, now)}`
    })
  )
}

/** May this subscription activate one more group, given how many it has active now? */
export const canActivateGroup = (
  terms: SubscriptionTerms,
  now: Date,
  currentActiveGroups: number
): Effect.Effect<void, PlanRefusal> => {
  const max = effectiveLimits(terms, now).maxActiveGroups
  if (max === Unlimited || currentActiveGroups < max) return Effect.void
  const plan = effectivePlan(terms, now)
  return Effect.fail(
    new PlanRefusal({
      reason: "GroupLimitReached",
      plan,
      limit: max,
      message: `the ${plan} plan allows ${max} active groups and ${currentActiveGroups} are active${lapsedNote(terms, now)}`
    })
  )
}

/** May this subscription use advanced features (automatic replies in groups)? */
export const canUseAdvancedFeatures = (terms: SubscriptionTerms, now: Date): Effect.Effect<void, PlanRefusal> => {
  if (effectiveLimits(terms, now).canUseAdvancedFeatures) return Effect.void
  const plan = effectivePlan(terms, now)
  return Effect.fail(
    new PlanRefusal({
      reason: "AdvancedFeaturesNotAllowed",
      plan,
      limit: null,
      message: `the ${plan} plan does not include automatic replies in groups${lapsedNote(terms, now)}`
    })
  )
}
