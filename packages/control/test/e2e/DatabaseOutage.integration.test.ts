import { assert, layer } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { tcpProxy } from "../../../../test-support/TcpProxy.ts"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi } from "../support/FakeBotApi.ts"
import * as Sellers from "../support/LoggedInSellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const run = Sellers.testRun("pgdown")
const seller = { id: 9_200_000_001, first_name: "Ana" }

layer(Sellers.testLayer, { excludeTestServices: true, timeout: "60 seconds" })("PostgreSQL unreachable", (it) => {
  it.effect("for 40 seconds while 10 orders arrive: each is reported exactly once after it returns", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const database = new URL(Redacted.value((yield* TestDatabase).url))
      const proxy = yield* tcpProxy({ host: database.hostname, port: Number(database.port || 5432) })
      const throughProxy = new URL(database)
      throughProxy.host = `127.0.0.1:${proxy.port}`

      const ana = yield* Sellers.seedSeller(run, seller)
      const control = yield* ControlProcess.start(
        Sellers.controlEnvironment(run, api, { databaseUrl: throughProxy.toString(), redisUrl: Sellers.redisUrl }, { QUEUE_BACKOFF_MAX: "4 seconds" })
      )
      yield* Sellers.awaitWatching(run, ana)
      yield* Sellers.customerOrders(run, ana, 1)
      yield* Sellers.awaitReports(ana, 1)

      yield* proxy.cut
      const cutAt = Date.now()
      for (const quantity of [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) {
        yield* Sellers.customerOrders(run, ana, quantity)
        yield* Effect.sleep("1 second")
      }
      yield* Effect.sleep(Math.max(0, 40_000 - (Date.now() - cutAt)))
      assert.deepStrictEqual(yield* Sellers.reportedTotals(ana), [Sellers.totalOf(1)], "nothing can be reported without PostgreSQL")
      assert.isAbove(yield* proxy.refused, 0, "the control plane kept trying PostgreSQL")
      yield* proxy.restore

      yield* Sellers.awaitReports(ana, 11, "60 seconds")
      // Time for a duplicate to show up, had one been sent.
      yield* Effect.sleep("3 seconds")
      assert.deepStrictEqual(yield* Sellers.reportedTotals(ana), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(Sellers.totalOf))
      const logs = control.output()
      assert.include(logs, "a transient failure: the queue's consumer waits")
      const metrics = yield* Effect.promise(() => fetch(`http://127.0.0.1:${control.metricsPort}/metrics`).then((response) => response.text()))
      assert.isAbove(Sellers.sample(metrics, "vigia_consumer_backoffs_total", { queue: "updates", reason: "DatabaseError" }) ?? 0, 0)
      assert.strictEqual(Sellers.sample(metrics, "vigia_queue_jobs", { queue: "updates", state: "failed" }), 0, "nothing parked")
    }).pipe(Effect.ensuring(Sellers.cleanup(run, [seller]))), { timeout: 180_000 })
})
