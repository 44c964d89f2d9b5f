import { assert, layer } from "@effect/vitest"
import { type PhoneNumber } from "@vigia/domain/PhoneNumber"
import * as Messages from "@vigia/protocol/Messages"
import { Queue } from "@vigia/protocol/Queue"
import * as QueueNames from "@vigia/protocol/QueueNames"
import { Duration, Effect, Layer, Metric, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { ActiveGroups } from "../../src/data/ActiveGroups.ts"
import { AuditLog } from "../../src/data/AuditLog.ts"
import { purchasesReported } from "../../src/delivery/Delivering.ts"
import { OrderDelivery } from "../../src/delivery/OrderDelivery.ts"
import { messageLink, type OrderReport } from "../../src/delivery/OrderReports.ts"
import { EventProcessor, updatesProcessed } from "../../src/events/EventProcessor.ts"
import { groupReplyText, PurchaseHandler } from "../../src/events/PurchaseHandler.ts"
import { SessionEvents } from "../../src/events/SessionEvents.ts"
import { SessionGateway } from "../../src/sessions/SessionGateway.ts"
import { NodePins } from "../../src/sessions/runtimes/NodePins.ts"
import { SessionKeys } from "../../src/sessions/SessionKeys.ts"
import { Sessions } from "../../src/data/Sessions.ts"
import type { UserId } from "../../src/data/UserId.ts"
import { Users } from "../../src/data/Users.ts"
import { WatchedChats } from "../../src/sessions/WatchedChats.ts"
import { CapturedLogs, lineText, RecordingNotifier } from "../support/RecordingNotifier.ts"
import { RecordingReports } from "../support/RecordingReports.ts"
import { answering, eventually, randomPhone, ScriptedContainers } from "../support/ScriptedWorker.ts"
import { customerMessage, publish, publishRaw, type SellerAccount, sellerAccount } from "../support/SellerAccounts.ts"
import * as Data from "../../src/data/layer.ts"
import { TestDatabase } from "../support/TestDatabase.ts"

const data = Data.repositories.pipe(Layer.provideMerge(TestDatabase.layer))

const transport = Layer.mergeAll(
  Queue.layerMemory({ attempts: 2, backoff: Duration.millis(20) }),
  SessionKeys.layer({ master: Redacted.make("event-processor-test-master-secret") }),
  ScriptedContainers.layer,
  RecordingNotifier.layer,
  RecordingReports.layer,
  NodePins.layerMemory()
)

const Environment = EventProcessor.layer.pipe(
  Layer.provideMerge(Layer.merge(PurchaseHandler.layer, SessionEvents.layer)),
  Layer.provideMerge(OrderDelivery.layer({ lease: Duration.seconds(5) })),
  Layer.provideMerge(WatchedChats.layer),
  Layer.provideMerge(SessionGateway.layer({ timeout: "2 seconds" })),
  Layer.provideMerge(transport),
  Layer.provideMerge(data),
  Layer.provideMerge(CapturedLogs.layer)
)

/** A seller whose account's updates the processor reads. */
const registeredSeller = (...args: Parameters<typeof sellerAccount>) =>
  Effect.gen(function*() {
    const account = yield* sellerAccount(...args)
    yield* (yield* EventProcessor).register(account.phone)
    return account
  })

const noticesOf = (userId: UserId) => RecordingNotifier.use((recorder) => recorder.noticesOf(userId))

/** The reports the seller received in full. */
const reportsOf = (account: SellerAccount) => RecordingReports.use((recorder) => recorder.reportsTo(account.user.telegramUserId))

const about = (account: SellerAccount, messageId: number) => (report: OrderReport) =>
  report.link === messageLink(account.group.groupId, messageId)

/** Waits for the report of `messageId`; the account's earlier updates were all handled by then (one at a time, in order). */
const reportOf = (account: SellerAccount, messageId: number) =>
  eventually(reportsOf(account), (reports) => reports.some(about(account, messageId))).pipe(
    Effect.map((reports) => reports.filter(about(account, messageId)))
  )

/** Publishes an order and waits for its report: everything published before it has been handled. */
const marker = (account: SellerAccount) =>
  Effect.gen(function*() {
    const message = customerMessage(account.group.groupId, "1 pastel de carne")
    yield* publish(account.phone, message)
    return yield* reportOf(account, message.messageId)
  })

/** The customer edits `message` to say `text`, `after` seconds after they sent it. */
const editOf = (message: Messages.NewMessage, text: string, after: number) =>
  new Messages.MessageEdited({
    chatId: message.chatId,
    messageId: message.messageId,
    senderId: message.senderId,
    senderName: message.senderName,
    text,
    date: message.date,
    editDate: message.date + after
  })

const counted = (kind: string) =>
  Effect.map(Metric.value(Metric.withAttributes(updatesProcessed, { kind })), (state) => state.count)

const telegramUser = (phone: PhoneNumber, userId: number) =>
  new Messages.TelegramUser({ userId, firstName: "Ana", lastName: "Vendedora", username: "ana_vende", phoneNumber: phone })

layer(Environment, { excludeTestServices: true, timeout: "60 seconds" })("EventProcessor", (it) => {
  it.effect("an order in an active group is reported once, priced to the centavo, with a link to the message", () =>
    Effect.gen(function*() {
      const account = yield* registeredSeller("basic")
      const containers = yield* ScriptedContainers
      const reported = (yield* Metric.value(purchasesReported)).count
      const message = customerMessage(account.group.groupId, "2x coca 2l, 3 pão de queijo")

      yield* publish(account.phone, message)

      const [report] = yield* reportOf(account, message.messageId)
      assert.strictEqual(report?.quote.total, 2 * 950 + 3 * 120)
      assert.deepStrictEqual(report?.quote.priced.map((line) => line.item.name), ["Coca-Cola 2L", "Pão de queijo"])
      assert.deepStrictEqual(
        [report?.revision, report?.groupTitle, report?.customerName, report?.reply],
        [0, "Feira de Sábado", "Carlos Cliente", "none"]
      )
      assert.strictEqual(
        report?.link,
        `https://t.me/c/${-account.group.groupId - 1_000_000_000_000}/${message.messageId / 2 ** 20}`
      )
      const counted = yield* eventually(Metric.value(purchasesReported), (state) => state.count > reported)
      assert.strictEqual(counted.count - reported, 1)
      const observed = yield* containers.observed
      assert.isTrue(observed.some((update) => update.phoneNumber === account.phone && update.update._tag === "NewMessage"))
    }))

  it.effect("the same message delivered twice is reported once", () =>
    Effect.gen(function*() {
      const account = yield* registeredSeller("basic")
      const message = customerMessage(account.group.groupId, "2x coca 2l")
      const before = yield* counted("NewMessage")

      yield* publish(account.phone, message)
      yield* publish(account.phone, message)
      yield* marker(account)

      assert.strictEqual((yield* reportOf(account, message.messageId)).length, 1)
      assert.strictEqual((yield* counted("NewMessage")) - before, 3)
    }))

  it.effect("a report Telegram fails is sent again and reaches the seller once; the update is not retried", () =>
    Effect.gen(function*() {
      const account = yield* registeredSeller("basic")
      const recorder = yield* RecordingReports
      const message = customerMessage(account.group.groupId, "3 pão de queijo")
      const before = yield* counted("NewMessage")

      yield* recorder.fail(account.user.telegramUserId, "Unavailable", 1)
      yield* publish(account.phone, message)

      const reports = yield* reportOf(account, message.messageId)
      assert.strictEqual(reports.length, 1)
      assert.strictEqual(reports[0]?.quote.total, 360)
      assert.strictEqual(yield* recorder.attemptsTo(account.user.telegramUserId), 2)
      assert.strictEqual((yield* counted("NewMessage")) - before, 1)
    }))

  it.effect("a message in a group that is not active, and chatter in one that is, are not reported", () =>
    Effect.gen(function*() {
      const account = yield* registeredSeller("basic")

      yield* publish(account.phone, customerMessage(account.group.groupId + 1, "2x coca 2l"))
      yield* publish(account.phone, customerMessage(account.group.groupId, "um abraço"))
      yield* publish(account.phone, customerMessage(account.group.groupId, "bom dia, pessoal!"))
      yield* publish(account.phone, customerMessage(account.group.groupId, "chego em 5 minutos"))
      const markerReports = yield* marker(account)

      assert.deepStrictEqual(yield* reportsOf(account), markerReports)
    }))

  it.effect("with automatic replies on, the quote is posted in the group as a reply from the seller's account", () =>
    Effect.gen(function*() {
      const account = yield* registeredSeller(
        "basic",
        answering({ SendMessage: ({ chatId }) => Effect.succeed(new Messages.SentMessage({ chatId, messageId: 99 * 2 ** 20 })) })
      )
      yield* (yield* ActiveGroups).setAutoReply(account.user.id, account.group.groupId, true)
      const message = customerMessage(account.group.groupId, "2x coca 2l")

      yield* publish(account.phone, message)

      const [report] = yield* reportOf(account, message.messageId)
      const sent = yield* account.worker.received("SendMessage")
      assert.deepStrictEqual(
        [sent.command.chatId, sent.command.replyToMessageId],
        [account.group.groupId, message.messageId]
      )
      assert.strictEqual(report?.reply, "sent")
      if (report !== undefined) assert.strictEqual(sent.command.text, groupReplyText(report.quote))
    }))

  it.effect("an edited order is reported once more, as edited, with its new quote; the same edit again is not", () =>
    Effect.gen(function*() {
      const account = yield* registeredSeller("basic")
      const message = customerMessage(account.group.groupId, "2x coca 2l")
      yield* publish(account.phone, message)
      yield* reportOf(account, message.messageId)
      const edit = editOf(message, "3x coca 2l", 60)

      yield* publish(account.phone, edit)
      yield* publish(account.phone, edit)
      // Another edit that leaves the words as they were (TDLib also reports a link preview as a new content).
      yield* publish(account.phone, editOf(message, "3x coca 2l", 120))
      yield* marker(account)

      const reports = yield* reportOf(account, message.messageId)
      assert.deepStrictEqual(reports.map((report) => [report.revision, report.quote.total]), [[0, 1900], [1, 2850]])
    }))

  it.effect("an edit that makes an order of chatter is reported as an order; an edit of chatter into chatter is not", () =>
    Effect.gen(function*() {
      const account = yield* registeredSeller("basic")
      const greeting = customerMessage(account.group.groupId, "bom dia, pessoal!")
      const question = customerMessage(account.group.groupId, "vocês abrem amanhã?")
      yield* publish(account.phone, greeting)
      yield* publish(account.phone, question)

      yield* publish(account.phone, editOf(greeting, "bom dia! 2x coca 2l", 5))
      yield* publish(account.phone, editOf(question, "vocês abrem domingo?", 5))
      yield* marker(account)

      assert.deepStrictEqual((yield* reportOf(account, greeting.messageId)).map((report) => [report.revision, report.quote.total]), [[0, 1900]])
      assert.deepStrictEqual((yield* reportsOf(account)).filter(about(account, question.messageId)), [])
    }))

  it.effect("a seller who blocked the bot: one attempt, then the order stays undelivered in the ledger", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const recorder = yield* RecordingReports
      const account = yield* registeredSeller("basic")
      yield* recorder.fail(account.user.telegramUserId, "Blocked")

      yield* publish(account.phone, customerMessage(account.group.groupId, "2x coca 2l"))
      const state = sql<{ reportState: string; reportAttempts: number }>`
        SELECT report_state, report_attempts FROM orders WHERE user_id = ${account.user.id}`
      yield* eventually(state, (rows) => rows[0]?.reportState === "undelivered")
      yield* Effect.sleep("500 millis")

      assert.deepStrictEqual((yield* state).map((row) => [row.reportState, row.reportAttempts]), [["undelivered", 1]])
      assert.strictEqual(yield* recorder.attemptsTo(account.user.telegramUserId), 1)
    }))

  it.effect("waiting for a code: the seller is asked for it and the session records the step", () =>
    Effect.gen(function*() {
      const account = yield* registeredSeller("basic")
      const waiting = new Messages.WaitingForCode({ codeType: "TelegramMessage", length: 5, timeoutSeconds: 0 })

      yield* publish(account.phone, new Messages.AuthorizationState({ state: "WaitCode" }))
      yield* publish(account.phone, waiting)

      const notices = yield* eventually(noticesOf(account.user.id), (all) => all.length > 0)
      assert.deepStrictEqual(notices, [{ _tag: "LoginStep", userId: account.user.id, step: waiting }])
      assert.strictEqual((yield* (yield* Sessions).get(account.phone)).observedState, "waiting-for-code")
    }))

  it.effect("authorized: the account is recorded, the seller told, and the worker gets the active groups", () =>
    Effect.gen(function*() {
      const account = yield* registeredSeller("basic")
      const other = yield* (yield* ActiveGroups).activate(account.user.id, { groupId: -4_001_001_001, title: "Encomendas" })
      const me = telegramUser(account.phone, 700_000_001)

      yield* publish(account.phone, new Messages.Authorized({ user: me }))

      const notices = yield* eventually(noticesOf(account.user.id), (all) => all.length > 0)
      assert.deepStrictEqual(notices, [{ _tag: "AccountConnected", userId: account.user.id, account: me }])
      const user = yield* (yield* Users).get(account.user.id)
      assert.deepStrictEqual([user.phoneNumber, user.telegramAccountId], [account.phone, 700_000_001])
      assert.strictEqual((yield* (yield* Sessions).get(account.phone)).observedState, "authorized")
      assert.include((yield* (yield* AuditLog).recent(account.user.id, 10)).map((entry) => entry.action), "login")
      const watched = yield* account.worker.received("SetWatchedChats")
      assert.sameMembers([...watched.command.chatIds], [account.group.groupId, other.groupId])

      // The worker restarts and reports the same account: no new login, nothing to tell the seller.
      yield* publish(account.phone, new Messages.Authorized({ user: me }))
      yield* marker(account)
      assert.deepStrictEqual((yield* noticesOf(account.user.id)).map((notice) => notice._tag), ["AccountConnected"])
      const logins = (yield* (yield* AuditLog).recent(account.user.id, 20)).filter((entry) => entry.action === "login")
      assert.strictEqual(logins.length, 1)
    }))

  it.effect("a worker the manager gives up on (a crash loop) is a lost session for its seller", () =>
    Effect.gen(function*() {
      const account = yield* registeredSeller("basic")
      yield* (yield* ScriptedContainers).crashLoop(account.phone)
      const notices = yield* eventually(noticesOf(account.user.id), (all) => all.length > 0)
      assert.deepStrictEqual(notices, [{ _tag: "SessionLost", userId: account.user.id, loss: "WorkerUnavailable" }])
    }))

  it.effect("a worker moved off its drained node: the account is released and its seller told to log in again", () =>
    Effect.gen(function*() {
      const users = yield* Users
      const account = yield* registeredSeller("basic")
      const bystander = yield* registeredSeller("basic")
      yield* users.recordLogin(account.user.id, { phoneNumber: account.phone, telegramAccountId: 555_000_001 })
      const pins = yield* NodePins
      // An account with no session is only logged; the account moved is told once.
      yield* pins.moved({ service: "pool", accounts: [randomPhone(), account.phone], node: "gone", reason: "removed" })
      const notices = yield* eventually(noticesOf(account.user.id), (all) => all.length > 0)
      assert.deepStrictEqual(notices, [{ _tag: "SessionLost", userId: account.user.id, loss: "NodeRetired" }])
      const user = yield* users.get(account.user.id)
      assert.strictEqual(user.phoneNumber, null, "the account is released: /login works again")
      assert.strictEqual(user.telegramAccountId, null)
      assert.strictEqual((yield* (yield* Sessions).get(account.phone)).observedState, "logged-out")
      assert.deepStrictEqual(yield* noticesOf(bystander.user.id), [])
      const logs = yield* (yield* CapturedLogs).lines
      assert.isTrue(logs.some((line) => lineText(line).includes("could not tell a seller their account must log in again")))
    }))

  it.effect("logged out elsewhere: the seller is told the session was lost; a logout they asked for is not", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const users = yield* Users
      const elsewhere = yield* registeredSeller("basic")
      const asked = yield* registeredSeller("basic")
      for (const [account, id] of [[elsewhere, 700_000_002], [asked, 700_000_003]] as const) {
        yield* publish(account.phone, new Messages.Authorized({ user: telegramUser(account.phone, id) }))
      }
      yield* eventually(noticesOf(asked.user.id), (all) => all.length > 0)
      yield* sessions.setDesired(asked.phone, "stopped")

      yield* publish(elsewhere.phone, new Messages.LoggedOut())
      yield* publish(elsewhere.phone, new Messages.LoggedOut())
      yield* publish(asked.phone, new Messages.LoggedOut())
      yield* publish(asked.phone, new Messages.WaitingForPassword({ hint: "" }))

      yield* publish(elsewhere.phone, new Messages.WaitingForEmail())
      const lost = yield* eventually(noticesOf(elsewhere.user.id), (all) => all.length > 2)
      assert.deepStrictEqual(lost.map((notice) => notice._tag), ["AccountConnected", "SessionLost", "LoginStep"])
      assert.deepStrictEqual(lost[1], { _tag: "SessionLost", userId: elsewhere.user.id, loss: "LoggedOutElsewhere" })
      const quiet = yield* eventually(noticesOf(asked.user.id), (all) => all.length > 1)
      assert.deepStrictEqual(quiet.map((notice) => notice._tag), ["AccountConnected", "LoginStep"])
      for (const account of [elsewhere, asked]) {
        assert.isNull((yield* users.get(account.user.id)).telegramAccountId)
      }
      assert.strictEqual((yield* sessions.get(elsewhere.phone)).observedState, "logged-out")
    }))

  it.effect("a worker that starts (again) gets the active groups", () =>
    Effect.gen(function*() {
      const account = yield* registeredSeller("basic")
      const before = yield* counted("WorkerStarted")

      yield* publish(account.phone, new Messages.WorkerStarted())

      const watched = yield* account.worker.received("SetWatchedChats")
      assert.deepStrictEqual(watched.command.chatIds, [account.group.groupId])
      assert.strictEqual((yield* counted("WorkerStarted")) - before, 1)
    }))

  it.effect("WatchedChats.sync sends the active groups to the seller's running session, and does nothing otherwise", () =>
    Effect.gen(function*() {
      const watched = yield* WatchedChats
      const groups = yield* ActiveGroups
      const account = yield* sellerAccount("basic")
      const lists = Effect.map(account.worker.commands, (commands) =>
        commands.flatMap((request) => (request.command._tag === "SetWatchedChats" ? [request.command.chatIds] : [])))

      yield* watched.sync(account.user.id)
      assert.deepStrictEqual(yield* lists, [])

      yield* (yield* Users).recordLogin(account.user.id, { phoneNumber: account.phone, telegramAccountId: 700_000_004 })
      const other = yield* groups.activate(account.user.id, { groupId: -4_001_001_002, title: null })
      yield* watched.sync(account.user.id)
      yield* groups.deactivate(account.user.id, account.group.groupId)
      yield* watched.sync(account.user.id)
      assert.deepStrictEqual(yield* lists, [[account.group.groupId, other.groupId], [other.groupId]])

      yield* (yield* ScriptedContainers).setState(account.phone, "crash-loop")
      yield* watched.sync(account.user.id)
      yield* (yield* Sessions).setDesired(account.phone, "stopped")
      yield* (yield* ScriptedContainers).setState(account.phone, "running")
      yield* watched.sync(account.user.id)
      assert.strictEqual((yield* lists).length, 2)
    }))

  it.effect("a malformed update is parked and the account's next update is handled", () =>
    Effect.gen(function*() {
      const queue = yield* Queue
      const account = yield* registeredSeller("basic")

      yield* publishRaw(account.phone, { version: 1, phoneNumber: account.phone, timestamp: 1, update: { _tag: "NewMessage", chatId: "x" } })
      yield* publishRaw(account.phone, "not even an object")
      yield* marker(account)

      const failed = yield* queue.failed(QueueNames.updatesQueue(account.phone))
      assert.strictEqual(failed.length, 2)
      for (const job of failed) assert.match(job.reason, /^malformed message/)
    }))

  it.effect("an update from an account with no session, or naming another account, is parked; others go on", () =>
    Effect.gen(function*() {
      const queue = yield* Queue
      const logs = yield* CapturedLogs
      const events = yield* EventProcessor
      const stranger = randomPhone()
      const account = yield* registeredSeller("basic")
      yield* events.register(stranger)

      yield* publish(stranger, new Messages.WorkerStarted())
      const forged = yield* Messages.updateMessage(stranger, customerMessage(account.group.groupId, "2x coca 2l"))
      yield* Effect.orDie(queue.send(QueueNames.updatesQueue(account.phone), Messages.UpdateMessage, forged))
      yield* marker(account)

      const unknown = yield* eventually(queue.failed(QueueNames.updatesQueue(stranger)), (jobs) => jobs.length === 1)
      assert.match(unknown[0]?.reason ?? "", /UnknownAccount|no session/)
      assert.strictEqual(unknown[0]?.attemptsMade, 2)
      const mismatched = yield* eventually(queue.failed(QueueNames.updatesQueue(account.phone)), (jobs) => jobs.length === 1)
      assert.match(mismatched[0]?.reason ?? "", /another account/)
      assert.strictEqual((yield* reportsOf(account)).length, 1)
      const lines = (yield* logs.lines).map(lineText)
      assert.isTrue(lines.some((line) => line.includes("an update from an account with no session")))
      for (const line of lines) {
        assert.notInclude(line, stranger)
        assert.notInclude(line, account.phone)
      }
    }))

  it.effect("at start it reads the updates of every session meant to run, and of no other", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const running = yield* sellerAccount("basic")
      const stopped = yield* sellerAccount("basic")
      yield* (yield* Sessions).setDesired(stopped.phone, "stopped")
      const order = customerMessage(running.group.groupId, "2x coca 2l")
      const ignored = customerMessage(stopped.group.groupId, "2x coca 2l")
      yield* publish(stopped.phone, ignored)
      yield* publish(running.phone, order)

      yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(Layer.fresh(EventProcessor.layer))
        yield* reportOf(running, order.messageId)
        // Time for the stopped session's update to be handled, had its queue been read.
        yield* Effect.sleep("300 millis")
      }))

      const [recorded] = yield* sql<{ count: string }>`
        SELECT count(*) AS count FROM orders WHERE user_id = ${stopped.user.id}`
      assert.strictEqual(Number(recorded?.count), 0)
      assert.deepStrictEqual(yield* reportsOf(stopped), [])
    }))
})
