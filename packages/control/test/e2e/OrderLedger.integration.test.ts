import { afterAll, assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as Data from "../../src/data/layer.ts"
import * as ControlProcess from "../support/ControlProcess.ts"
import { type BotMessage, FakeBotApi } from "../support/FakeBotApi.ts"
import {
  cleanup,
  customerEdits,
  customerWrites,
  deployment,
  environment,
  groupReplies,
  linkOf,
  ready,
  type Seller,
  seedSeller
} from "../support/OrderHarness.ts"
import { includes } from "../support/SellerScript.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { eventually } from "../support/WorkerHarness.ts"

const at = deployment("ledger")

/** A short lease, so that a killed control plane's orders are taken over within seconds. */
const startControl = Effect.gen(function*() {
  const api = yield* FakeBotApi
  const database = yield* TestDatabase
  return yield* ControlProcess.start(environment(at, api, database, { DELIVERY_LEASE: "3 seconds" }))
})

const messagesAbout = (seller: Seller, messageId: number) =>
  FakeBotApi.use((api) => api.messagesIn(seller.chatId)).pipe(
    Effect.map((messages) => messages.filter(includes(linkOf(messageId))))
  )

const ledgerOf = (seller: Seller, messageId: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly revision: number; readonly reportState: string; readonly reportFailure: string | null; readonly totalCentavos: string }>`
      SELECT revision, report_state, report_failure, total_centavos FROM orders
      WHERE user_id = ${seller.userId} AND message_id = ${messageId} ORDER BY revision`)

const TestLayer = Layer.mergeAll(FakeBotApi.layer, Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)))

layer(TestLayer, { excludeTestServices: true, timeout: "120 seconds" })("the order ledger, end to end", (it) => {
  it.effect("a control plane killed while the report's sendMessage hangs reports the order exactly once after its restart", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const seller = yield* seedSeller(at, { plan: "basic" })
      const first = yield* startControl
      yield* ready(at, seller)

      yield* api.hang("sendMessage")
      const hung = yield* api.hungCalls
      const messageId = yield* customerWrites(at, seller.phone, "2x coca 2l, 3 pão de queijo")
      yield* eventually("the report's sendMessage to arrive and hang", api.hungCalls, (count) => count > hung)
      process.kill(first.pid, "SIGKILL")
      yield* Effect.promise(() => first.exited)
      yield* api.hang("sendMessage", false)

      yield* startControl
      const report = yield* api.awaitMessage(seller.chatId, includes(linkOf(messageId)), "60 seconds")
      assert.include(report.text, "R$ 22,60")
      yield* Effect.sleep("4 seconds")
      assert.lengthOf(yield* messagesAbout(seller, messageId), 1)
      assert.deepStrictEqual((yield* ledgerOf(seller, messageId)).map((row) => row.reportState), ["reported"])
    }).pipe(Effect.scoped), { timeout: 180_000 })

  it.effect("a seller who blocked the bot: one reply in the group, the order undelivered in the ledger, told by /status", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const seller = yield* seedSeller(at, { plan: "basic", autoReply: true })
      yield* startControl
      yield* ready(at, seller)
      const repliesAboutCoca = Effect.map(groupReplies(at, seller.phone), (sent) => sent.filter((reply) => reply.text.includes("Coca-Cola 2L")))

      yield* api.block(seller.chatId)
      const callsBefore = (yield* api.calls).length
      const messageId = yield* customerWrites(at, seller.phone, "2x coca 2l")
      yield* eventually("the reply in the group", repliesAboutCoca, (replies) => replies.length > 0)
      // Until the ledger gives the order up as undelivered, or the group gets a second reply (a retry of the update).
      const settled = Effect.all([repliesAboutCoca, ledgerOf(seller, messageId).pipe(Effect.orElseSucceed(() => []))])
      yield* eventually("the order settled", settled, ([replies, rows]) => replies.length > 1 || rows[0]?.reportState === "undelivered", "30 seconds")
      yield* Effect.sleep("4 seconds")

      assert.lengthOf(yield* repliesAboutCoca, 1)
      const [row] = yield* ledgerOf(seller, messageId)
      assert.strictEqual(row?.reportState, "undelivered")
      assert.include(row?.reportFailure ?? "", "403")
      const attempts = (yield* api.calls).slice(callsBefore).filter((call) =>
        call.method === "sendMessage" && Number(call.params.chat_id) === seller.chatId)
      assert.lengthOf(attempts, 1, "one attempt, not retried in a loop")

      yield* api.block(seller.chatId, false)
      const before = Math.max(0, ...(yield* api.messagesIn(seller.chatId)).map((message) => message.message_id))
      yield* api.sendText({ id: seller.chatId, first_name: "Vendedora" }, "/status")
      const status = yield* api.awaitMessage(seller.chatId, (message) => message.message_id > before, "20 seconds")
      assert.include(status.text, "1 pedido não entregue")
    }).pipe(Effect.scoped), { timeout: 180_000 })

  it.effect("an edited order gives exactly one edited report with the new quote; the ledger keeps both", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const seller = yield* seedSeller(at, { plan: "basic" })
      yield* startControl
      yield* ready(at, seller)

      const messageId = yield* customerWrites(at, seller.phone, "2x coca 2l")
      yield* api.awaitMessage(seller.chatId, includes(linkOf(messageId)), "20 seconds")
      yield* customerEdits(at, seller.phone, messageId, "3x coca 2l")
      const edited = yield* api.awaitMessage(seller.chatId, (message) => includes(linkOf(messageId))(message) && message.text.includes("editado"), "20 seconds")
      assert.include(edited.text, "R$ 28,50")
      yield* Effect.sleep("3 seconds")

      const about = yield* messagesAbout(seller, messageId)
      assert.deepStrictEqual(about.map((message) => message.text.includes("editado")), [false, true])
      assert.deepStrictEqual((yield* ledgerOf(seller, messageId)).map((row) => [row.revision, Number(row.totalCentavos)]), [[0, 1900], [1, 2850]])
    }).pipe(Effect.scoped), { timeout: 180_000 })

  it.effect("an order whose report is longer than Telegram allows is delivered in parts of at most 4,096 characters", () =>
    Effect.gen(function*() {
      const api = yield* FakeBotApi
      const seller = yield* seedSeller(at, { plan: "basic" })
      yield* startControl
      yield* ready(at, seller)
      const before = Math.max(0, ...(yield* api.messagesIn(seller.chatId)).map((message) => message.message_id))
      const lines = Array.from({ length: 250 }, (_, index) => `${index + 1} coca 2l`)

      yield* customerWrites(at, seller.phone, lines.join("\n"))
      yield* api.awaitMessage(seller.chatId, includes("Total: R$ 298.062,50"), "60 seconds")

      const parts: ReadonlyArray<BotMessage> = (yield* api.messagesIn(seller.chatId)).filter((message) => message.message_id > before)
      assert.isAbove(parts.length, 1)
      for (const part of parts) assert.isAtMost(part.text.length, 4096)
      const pricedLines = parts.flatMap((part) => part.text.split("\n")).filter((line) => line.includes("× Coca-Cola 2L"))
      assert.lengthOf(pricedLines, 250)
    }).pipe(Effect.scoped), { timeout: 180_000 })
})

afterAll(() => Effect.runPromise(cleanup(at)))
