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

const planNames: Record<Plan, string> = { free: "Gratuito", basic: "Básico", premium: "Premium" }

const groupsText = (max: number): string =>
  max === Unlimited ? "grupos ilimitados" : max === 1 ? "1 grupo ativo" : `até ${max} grupos ativos`

const expiredNote = (terms: SubscriptionTerms, now: Date): string =>
  terms.plan !== "free" && !isCurrent(terms, now)
    ? ` Sua assinatura ${planNames[terms.plan]} não está ativa ou venceu; renove para voltar a ter os recursos dela.`
    : ""

/** What upgrading from `plan` gives, or where to turn when there is nothing to upgrade to. */
const upgradeFrom = (plan: Plan): string =>
  plan === "free"
    ? `Com o plano ${planNames.basic} você conecta sua conta do Telegram, ativa ${
      groupsText(limitsOf.basic.maxActiveGroups)
    } e usa respostas automáticas nos grupos; com o ${planNames.premium}, ${groupsText(limitsOf.premium.maxActiveGroups)}.`
    : plan === "basic"
    ? `Com o plano ${planNames.premium} você tem ${groupsText(limitsOf.premium.maxActiveGroups)}.`
    : "Fale com o suporte para rever os recursos da sua assinatura."

/** May this subscription run a session (a worker for the seller's own Telegram account)? */
export const canStartSession = (terms: SubscriptionTerms, now: Date): Effect.Effect<void, PlanRefusal> => {
  if (effectiveLimits(terms, now).canCreateContainer) return Effect.void
  const plan = effectivePlan(terms, now)
  return Effect.fail(
    new PlanRefusal({
      reason: "SessionNotAllowed",
      plan,
      limit: null,
      message: `Seu plano ${planNames[plan]} não permite conectar uma conta do Telegram.${
        expiredNote(terms, now)
      } ${upgradeFrom(plan)}`
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
      message: `O plano ${planNames[plan]} permite ${groupsText(max)} e você já tem ${currentActiveGroups} ${
        currentActiveGroups === 1 ? "ativo" : "ativos"
      }.${expiredNote(terms, now)} Desative um grupo para ativar outro. ${upgradeFrom(plan)}`
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
      message: `Respostas automáticas nos grupos não estão disponíveis no plano ${planNames[plan]}.${
        expiredNote(terms, now)
      } ${upgradeFrom(plan)}`
    })
  )
}
