/**
 * An `OrderReports` that records what each seller's chat was sent (the bot's own composition of the messages), and
 * fails the sends a test asks it to, as Telegram would: for tests of the order path without a Bot API.
 */
import { Context, Effect, Layer, Ref } from "effect"
import * as ReportMessages from "../../src/bot/ReportMessages.ts"
import { type OrderReport, OrderReports, ReportFailed, type ReportFailure, type ReportMessage } from "../../src/delivery/OrderReports.ts"

export class RecordingReports extends Context.Service<RecordingReports, {
  /** The messages sent into the chat, oldest first. */
  readonly messagesTo: (chatId: number) => Effect.Effect<ReadonlyArray<ReportMessage>>
  /** The reports the chat received in full (a long one once, with its last part). */
  readonly reportsTo: (chatId: number) => Effect.Effect<ReadonlyArray<OrderReport>>
  /** Every send to the chat, taken or refused. */
  readonly attemptsTo: (chatId: number) => Effect.Effect<number>
  /** The chat's next sends fail with `reason` (`times` of them; every one from now on when not given). */
  readonly fail: (chatId: number, reason: ReportFailure, times?: number) => Effect.Effect<void>
}>()("test/RecordingReports") {
  static readonly layer = Layer.effectContext(Effect.gen(function*() {
    const sent = yield* Ref.make<ReadonlyArray<{ readonly chatId: number; readonly message: ReportMessage }>>([])
    const attempts = new Map<number, number>()
    const failures = new Map<number, { readonly reason: ReportFailure; left: number }>()

    const send = (chatId: number, message: ReportMessage) =>
      Effect.suspend(() => {
        attempts.set(chatId, (attempts.get(chatId) ?? 0) + 1)
        const failure = failures.get(chatId)
        if (failure !== undefined && failure.left > 0) {
          failure.left -= 1
          return Effect.fail(new ReportFailed({ reason: failure.reason, detail: `the test refused it (${failure.reason})` }))
        }
        return Ref.update(sent, (all) => [...all, { chatId, message }])
      })

    const messagesTo = (chatId: number) =>
      Effect.map(Ref.get(sent), (all) => all.filter((entry) => entry.chatId === chatId).map((entry) => entry.message))

    const recorder = RecordingReports.of({
      messagesTo,
      reportsTo: (chatId) => Effect.map(messagesTo(chatId), (messages) => messages.filter((message) => message.last).flatMap((message) => message.reports)),
      attemptsTo: (chatId) => Effect.sync(() => attempts.get(chatId) ?? 0),
      fail: (chatId, reason, times = Number.POSITIVE_INFINITY) => Effect.sync(() => void failures.set(chatId, { reason, left: times }))
    })
    const port = OrderReports.of({ ready: () => Effect.void, compose: ReportMessages.compose, send })
    return Context.make(RecordingReports, recorder).pipe(Context.add(OrderReports, port))
  }))
}
