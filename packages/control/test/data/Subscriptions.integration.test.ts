import { assert, layer } from "@effect/vitest"
import { limitsOf } from "@vigia/domain/Plan"
import { DateTime, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { AuditLog } from "../../src/data/AuditLog.ts"
import { Subscriptions } from "../../src/data/Subscriptions.ts"
import { Users } from "../../src/data/Users.ts"
import { newSeller } from "../support/Sellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const day = 24 * 60 * 60 * 1000

const services = Layer.mergeAll(Subscriptions.layer, Users.layer, AuditLog.layer)

layer(services.pipe(Layer.provideMerge(TestDatabase.layer)))("Subscriptions", (it) => {
  it.effect("a new user is on the free plan with the free limits", () =>
    Effect.gen(function*() {
      const subscriptions = yield* Subscriptions
      const seller = yield* newSeller("free")
      const current = yield* subscriptions.current(seller.id)
      assert.strictEqual(current.plan, "free")
      assert.deepStrictEqual(current.limits, limitsOf.free)
      assert.strictEqual(current.subscription.expiresAt, null)
    }))

  it.effect("served from memory for five minutes, read again after, dropped at once on a plan change", () =>
    Effect.gen(function*() {
      const subscriptions = yield* Subscriptions
      const sql = yield* SqlClient.SqlClient
      const seller = yield* newSeller("free")
      assert.strictEqual((yield* subscriptions.current(seller.id)).plan, "free")
      // Another replica changes the plan: this process keeps its copy until the five minutes pass.
      yield* sql`UPDATE subscriptions SET plan = 'premium' WHERE user_id = ${seller.id}`
      yield* TestClock.adjust("299 seconds")
      assert.strictEqual((yield* subscriptions.current(seller.id)).plan, "free")
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* subscriptions.current(seller.id)).plan, "premium")
      // A change made by this process is seen at once.
      yield* subscriptions.grant(seller.id, {
        plan: "basic",
        expiresAt: null,
        overrides: {},
        paymentReference: null,
        source: "admin"
      })
      const current = yield* subscriptions.current(seller.id)
      assert.strictEqual(current.plan, "basic")
      assert.deepStrictEqual(current.limits, limitsOf.basic)
    }))

  it.effect("an expired premium subscription yields the free limits, even from the cache", () =>
    Effect.gen(function*() {
      const subscriptions = yield* Subscriptions
      const now = yield* DateTime.nowAsDate
      const seller = yield* newSeller("premium", new Date(now.getTime() + day))
      const before = yield* subscriptions.current(seller.id)
      assert.strictEqual(before.plan, "premium")
      assert.deepStrictEqual(before.limits, limitsOf.premium)
      yield* TestClock.adjust("1 day")
      const after = yield* subscriptions.current(seller.id)
      assert.strictEqual(after.subscription.plan, "premium")
      assert.strictEqual(after.plan, "free")
      assert.deepStrictEqual(after.limits, limitsOf.free)
    }))

  it.effect("overrides change the limits of the plan they are granted with", () =>
    Effect.gen(function*() {
      const subscriptions = yield* Subscriptions
      const seller = yield* newSeller("basic")
      yield* subscriptions.grant(seller.id, {
        plan: "basic",
        expiresAt: null,
        overrides: { maxActiveGroups: 8 },
        paymentReference: null,
        source: "admin"
      })
      const current = yield* subscriptions.current(seller.id)
      assert.strictEqual(current.limits.maxActiveGroups, 8)
      assert.deepStrictEqual(current.subscription.featureOverrides, { maxActiveGroups: 8 })
    }))

  it.effect("a renewal extends from the current expiry; a new plan counts from now", () =>
    Effect.gen(function*() {
      const subscriptions = yield* Subscriptions
      const audit = yield* AuditLog
      const seller = yield* newSeller("free")
      const now = (yield* DateTime.nowAsDate).getTime()
      const renew = (plan: "basic" | "premium", paymentReference: string) =>
        subscriptions.extend(seller.id, { plan, duration: "30 days", paymentReference, source: "payment" })
      assert.strictEqual((yield* renew("basic", "pix-1")).expiresAt?.getTime(), now + 30 * day)
      assert.strictEqual((yield* renew("basic", "pix-2")).expiresAt?.getTime(), now + 60 * day)
      const upgraded = yield* renew("premium", "pix-3")
      assert.strictEqual(upgraded.expiresAt?.getTime(), now + 30 * day)
      assert.strictEqual(upgraded.paymentReference, "pix-3")
      const entries = yield* audit.recent(seller.id, 10)
      assert.deepStrictEqual(entries.map((entry) => entry.details["paymentReference"]), ["pix-3", "pix-2", "pix-1"])
      assert.deepStrictEqual(entries[0]?.details, {
        plan: "premium",
        previousPlan: "basic",
        expiresAt: new Date(now + 30 * day).toISOString(),
        source: "payment",
        paymentReference: "pix-3"
      })
    }))
})
