import { assert, layer } from "@effect/vitest"
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { DateTime, Effect, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import type { DatabaseError } from "../../src/data/Database.ts"
import { Sessions, type SessionsError } from "../../src/data/Sessions.ts"
import { Subscriptions } from "../../src/data/Subscriptions.ts"
import { UserId } from "../../src/data/UserId.ts"
import { Users } from "../../src/data/Users.ts"
import { newSeller } from "../support/Sellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const phone = (digits: string) => digits as PhoneNumber

const reasonOf = (error: SessionsError | DatabaseError) => error._tag === "SessionsError" ? error.reason._tag : error._tag

const services = Layer.mergeAll(Sessions.layer, Users.layer, Subscriptions.layer)

layer(services.pipe(Layer.provideMerge(TestDatabase.layer)))("Sessions", (it) => {
  it.effect("a registered session wants to run, is starting, and follows what is observed", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const seller = yield* newSeller("basic")
      const number = phone("5511912341001")
      const registered = yield* sessions.register(seller.id, number, "docker")
      assert.deepInclude(registered, { desiredState: "running", observedState: "starting", runtimeRef: null })
      yield* sessions.setRuntimeRef(number, "3f1c0ffee")
      yield* sessions.recordObserved(number, "waiting-for-code", null)
      yield* sessions.recordObserved(number, "dead", "TDLib closed: 'td.binlog' is locked")
      const observed = yield* sessions.recordObserved(number, "running", null)
      assert.deepInclude(observed, {
        runtimeRef: "3f1c0ffee",
        observedState: "running",
        lastError: "TDLib closed: 'td.binlog' is locked"
      })
      const again = yield* sessions.register(seller.id, number, "process")
      assert.deepInclude(again, { runtime: "process", runtimeRef: null, observedState: "starting", lastError: null })
      assert.deepStrictEqual(yield* sessions.get(number), again)
    }))

  it.effect("the node a Swarm worker is pinned to outlives a new login, until it is cleared", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const seller = yield* newSeller("basic")
      const number = phone("5511912341009")
      assert.strictEqual((yield* sessions.register(seller.id, number, "swarm")).nodeId, null)
      assert.strictEqual((yield* sessions.setNode(number, "u7mxduinem8ioi9np3oqgvlt3")).nodeId, "u7mxduinem8ioi9np3oqgvlt3")
      // Its volume stays on that node: a new login's worker goes there too.
      yield* sessions.setDesired(number, "stopped")
      assert.strictEqual((yield* sessions.register(seller.id, number, "swarm")).nodeId, "u7mxduinem8ioi9np3oqgvlt3")
      assert.strictEqual((yield* sessions.setNode(number, null)).nodeId, null)
      assert.strictEqual(reasonOf(yield* Effect.flip(sessions.setNode(phone("5511912349999"), "n1"))), "SessionNotFound")
    }))

  it.effect("a phone number runs for one user only", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const first = yield* newSeller("basic")
      const second = yield* newSeller("basic")
      yield* sessions.register(first.id, phone("5511912341002"), "inline")
      const error = yield* Effect.flip(sessions.register(second.id, phone("5511912341002"), "inline"))
      assert.strictEqual(reasonOf(error), "PhoneInUse")
      assert.notInclude(error.message + JSON.stringify(error), "5511912341002")
      assert.strictEqual((yield* sessions.get(phone("5511912341002"))).userId, first.id)
    }))

  it.effect("another seller's number is held while its login goes on, and once bound; free when neither", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const users = yield* Users
      const first = yield* newSeller("basic")
      const second = yield* newSeller("basic")
      const number = phone("5511912344001")
      yield* sessions.register(first.id, number, "process")
      assert.strictEqual(reasonOf(yield* Effect.flip(sessions.register(second.id, number, "process"))), "PhoneInUse", "a login going on")
      yield* sessions.setDesired(number, "stopped")
      const taken = yield* sessions.register(second.id, number, "process")
      assert.deepInclude(taken, { userId: second.id, desiredState: "running", observedState: "starting" })

      yield* users.recordLogin(second.id, { phoneNumber: number, telegramAccountId: 71 })
      yield* sessions.setDesired(number, "stopped")
      assert.strictEqual(reasonOf(yield* Effect.flip(sessions.register(first.id, number, "process"))), "PhoneInUse", "bound")
      yield* users.recordLogout(second.id)
      assert.strictEqual((yield* sessions.register(first.id, number, "process")).userId, first.id, "released by the logout")
    }))

  it.effect("lists a seller's sessions, bound or not, by when their login began", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const users = yield* Users
      const seller = yield* newSeller("premium")
      const [old, bound, fresh] = [phone("5511912345001"), phone("5511912345002"), phone("5511912345003")]
      yield* sessions.register(seller.id, old, "process")
      yield* sessions.register(seller.id, bound, "process")
      yield* users.recordLogin(seller.id, { phoneNumber: bound, telegramAccountId: 72 })
      yield* TestClock.adjust("11 minutes")
      const cutoff = new Date((yield* DateTime.nowAsDate).getTime() - 10 * 60_000)
      yield* sessions.register(seller.id, fresh, "process")
      const phones = (found: ReadonlyArray<{ readonly phoneNumber: string }>) => found.map((session) => session.phoneNumber)
      assert.deepStrictEqual(phones(yield* sessions.list({ userId: seller.id })), [old, bound, fresh])
      assert.deepStrictEqual(phones(yield* sessions.list({ userId: seller.id, bound: true })), [bound])
      assert.deepStrictEqual(phones(yield* sessions.list({ userId: seller.id, bound: false, loginStartedBefore: cutoff })), [old])
      assert.strictEqual((yield* sessions.get(fresh)).loginStartedAt?.getTime(), (yield* DateTime.nowAsDate).getTime())
    }))

  it.effect("lists by desired state, observed state and stale heartbeats", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const seller = yield* newSeller("premium")
      const [a, b, c] = [phone("5511912342001"), phone("5511912342002"), phone("5511912342003")]
      for (const number of [a, b, c]) yield* sessions.register(seller.id, number, "swarm")
      yield* sessions.recordObserved(a, "authorized", null)
      yield* sessions.recordObserved(b, "authorized", null)
      yield* sessions.setDesired(c, "stopped")
      yield* sessions.heartbeat(a)
      yield* TestClock.adjust("2 minutes")
      yield* sessions.heartbeat(b)
      const now = yield* DateTime.nowAsDate
      const phones = (found: ReadonlyArray<{ readonly phoneNumber: string }>) =>
        found.map((session) => session.phoneNumber).filter((number) => [a, b, c].includes(phone(number)))
      assert.deepStrictEqual(phones(yield* sessions.list({ desired: "stopped" })), [c])
      assert.deepStrictEqual(phones(yield* sessions.list({ observed: ["authorized"] })), [a, b])
      assert.deepStrictEqual(phones(yield* sessions.list({ observed: [] })), [])
      assert.deepStrictEqual(
        phones(yield* sessions.list({ desired: "running", heartbeatBefore: new Date(now.getTime() - 60_000) })),
        [a]
      )
      assert.deepStrictEqual(phones(yield* sessions.list({})), [a, b, c])
      assert.strictEqual((yield* sessions.get(b)).lastHeartbeatAt?.getTime(), now.getTime())
    }))

  it.effect("a removed session is gone; unknown sessions and users are typed refusals", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const seller = yield* newSeller("basic")
      yield* sessions.register(seller.id, phone("5511912343001"), "docker")
      yield* sessions.remove(phone("5511912343001"))
      assert.strictEqual(reasonOf(yield* Effect.flip(sessions.get(phone("5511912343001")))), "SessionNotFound")
      assert.strictEqual(reasonOf(yield* Effect.flip(sessions.heartbeat(phone("5511912343001")))), "SessionNotFound")
      assert.strictEqual(reasonOf(yield* Effect.flip(sessions.remove(phone("5511912343001")))), "SessionNotFound")
      const nobody = Schema.decodeSync(UserId)("00000000-0000-4000-8000-000000000003")
      assert.strictEqual(
        reasonOf(yield* Effect.flip(sessions.register(nobody, phone("5511912343002"), "docker"))),
        "UserNotFound"
      )
    }))
})
