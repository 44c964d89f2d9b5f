import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { privateRedis } from "../../../../test-support/PrivateRedis.ts"
import * as Data from "../../src/data/layer.ts"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi } from "../support/FakeBotApi.ts"
import {
  awaitReports,
  awaitWatching,
  cleanup,
  controlEnvironment,
  customerOrders,
  reportedTotals,
  seedSeller,
  testRun,
  totalOf,
  workerPid
} from "../support/LoggedInSellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const run = testRun("redisdown")
const sellers = [{ id: 9_200_000_011, first_name: "Ana" }, { id: 9_200_000_012, first_name: "Bruno" }]

const TestLayer = Layer.mergeAll(FakeBotApi.layer, Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)))

layer(TestLayer, { excludeTestServices: true, timeout: "60 seconds" })("Redis down", (it) => {
  it.effect("for 25 seconds with two sellers logged in: no worker is restarted, and orders after it are reported", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const redis = yield* privateRedis
      const databaseUrl = Redacted.value((yield* TestDatabase).url)
      const seeded = yield* Effect.forEach(sellers, (user) => seedSeller(run, user))
      // Silent for 5 seconds is dead: the outage lasts five times that.
      const control = yield* ControlProcess.start(controlEnvironment(run, api, { databaseUrl, redisUrl: redis.url }))
      yield* Effect.forEach(seeded, (seller) => awaitWatching(run, seller), { discard: true })
      yield* Effect.forEach(seeded, (seller) => customerOrders(run, seller, 1), { discard: true })
      yield* Effect.forEach(seeded, (seller) => awaitReports(seller, 1), { discard: true })
      const pids = seeded.map((seller) => workerPid(run, seller.phone))

      yield* redis.stop
      yield* Effect.sleep("25 seconds")
      yield* redis.start
      // Two silence thresholds after Redis is back: a worker judged dead would have been restarted by now.
      yield* Effect.sleep("10 seconds")
      assert.deepStrictEqual(seeded.map((seller) => workerPid(run, seller.phone)), pids, "no worker was restarted")

      yield* Effect.forEach(seeded, (seller) => customerOrders(run, seller, 2), { discard: true })
      yield* Effect.forEach(seeded, (seller) => awaitReports(seller, 2, "30 seconds"), { discard: true })
      for (const seller of seeded) assert.deepStrictEqual(yield* reportedTotals(seller), [totalOf(1), totalOf(2)])
      assert.deepStrictEqual(seeded.map((seller) => workerPid(run, seller.phone)), pids)
      assert.notInclude(control.output(), "worker restart scheduled")
    }).pipe(Effect.scoped, Effect.ensuring(cleanup(run, sellers))), { timeout: 180_000 })
})
