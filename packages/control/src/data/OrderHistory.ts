/**
 * The seller's memory of their orders (`/pedidos`, `/exportar`): each message's latest revision, over calendar days
 * in the seller's time zone; the claims carried over from the first version (no content) and messages edited into
 * something that is no order are left out.
 */
import { Quote } from "@vigia/domain/Quote"
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import { ReportState } from "./Orders.ts"
import type { UserId } from "./UserId.ts"

/** Calendar days, both included, as `YYYY-MM-DD`, read in `timeZone` (an IANA name such as `America/Sao_Paulo`). */
export interface Period {
  readonly first: string
  readonly last: string
  readonly timeZone: string
}

/** An order as its seller looks back at it: its latest revision, at the time it first arrived. */
export class PastOrder extends Schema.Class<PastOrder>("@vigia/control/data/PastOrder")({
  /** The group and the customer's message in it (TDLib's id). */
  chatId: SafeIntFromInt8,
  messageId: SafeIntFromInt8,
  groupTitle: Schema.String,
  customerName: Schema.String,
  quote: Quote,
  /** Whether the report reached the seller (`undelivered`: they had blocked the bot). */
  reportState: ReportState,
  /** When the order first arrived (an edit keeps it on its day). */
  orderedAt: Schema.Date
}) {}

const decodeOrders = Schema.decodeUnknownEffect(Schema.Array(PastOrder))

export class OrderHistory extends Context.Service<OrderHistory, {
  /** The seller's orders that arrived within `period`, oldest first. */
  readonly list: (userId: UserId, period: Period) => Effect.Effect<ReadonlyArray<PastOrder>, DatabaseError>
}>()("@vigia/control/data/OrderHistory") {
  static readonly layer = Layer.effect(
    OrderHistory,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const list = Effect.fn("OrderHistory.list")(function*(userId: UserId, period: Period) {
        const from = sql`(${period.first}::date)::timestamp AT TIME ZONE ${period.timeZone}`
        const until = sql`(${period.last}::date + 1)::timestamp AT TIME ZONE ${period.timeZone}`
        // The messages with a revision in the period (by the history index), then all of their revisions: an order
        // belongs to the day it first arrived, with what its latest revision says.
        return yield* decodeOrders(
          yield* sql`
            WITH touched AS (
              SELECT DISTINCT chat_id, message_id FROM orders
              WHERE user_id = ${userId} AND report_state <> 'carried-over'
                AND received_at >= ${from} AND received_at < ${until}
            ),
            revisions AS (
              SELECT o.chat_id, o.message_id, o.group_title, o.customer_name, o.quote, o.report_state, o.id,
                min(o.received_at) OVER (PARTITION BY o.chat_id, o.message_id) AS ordered_at,
                row_number() OVER (PARTITION BY o.chat_id, o.message_id ORDER BY o.revision DESC) AS recency
              FROM orders o JOIN touched t ON t.chat_id = o.chat_id AND t.message_id = o.message_id
              WHERE o.user_id = ${userId} AND o.report_state <> 'carried-over'
            )
            SELECT chat_id, message_id, group_title, customer_name, quote, report_state, ordered_at FROM revisions
            WHERE recency = 1 AND ordered_at >= ${from} AND ordered_at < ${until}
              AND json_array_length(quote -> 'priced') + json_array_length(quote -> 'unmatched') > 0
            ORDER BY ordered_at, id`
        )
      }, orDatabaseError)

      return OrderHistory.of({ list })
    })
  )
}
