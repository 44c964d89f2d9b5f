import { assert, describe, it, layer } from "@effect/vitest"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import * as ProductMatcher from "@vigia/domain/ProductMatcher"
import * as Quote from "@vigia/domain/Quote"
import { Duration, Effect, Layer, Ref } from "effect"
import { SqlClient } from "effect/sql"
import { ActiveGroups } from "../../src/data/ActiveGroups.ts"
import type { Order } from "../../src/data/Orders.ts"
import { PriceTables } from "../../src/data/PriceTables.ts"
import { Subscriptions } from "../../src/data/Subscriptions.ts"
import { OrderDelivery } from "../../src/delivery/OrderDelivery.ts"
import { messageLink } from "../../src/delivery/OrderReports.ts"
import { groupReplyText, type Intake, PurchaseHandler } from "../../src/events/PurchaseHandler.ts"
import * as Data from "../../src/data/layer.ts"
import { randomPhone } from "../support/ScriptedWorker.ts"
import { customerMessage, type SellerAccount, sellerWithoutWorker, tdlibMessageId } from "../support/SellerAccounts.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

/** A delivery that only keeps what it was handed. */
const submitted = Effect.runSync(Ref.make<ReadonlyArray<Order>>([]))
const RecordingDelivery = Layer.succeed(OrderDelivery, OrderDelivery.of({
  lease: { owner: "00000000-0000-4000-8000-000000000001", duration: Duration.seconds(30) },
  submit: (order) => Ref.update(submitted, (all) => [...all, order])
}))

const Environment = PurchaseHandler.layer.pipe(
  Layer.provideMerge(RecordingDelivery),
  Layer.provideMerge(Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer)))
)

const seller = sellerWithoutWorker

/** Handles `text` as a customer's message in the seller's group. */
const handle = (account: Omit<SellerAccount, "worker">, text: string, chatId = account.group.groupId) =>
  Effect.gen(function*() {
    const message = customerMessage(chatId, text)
    const intake = yield* (yield* PurchaseHandler).handle(account.phone, message)
    return { message, intake }
  })

const recorded = (intake: Intake): Order => {
  if (intake._tag !== "Recorded") throw new Error(`not recorded: ${intake._tag}`)
  return intake.order
}

describe("messageLink", () => {
  it("links a supergroup's or channel's message by the channel id and the server's message id", () => {
    assert.strictEqual(messageLink(-1_001_234_567_890, tdlibMessageId(7)), "https://t.me/c/1234567890/7")
    assert.strictEqual(messageLink(-1_000_000_000_001, tdlibMessageId(1)), "https://t.me/c/1/1")
  })

  it("has no link for a basic group, a private chat, or a message not on the servers yet", () => {
    assert.isNull(messageLink(-4_001_001_001, tdlibMessageId(7)))
    assert.isNull(messageLink(700_000_002, tdlibMessageId(7)))
    assert.isNull(messageLink(-1_001_234_567_890, tdlibMessageId(7) + 1))
  })
})

layer(Environment, { excludeTestServices: true })("PurchaseHandler", (it) => {
  it.effect("an order is priced to the centavo, its unknown lines kept, recorded in the ledger and handed to the delivery", () =>
    Effect.gen(function*() {
      const account = yield* seller("basic")
      const sql = yield* SqlClient.SqlClient

      const { intake, message } = yield* handle(account, "2x coca 2l\n3 pão de queijo\n2 esfihas de carne")

      const order = recorded(intake)
      assert.strictEqual(order.quote.total, 2 * 950 + 3 * 120)
      assert.deepStrictEqual(order.quote.priced.map((line) => [line.item.name, line.total]), [["Coca-Cola 2L", 1900], ["Pão de queijo", 360]])
      assert.deepStrictEqual(order.quote.unmatched.map((line) => [line.line.text, line.reason]), [["2 esfihas de carne", "NotFound"]])
      assert.deepStrictEqual(
        [order.messageId, order.chatId, order.customerName, order.sellerChatId, order.revision, order.reportState, order.replyState],
        [message.messageId, account.group.groupId, "Carlos Cliente", account.user.telegramUserId, 0, "pending", "none"]
      )
      const [row] = yield* sql<{ text: string; customerId: string; totalCentavos: string; leaseOwner: string }>`
        SELECT text, customer_id, total_centavos, lease_owner FROM orders WHERE id = ${order.id}`
      assert.deepStrictEqual(
        [row?.text, Number(row?.customerId), Number(row?.totalCentavos), row?.leaseOwner],
        [message.text, message.senderId, 2260, "00000000-0000-4000-8000-000000000001"]
      )
      assert.isTrue((yield* Ref.get(submitted)).some((handed) => handed.id === order.id))
    }))

  it.effect("the same message again is a duplicate, neither recorded nor handed over twice", () =>
    Effect.gen(function*() {
      const account = yield* seller("basic")
      const { message } = yield* handle(account, "2x coca 2l")
      const before = (yield* Ref.get(submitted)).length

      const again = yield* (yield* PurchaseHandler).handle(account.phone, message)

      assert.strictEqual(again._tag, "Duplicate")
      assert.strictEqual((yield* Ref.get(submitted)).length, before)
    }))

  it.effect("chatter is no order; an order of nothing in the table, with a quantity in digits, is", () =>
    Effect.gen(function*() {
      const account = yield* seller("basic")
      for (const chatter of ["um abraço", "bom dia, pessoal!", "uma pergunta: vocês abrem amanhã?", "kkkk", "chego em 5 minutos"]) {
        assert.strictEqual((yield* handle(account, chatter)).intake._tag, "NotAnOrder", chatter)
      }
      const order = recorded((yield* handle(account, "2 esfihas")).intake)
      assert.deepStrictEqual([order.quote.priced.length, order.quote.unmatched.length], [0, 1])
    }))

  it.effect("a group that is not active, or an account with no session, records nothing", () =>
    Effect.gen(function*() {
      const account = yield* seller("basic")
      assert.strictEqual((yield* handle(account, "2x coca 2l", account.group.groupId + 1)).intake._tag, "NotActive")
      assert.strictEqual((yield* handle({ ...account, phone: randomPhone() }, "2x coca 2l")).intake._tag, "NoSession")
    }))

  it.effect("a changed table prices the next order with its new prices", () =>
    Effect.gen(function*() {
      const account = yield* seller("basic")
      const first = recorded((yield* handle(account, "2x coca 2l")).intake)
      yield* (yield* PriceTables).replace(account.user.id, PriceTableParser.parse("Coca-Cola 2L = 10,00").items)

      const second = recorded((yield* handle(account, "2x coca 2l")).intake)

      assert.deepStrictEqual([first.quote.total, second.quote.total], [1900, 2000])
    }))

  it.effect("what changed since the last order is read again: a group deactivated, automatic replies turned on", () =>
    Effect.gen(function*() {
      const account = yield* seller("premium")
      const groups = yield* ActiveGroups
      assert.strictEqual(recorded((yield* handle(account, "2x coca 2l")).intake).replyState, "none")

      yield* groups.setAutoReply(account.user.id, account.group.groupId, true)
      assert.strictEqual(recorded((yield* handle(account, "2x coca 2l")).intake).replyState, "pending")

      yield* groups.deactivate(account.user.id, account.group.groupId)
      assert.strictEqual((yield* handle(account, "2x coca 2l")).intake._tag, "NotActive")
    }))

  it.effect("with automatic replies on an advanced plan a reply is due: the priced lines only, never what else the customer wrote", () =>
    Effect.gen(function*() {
      const account = yield* seller("premium")
      yield* (yield* ActiveGroups).setAutoReply(account.user.id, account.group.groupId, true)

      const order = recorded((yield* handle(account, "2x coca 2l, 1 pastel de carne\n2 esfihas https://golpe.example/pix")).intake)

      assert.strictEqual(order.replyState, "pending")
      assert.strictEqual(order.replyText, groupReplyText(order.quote))
      assert.include(order.replyText ?? "", "Coca-Cola 2L")
      assert.include(order.replyText ?? "", "Pastel de carne")
      assert.notInclude(order.replyText ?? "", "esfihas")
      assert.notInclude(order.replyText ?? "", "golpe.example")
      assert.include(Quote.text(order.quote), "esfihas")
    }))

  it.effect("no reply without automatic replies, on a plan that lost them, or for a quote with nothing priced", () =>
    Effect.gen(function*() {
      const account = yield* seller("basic")
      const groups = yield* ActiveGroups
      const reply = (text: string) => Effect.map(handle(account, text), ({ intake }) => recorded(intake).replyState)

      assert.strictEqual(yield* reply("2x coca 2l"), "none")
      yield* groups.setAutoReply(account.user.id, account.group.groupId, true)
      assert.strictEqual(yield* reply("2 esfihas"), "none")
      assert.strictEqual(yield* reply("1 coca 2l"), "pending")
      yield* (yield* Subscriptions).grant(account.user.id, { plan: "free", expiresAt: null, overrides: {}, paymentReference: null, source: "admin" })
      assert.strictEqual(yield* reply("3x coca 2l"), "none")
    }))
})

describe("groupReplyText", () => {
  it("keeps within Telegram's 4,096 characters, its last lines giving way to their count", () => {
    const matcher = ProductMatcher.make(PriceTableParser.parse("Coca-Cola 2L = 9,50").items)
    const quote = Quote.fromMessage(matcher, Array.from({ length: 300 }, (_, index) => `${index + 1} coca 2l`).join("\n"))

    const text = groupReplyText(quote)

    assert.isAtMost(text.length, 4096)
    assert.isAbove(Quote.text(quote).length, 4096)
    const shown = text.split("\n").filter((line) => line.includes("× Coca-Cola 2L")).length
    assert.include(text, `… e mais ${300 - shown} itens`)
    assert.isTrue(text.endsWith("Total: R$ 428.925,00"))
  })
})
