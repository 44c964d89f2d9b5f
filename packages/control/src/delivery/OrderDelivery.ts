/**
 * The transactional outbox of the order ledger: every order recorded gets its group reply (at most once) and its
 * seller's report (exactly once), each a step marked in the ledger. A new order is delivered at once by the process
 * that recorded it, under its lease; a periodic scan renews the leases held and takes over the orders whose lease
 * ran out (their process died), so a crash anywhere resumes from the ledger.
 */
import type { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { Config, Context, Duration, Effect, Layer, Metric, Schedule } from "effect"
import * as Crypto from "node:crypto"
import type { Lease, Order } from "../data/Orders.ts"
import { OrderSteps } from "../data/OrderSteps.ts"
import { SessionGateway } from "../sessions/SessionGateway.ts"
import { type Delivering, delivering, isSettled, ordersByState, persistently } from "./Delivering.ts"
import * as Lanes from "./Lanes.ts"
import { OrderReports } from "./OrderReports.ts"
import * as ReplyLane from "./ReplyLane.ts"
import * as ReportLane from "./ReportLane.ts"

export interface OrderDeliveryOptions {
  /** How long an order's delivery stays with the process that took it, unless renewed (a third of it apart). */
  readonly lease: Duration.Duration
}

/** How long a report waits for its group reply, so it can say the reply was posted; then it goes anyway. */
const replyGrace = Duration.seconds(3)
/** Orders taken over per scan. */
const takeOverBatch = 200

export class OrderDelivery extends Context.Service<OrderDelivery, {
  /** The lease a new order is recorded under: this process's, which delivers it without reading it back. */
  readonly lease: Lease
  /** Delivers an order this process just recorded. */
  readonly submit: (order: Order) => Effect.Effect<void>
}>()("@vigia/control/delivery/OrderDelivery") {
  static readonly layer = (options: OrderDeliveryOptions) => Layer.effect(OrderDelivery, make(options))

  static readonly layerConfig = (config: Config.Wrap<OrderDeliveryOptions>) =>
    Layer.effect(OrderDelivery, Effect.flatMap(Config.unwrap(config), make))
}

const make = Effect.fnUntraced(function*(options: OrderDeliveryOptions) {
  const steps = yield* OrderSteps
  const reports = yield* OrderReports
  const gateway = yield* SessionGateway
  const scope = yield* Effect.scope
  const lease: Lease = { owner: Crypto.randomUUID(), duration: options.lease }
  /** Orders this process is delivering, by id: the scan leaves them alone and renews their leases. */
  const inFlight = new Map<number, Delivering>()

  // A clean stop gives the orders in hand back at once, instead of when their lease runs out; it runs once the
  // lanes below have stopped, so nothing is sent after another process could have taken the order.
  yield* Effect.addFinalizer(() =>
    steps.release(lease.owner).pipe(
      Effect.catch((error) => Effect.logWarning("the order delivery's leases could not be given back", error.message))
    )
  )

  const settled = (item: Delivering) =>
    Effect.sync(() => {
      if (isSettled(item)) inFlight.delete(item.order.id)
    })

  const reportLanes = yield* Lanes.make(ReportLane.work({ steps, reports, settled }))

  const handOver = (item: Delivering) =>
    Effect.suspend(() => {
      if (item.handedOver || item.reportSettled) return settled(item)
      item.handedOver = true
      return reportLanes.offer(item.order.sellerChatId, item)
    })

  const replyLanes = yield* Lanes.make<PhoneNumber, Delivering>(ReplyLane.work({ steps, gateway, repliedOrWaiting: handOver }))

  const dispatch = Effect.fnUntraced(function*(order: Order) {
    if (inFlight.has(order.id)) return
    const item = delivering(order)
    inFlight.set(order.id, item)
    if (item.reply === "sending") {
      // Taken over from a process that died while posting it: it may be in the group already, so it is not posted again.
      yield* persistently("an interrupted group reply", steps.replyFailed(order.id, "Interrupted"))
      item.reply = "failed"
    }
    if (item.reply !== "pending") return yield* handOver(item)
    yield* replyLanes.offer(order.phoneNumber, item)
    if (!item.reportSettled) yield* Effect.forkIn(Effect.delay(handOver(item), replyGrace), scope)
  })

  // The scan: leases renewed, orders of dead processes taken over, the gauges sampled.
  const scan = Effect.gen(function*() {
    if (inFlight.size > 0) yield* steps.renew(lease, [...inFlight.keys()])
    const taken = yield* steps.takeExpired(lease, takeOverBatch)
    if (taken.length > 0) yield* Effect.logInfo("taking over orders to deliver", { orders: taken.length })
    yield* Effect.forEach(taken, dispatch, { discard: true })
    const backlog = yield* steps.backlog
    yield* Metric.update(Metric.withAttributes(ordersByState, { state: "pending" }), backlog.pending)
    yield* Metric.update(Metric.withAttributes(ordersByState, { state: "undelivered" }), backlog.undelivered)
    yield* Metric.update(Metric.withAttributes(ordersByState, { state: "reply-pending" }), backlog.repliesPending)
  }).pipe(Effect.catch((error) => Effect.logWarning("the order delivery's scan failed; it runs again shortly", error.message)))

  const interval = Duration.max(Duration.divideUnsafe(options.lease, 3), Duration.millis(500))
  yield* scan.pipe(Effect.repeat(Schedule.spaced(interval)), Effect.forkScoped)

  return OrderDelivery.of({ lease, submit: dispatch })
})
