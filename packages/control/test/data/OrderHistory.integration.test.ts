import { assert, layer } from "@effect/vitest"
import * as ProductMatcher from "@vigia/domain/ProductMatcher"
import * as Quote from "@vigia/domain/Quote"
import { Duration, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as Crypto from "node:crypto"
import * as Data from "../../src/data/layer.ts"
import { OrderHistory } from "../../src/data/OrderHistory.ts"
import { type NewOrder, Orders } from "../../src/data/Orders.ts"
import { priceTable, randomSupergroup, sellerWithoutWorker, tdlibMessageId } from "../support/SellerAccounts.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const matcher = ProductMatcher.make(priceTable)
const lease = { owner: Crypto.randomUUID(), duration: Duration.seconds(30) }
const zone = "America/Sao_Paulo"
let nextMessage = 1

const seller = Effect.gen(function*() {
  const account = yield* sellerWithoutWorker("basic")
  const order = (text: string, options: { readonly messageId?: number; readonly chatId?: number; readonly title?: string } = {}): NewOrder => ({
    userId: account.user.id,
    phoneNumber: account.phone,
    chatId: options.chatId ?? account.group.groupId,
    messageId: options.messageId ?? tdlibMessageId(nextMessage++),
    sellerChatId: account.user.telegramUserId,
    groupTitle: options.title ?? "Feira de Sábado",
    customerId: 900_000_001,
    customerName: "Carlos Cliente",
    text,
    quote: Quote.fromMessage(matcher, text),
    replyText: null,
    traceParent: null
  })
  return { ...account, order }
})

/** Every revision of the message now reads as received at `at`. */
const receivedAt = (messageId: number, revision: number, at: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`UPDATE orders SET received_at = ${at}::timestamptz WHERE message_id = ${messageId} AND revision = ${revision}`)

layer(Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)), { excludeTestServices: true })("OrderHistory", (it) => {
  it.effect("a day in the seller's time zone: the latest revision of each order, on the day it first arrived", () =>
    Effect.gen(function*() {
      const orders = yield* Orders
      const history = yield* OrderHistory
      const sql = yield* SqlClient.SqlClient
      const { order, user } = yield* seller

      // 30/11 00:30 in São Paulo is 03:30 UTC; 23:59 is 02:59 UTC on 01/12.
      const early = order("2x coca 2l")
      yield* orders.record(early, lease)
      yield* receivedAt(early.messageId, 0, "2026-11-30T03:30:00Z")
      yield* orders.recordRevision({ ...order("3x coca 2l", { messageId: early.messageId }), editDate: 10, isOrder: true }, lease)
      yield* receivedAt(early.messageId, 1, "2026-12-01T12:00:00Z")
      const late = order("1 pastel de carne")
      yield* orders.record(late, lease)
      yield* receivedAt(late.messageId, 0, "2026-12-01T02:59:00Z")
      const yesterday = order("1 pão de queijo")
      yield* orders.record(yesterday, lease)
      yield* receivedAt(yesterday.messageId, 0, "2026-11-30T02:59:00Z")
      const other = order("2 pão de queijo", { chatId: randomSupergroup(), title: "Vizinhos" })
      yield* orders.record(other, lease)
      yield* receivedAt(other.messageId, 0, "2026-11-30T15:00:00Z")
      // Edited into no order at all: left out.
      const withdrawn = order("1 coca 2l")
      yield* orders.record(withdrawn, lease)
      yield* orders.recordRevision({ ...order("esquece", { messageId: withdrawn.messageId }), editDate: 11, isOrder: false }, lease)
      yield* sql`UPDATE orders SET received_at = '2026-11-30T16:00:00Z' WHERE message_id = ${withdrawn.messageId}`
      // A claim carried over from the first version: no content.
      yield* sql`
        INSERT INTO orders (user_id, phone_number, chat_id, message_id, revision, seller_chat_id, group_title, customer_id,
          customer_name, text, quote, total_centavos, received_at, report_state, reply_state)
        VALUES (${user.id}, '', ${early.chatId}, ${tdlibMessageId(nextMessage++)}, 0, ${user.telegramUserId}, '', 0, '', '',
          '{"priced": [], "unmatched": [], "total": 0}', 0, '2026-11-30T12:00:00Z', 'carried-over', 'none')`

      const day = yield* history.list(user.id, { first: "2026-11-30", last: "2026-11-30", timeZone: zone })
      assert.deepStrictEqual(
        day.map((row) => [row.messageId, row.groupTitle, row.quote.total, row.orderedAt.toISOString()]),
        [
          [early.messageId, "Feira de Sábado", 2850, "2026-11-30T03:30:00.000Z"],
          [other.messageId, "Vizinhos", 240, "2026-11-30T15:00:00.000Z"],
          [late.messageId, "Feira de Sábado", 700, "2026-12-01T02:59:00.000Z"]
        ]
      )
      assert.deepStrictEqual(
        (yield* history.list(user.id, { first: "2026-11-29", last: "2026-11-29", timeZone: zone })).map((row) => row.messageId),
        [yesterday.messageId]
      )
      assert.lengthOf(yield* history.list(user.id, { first: "2026-12-01", last: "2026-12-01", timeZone: zone }), 0, "an edit stays on its order's day")
      assert.lengthOf(yield* history.list(user.id, { first: "2026-11-29", last: "2026-12-01", timeZone: zone }), 4)
      assert.deepStrictEqual(
        (yield* history.list(user.id, { first: "2026-11-30", last: "2026-11-30", timeZone: "UTC" })).map((row) => row.messageId),
        [yesterday.messageId, early.messageId, other.messageId],
        "the zone is a parameter"
      )
    }))

  it.effect("an undelivered order keeps its state; another seller's orders are never listed", () =>
    Effect.gen(function*() {
      const orders = yield* Orders
      const history = yield* OrderHistory
      const sql = yield* SqlClient.SqlClient
      const mine = yield* seller
      const theirs = yield* seller
      const placed = mine.order("2x coca 2l")
      yield* orders.record(placed, lease)
      yield* orders.record(theirs.order("1 coca 2l"), lease)
      yield* sql`UPDATE orders SET report_state = 'undelivered' WHERE message_id = ${placed.messageId}`

      const today = new Date().toISOString().slice(0, 10)
      const listed = yield* history.list(mine.user.id, { first: today, last: today, timeZone: "UTC" })
      assert.deepStrictEqual(listed.map((row) => [row.messageId, row.reportState]), [[placed.messageId, "undelivered"]])
      assert.strictEqual(listed[0]?.quote.priced[0]?.item.name, "Coca-Cola 2L")
    }))
})
