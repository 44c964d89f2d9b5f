import { assert, layer } from "@effect/vitest"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { Effect, Layer, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import * as ControlProcess from "../support/ControlProcess.ts"
import { FakeBotApi } from "../support/FakeBotApi.ts"
import * as Sellers from "../support/LoggedInSellers.ts"
import { exchange, includes } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const run = Sellers.testRun("redrive")
const seller = { id: 9_200_000_031, first_name: "Ana" }
const admin = { id: 9_200_000_039, first_name: "Operadora" }

class Refused extends Schema.TaggedError<Refused>()("Refused", { message: Schema.String }) {}

const TestLayer = Layer.merge(
  Sellers.testLayer,
  Queue.layerBullMq({ redisUrl: Redacted.make(Sellers.redisUrl), prefix: run.prefix, attempts: 1 })
)

const metrics = (control: ControlProcess.ControlProcess) =>
  Effect.promise(() => fetch(`http://127.0.0.1:${control.metricsPort}/metrics`).then((response) => response.text()))

layer(TestLayer, { excludeTestServices: true, timeout: "60 seconds" })("re-driving parked updates", (it) => {
  it.effect("an administrator's /admin_reprocessar hands parked updates back: the order is reported, the count told", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const queue = yield* Queue
      const ana = yield* Sellers.seedSeller(run, seller)
      const updates = QueueNames.updatesQueue(ana.phone)

      // An order parked earlier (its handling refused for good at the time), before this control plane ran.
      const order = yield* Messages.updateMessage(ana.phone, new Messages.NewMessage({
        chatId: Sellers.orderGroup.id,
        messageId: 999 * 2 ** 20,
        senderId: 700000002,
        senderName: "Carlos Cliente",
        text: "3 pão de queijo",
        date: Math.floor(Date.now() / 1000)
      }))
      yield* Effect.scoped(Effect.gen(function*() {
        yield* queue.consume(updates, Messages.UpdateMessage, () => Effect.fail(new Refused({ message: "not now" })))
        yield* queue.send(updates, Messages.UpdateMessage, order)
        yield* Effect.repeat(queue.failed(updates), { until: (failed) => failed.length === 1 })
      }))

      const control = yield* ControlProcess.start(Sellers.controlEnvironment(run, api, {
        databaseUrl: Redacted.value((yield* TestDatabase).url),
        redisUrl: Sellers.redisUrl
      }, { ADMIN_TELEGRAM_IDS: String(admin.id) }))
      yield* Sellers.awaitWatching(run, ana)
      assert.strictEqual(Sellers.sample(yield* metrics(control), "vigia_queue_jobs", { queue: "updates", state: "failed" }), 1)
      assert.deepStrictEqual(yield* Sellers.reportedTotals(ana), [], "a parked update stays parked")

      yield* exchange(seller, "/admin_reprocessar", includes("só para administradores"))
      yield* exchange(admin, "/admin_reprocessar", includes("1 atualização parada voltou para a fila (1 conta)"))
      yield* Sellers.awaitReports(ana, 1)
      assert.deepStrictEqual(yield* Sellers.reportedTotals(ana), [Sellers.totalOf(3)])
      assert.strictEqual(Sellers.sample(yield* metrics(control), "vigia_queue_jobs", { queue: "updates", state: "failed" }), 0)
      yield* exchange(admin, "/admin_reprocessar", includes("Nenhuma atualização parada"))

      const sql = yield* SqlClient.SqlClient
      const audited = yield* sql<{ readonly details: { readonly command: string; readonly redriven: number } }>`
        SELECT details FROM audit_log WHERE action = 'admin-action' ORDER BY id`
      assert.deepStrictEqual(audited.map((row) => [row.details.command, row.details.redriven]), [
        ["admin_reprocessar", 1],
        ["admin_reprocessar", 0]
      ])
    }).pipe(Effect.ensuring(Sellers.cleanup(run, [seller]))), { timeout: 120_000 })
})
