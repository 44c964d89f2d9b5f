import { assert, layer } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { privateRedis } from "../../../../test-support/PrivateRedis.ts"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi } from "../support/FakeBotApi.ts"
import * as Sellers from "../support/LoggedInSellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const run = Sellers.testRun("redisdown")
const sellers = [{ id: 9_200_000_011, first_name: "Ana" }, { id: 9_200_000_012, first_name: "Bruno" }]

layer(Sellers.testLayer, { excludeTestServices: true, timeout: "60 seconds" })("Redis down", (it) => {
  it.effect("for 25 seconds with two sellers logged in: no worker is restarted, and orders after it are reported", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const redis = yield* privateRedis
      const databaseUrl = Redacted.value((yield* TestDatabase).url)
      const seeded = yield* Effect.forEach(sellers, (user) => Sellers.seedSeller(run, user))
      // Silent for 5 seconds is dead: the outage lasts five times that.
      const control = yield* ControlProcess.start(Sellers.controlEnvironment(run, api, { databaseUrl, redisUrl: redis.url }))
      yield* Effect.forEach(seeded, (seller) => Sellers.awaitWatching(run, seller), { discard: true })
      yield* Effect.forEach(seeded, (seller) => Sellers.customerOrders(run, seller, 1), { discard: true })
      yield* Effect.forEach(seeded, (seller) => Sellers.awaitReports(seller, 1), { discard: true })
      const pids = seeded.map((seller) => Sellers.workerPid(run, seller.phone))

      yield* redis.stop
      yield* Effect.sleep("25 seconds")
      yield* redis.start
      // Two silence thresholds after Redis is back: a worker judged dead would have been restarted by now.
      yield* Effect.sleep("10 seconds")
      assert.deepStrictEqual(seeded.map((seller) => Sellers.workerPid(run, seller.phone)), pids, "no worker was restarted")

      yield* Effect.forEach(seeded, (seller) => Sellers.customerOrders(run, seller, 2), { discard: true })
      yield* Effect.forEach(seeded, (seller) => Sellers.awaitReports(seller, 2, "30 seconds"), { discard: true })
      for (const seller of seeded) assert.deepStrictEqual(yield* Sellers.reportedTotals(seller), [Sellers.totalOf(1), Sellers.totalOf(2)])
      assert.deepStrictEqual(seeded.map((seller) => Sellers.workerPid(run, seller.phone)), pids)
      assert.notInclude(control.output(), "worker restart scheduled")
    }).pipe(Effect.scoped, Effect.ensuring(Sellers.cleanup(run, sellers))), { timeout: 180_000 })
})
