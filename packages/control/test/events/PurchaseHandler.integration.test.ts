import { assert, describe, it, layer } from "@effect/vitest"
import * as PriceTableParser from "@vigia/domain/PriceTableParser"
import * as Quote from "@vigia/domain/Quote"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import { Clock, Effect, Layer, Option, Redacted } from "effect"
import { ActiveGroups } from "../../src/data/ActiveGroups.ts"
import { PriceTables } from "../../src/data/PriceTables.ts"
import { messageLink, PurchaseHandler } from "../../src/events/PurchaseHandler.ts"
import { SessionGateway } from "../../src/sessions/SessionGateway.ts"
import { SessionKeys } from "../../src/sessions/SessionKeys.ts"
import { Subscriptions } from "../../src/data/Subscriptions.ts"
import { RecordingNotifier } from "../support/RecordingNotifier.ts"
import { answering, ScriptedContainers } from "../support/ScriptedWorker.ts"
import { customerMessage, type SellerAccount, sellerAccount, tdlibMessageId } from "../support/SellerAccounts.ts"
import * as Data from "../../src/data/layer.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const data = Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer))

const Environment = PurchaseHandler.layer.pipe(
  Layer.provideMerge(SessionGateway.layer({ timeout: "2 seconds" })),
  Layer.provideMerge(Layer.mergeAll(
    Queue.layerMemory({ attempts: 1 }),
    SessionKeys.layer({ master: Redacted.make("purchase-handler-test-master-secret") }),
    ScriptedContainers.layer,
    RecordingNotifier.layer
  )),
  Layer.provideMerge(data)
)

const sentMessage = answering({
  SendMessage: ({ chatId }) => Effect.succeed(new Messages.SentMessage({ chatId, messageId: tdlibMessageId(500) }))
})

/** Handles `text` as a customer's message in the seller's group. */
const handle = (account: SellerAccount, text: string, group = account.group) =>
  Effect.gen(function*() {
    const message = customerMessage(group.groupId, text)
    const report = yield* (yield* PurchaseHandler).handle(account.user.id, account.phone, message, group)
    return { message, report }
  })

const sendsOf = (account: SellerAccount) =>
  Effect.map(account.worker.commands, (commands) => commands.filter((request) => request.command._tag === "SendMessage"))

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
  it.effect("an order is priced to the centavo, its unknown lines kept, and reported to the seller", () =>
    Effect.gen(function*() {
      const account = yield* sellerAccount("basic")
      const recorder = yield* RecordingNotifier

      const { message, report } = yield* handle(account, "2x coca 2l\n3 pão de queijo\n2 esfihas de carne")

      assert.isTrue(Option.isSome(report))
      const value = Option.getOrThrow(report)
      assert.strictEqual(value.quote.total, 2 * 950 + 3 * 120)
      assert.deepStrictEqual(value.quote.priced.map((line) => [line.item.name, line.total]), [["Coca-Cola 2L", 1900], ["Pão de queijo", 360]])
      assert.deepStrictEqual(value.quote.unmatched.map((line) => [line.line.text, line.reason]), [["2 esfihas de carne", "NotFound"]])
      assert.deepStrictEqual(
        [value.customerId, value.customerName, value.messageId, value.repliedInGroup],
        [message.senderId, message.senderName, message.messageId, false]
      )
      assert.deepStrictEqual(yield* recorder.noticesOf(account.user.id), [{ _tag: "OrderQuoted", userId: account.user.id, report: value }])
    }))

  it.effect("chatter is not an order; an order of nothing in the table, with a quantity in digits, is", () =>
    Effect.gen(function*() {
      const account = yield* sellerAccount("basic")
      const recorder = yield* RecordingNotifier

      for (const chatter of ["um abraço", "bom dia, pessoal!", "uma pergunta: vocês abrem amanhã?", "kkkk", "chego em 5 minutos"]) {
        assert.isTrue(Option.isNone((yield* handle(account, chatter)).report), chatter)
      }
      assert.deepStrictEqual(yield* recorder.noticesOf(account.user.id), [])

      const { report } = yield* handle(account, "2 esfihas")
      assert.deepStrictEqual(Option.map(report, (value) => [value.quote.priced.length, value.quote.unmatched.length]), Option.some([0, 1]))
    }))

  it.effect("a changed table prices the next order with its new prices", () =>
    Effect.gen(function*() {
      const account = yield* sellerAccount("basic")
      const first = yield* handle(account, "2x coca 2l")
      yield* (yield* PriceTables).replace(account.user.id, PriceTableParser.parse("Coca-Cola 2L = 10,00").items)

      const second = yield* handle(account, "2x coca 2l")

      assert.deepStrictEqual(
        [first.report, second.report].map(Option.map((report) => report.quote.total)),
        [Option.some(1900), Option.some(2000)]
      )
    }))

  it.effect("with automatic replies on an advanced plan the quote is posted as a reply to the order", () =>
    Effect.gen(function*() {
      const account = yield* sellerAccount("premium", sentMessage)
      const group = yield* (yield* ActiveGroups).setAutoReply(account.user.id, account.group.groupId, true)

      const { message, report } = yield* handle(account, "2x coca 2l, 1 pastel de carne", group)

      const [sent] = yield* sendsOf(account)
      const value = Option.getOrThrow(report)
      assert.isTrue(value.repliedInGroup)
      assert.deepStrictEqual(sent?.command, new Messages.SendMessage({
        chatId: group.groupId,
        text: Quote.text(value.quote),
        replyToMessageId: message.messageId
      }))
    }))

  it.effect("no reply without automatic replies, on a plan that lost them, or for a quote with nothing priced", () =>
    Effect.gen(function*() {
      const account = yield* sellerAccount("basic", sentMessage)
      const groups = yield* ActiveGroups
      const replied = (text: string, group = account.group) =>
        Effect.map(handle(account, text, group), ({ report }) => Option.map(report, (value) => value.repliedInGroup))

      assert.deepStrictEqual(yield* replied("2x coca 2l"), Option.some(false))
      const group = yield* groups.setAutoReply(account.user.id, account.group.groupId, true)
      assert.deepStrictEqual(yield* replied("2 esfihas", group), Option.some(false))
      yield* (yield* Subscriptions).grant(account.user.id, {
        plan: "free",
        expiresAt: null,
        overrides: {},
        paymentReference: null,
        source: "admin"
      })
      assert.deepStrictEqual(yield* replied("2x coca 2l", group), Option.some(false))
      assert.deepStrictEqual(yield* sendsOf(account), [])
    }))

  it.effect("a reply that fails, or a session that is down, still reports the order, saying it was not posted", () =>
    Effect.gen(function*() {
      const account = yield* sellerAccount("basic", answering({
        SendMessage: () => Effect.fail(new Messages.CommandError({ code: 403, message: "CHAT_WRITE_FORBIDDEN" }))
      }))
      const group = yield* (yield* ActiveGroups).setAutoReply(account.user.id, account.group.groupId, true)

      const refused = yield* handle(account, "2x coca 2l", group)
      yield* (yield* ScriptedContainers).setState(account.phone, "restarting")
      const start = yield* Clock.currentTimeMillis
      const down = yield* handle(account, "3 pão de queijo", group)

      assert.isBelow((yield* Clock.currentTimeMillis) - start, 1_000)
      assert.deepStrictEqual(
        [refused.report, down.report].map(Option.map((report) => report.repliedInGroup)),
        [Option.some(false), Option.some(false)]
      )
      assert.strictEqual((yield* sendsOf(account)).length, 1)
      assert.strictEqual((yield* (yield* RecordingNotifier).noticesOf(account.user.id)).length, 2)
    }))
})
