import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { limitsOf, type Plan, Unlimited } from "../src/Plan.ts"
import * as Subscription from "../src/Subscription.ts"

const now = new Date("2025-06-01T12:00:00Z")
const later = new Date("2025-07-01T00:00:00Z")
const terms = (plan: Plan, options: Partial<ConstructorParameters<typeof Subscription.SubscriptionTerms>[0]> = {}) =>
  new Subscription.SubscriptionTerms({ plan, overrides: {}, expiresAt: null, isActive: true, ...options })

describe("Subscription", () => {
  it.each([
    ["free", terms("free"), "free"],
    ["basic, no expiry", terms("basic"), "basic"],
    ["premium, expiring later", terms("premium", { expiresAt: later }), "premium"],
    ["premium, expiring exactly now", terms("premium", { expiresAt: now }), "free"],
    ["basic, expired", terms("basic", { expiresAt: new Date("2025-05-31T23:59:59Z") }), "free"],
    ["premium, inactive", terms("premium", { isActive: false }), "free"]
  ] as const)("effective plan: %s", (_, subscription, plan) => {
    assert.strictEqual(Subscription.effectivePlan(subscription, now), plan)
    assert.deepStrictEqual(Subscription.effectiveLimits(subscription, now), limitsOf[plan])
  })

  it("applies overrides to a current plan, and drops them once it lapses", () => {
    const overridden = terms("basic", { overrides: { maxActiveGroups: 8, canUseAdvancedFeatures: false } })
    const limits = Subscription.effectiveLimits(overridden, now)
    assert.strictEqual(limits.maxActiveGroups, 8)
    assert.isFalse(limits.canUseAdvancedFeatures)
    assert.isTrue(limits.canCreateContainer)
    const lapsed = terms("basic", { overrides: { maxActiveGroups: 8 }, isActive: false })
    assert.deepStrictEqual(Subscription.effectiveLimits(lapsed, now), limitsOf.free)
  })

  it.effect("a free plan may not start a session; its refusal names the plan", () =>
    Effect.gen(function*() {
      const refusal = yield* Effect.flip(Subscription.canStartSession(terms("free"), now))
      assert.strictEqual(refusal.reason, "SessionNotAllowed")
      assert.strictEqual(refusal.plan, "free")
      assert.isNull(refusal.limit)
      assert.strictEqual(refusal.message, "the free plan does not allow connecting a Telegram account")
      yield* Subscription.canStartSession(terms("basic"), now)
      yield* Subscription.canStartSession(terms("free", { overrides: { canCreateContainer: true } }), now)
    }))

  it.effect("an expired paid plan is refused as free, and the refusal says it lapsed", () =>
    Effect.gen(function*() {
      const refusal = yield* Effect.flip(Subscription.canStartSession(terms("premium", { expiresAt: now }), now))
      assert.strictEqual(refusal.plan, "free")
      assert.include(refusal.message, "the premium subscription is inactive or expired")
    }))

  it.effect.each([
    ["free", 0, true],
    ["free", 1, false],
    ["basic", 4, true],
    ["basic", 5, false],
    ["premium", 10_000, true]
  ] as const)("group limit: %s with %i active groups may activate one more: %s", ([plan, active, allowed]) =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Subscription.canActivateGroup(terms(plan), now, active))
      assert.strictEqual(exit._tag === "Success", allowed)
    }))

  it.effect("a group refusal carries the limit and the plan", () =>
    Effect.gen(function*() {
      const refusal = yield* Effect.flip(Subscription.canActivateGroup(terms("basic"), now, 5))
      assert.strictEqual(refusal.reason, "GroupLimitReached")
      assert.strictEqual(refusal.plan, "basic")
      assert.strictEqual(refusal.limit, 5)
      assert.strictEqual(refusal.message, "the basic plan allows 5 active groups and 5 are active")
      const overridden = terms("premium", { overrides: { maxActiveGroups: 2 } })
      assert.strictEqual((yield* Effect.flip(Subscription.canActivateGroup(overridden, now, 2))).limit, 2)
      assert.strictEqual(limitsOf.premium.maxActiveGroups, Unlimited)
    }))

  it.effect("advanced features need a current paid plan", () =>
    Effect.gen(function*() {
      const refusal = yield* Effect.flip(Subscription.canUseAdvancedFeatures(terms("free"), now))
      assert.strictEqual(refusal.reason, "AdvancedFeaturesNotAllowed")
      assert.include(refusal.message, "automatic replies")
      yield* Subscription.canUseAdvancedFeatures(terms("basic", { expiresAt: later }), now)
      const expired = yield* Effect.flip(Subscription.canUseAdvancedFeatures(terms("basic", { expiresAt: now }), now))
      assert.strictEqual(expired.plan, "free")
    }))
})
