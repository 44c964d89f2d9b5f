/**
 * One seller's reports: when the seller's chat gets its turn under the bot's pacing, every report waiting goes out
 * together (as few messages as Telegram's 4,096 characters allow); each order is marked reported after the message
 * that completes it was taken. A seller who blocked the bot leaves the orders undelivered; Telegram failing is
 * waited out.
 */
import { Duration, Effect, Metric, Option } from "effect"
import type { OrderSteps } from "../data/OrderSteps.ts"
import { spanOf } from "../observability/Traces.ts"
import {
  countStep,
  type Delivering,
  persistently,
  purchasesReported,
  reportMessages,
  reportOf
} from "./Delivering.ts"
import type { Lane } from "./Lanes.ts"
import { type OrderReports, ReportFailed, type ReportMessage } from "./OrderReports.ts"

export interface ReportLaneDeps {
  readonly steps: OrderSteps["Service"]
  readonly reports: OrderReports["Service"]
  /** Called once an order's report is settled (sent or given up). */
  readonly settled: (item: Delivering) => Effect.Effect<void>
}

/** After the n-th failure in a row, Telegram is given this long (2 s doubling, at most a minute). */
const backoff = (failures: number) => Duration.millis(Math.min(60_000, 2_000 * 2 ** Math.max(0, failures - 1)))

const idsOf = (items: ReadonlyArray<Delivering>) => items.map((item) => item.order.id)

/** The lane's items a message holds (a report's parts each hold its order). */
const itemsIn = (message: ReportMessage, items: ReadonlyArray<Delivering>) =>
  items.filter((item) => message.reports.some((report) => report.orderId === item.order.id))

/**
 * Sends `message` inside the first order's trace; each other order of the message gets a span in its own trace,
 * linked to the send, so that every order's trace ends with its report.
 */
const traced = (held: ReadonlyArray<Delivering>, send: Effect.Effect<void, ReportFailed>) => {
  const [first, ...others] = held
  const parent = Option.getOrUndefined(spanOf(first?.order.traceParent ?? null))
  return send.pipe(
    Effect.tap(() =>
      Effect.currentSpan.pipe(
        Effect.flatMap((span) =>
          Effect.forEach(others, (item) =>
            Effect.void.pipe(
              Effect.withSpan("OrderDelivery.reportedTogether", {
                parent: Option.getOrUndefined(spanOf(item.order.traceParent)),
                root: item.order.traceParent === null,
                links: [{ span, attributes: {} }],
                attributes: { "order.id": item.order.id }
              })
            ), { discard: true })
        ),
        Effect.ignore
      )
    ),
    Effect.withSpan("OrderDelivery.report", {
      ...(parent === undefined ? { root: true } : { parent }),
      kind: "producer",
      attributes: { "order.ids": idsOf(held).join(","), "report.orders": held.length }
    })
  )
}

export const work = (deps: ReportLaneDeps) => (chatId: number, lane: Lane<Delivering>) =>
  Effect.gen(function*() {
    let failures = 0
    while (true) {
      const first = yield* lane.takeAll
      if (first.length === 0) return
      yield* deps.reports.ready(chatId)
      // What arrived while the chat waited for its turn goes in the same message.
      const items = [...first, ...(yield* lane.drain)]
      const messages = deps.reports.compose(items.map(reportOf))
      let failed: ReportFailed | undefined
      let sent = 0
      for (const message of messages) {
        if (sent > 0) yield* deps.reports.ready(chatId)
        const held = itemsIn(message, items)
        // A defect of the send is one more failure to wait out: the lane goes on, its orders stay in hand.
        const send = deps.reports.send(chatId, message).pipe(
          Effect.catchDefect((defect) => Effect.fail(new ReportFailed({ reason: "Unavailable", detail: String(defect) })))
        )
        const outcome = yield* Effect.result(traced(held, send))
        if (outcome._tag === "Failure") {
          failed = outcome.failure
          break
        }
        sent += 1
        yield* Metric.update(reportMessages, 1)
        if (!message.last) continue
        yield* persistently("a report", deps.steps.reported(idsOf(held)))
        yield* countStep("report", "delivered", held.length)
        yield* Metric.update(purchasesReported, held.length)
        for (const item of held) {
          item.reportSettled = true
          yield* deps.settled(item)
        }
      }
      if (failed === undefined) {
        failures = 0
        continue
      }
      const left = items.filter((item) => !item.reportSettled)
      yield* persistently("a failed report", deps.steps.reportFailed(idsOf(left), failed.detail, failed.permanent))
      yield* countStep("report", failed.reason, left.length)
      if (failed.permanent) {
        yield* Effect.logWarning("orders left undelivered", failed.message).pipe(Effect.annotateLogs({ orders: left.length }))
        for (const item of left) {
          item.reportSettled = true
          yield* deps.settled(item)
        }
        continue
      }
      failures += 1
      yield* Effect.logWarning("a report failed; trying again", failed.message).pipe(
        Effect.annotateLogs({ orders: left.length, failures })
      )
      yield* lane.putBack(left)
      yield* Effect.sleep(backoff(failures))
    }
  })
