import { assert, layer } from "@effect/vitest"
import { DateTime, Effect, Layer, Option, Result, Schema } from "effect"
import { TestClock } from "effect/testing"
import { ActiveGroups, type ActiveGroupsError } from "../../src/data/ActiveGroups.ts"
import { AuditLog } from "../../src/data/AuditLog.ts"
import type { DatabaseError } from "../../src/data/Database.ts"
import { Subscriptions } from "../../src/data/Subscriptions.ts"
import { UserId } from "../../src/data/UserId.ts"
import { Users } from "../../src/data/Users.ts"
import { newSeller } from "../support/Sellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const services = Layer.mergeAll(ActiveGroups.layer, Users.layer, Subscriptions.layer, AuditLog.layer)

/** Supergroup ids, below -10^12: beyond 32 bits. */
const supergroup = (n: number) => -1_002_000_000_000 - n

const reasonOf = (error: ActiveGroupsError | DatabaseError) => error._tag === "ActiveGroupsError" ? error.reason : error

layer(services.pipe(Layer.provideMerge(TestDatabase.layer)))("ActiveGroups", (it) => {
  it.effect("ten concurrent activations on the basic plan give five groups and five typed refusals", () =>
    Effect.gen(function*() {
      const groups = yield* ActiveGroups
      const seller = yield* newSeller("basic")
      const results = yield* Effect.all(
        Array.from({ length: 10 }, (_, n) =>
          Effect.result(groups.activate(seller.id, { groupId: supergroup(n), title: `Grupo ${n}` }))),
        { concurrency: "unbounded" }
      )
      const refusals = results.filter(Result.isFailure).map((result) => reasonOf(result.failure))
      assert.strictEqual(results.filter(Result.isSuccess).length, 5)
      assert.strictEqual(refusals.length, 5)
      for (const refusal of refusals) {
        assert.strictEqual(refusal._tag, "PlanLimitReached")
        if (refusal._tag === "PlanLimitReached") {
          assert.strictEqual(refusal.plan, "basic")
          assert.strictEqual(refusal.limit, 5)
          assert.include(refusal.message, "allows 5 active groups")
        }
      }
      assert.strictEqual((yield* groups.list(seller.id)).length, 5)
    }))

  it.effect("group ids beyond 32 bits are stored and found exactly; activating twice counts once", () =>
    Effect.gen(function*() {
      const groups = yield* ActiveGroups
      const seller = yield* newSeller("free")
      const groupId = -1_009_876_543_210
      yield* groups.activate(seller.id, { groupId, title: "Feira 'da' Vila 🍅" })
      const again = yield* groups.activate(seller.id, { groupId, title: "Feira da Vila" })
      assert.strictEqual(again.groupId, groupId)
      assert.strictEqual(again.title, "Feira da Vila")
      assert.deepStrictEqual((yield* groups.list(seller.id)).map((group) => group.groupId), [groupId])
      assert.isTrue(Option.isSome(yield* groups.find(seller.id, groupId)))
      assert.isTrue(Option.isNone(yield* groups.find(seller.id, groupId + 1)))
    }))

  it.effect("a premium subscription that expired is held to the free limit", () =>
    Effect.gen(function*() {
      const groups = yield* ActiveGroups
      const now = yield* DateTime.nowAsDate
      const seller = yield* newSeller("premium", new Date(now.getTime() + 60 * 60 * 1000))
      for (const n of [1, 2, 3]) yield* groups.activate(seller.id, { groupId: supergroup(100 + n), title: null })
      yield* TestClock.adjust("2 hours")
      const refusal = yield* Effect.flip(groups.activate(seller.id, { groupId: supergroup(104), title: null }))
      const reason = reasonOf(refusal)
      assert.strictEqual(reason._tag, "PlanLimitReached")
      if (reason._tag === "PlanLimitReached") assert.deepStrictEqual([reason.plan, reason.limit], ["free", 1])
    }))

  it.effect("deactivating frees a place; deactivating an inactive group is a typed refusal", () =>
    Effect.gen(function*() {
      const groups = yield* ActiveGroups
      const audit = yield* AuditLog
      const seller = yield* newSeller("free")
      yield* groups.activate(seller.id, { groupId: 11, title: null })
      const overLimit = yield* Effect.flip(groups.activate(seller.id, { groupId: 12, title: null }))
      assert.strictEqual(reasonOf(overLimit)._tag, "PlanLimitReached")
      yield* groups.deactivate(seller.id, 11)
      yield* groups.activate(seller.id, { groupId: 12, title: null })
      assert.strictEqual(reasonOf(yield* Effect.flip(groups.deactivate(seller.id, 11)))._tag, "GroupNotActive")
      const actions = (yield* audit.recent(seller.id, 10)).map((entry) => entry.action)
      assert.deepStrictEqual(actions, ["group-activated", "group-deactivated", "group-activated"])
    }))

  it.effect("automatic replies need an advanced plan to turn on, and can always be turned off", () =>
    Effect.gen(function*() {
      const groups = yield* ActiveGroups
      const subscriptions = yield* Subscriptions
      const seller = yield* newSeller("free")
      yield* groups.activate(seller.id, { groupId: 21, title: null })
      const refusal = reasonOf(yield* Effect.flip(groups.setAutoReply(seller.id, 21, true)))
      assert.strictEqual(refusal._tag, "AdvancedFeaturesNotAllowed")
      assert.include(refusal.message, "does not include automatic replies")
      yield* subscriptions.grant(seller.id, {
        plan: "basic",
        expiresAt: null,
        overrides: {},
        paymentReference: "pix-123",
        source: "payment"
      })
      assert.isTrue((yield* groups.setAutoReply(seller.id, 21, true)).autoReply)
      assert.isFalse((yield* groups.setAutoReply(seller.id, 21, false)).autoReply)
      assert.strictEqual(reasonOf(yield* Effect.flip(groups.setAutoReply(seller.id, 22, false)))._tag, "GroupNotActive")
    }))

  it.effect("an unknown user is a typed refusal", () =>
    Effect.gen(function*() {
      const groups = yield* ActiveGroups
      const nobody = Schema.decodeSync(UserId)("00000000-0000-4000-8000-000000000001")
      const error = yield* Effect.flip(groups.activate(nobody, { groupId: 1, title: null }))
      assert.strictEqual(reasonOf(error)._tag, "UserNotFound")
    }))

  it.effect("a plan that allows fewer groups keeps the ones activated most recently, each removal audited", () =>
    Effect.gen(function*() {
      const groups = yield* ActiveGroups
      const seller = yield* newSeller("premium")
      for (let n = 1; n <= 4; n++) {
        yield* groups.activate(seller.id, { groupId: supergroup(100 + n), title: `Grupo ${n}` })
        yield* TestClock.adjust("1 second")
      }
      assert.deepStrictEqual(yield* groups.trimToPlan(seller.id), [], "an unlimited plan trims nothing")
      yield* (yield* Subscriptions).grant(seller.id, { plan: "free", expiresAt: null, overrides: {}, paymentReference: null, source: "admin" })
      const removed = yield* groups.trimToPlan(seller.id)
      assert.deepStrictEqual(removed.map((group) => group.title), ["Grupo 1", "Grupo 2", "Grupo 3"])
      assert.deepStrictEqual((yield* groups.list(seller.id)).map((group) => group.title), ["Grupo 4"])
      assert.deepStrictEqual(yield* groups.trimToPlan(seller.id), [], "within the limit: nothing more")
      const audit = (yield* (yield* AuditLog).recent(seller.id, 10)).filter((entry) => entry.action === "group-deactivated")
      assert.deepStrictEqual(audit.map((entry) => entry.details.reason), ["plan-limit", "plan-limit", "plan-limit"])
    }))
})
