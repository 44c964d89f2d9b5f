/**
 * The order ledger's delivery steps, as the outbox moves them on: leases taken over, renewed and given back, and
 * each step marked (a report sent or failed, a group reply about to be posted, posted, failed or put off).
 */
import { Context, Duration, Effect, Exit, Layer, Request, RequestResolver, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import { type DeliveryBacklog, type Lease, leaseEndOf, Order } from "./Orders.ts"

const decodeOrders = Schema.decodeUnknownEffect(Schema.Array(Order))

/** Orders whose report Telegram took, to mark together with the others of the same moment. */
class Reported extends Request.Class<{ readonly ids: ReadonlyArray<number> }, void, DatabaseError> {}

/** How long a mark waits for others to go with it. */
const markWindow = Duration.millis(2)
const decodeBacklog = Schema.decodeUnknownEffect(
  Schema.Struct({ pending: SafeIntFromInt8, undelivered: SafeIntFromInt8, repliesPending: SafeIntFromInt8 })
)

export class OrderSteps extends Context.Service<OrderSteps, {
  /** Takes up to `limit` orders with a step to do whose lease expired (another process died), under `lease`. */
  readonly takeExpired: (lease: Lease, limit: number) => Effect.Effect<ReadonlyArray<Order>, DatabaseError>
  /** Extends the leases `lease.owner` holds on these orders, if they still have a step to do. */
  readonly renew: (lease: Lease, ids: ReadonlyArray<number>) => Effect.Effect<void, DatabaseError>
  /** Gives up the leases of `owner` (a clean stop), so another process takes the orders at once. */
  readonly release: (owner: string) => Effect.Effect<void, DatabaseError>
  readonly reported: (ids: ReadonlyArray<number>) => Effect.Effect<void, DatabaseError>
  /** A failed report: counted with its reason; `permanent` leaves the orders undelivered. */
  readonly reportFailed: (ids: ReadonlyArray<number>, reason: string, permanent: boolean) => Effect.Effect<void, DatabaseError>
  /** Marked before the group reply is posted: a crash after this never posts it again. */
  readonly replying: (id: number) => Effect.Effect<void, DatabaseError>
  readonly replied: (id: number) => Effect.Effect<void, DatabaseError>
  readonly replyFailed: (id: number, reason: string) => Effect.Effect<void, DatabaseError>
  /** The reply was not posted and may be, after `notBefore` (a flood wait). */
  readonly replyDeferred: (id: number, notBefore: Date, reason: string) => Effect.Effect<void, DatabaseError>
  /** Orders still to deliver, or given up, by state. */
  readonly backlog: Effect.Effect<DeliveryBacklog, DatabaseError>
}>()("@vigia/control/data/OrderSteps") {
  static readonly layer = Layer.effect(
    OrderSteps,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const leaseEnd = leaseEndOf(sql)
      const due = sql`(report_state = 'pending' OR reply_state IN ('pending', 'sending'))`

      const takeExpired = Effect.fn("Orders.takeExpired")(function*(lease: Lease, limit: number) {
        return yield* decodeOrders(
          yield* sql`
            UPDATE orders SET lease_owner = ${lease.owner}, lease_until = ${leaseEnd(lease)}
            WHERE id IN (
              SELECT id FROM orders
              WHERE ${due} AND (lease_until IS NULL OR lease_until < now())
              ORDER BY lease_until NULLS FIRST, id
              LIMIT ${limit}
              FOR UPDATE SKIP LOCKED
            )
            RETURNING *`
        )
      }, orDatabaseError)

      const renew = Effect.fn("Orders.renew")(function*(lease: Lease, ids: ReadonlyArray<number>) {
        yield* sql`
          UPDATE orders SET lease_until = ${leaseEnd(lease)}
          WHERE id = ANY(${ids}::bigint[]) AND lease_owner = ${lease.owner} AND ${due}`
      }, orDatabaseError)

      const release = Effect.fn("Orders.release")(function*(owner: string) {
        yield* sql`UPDATE orders SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ${owner} AND ${due}`
      }, orDatabaseError)

      // Reports marked within a few milliseconds of each other, by any seller's lane, are one UPDATE.
      const markReported = RequestResolver.make<Reported>((entries) =>
        sql`
          UPDATE orders SET report_state = 'reported', reported_at = now()
          WHERE ${sql.in("id", entries.flatMap((entry) => entry.request.ids))}`.pipe(
          orDatabaseError,
          Effect.exit,
          Effect.map((exit) => entries.forEach((entry) => entry.completeUnsafe(Exit.asVoid(exit))))
        )
      ).pipe(RequestResolver.setDelay(markWindow))

      const reported = Effect.fn("Orders.reported")(function*(ids: ReadonlyArray<number>) {
        yield* Effect.request(new Reported({ ids }), markReported)
      })

      const reportFailed = Effect.fn("Orders.reportFailed")(function*(ids: ReadonlyArray<number>, reason: string, permanent: boolean) {
        yield* sql`
          UPDATE orders SET report_attempts = report_attempts + 1, report_failure = ${reason}, report_failed_at = now(),
            report_state = CASE WHEN ${permanent} THEN 'undelivered' ELSE report_state END
          WHERE ${sql.in("id", ids)}`
      }, orDatabaseError)

      const replying = Effect.fn("Orders.replying")(function*(id: number) {
        yield* sql`UPDATE orders SET reply_state = 'sending', reply_attempts = reply_attempts + 1 WHERE id = ${id}`
      }, orDatabaseError)

      const replied = Effect.fn("Orders.replied")(function*(id: number) {
        yield* sql`UPDATE orders SET reply_state = 'sent', replied_in_group_at = now() WHERE id = ${id}`
      }, orDatabaseError)

      const replyFailed = Effect.fn("Orders.replyFailed")(function*(id: number, reason: string) {
        yield* sql`
          UPDATE orders SET reply_state = 'failed', reply_failure = ${reason}, reply_failed_at = now() WHERE id = ${id}`
      }, orDatabaseError)

      const replyDeferred = Effect.fn("Orders.replyDeferred")(function*(id: number, notBefore: Date, reason: string) {
        yield* sql`
          UPDATE orders SET reply_state = 'pending', reply_not_before = ${notBefore}, reply_failure = ${reason},
            reply_failed_at = now()
          WHERE id = ${id}`
      }, orDatabaseError)

      const backlog = Effect.gen(function*() {
        const [row] = yield* sql`
          SELECT count(*) FILTER (WHERE report_state = 'pending') AS pending,
            count(*) FILTER (WHERE report_state = 'undelivered') AS undelivered,
            count(*) FILTER (WHERE reply_state IN ('pending', 'sending')) AS replies_pending
          FROM orders WHERE report_state IN ('pending', 'undelivered') OR reply_state IN ('pending', 'sending')`
        return yield* decodeBacklog(row)
      }).pipe(orDatabaseError, Effect.withSpan("Orders.backlog"))

      return OrderSteps.of({
        takeExpired,
        renew,
        release,
        reported,
        reportFailed,
        replying,
        replied,
        replyFailed,
        replyDeferred,
        backlog
      })
    })
  )
}
