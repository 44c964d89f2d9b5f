import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { tcpProxy } from "../../../../test-support/TcpProxy.ts"
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
  sample,
  seedSeller,
  testRun,
  totalOf
} from "../support/LoggedInSellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379"
const run = testRun("pgdown")
const seller = { id: 9_200_000_001, first_name: "Ana" }

const TestLayer = Layer.mergeAll(FakeBotApi.layer, Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)))

layer(TestLayer, { excludeTestServices: true, timeout: "60 seconds" })("PostgreSQL unreachable", (it) => {
  it.effect("for 40 seconds while 10 orders arrive: each is reported exactly once after it returns", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const database = new URL(Redacted.value((yield* TestDatabase).url))
      const proxy = yield* tcpProxy({ host: database.hostname, port: Number(database.port || 5432) })
      const throughProxy = new URL(database)
      throughProxy.host = `127.0.0.1:${proxy.port}`

      const ana = yield* seedSeller(run, seller)
      const control = yield* ControlProcess.start(
        controlEnvironment(run, api, { databaseUrl: throughProxy.toString(), redisUrl }, { QUEUE_BACKOFF_MAX: "4 seconds" })
      )
      yield* awaitWatching(run, ana)
      yield* customerOrders(run, ana, 1)
      yield* awaitReports(ana, 1)

      yield* proxy.cut
      const cutAt = Date.now()
      for (const quantity of [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) {
        yield* customerOrders(run, ana, quantity)
        yield* Effect.sleep("1 second")
      }
      yield* Effect.sleep(Math.max(0, 40_000 - (Date.now() - cutAt)))
      assert.deepStrictEqual(yield* reportedTotals(ana), [totalOf(1)], "nothing can be reported without PostgreSQL")
      assert.isAbove(yield* proxy.refused, 0, "the control plane kept trying PostgreSQL")
      yield* proxy.restore

      yield* awaitReports(ana, 11, "60 seconds")
      // Time for a duplicate to show up, had one been sent.
      yield* Effect.sleep("3 seconds")
      assert.deepStrictEqual(yield* reportedTotals(ana), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(totalOf))
      const logs = control.output()
      assert.include(logs, "a transient failure: the queue's consumer waits")
      const metrics = yield* Effect.promise(() => fetch(`http://127.0.0.1:${control.port}/metrics`).then((response) => response.text()))
      assert.isAbove(sample(metrics, "vigia_consumer_backoffs_total", { queue: "updates", reason: "DatabaseError" }) ?? 0, 0)
      assert.strictEqual(sample(metrics, "vigia_queue_jobs", { queue: "updates", state: "failed" }), 0, "nothing parked")
    }).pipe(Effect.ensuring(cleanup(run, [seller]))), { timeout: 180_000 })
})
