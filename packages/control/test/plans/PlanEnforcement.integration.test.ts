import { assert, layer } from "@effect/vitest"
import { Queue } from "@vigia/protocol/Queue"
import { ConfigProvider, Context, Duration, Effect, Layer, Ref } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { ActiveGroups } from "../../src/data/ActiveGroups.ts"
import { AuditLog } from "../../src/data/AuditLog.ts"
import { AwaitingCode, Conversations } from "../../src/data/Conversations.ts"
import * as DataLayer from "../../src/data/layer.ts"
import { Sessions } from "../../src/data/Sessions.ts"
import { Subscriptions } from "../../src/data/Subscriptions.ts"
import type { UserId } from "../../src/data/UserId.ts"
import { Users } from "../../src/data/Users.ts"
import { PlanEnforcement } from "../../src/plans/PlanEnforcement.ts"
import { type PlanEnforced, PlanNotifier } from "../../src/plans/PlanNotifier.ts"
import * as SessionsLayer from "../../src/sessions/layer.ts"
import { ContainerManager } from "../../src/sessions/manager/ContainerManager.ts"
import { randomSupergroup } from "../support/SellerAccounts.ts"
import { newSeller } from "../support/Sellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { eventually, randomPhone } from "../support/WorkerHarness.ts"

// The periodic plan check in-process, as `main` composes it, over a fresh database and inline workers (fake TDLib),
// with a pass every 300 ms: what it does to sellers whose plan changes or runs out, and what it tells them.

type Told =
  | { readonly _tag: "ExpiringSoon"; readonly plan: string; readonly expiresAt: Date }
  | ({ readonly _tag: "Enforced" } & PlanEnforced)

class ToldSellers extends Context.Service<ToldSellers, {
  readonly of: (userId: UserId) => Effect.Effect<ReadonlyArray<Told>>
}>()("test/ToldSellers") {
  /** A `PlanNotifier` that records what each seller is told. */
  static readonly layer = Layer.effectContext(Effect.gen(function*() {
    const told = yield* Ref.make<ReadonlyArray<{ readonly userId: UserId; readonly notice: Told }>>([])
    const record = (userId: UserId, notice: Told) => Ref.update(told, (all) => [...all, { userId, notice }])
    return Context.make(ToldSellers, {
      of: (userId) => Effect.map(Ref.get(told), (all) => all.filter((entry) => entry.userId === userId).map((entry) => entry.notice))
    }).pipe(Context.add(PlanNotifier, PlanNotifier.of({
      expiringSoon: (userId, plan, expiresAt) => record(userId, { _tag: "ExpiringSoon", plan, expiresAt }),
      enforced: (userId, notice) => record(userId, { _tag: "Enforced", ...notice })
    })))
  }))
}

const dataRoot = Fs.mkdtempSync(Path.join(Os.tmpdir(), "vigia-plans-"))

const InlineSessions = SessionsLayer.layer.pipe(
  Layer.provideMerge(Queue.layerMemory()),
  Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({
    env: {
      BOT_TOKEN: "123456:plan-enforcement-test",
      TDL_DRIVER: "fake",
      WORKER_DATA_DIR: dataRoot,
      WORKER_HEARTBEAT_INTERVAL: "1",
      WORKER_CHECK_INTERVAL: "500 millis",
      WORKER_STOP_GRACE: "5 seconds",
      SESSION_COMMAND_TIMEOUT: "10 seconds"
    }
  })))
)

const removeData = Layer.effectDiscard(Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dataRoot, { recursive: true, force: true }))))

const TestLayer = PlanEnforcement.layer({ interval: Duration.millis(300) }).pipe(
  Layer.provideMerge(ToldSellers.layer),
  Layer.provideMerge(InlineSessions),
  Layer.provideMerge(DataLayer.repositories),
  Layer.provideMerge(TestDatabase.layer),
  Layer.provideMerge(removeData)
)

/** `count` groups activated one after the other (the last one the most recent), titled `Grupo 1`, `Grupo 2`, … */
const activateGroups = (userId: UserId, count: number) =>
  Effect.gen(function*() {
    const groups = yield* ActiveGroups
    for (let n = 1; n <= count; n++) {
      yield* groups.activate(userId, { groupId: randomSupergroup(), title: `Grupo ${n}` })
      yield* Effect.sleep("5 millis")
    }
  })

const grant = (userId: UserId, plan: "free" | "basic" | "premium", expiresAt: Date | null = null) =>
  Effect.flatMap(Subscriptions, (subscriptions) =>
    subscriptions.grant(userId, { plan, expiresAt, overrides: {}, paymentReference: null, source: "admin" }))

/** What the seller was told once the check has had a few more passes after `settled` held. */
const toldAfterPasses = (userId: UserId, settled: (told: ReadonlyArray<Told>) => boolean) =>
  Effect.gen(function*() {
    const told = yield* ToldSellers
    yield* eventually("the seller to be told", told.of(userId), settled, "30 seconds")
    yield* Effect.sleep("1500 millis")
    return yield* told.of(userId)
  })

const titles = (userId: UserId) =>
  Effect.map(Effect.flatMap(ActiveGroups, (groups) => groups.list(userId)), (active) => active.map((group) => group.title))

layer(TestLayer, { timeout: "2 minutes", excludeTestServices: true })("the periodic plan check", (it) => {
  it.effect("a plan changed to free ends the sessions (a login half-way too), keeps the newest group, tells once, audits", () =>
    Effect.gen(function*() {
      const manager = yield* ContainerManager
      const sessions = yield* Sessions
      const users = yield* Users
      const conversations = yield* Conversations
      const seller = yield* newSeller("basic")
      const connected = randomPhone()
      const halfway = randomPhone()
      for (const phone of [connected, halfway]) {
        yield* sessions.register(seller.id, phone, manager.runtime)
        yield* manager.start(phone)
      }
      yield* users.recordLogin(seller.id, { phoneNumber: connected, telegramAccountId: 700_000_001 })
      yield* conversations.set(seller.telegramUserId, new AwaitingCode({ phone: halfway, length: 5, attempts: 0, resendableAt: null }))
      yield* activateGroups(seller.id, 3)

      yield* grant(seller.id, "free")
      const told = yield* toldAfterPasses(seller.id, (all) => all.length > 0)
      assert.deepStrictEqual(told, [
        { _tag: "Enforced", plan: "free", lapsedPlan: null, sessionEnded: true, deactivatedGroups: ["Grupo 1", "Grupo 2"], groupLimit: 1 }
      ])
      assert.deepStrictEqual(yield* titles(seller.id), ["Grupo 3"])
      for (const phone of [connected, halfway]) {
        assert.strictEqual((yield* sessions.get(phone)).desiredState, "stopped")
        assert.strictEqual((yield* manager.status(phone)).state, "stopped")
      }
      assert.isNull((yield* users.get(seller.id)).telegramAccountId, "the account is no longer connected")
      assert.strictEqual((yield* conversations.get(seller.telegramUserId))._tag, "Idle", "the login half-way was left")
      const audit = (yield* (yield* AuditLog).recent(seller.id, 20)).map((entry) => entry.action)
      assert.strictEqual(audit.filter((action) => action === "plan-enforced").length, 1)
      assert.strictEqual(audit.filter((action) => action === "group-deactivated").length, 2)
      assert.include(audit, "logout")
    }))

  it.effect("a smaller paid plan keeps the session and the five newest groups", () =>
    Effect.gen(function*() {
      const manager = yield* ContainerManager
      const sessions = yield* Sessions
      const seller = yield* newSeller("premium")
      const phone = randomPhone()
      yield* sessions.register(seller.id, phone, manager.runtime)
      yield* activateGroups(seller.id, 7)

      yield* grant(seller.id, "basic")
      const told = yield* toldAfterPasses(seller.id, (all) => all.length > 0)
      assert.deepStrictEqual(told, [
        { _tag: "Enforced", plan: "basic", lapsedPlan: null, sessionEnded: false, deactivatedGroups: ["Grupo 1", "Grupo 2"], groupLimit: 5 }
      ])
      assert.deepStrictEqual(yield* titles(seller.id), ["Grupo 3", "Grupo 4", "Grupo 5", "Grupo 6", "Grupo 7"])
      assert.strictEqual((yield* sessions.get(phone)).desiredState, "running")
    }))

  it.effect("a plan that ends within three days is warned of once; when it ends, what it allowed stops, told once", () =>
    Effect.gen(function*() {
      const expiresAt = new Date(Date.now() + 3_000)
      const ending = yield* newSeller("basic", expiresAt)
      const later = yield* newSeller("basic", new Date(Date.now() + Duration.toMillis(Duration.days(10))))
      const soon = yield* newSeller("premium", new Date(Date.now() + Duration.toMillis(Duration.days(2))))
      yield* activateGroups(ending.id, 2)

      const told = yield* toldAfterPasses(ending.id, (all) => all.some((notice) => notice._tag === "Enforced"))
      assert.deepStrictEqual(told, [
        { _tag: "ExpiringSoon", plan: "basic", expiresAt },
        { _tag: "Enforced", plan: "free", lapsedPlan: "basic", sessionEnded: false, deactivatedGroups: ["Grupo 1"], groupLimit: 1 }
      ])
      assert.deepStrictEqual(yield* titles(ending.id), ["Grupo 2"])
      assert.deepStrictEqual(yield* (yield* ToldSellers).of(later.id), [])
      assert.deepStrictEqual((yield* (yield* ToldSellers).of(soon.id)).map((notice) => notice._tag), ["ExpiringSoon"])
    }))
})
