import { assert, layer } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi } from "../support/FakeBotApi.ts"
import * as Sellers from "../support/LoggedInSellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const run = Sellers.testRun("restart")
const seller = { id: 9_200_000_021, first_name: "Ana" }

layer(Sellers.testLayer, { excludeTestServices: true, timeout: "60 seconds" })("a worker restarted", (it) => {
  it.effect("a customer's message after the restart is reported: the account's message ids do not start over", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const databaseUrl = Redacted.value((yield* TestDatabase).url)
      const ana = yield* Sellers.seedSeller(run, seller)
      yield* ControlProcess.start(Sellers.controlEnvironment(run, api, { databaseUrl, redisUrl: Sellers.redisUrl }))
      yield* Sellers.awaitWatching(run, ana)
      const before = yield* Sellers.customerOrders(run, ana, 1)
      yield* Sellers.awaitReports(ana, 1)

      const killed = Sellers.workerPid(run, ana.phone)
      process.kill(killed, "SIGKILL")
      yield* Sellers.awaitWatching(run, ana, killed)
      const after = yield* Sellers.customerOrders(run, ana, 2)
      assert.isAbove(after.messageId, before.messageId)
      yield* Sellers.awaitReports(ana, 2, "30 seconds")
      assert.deepStrictEqual(yield* Sellers.reportedTotals(ana), [Sellers.totalOf(1), Sellers.totalOf(2)])
    }).pipe(Effect.ensuring(Sellers.cleanup(run, [seller]))), { timeout: 120_000 })
})
