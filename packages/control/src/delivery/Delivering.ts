/**
 * An order on its way, as the delivery's lanes share it: the ledger row, where its group reply stands and whether
 * its report was settled; the report the seller reads of it; the delivery's metrics; and the ledger writes that are
 * waited out through a database outage, never skipped.
 */
import { Duration, Effect, Metric, Schedule } from "effect"
import type { DatabaseError } from "../data/Database.ts"
import type { Order, ReplyState } from "../data/Orders.ts"
import { messageLink, type OrderReport } from "./OrderReports.ts"

export interface Delivering {
  readonly order: Order
  reply: ReplyState
  /** The report was sent, or given up as undelivered. */
  reportSettled: boolean
  /** The report was handed to the seller's lane (after the reply, or once the reply kept it waiting too long). */
  handedOver: boolean
}

export const delivering = (order: Order): Delivering => ({
  order,
  reply: order.replyState,
  reportSettled: order.reportState !== "pending",
  handedOver: false
})

/** Nothing left to do for the order in this process. */
export const isSettled = (item: Delivering): boolean => item.reportSettled && item.reply !== "pending" && item.reply !== "sending"

export const reportOf = (item: Delivering): OrderReport => ({
  orderId: item.order.id,
  revision: item.order.revision,
  groupTitle: item.order.groupTitle,
  customerName: item.order.customerName,
  link: messageLink(item.order.chatId, item.order.messageId),
  quote: item.order.quote,
  reply: item.reply
})

/** Orders reported to their sellers (each order once, however many orders shared its message). */
export const purchasesReported = Metric.counter("vigia_purchases_reported_total", {
  description: "Orders found in active groups and reported to their sellers",
  incremental: true
})

/** Delivery steps tried, by step (`report`, `reply`) and outcome (`delivered`, or the failure's reason). */
export const deliveries = Metric.counter("vigia_order_deliveries_total", {
  description: "Order delivery steps tried, by step and outcome",
  incremental: true
})

/** Messages the reports went out in: fewer than the orders when several waited for one seller. */
export const reportMessages = Metric.counter("vigia_report_messages_total", {
  description: "Bot messages carrying order reports",
  incremental: true
})

/** Orders in the ledger still to deliver, or given up, by state. */
export const ordersByState = Metric.gauge("vigia_orders", {
  description: "Orders whose report is pending or undelivered, and whose group reply is pending"
})

export const countStep = (step: "report" | "reply", outcome: string, count = 1) =>
  Metric.update(Metric.withAttributes(deliveries, { step, outcome }), count)

/** A ledger write that must happen before the delivery goes on: retried until PostgreSQL takes it. */
export const persistently = <A>(what: string, write: Effect.Effect<A, DatabaseError>): Effect.Effect<A> =>
  write.pipe(
    Effect.tapError((error) => Effect.logWarning(`the order ledger could not record ${what}; retrying`, error.message)),
    Effect.retry(
      Schedule.exponential("200 millis").pipe(
        Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, Duration.seconds(10))))
      )
    ),
    Effect.orDie
  )
