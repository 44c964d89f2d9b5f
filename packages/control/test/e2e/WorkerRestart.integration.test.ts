import { assert, layer } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi } from "../support/FakeBotApi.ts"
import * as Sellers from "../support/LoggedInSellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

// Isolated, Ana's worker process is killed; pooled (3 accounts to a process), the pool hosting Ana and Bia is.
for (const accountsPerProcess of [1, 3]) {
  const pooled = accountsPerProcess > 1
  const run = Sellers.testRun(pooled ? "poolrestart" : "restart", accountsPerProcess)
  const sellers = pooled
    ? [{ id: 9_200_000_031, first_name: "Ana" }, { id: 9_200_000_032, first_name: "Bia" }]
    : [{ id: 9_200_000_021, first_name: "Ana" }]
  const title = pooled ? `a pool of workers restarted (${accountsPerProcess} accounts to a process)` : "a worker restarted"

  layer(Sellers.testLayer, { excludeTestServices: true, timeout: "60 seconds" })(title, (it) => {
    it.effect("a customer's message after the restart is reported: the account's message ids do not start over", () =>
      Effect.gen(function*() {
        const api = yield* FakeBotApi
        const databaseUrl = Redacted.value((yield* TestDatabase).url)
        const seeded = yield* Effect.forEach(sellers, (seller) => Sellers.seedSeller(run, seller))
        yield* ControlProcess.start(Sellers.controlEnvironment(run, api, { databaseUrl, redisUrl: Sellers.redisUrl }))
        yield* Effect.forEach(seeded, (seller) => Sellers.awaitWatching(run, seller), { discard: true })
        const killed = Sellers.workerPid(run, seeded[0]!.phone)
        for (const seller of seeded) assert.strictEqual(Sellers.workerPid(run, seller.phone), killed, "one process hosts them")
        const before = yield* Effect.forEach(seeded, (seller) => Sellers.customerOrders(run, seller, 1))
        yield* Effect.forEach(seeded, (seller) => Sellers.awaitReports(seller, 1), { discard: true })

        process.kill(killed, "SIGKILL")
        yield* Effect.forEach(seeded, (seller) => Sellers.awaitWatching(run, seller, killed), { discard: true })
        for (const [index, seller] of seeded.entries()) {
          const after = yield* Sellers.customerOrders(run, seller, 2)
          assert.isAbove(after.messageId, before[index]!.messageId)
        }
        for (const seller of seeded) {
          yield* Sellers.awaitReports(seller, 2, "30 seconds")
          assert.deepStrictEqual(yield* Sellers.reportedTotals(seller), [Sellers.totalOf(1), Sellers.totalOf(2)])
        }
      }).pipe(Effect.ensuring(Sellers.cleanup(run, sellers))), { timeout: 120_000 })
  })
}
