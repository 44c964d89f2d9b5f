import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
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

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"
const run = testRun("restart")
const seller = { id: 9_200_000_021, first_name: "Ana" }

const TestLayer = Layer.mergeAll(FakeBotApi.layer, Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)))

layer(TestLayer, { excludeTestServices: true, timeout: "60 seconds" })("a worker restarted", (it) => {
  it.effect("a customer's message after the restart is reported: the account's message ids do not start over", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const databaseUrl = Redacted.value((yield* TestDatabase).url)
      const ana = yield* seedSeller(run, seller)
      yield* ControlProcess.start(controlEnvironment(run, api, { databaseUrl, redisUrl }))
      yield* awaitWatching(run, ana)
      const before = yield* customerOrders(run, ana, 1)
      yield* awaitReports(ana, 1)

      const killed = workerPid(run, ana.phone)
      process.kill(killed, "SIGKILL")
      yield* awaitWatching(run, ana, killed)
      const after = yield* customerOrders(run, ana, 2)
      assert.isAbove(after.messageId, before.messageId)
      yield* awaitReports(ana, 2, "30 seconds")
      assert.deepStrictEqual(yield* reportedTotals(ana), [totalOf(1), totalOf(2)])
    }).pipe(Effect.ensuring(cleanup(run, [seller]))), { timeout: 120_000 })
})
