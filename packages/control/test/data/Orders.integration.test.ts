import { assert, layer } from "@effect/vitest"
import * as ProductMatcher from "@vigia/domain/ProductMatcher"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import * as Quote from "@vigia/domain/Quote"
import { Duration, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import * as Crypto from "node:crypto"
import { ActiveGroups } from "../../src/data/ActiveGroups.ts"
import * as Data from "../../src/data/layer.ts"
import { type Lease, type NewOrder, Orders } from "../../src/data/Orders.ts"
import { OrderSteps } from "../../src/data/OrderSteps.ts"
import { PriceTables } from "../../src/data/PriceTables.ts"
import { Sessions } from "../../src/data/Sessions.ts"
import { randomPhone } from "../support/ScriptedWorker.ts"
import { priceTable, randomSupergroup, tdlibMessageId } from "../support/SellerAccounts.ts"
import { newSeller } from "../support/Sellers.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const matcher = ProductMatcher.make(priceTable)
const lease = (seconds = 30): Lease => ({ owner: Crypto.randomUUID(), duration: Duration.seconds(seconds) })
let nextMessage = 1

/** A seller with a session and an active group, and an order of theirs to record. */
const seller = Effect.gen(function*() {
  const user = yield* newSeller("basic")
  const phone = randomPhone()
  yield* (yield* PriceTables).replace(user.id, priceTable)
  const group = yield* (yield* ActiveGroups).activate(user.id, { groupId: randomSupergroup(), title: "Feira de Sábado" })
  yield* (yield* Sessions).register(user.id, phone, "process")
  const order = (text: string, messageId = tdlibMessageId(nextMessage++)): NewOrder => ({
    userId: user.id,
    phoneNumber: phone,
    chatId: group.groupId,
    messageId,
    sellerChatId: user.telegramUserId,
    groupTitle: "Feira de Sábado",
    customerId: 900_000_001,
    customerName: "Carlos Cliente",
    text,
    quote: Quote.fromMessage(matcher, text),
    replyText: null,
    traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
  })
  return { user, phone, group, order }
})

// The live clock: leases run out in real time.
layer(Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)), { excludeTestServices: true })("Orders", (it) => {
  it.effect("the context of a group message: the account's seller, the group if active, the plan, the table's version", () =>
    Effect.gen(function*() {
      const orders = yield* Orders
      const { user, phone, group } = yield* seller

      const context = Option.getOrThrow(yield* orders.context(phone, group.groupId))
      assert.deepStrictEqual(
        [context.userId, context.sellerChatId, context.groupActive, context.groupTitle, context.autoReply, context.plan],
        [user.id, user.telegramUserId, true, "Feira de Sábado", false, "basic"]
      )
      assert.isFalse(Option.getOrThrow(yield* orders.context(phone, group.groupId + 1)).groupActive)
      assert.isTrue(Option.isNone(yield* orders.context(randomPhone(), group.groupId)))

      yield* (yield* PriceTables).replace(user.id, PriceTableParser.parse("Coca-Cola 2L = 10,00").items)
      assert.strictEqual(Option.getOrThrow(yield* orders.context(phone, group.groupId)).priceTableVersion, context.priceTableVersion + 1)
    }))

  it.effect("records a message once: the claim and the order are one write", () =>
    Effect.gen(function*() {
      const orders = yield* Orders
      const { order } = yield* seller
      const placed = order("2x coca 2l")

      const first = Option.getOrThrow(yield* orders.record(placed, lease()))
      const again = yield* orders.record({ ...placed, text: "2x coca 2l (de novo)" }, lease())

      assert.deepStrictEqual([first.revision, first.reportState, first.replyState, first.quote.total], [0, "pending", "none", 1900])
      assert.strictEqual(first.traceParent, placed.traceParent)
      assert.isTrue(Option.isNone(again))
    }))

  it.effect("an order read in a context held from earlier is recorded only while that context is unchanged", () =>
    Effect.gen(function*() {
      const orders = yield* Orders
      const { user, phone, group, order } = yield* seller
      const held = Option.getOrThrow(yield* orders.context(phone, group.groupId))

      const first = yield* orders.recordIfUnchanged(order("2x coca 2l"), lease(), held.stamp)
      assert.isTrue(Option.isSome(first.written))
      assert.strictEqual(Option.getOrThrow(first.context).stamp, held.stamp)

      yield* (yield* ActiveGroups).setAutoReply(user.id, group.groupId, true)
      const changed = yield* orders.recordIfUnchanged(order("3x coca 2l"), lease(), held.stamp)
      assert.isTrue(Option.isNone(changed.written), "nothing written in a context that changed")
      const now = Option.getOrThrow(changed.context)
      assert.isTrue(now.autoReply)
      assert.notStrictEqual(now.stamp, held.stamp)

      const again = yield* orders.recordIfUnchanged(order("3x coca 2l", Option.getOrThrow(first.written).messageId), lease(), now.stamp)
      assert.isTrue(Option.isNone(again.written), "the same message again")
      assert.strictEqual(Option.getOrThrow(again.context).stamp, now.stamp)
    }))

  it.effect("an edit is the next revision, once per edit and only when the words changed; chatter needs an earlier order", () =>
    Effect.gen(function*() {
      const orders = yield* Orders
      const { order } = yield* seller
      const placed = order("2x coca 2l")
      yield* orders.record(placed, lease())
      const edit = (text: string, editDate: number, isOrder = true) =>
        Effect.map(orders.recordRevision({ ...order(text, placed.messageId), editDate, isOrder }, lease()), Option.map((row) => row.revision))

      assert.deepStrictEqual(yield* edit("3x coca 2l", 100), Option.some(1))
      assert.deepStrictEqual(yield* edit("3x coca 2l", 100), Option.none(), "the same edit again")
      assert.deepStrictEqual(yield* edit("3x coca 2l", 160), Option.none(), "the same words")
      assert.deepStrictEqual(yield* edit("esquece, obrigado", 200, false), Option.some(2), "no order any more")

      const chatter = order("bom dia")
      assert.deepStrictEqual(
        yield* Effect.map(orders.recordRevision({ ...chatter, editDate: 50, isOrder: false }, lease()), Option.isSome),
        false
      )
      assert.deepStrictEqual(
        yield* Effect.map(orders.recordRevision({ ...chatter, editDate: 60, isOrder: true }, lease()), Option.map((row) => row.revision)),
        Option.some(0)
      )
    }))

  it.effect("two processes taking expired orders at once never take the same one", () =>
    Effect.gen(function*() {
      const orders = yield* Orders
      const steps = yield* OrderSteps
      const { order } = yield* seller
      const written = yield* Effect.forEach(Array.from({ length: 40 }), () => orders.record(order("1 coca 2l"), lease(0)))
      const ids = new Set(written.map((row) => Option.getOrThrow(row).id))

      const [a, b] = yield* Effect.all([steps.takeExpired(lease(), 1000), steps.takeExpired(lease(), 1000)], { concurrency: 2 })
      const mine = (rows: ReadonlyArray<{ readonly id: number }>) => rows.map((row) => row.id).filter((id) => ids.has(id))

      assert.strictEqual(mine(a).length + mine(b).length, 40)
      assert.deepStrictEqual(mine(a).filter((id) => mine(b).includes(id)), [])
      assert.deepStrictEqual(mine(yield* steps.takeExpired(lease(), 1000)), [], "leases just taken are not expired")
    }))

  it.effect("a lease renewed stays, one given back is taken at once, a settled order is taken no more", () =>
    Effect.gen(function*() {
      const orders = yield* Orders
      const steps = yield* OrderSteps
      const sql = yield* SqlClient.SqlClient
      const { order } = yield* seller
      const held = lease(1)
      const row = Option.getOrThrow(yield* orders.record(order("1 coca 2l"), held))
      const taken = (rows: ReadonlyArray<{ readonly id: number }>) => rows.some((taken) => taken.id === row.id)

      yield* steps.renew({ ...held, duration: Duration.seconds(30) }, [row.id])
      yield* Effect.sleep("1200 millis")
      assert.isFalse(taken(yield* steps.takeExpired(lease(), 1000)))

      yield* steps.release(held.owner)
      const [released] = yield* sql<{ leaseOwner: string | null }>`SELECT lease_owner FROM orders WHERE id = ${row.id}`
      assert.isNull(released?.leaseOwner)
      assert.isTrue(taken(yield* steps.takeExpired(held, 1000)))

      yield* steps.reported([row.id])
      yield* steps.release(held.owner)
      assert.isFalse(taken(yield* steps.takeExpired(lease(), 1000)))
    }), { timeout: 10_000 })

  it.effect("failed reports count their attempts; a permanent failure leaves the order undelivered, counted once per message", () =>
    Effect.gen(function*() {
      const orders = yield* Orders
      const steps = yield* OrderSteps
      const sql = yield* SqlClient.SqlClient
      const { user, order } = yield* seller
      const placed = order("2x coca 2l")
      const first = Option.getOrThrow(yield* orders.record(placed, lease()))
      const edited = Option.getOrThrow(yield* orders.recordRevision({ ...order("3x coca 2l", placed.messageId), editDate: 9, isOrder: true }, lease()))

      yield* steps.reportFailed([first.id], "502 Bad Gateway", false)
      yield* steps.reportFailed([first.id, edited.id], "403 Forbidden: bot was blocked by the user", true)

      const rows = yield* sql<{ reportState: string; reportAttempts: number; reportFailure: string }>`
        SELECT report_state, report_attempts, report_failure FROM orders WHERE user_id = ${user.id} ORDER BY revision`
      assert.deepStrictEqual(rows.map((row) => [row.reportState, row.reportAttempts]), [["undelivered", 2], ["undelivered", 1]])
      assert.include(rows[0]?.reportFailure ?? "", "403")
      assert.strictEqual(yield* orders.undelivered(user.id), 1)
      assert.isAtLeast((yield* steps.backlog).undelivered, 2)
    }))
})
