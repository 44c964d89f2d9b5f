import { assert, layer } from "@effect/vitest"
import * as ProductMatcher from "@vigia/domain/ProductMatcher"
import * as Quote from "@vigia/domain/Quote"
import { Duration, Effect, Layer, Metric, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import * as Crypto from "node:crypto"
import { ActiveGroups } from "../../src/data/ActiveGroups.ts"
import { AuditLog } from "../../src/data/AuditLog.ts"
import { DailySummaries } from "../../src/data/DailySummaries.ts"
import * as Data from "../../src/data/layer.ts"
import { OrderHistory } from "../../src/data/OrderHistory.ts"
import { OrderRetention } from "../../src/data/OrderRetention.ts"
import type { UserId } from "../../src/data/UserId.ts"
import { totalsByGroup } from "../../src/bot/SummaryTexts.ts"
import { type NewOrder, Orders } from "../../src/data/Orders.ts"
import { OrderSteps } from "../../src/data/OrderSteps.ts"
import { PriceTables } from "../../src/data/PriceTables.ts"
import { SellerErasure } from "../../src/data/SellerErasure.ts"
import { SellerSettings } from "../../src/data/SellerSettings.ts"
import { Sessions } from "../../src/data/Sessions.ts"
import { Users } from "../../src/data/Users.ts"
import { randomPhone } from "../support/ScriptedWorker.ts"
import { priceTable, randomSupergroup, tdlibMessageId } from "../support/SellerAccounts.ts"
import { newSeller } from "../support/Sellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"
import { eventually } from "../support/WorkerHarness.ts"
import { batchSize, LedgerRetention, ordersAnonymised } from "../../src/retention/LedgerRetention.ts"

const matcher = ProductMatcher.make(priceTable)
const lease = { owner: Crypto.randomUUID(), duration: Duration.seconds(30) }
let nextMessage = 1

/** A seller with a session, a table and two active groups, and a way to record their orders at a given time. */
const seller = Effect.gen(function*() {
  const user = yield* newSeller("basic")
  const phone = randomPhone()
  yield* (yield* PriceTables).replace(user.id, priceTable)
  const groups = yield* ActiveGroups
  const feira = yield* groups.activate(user.id, { groupId: randomSupergroup(), title: "Feira" })
  const bairro = yield* groups.activate(user.id, { groupId: randomSupergroup(), title: "Bairro" })
  yield* (yield* Sessions).register(user.id, phone, "process")
  const order = (groupId: number, text: string, messageId = tdlibMessageId(nextMessage++)): NewOrder => ({
    userId: user.id,
    phoneNumber: phone,
    chatId: groupId,
    messageId,
    sellerChatId: user.telegramUserId,
    groupTitle: groupId === feira.groupId ? "Feira" : "Bairro",
    customerId: 900_000_001,
    customerName: "Carlos Cliente",
    text,
    quote: Quote.fromMessage(matcher, text),
    replyText: null,
    traceParent: null
  })
  /** Records the order, reported, as received at `at`. */
  const place = (placed: NewOrder, at: string) =>
    Effect.gen(function*() {
      const row = Option.getOrThrow(yield* (yield* Orders).record(placed, lease))
      yield* (yield* OrderSteps).reported([row.id])
      yield* (yield* SqlClient.SqlClient)`UPDATE orders SET received_at = ${at}::timestamptz WHERE id = ${row.id}`
      return row
    })
  return { user, phone, feira: feira.groupId, bairro: bairro.groupId, order, place }
})

const TestLayer = Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer))

layer(TestLayer, { excludeTestServices: true })("the daily summary's data", (it) => {
  it.effect("is off by default; due once the hour came in the seller's own time zone, until its day is claimed", () =>
    Effect.gen(function*() {
      const settings = yield* SellerSettings
      const summaries = yield* DailySummaries
      const paulo = yield* seller
      const manaus = yield* seller
      const ours = (due: ReadonlyArray<{ readonly userId: string }>) =>
        due.filter((row) => row.userId === paulo.user.id || row.userId === manaus.user.id).map((row) => row.userId)

      assert.deepStrictEqual(yield* settings.get(paulo.user.id), (yield* settings.get(manaus.user.id)))
      assert.isNull((yield* settings.get(paulo.user.id)).summaryAt)
      assert.strictEqual((yield* settings.get(paulo.user.id)).timeZone, "America/Sao_Paulo")

      yield* settings.setSummary(paulo.user.id, { hour: 20, minute: 0 })
      yield* settings.setSummary(manaus.user.id, { hour: 20, minute: 0 })
      assert.isTrue(Option.isSome(yield* settings.setTimeZone(manaus.user.id, "America/Manaus")))
      assert.isTrue(Option.isNone(yield* settings.setTimeZone(manaus.user.id, "America/Atlantida")))
      assert.strictEqual((yield* settings.get(manaus.user.id)).timeZone, "America/Manaus")

      // 22:59 UTC: 19:59 in São Paulo (UTC-3), 18:59 in Manaus (UTC-4).
      assert.deepStrictEqual(ours(yield* summaries.due(new Date("2026-11-30T22:59:00Z"))), [])
      // 23:00 UTC: 20:00 in São Paulo, still 19:00 in Manaus.
      const atEight = yield* summaries.due(new Date("2026-11-30T23:00:00Z"))
      assert.deepStrictEqual(ours(atEight), [paulo.user.id])
      assert.strictEqual(atEight.find((row) => row.userId === paulo.user.id)?.localDay, "2026-11-30")
      // 00:30 UTC the next day: still the 30th in both zones, Manaus past 20:00 too.
      assert.deepStrictEqual(ours(yield* summaries.due(new Date("2026-12-01T00:30:00Z"))).sort(), [paulo.user.id, manaus.user.id].sort())

      assert.isTrue(yield* summaries.claim(paulo.user.id, "2026-11-30"))
      assert.deepStrictEqual(ours(yield* summaries.due(new Date("2026-12-01T00:30:00Z"))), [manaus.user.id])
      // The next day in São Paulo (03:00 UTC = 00:00 there) it is not 20:00 yet, while Manaus is still on the 30th;
      // at 23:00 UTC São Paulo's summary is due again, Manaus's (19:00 there) not yet.
      assert.deepStrictEqual(ours(yield* summaries.due(new Date("2026-12-01T03:00:00Z"))), [manaus.user.id])
      assert.deepStrictEqual(ours(yield* summaries.due(new Date("2026-12-01T23:00:00Z"))), [paulo.user.id])

      yield* settings.setSummary(manaus.user.id, null)
      assert.deepStrictEqual(ours(yield* summaries.due(new Date("2026-12-01T23:00:00Z"))), [paulo.user.id])
      yield* summaries.block(paulo.user.id)
      assert.isTrue((yield* settings.get(paulo.user.id)).summaryBlocked)
      assert.deepStrictEqual(ours(yield* summaries.due(new Date("2026-12-01T23:00:00Z"))), [])
      // Asking again lifts the block.
      yield* settings.setSummary(paulo.user.id, { hour: 8, minute: 30 })
      assert.isFalse((yield* settings.get(paulo.user.id)).summaryBlocked)
      assert.deepStrictEqual(ours(yield* summaries.due(new Date("2026-12-01T23:00:00Z"))), [paulo.user.id])
    }))

  it.effect("a day is claimed by one of many replicas at once; given back, it is claimed again", () =>
    Effect.gen(function*() {
      const summaries = yield* DailySummaries
      const { user } = yield* seller
      yield* (yield* SellerSettings).setSummary(user.id, { hour: 20, minute: 0 })
      // Eight claims at once, each on its own connection of the pool, as replicas would make them.
      const claims = yield* Effect.all(Array.from({ length: 8 }, () => summaries.claim(user.id, "2026-11-30")), { concurrency: "unbounded" })
      assert.strictEqual(claims.filter(Boolean).length, 1)
      assert.isFalse(yield* summaries.claim(user.id, "2026-11-30"))

      yield* summaries.release(user.id, "2026-11-30")
      assert.isTrue(yield* summaries.claim(user.id, "2026-11-30"))
      assert.isTrue(yield* summaries.claim(user.id, "2026-12-01"))
      assert.isFalse(yield* summaries.claim(user.id, "2026-11-30"))
    }))

  it.effect("the summary's totals: per group, each message at its latest revision, in the seller's day, carried-over claims left out", () =>
    Effect.gen(function*() {
      const history = yield* OrderHistory
      const totals = (userId: UserId, timeZone: string, day: string) =>
        Effect.map(history.list(userId, { first: day, last: day, timeZone }), totalsByGroup)
      const sql = yield* SqlClient.SqlClient
      const s = yield* seller
      // São Paulo's 30 November runs from 03:00 UTC on the 30th to 03:00 UTC on 1 December.
      yield* s.place(s.order(s.feira, "2x coca 2l"), "2026-11-30T03:00:00Z")
      const edited = yield* s.place(s.order(s.feira, "1 coca 2l"), "2026-11-30T12:00:00Z")
      yield* s.place(s.order(s.bairro, "1 coca 2l"), "2026-12-01T02:59:59Z")
      yield* s.place(s.order(s.bairro, "5x coca 2l"), "2026-11-30T02:59:59Z") // the 29th there
      yield* s.place(s.order(s.bairro, "3x coca 2l"), "2026-12-01T03:00:00Z") // 1 December there
      const revision = Option.getOrThrow(yield* (yield* Orders).recordRevision({
        ...s.order(s.feira, "3x coca 2l", edited.messageId),
        editDate: 1,
        isOrder: true
      }, lease))
      yield* sql`UPDATE orders SET received_at = '2026-12-01T10:00:00Z' WHERE id = ${revision.id}`
      yield* sql`
        INSERT INTO orders (user_id, phone_number, chat_id, message_id, revision, seller_chat_id, group_title, customer_id,
          customer_name, text, quote, total_centavos, received_at, report_state, reply_state)
        VALUES (${s.user.id}, ${s.phone}, ${s.feira}, 77, 0, ${s.user.telegramUserId}, '', 0, '', '',
          '{"priced": [], "unmatched": [], "total": 0}', 0, '2026-11-30T12:00:00Z', 'carried-over', 'none')`

      const coca = priceTable.find((item) => item.name.startsWith("Coca"))!.price
      assert.deepStrictEqual(yield* totals(s.user.id, "America/Sao_Paulo", "2026-11-30"), [
        { title: "Feira", orders: 2, totalCentavos: 5 * coca },
        { title: "Bairro", orders: 1, totalCentavos: coca }
      ])
      // In UTC the day holds other orders.
      assert.deepStrictEqual(
        (yield* totals(s.user.id, "UTC", "2026-11-30")).map((group) => [group.title, group.orders]),
        [["Bairro", 1], ["Feira", 2]]
      )
      assert.deepStrictEqual(yield* totals(s.user.id, "America/Sao_Paulo", "2026-11-28"), [])
    }))
})

layer(TestLayer, { excludeTestServices: true })("the ledger's retention", (it) => {
  it.effect("blanks the customer's name, id, text and words in the quote of delivered orders past the period, in batches, once", () =>
    Effect.gen(function*() {
      const retention = yield* OrderRetention
      const sql = yield* SqlClient.SqlClient
      const s = yield* seller
      const old = yield* Effect.forEach([1, 2, 3], (n) => s.place(s.order(s.feira, `${n}x coca 2l e uma coisa na rua x 123`), "2026-01-01T12:00:00Z"))
      const recent = yield* s.place(s.order(s.feira, "1 coca 2l"), "2026-11-29T12:00:00Z")
      const pending = Option.getOrThrow(yield* (yield* Orders).record(s.order(s.feira, "9x coca 2l"), lease))
      yield* sql`UPDATE orders SET received_at = '2026-01-01T12:00:00Z' WHERE id = ${pending.id}`
      const before = new Date("2026-09-01T00:00:00Z")

      assert.strictEqual(yield* retention.anonymise(before, 2), 2)
      assert.strictEqual(yield* retention.anonymise(before, 2), 1)
      assert.strictEqual(yield* retention.anonymise(before, 2), 0)

      const rows = yield* sql<{ id: string; customerName: string; customerId: string; text: string; quote: unknown; totalCentavos: string }>`
        SELECT id, customer_name, customer_id, text, quote, total_centavos FROM orders WHERE user_id = ${s.user.id} ORDER BY id`
      const byId = new Map(rows.map((row) => [Number(row.id), row]))
      for (const row of old) {
        const stored = byId.get(row.id)!
        assert.deepStrictEqual([stored.customerName, Number(stored.customerId), stored.text], ["", 0, ""])
        const json = JSON.stringify(stored.quote)
        assert.notInclude(json, "rua")
        assert.notInclude(json, "coca 2l")
        // The prices stay: the quote still decodes, with its total.
        const quote = yield* Schema.decodeUnknownEffect(Quote.Quote)(stored.quote)
        assert.strictEqual(quote.total, Number(stored.totalCentavos))
        assert.isAbove(quote.priced.length, 0)
      }
      assert.strictEqual(byId.get(recent.id)?.customerName, "Carlos Cliente")
      assert.strictEqual(byId.get(pending.id)?.customerName, "Carlos Cliente")
    }))
})

layer(TestLayer, { excludeTestServices: true })("the retention job", (it) => {
  it.effect("anonymises every row past the period in batches, counts them, and finds nothing more on its next pass", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const s = yield* seller
      const placed = yield* s.place(s.order(s.feira, "1 coca 2l"), "2026-01-01T12:00:00Z")
      // More old rows than one batch holds, as copies of the one recorded.
      yield* sql`
        INSERT INTO orders (user_id, phone_number, chat_id, message_id, revision, seller_chat_id, group_title, customer_id,
          customer_name, text, quote, total_centavos, received_at, report_state, reply_state)
        SELECT user_id, phone_number, chat_id, message_id + n, 0, seller_chat_id, group_title, customer_id, customer_name,
          text, quote, total_centavos, now() - interval '100 days', 'reported', 'none'
        FROM orders, generate_series(1, ${batchSize + 20}) n WHERE id = ${placed.id}`
      const recent = yield* s.place(s.order(s.feira, "2 coca 2l"), new Date().toISOString())
      const before = yield* Metric.value(ordersAnonymised)

      yield* Effect.gen(function*() {
        const job = yield* LedgerRetention
        // The pass at start runs as the layer is built; one more finds nothing left.
        yield* eventually(
          "the pass at start",
          Metric.value(ordersAnonymised),
          (state) => state.count - before.count === batchSize + 21,
          "20 seconds"
        )
        assert.strictEqual(yield* job.anonymise, 0)
      }).pipe(Effect.provide(LedgerRetention.layer({ period: Duration.days(90), interval: Duration.hours(1) })))
      const [left] = yield* sql<{ named: bigint }>`
        SELECT count(*) FILTER (WHERE customer_name <> '') AS named FROM orders WHERE user_id = ${s.user.id}`
      assert.strictEqual(Number(left?.named), 1)
      const [kept] = yield* sql<{ customerName: string }>`SELECT customer_name FROM orders WHERE id = ${recent.id}`
      assert.strictEqual(kept?.customerName, "Carlos Cliente")
    }))
})

layer(TestLayer, { excludeTestServices: true })("a seller's erasure", (it) => {
  it.effect("deletes the seller's rows, anonymises their payments, and leaves one anonymous audit entry", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const s = yield* seller
      const other = yield* seller
      yield* s.place(s.order(s.feira, "2x coca 2l"), "2026-11-30T12:00:00Z")
      yield* other.place(other.order(other.feira, "2x coca 2l"), "2026-11-30T12:00:00Z")
      yield* (yield* SellerSettings).setSummary(s.user.id, { hour: 20, minute: 0 })
      yield* (yield* PriceTables).replace(s.user.id, priceTable.slice(0, 1))
      yield* sql`
        INSERT INTO star_payments (charge_id, user_id, telegram_user_id, stars, status, paid_at)
        VALUES ('charge-1', ${s.user.id}, ${s.user.telegramUserId}, 100, 'credited', now())`
      yield* sql`INSERT INTO conversations (telegram_user_id, step, updated_at) VALUES (${s.user.telegramUserId}, '{"_tag":"Idle"}', now())`

      const { erased, reference } = yield* (yield* SellerErasure).erase(s.user.id, s.user.telegramUserId)
      assert.deepStrictEqual(
        [erased.groups, erased.orders, erased.sessions, erased.conversations, erased.paymentsAnonymised, erased.priceVersions],
        [2, 1, 1, 1, 1, 2]
      )
      assert.isAbove(erased.priceItems, 0)

      const left = yield* sql<{ count: string }>`
        SELECT (SELECT count(*) FROM users WHERE id = ${s.user.id}) + (SELECT count(*) FROM orders WHERE user_id = ${s.user.id})
          + (SELECT count(*) FROM active_groups WHERE user_id = ${s.user.id}) + (SELECT count(*) FROM price_items WHERE user_id = ${s.user.id})
          + (SELECT count(*) FROM price_table_history WHERE user_id = ${s.user.id}) + (SELECT count(*) FROM sessions WHERE user_id = ${s.user.id})
          + (SELECT count(*) FROM seller_settings WHERE user_id = ${s.user.id}) + (SELECT count(*) FROM subscriptions WHERE user_id = ${s.user.id})
          + (SELECT count(*) FROM conversations WHERE telegram_user_id = ${s.user.telegramUserId})
          + (SELECT count(*) FROM audit_log WHERE user_id = ${s.user.id}) AS count`
      assert.strictEqual(Number(left[0]?.count), 0)
      const [payment] = yield* sql<{ userId: string | null; telegramUserId: string; stars: number }>`
        SELECT user_id, telegram_user_id, stars FROM star_payments WHERE charge_id = 'charge-1'`
      assert.deepStrictEqual([payment?.userId, Number(payment?.telegramUserId), payment?.stars], [null, 0, 100])

      const entries = yield* (yield* AuditLog).page({ limit: 100 })
      const deleted = entries.filter((entry) => entry.action === "seller-deleted")
      assert.strictEqual(deleted.length, 1)
      assert.strictEqual(deleted[0]?.details.reference, reference)
      assert.isNull(deleted[0]?.userId)
      assert.notInclude(JSON.stringify(entries), String(s.user.telegramUserId))
      assert.notInclude(JSON.stringify(entries), s.phone)

      // The other seller keeps everything, and the erased one comes back as a new seller.
      assert.strictEqual(Number((yield* sql<{ count: bigint }>`SELECT count(*) FROM orders WHERE user_id = ${other.user.id}`)[0]?.count), 1)
      const again = yield* (yield* Users).getOrCreate({ telegramUserId: s.user.telegramUserId, firstName: "Vendedora", lastName: null, username: null, languageCode: null })
      assert.notStrictEqual(again.id, s.user.id)
      assert.isNull(again.phoneNumber)
    }))
})
