import { assert, layer } from "@effect/vitest"
import * as ProductMatcher from "@vigia/domain/ProductMatcher"
import * as Quote from "@vigia/domain/Quote"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import { Clock, Context, Duration, Effect, Layer, Option, Redacted, Ref } from "effect"
import { SqlClient } from "effect/sql"
import * as Crypto from "node:crypto"
import * as Data from "../../src/data/layer.ts"
import { type Lease, type Order, Orders } from "../../src/data/Orders.ts"
import { OrderSteps } from "../../src/data/OrderSteps.ts"
import { OrderDelivery } from "../../src/delivery/OrderDelivery.ts"
import { groupReplyText } from "../../src/events/PurchaseHandler.ts"
import { SessionGateway } from "../../src/sessions/SessionGateway.ts"
import { SessionKeys } from "../../src/sessions/SessionKeys.ts"
import { RecordingReports } from "../support/RecordingReports.ts"
import { answering, eventually, ScriptedContainers, type Script } from "../support/ScriptedWorker.ts"
import { customerMessage, priceTable, type SellerAccount, sellerAccount } from "../support/SellerAccounts.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const Environment = OrderDelivery.layer({ lease: Duration.seconds(3) }).pipe(
  Layer.provideMerge(SessionGateway.layer({ timeout: "2 seconds" })),
  Layer.provideMerge(Layer.mergeAll(
    Queue.layerMemory({ attempts: 1 }),
    SessionKeys.layer({ master: Redacted.make("order-delivery-test-master-secret") }),
    ScriptedContainers.layer,
    RecordingReports.layer
  )),
  Layer.provideMerge(Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)))
)

const matcher = ProductMatcher.make(priceTable)

/** Records an order for the seller under `lease`, its group reply due when asked. */
const recordedUnder = (account: SellerAccount, text: string, lease: Lease, options: { readonly reply: boolean } = { reply: false }) =>
  Effect.gen(function*() {
    const orders = yield* Orders
    const message = customerMessage(account.group.groupId, text)
    const quote = Quote.fromMessage(matcher, text)
    const written = yield* orders.record({
      userId: account.user.id,
      phoneNumber: account.phone,
      chatId: message.chatId,
      messageId: message.messageId,
      sellerChatId: account.user.telegramUserId,
      groupTitle: "Feira de Sábado",
      customerId: message.senderId,
      customerName: message.senderName,
      text,
      quote,
      replyText: options.reply ? groupReplyText(quote) : null,
      traceParent: null
    }, lease)
    return Option.getOrThrow(written)
  })

/** Records an order as a process that died just after would have: its lease runs out in a second. */
const recordedByADeadProcess = (account: SellerAccount, text: string, options: { readonly reply: boolean }) =>
  recordedUnder(account, text, { owner: Crypto.randomUUID(), duration: Duration.seconds(1) }, options)

const stateOf = (order: Order) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ reportState: string; replyState: string; replyFailure: string | null; leaseOwner: string | null }>`
      SELECT report_state, reply_state, reply_failure, lease_owner FROM orders WHERE id = ${order.id}`).pipe(
    Effect.map((rows) => rows[0])
  )

const reportsTo = (account: SellerAccount) => RecordingReports.use((recorder) => recorder.reportsTo(account.user.telegramUserId))

const sendsOf = (account: SellerAccount) =>
  Effect.map(account.worker.commands, (commands) =>
    commands.flatMap((request) => request.command._tag === "SendMessage" ? [{ timestamp: request.timestamp, command: request.command }] : []))

/** Posts a group reply the way a worker answers: with the sent message. */
const posting = answering({
  SendMessage: ({ chatId }) => Effect.succeed(new Messages.SentMessage({ chatId, messageId: 77 * 2 ** 20 }))
})

layer(Environment, { excludeTestServices: true, timeout: "60 seconds" })("OrderDelivery", (it) => {
  it.effect("takes over the order of a process that died once its lease ran out, and reports it once", () =>
    Effect.gen(function*() {
      const account = yield* sellerAccount("basic")
      const order = yield* recordedByADeadProcess(account, "2x coca 2l", { reply: false })

      const reports = yield* eventually(reportsTo(account), (all) => all.length > 0, "10 seconds")
      yield* Effect.sleep("1500 millis")

      assert.deepStrictEqual(reports.map((report) => [report.orderId, report.quote.total]), [[order.id, 1900]])
      assert.lengthOf(yield* reportsTo(account), 1)
      assert.strictEqual((yield* stateOf(order))?.reportState, "reported")
    }))

  it.effect("a group reply that was being posted when its process died is never posted again; the report says so", () =>
    Effect.gen(function*() {
      const account = yield* sellerAccount("basic", posting)
      const order = yield* recordedByADeadProcess(account, "2x coca 2l", { reply: true })
      yield* (yield* OrderSteps).replying(order.id)

      const [report] = yield* eventually(reportsTo(account), (all) => all.length > 0, "10 seconds")

      assert.strictEqual(report?.reply, "failed")
      assert.deepStrictEqual(yield* sendsOf(account), [])
      const state = yield* stateOf(order)
      assert.deepStrictEqual([state?.replyState, state?.replyFailure], ["failed", "Interrupted"])
    }))

  it.effect("TDLib's flood wait holds that account's replies for retry_after, not another's; its report goes meanwhile", () =>
    Effect.gen(function*() {
      const floods = yield* Ref.make(1)
      const flooded: Script = (request) =>
        Ref.getAndUpdate(floods, (left) => left - 1).pipe(
          Effect.flatMap((left) =>
            left > 0 && request.command._tag === "SendMessage"
              ? Effect.succeed(Option.some(
                new Messages.Response({
                  version: request.version,
                  requestId: request.requestId,
                  phoneNumber: request.phoneNumber,
                  timestamp: request.timestamp,
                  result: new Messages.CommandError({ code: 429, message: "Too Many Requests: retry after 2", retryAfterSeconds: 2 })
                })
              ))
              : posting(request)
          )
        )
      const slowed = yield* sellerAccount("basic", flooded)
      const other = yield* sellerAccount("basic", posting)
      const delivery = yield* OrderDelivery
      const started = yield* Clock.currentTimeMillis
      const slowOrder = yield* recordedByADeadProcess(slowed, "2x coca 2l", { reply: true })
      const otherOrder = yield* recordedByADeadProcess(other, "1 pastel de carne", { reply: true })
      yield* delivery.submit(slowOrder)
      yield* delivery.submit(otherOrder)

      const [slowReport] = yield* eventually(reportsTo(slowed), (all) => all.length > 0, "10 seconds")
      assert.strictEqual(slowReport?.reply, "pending", "the seller heard of the order while the account waited")
      yield* eventually(sendsOf(other), (sends) => sends.length === 1)
      assert.isBelow((yield* Clock.currentTimeMillis) - started, 1_500, "the other account's reply did not wait")
      yield* eventually(stateOf(slowOrder), (state) => state?.replyState === "sent", "10 seconds")

      const sends = yield* sendsOf(slowed)
      assert.lengthOf(sends, 2)
      assert.isAtLeast(sends[1]!.timestamp - sends[0]!.timestamp, 1_900, "the retry waited retry_after")
      assert.strictEqual(sends[1]?.command.text, groupReplyText(slowOrder.quote))
      assert.strictEqual((yield* stateOf(otherOrder))?.replyState, "sent")
      assert.deepStrictEqual((yield* reportsTo(other)).map((report) => report.reply), ["sent"])
    }))

  it.effect("a clean stop gives back the leases of the orders still in hand", () =>
    Effect.gen(function*() {
      const account = yield* sellerAccount("basic")
      yield* (yield* RecordingReports).fail(account.user.telegramUserId, "Unavailable")

      const order = yield* Effect.scoped(Effect.gen(function*() {
        const delivery = Context.get(yield* Layer.build(Layer.fresh(OrderDelivery.layer({ lease: Duration.seconds(30) }))), OrderDelivery)
        const order = yield* recordedUnder(account, "2x coca 2l", delivery.lease)
        yield* delivery.submit(order)
        yield* eventually(RecordingReports.use((recorder) => recorder.attemptsTo(account.user.telegramUserId)), (count) => count > 0)
        assert.strictEqual((yield* stateOf(order))?.leaseOwner, delivery.lease.owner)
        return order
      }))

      const state = yield* stateOf(order)
      assert.deepStrictEqual([state?.leaseOwner, state?.reportState], [null, "pending"])
    }))
})
