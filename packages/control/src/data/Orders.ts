/**
 * The order ledger: one row per order revision, written in the one statement that claims the message, with the
 * state of each delivery step (the seller's report, the group reply), their failures, and the outbox's lease; the
 * context a group message is read in. `OrderSteps` moves the steps on.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { FeatureOverrides, Plan } from "@vigia/domain/Plan"
import { Quote } from "@vigia/domain/Quote"
import { Context, Duration, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import { UserId } from "./UserId.ts"

export const ReportState = Schema.Literals(["pending", "reported", "undelivered", "carried-over"])
export type ReportState = typeof ReportState.Type

export const ReplyState = Schema.Literals(["none", "pending", "sending", "sent", "failed"])
export type ReplyState = typeof ReplyState.Type

/** A ledger row, as the delivery reads it. */
export class Order extends Schema.Class<Order>("@vigia/control/data/Order")({
  id: SafeIntFromInt8,
  userId: UserId,
  phoneNumber: PhoneNumber,
  /** The group and the customer's message in it. */
  chatId: SafeIntFromInt8,
  messageId: SafeIntFromInt8,
  /** 0 for the order as first written, then one more per edit. */
  revision: Schema.Int,
  /** The seller's private chat with the bot, where the report goes. */
  sellerChatId: SafeIntFromInt8,
  groupTitle: Schema.String,
  customerName: Schema.String,
  quote: Quote,
  reportState: ReportState,
  replyState: ReplyState,
  /** The quote as posted in the group: its priced lines only. */
  replyText: Schema.NullOr(Schema.String),
  replyNotBefore: Schema.NullOr(Schema.Date),
  /** The W3C `traceparent` of the order's trace. */
  traceParent: Schema.NullOr(Schema.String)
}) {}

/** Who a group message is an order for: the account's seller, the group if active, their plan, their table. */
export class OrderContext extends Schema.Class<OrderContext>("@vigia/control/data/OrderContext")({
  userId: UserId,
  sellerChatId: SafeIntFromInt8,
  priceTableVersion: Schema.Int,
  groupActive: Schema.Boolean,
  groupTitle: Schema.NullOr(Schema.String),
  autoReply: Schema.Boolean,
  /** The seller's subscription (none: free). */
  plan: Schema.NullOr(Plan),
  featureOverrides: Schema.NullOr(FeatureOverrides),
  expiresAt: Schema.NullOr(Schema.Date),
  isActive: Schema.NullOr(Schema.Boolean)
}) {}

/** An order (or an edit of one) to record. */
export interface NewOrder {
  readonly userId: UserId
  readonly phoneNumber: PhoneNumber
  readonly chatId: number
  readonly messageId: number
  readonly sellerChatId: number
  readonly groupTitle: string
  readonly customerId: number
  readonly customerName: string
  readonly text: string
  readonly quote: Quote
  /** The group reply to post (automatic replies); none when no reply is due. */
  readonly replyText: string | null
  readonly traceParent: string | null
}

/** An edit of a message, recorded as the next revision of its order. */
export interface NewRevision extends NewOrder {
  /** TDLib's `edit_date`: an edit delivered twice is recorded once. */
  readonly editDate: number
  /** Whether the new text is an order: an edit that is not one is recorded only over an earlier revision. */
  readonly isOrder: boolean
}

/** Whose lease a row is under, and for how long from now. */
export interface Lease {
  readonly owner: string
  readonly duration: Duration.Duration
}

/** Orders still to deliver, by state (for the gauge). */
export interface DeliveryBacklog {
  readonly pending: number
  readonly undelivered: number
  readonly repliesPending: number
}

const decodeOrders = Schema.decodeUnknownEffect(Schema.Array(Order))
const decodeContext = Schema.decodeUnknownEffect(OrderContext)
const encodeQuote = Schema.encodeEffect(Quote)
const decodeCount = Schema.decodeUnknownEffect(Schema.Struct({ count: SafeIntFromInt8 }))

/** `now() + lease`, on PostgreSQL's clock, which every process shares. */
export const leaseEndOf = (sql: SqlClient.SqlClient) => (lease: Lease) =>
  sql`now() + ${Duration.toMillis(lease.duration)} * interval '1 millisecond'`

export class Orders extends Context.Service<Orders, {
  /** What a message in `chatId` seen by the account `phone` is read against; none for an account with no session. */
  readonly context: (phone: PhoneNumber, chatId: number) => Effect.Effect<Option.Option<OrderContext>, DatabaseError>
  /** Claims the message and records the order under `lease`: the row, or none when it was recorded already. */
  readonly record: (order: NewOrder, lease: Lease) => Effect.Effect<Option.Option<Order>, DatabaseError>
  /** Records an edit as the next revision: the row, or none (the same edit again, the same text, or no order). */
  readonly recordRevision: (order: NewRevision, lease: Lease) => Effect.Effect<Option.Option<Order>, DatabaseError>
  /** How many of the seller's orders (revisions of one message count once) could not be reported to them. */
  readonly undelivered: (userId: UserId) => Effect.Effect<number, DatabaseError>
}>()("@vigia/control/data/Orders") {
  static readonly layer = Layer.effect(
    Orders,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const leaseEnd = leaseEndOf(sql)

      const context = Effect.fn("Orders.context")(function*(phone: PhoneNumber, chatId: number) {
        const [row] = yield* sql`
          SELECT s.user_id, u.telegram_user_id AS seller_chat_id, u.price_table_version,
            g.group_id IS NOT NULL AS group_active, g.title AS group_title, coalesce(g.auto_reply, false) AS auto_reply,
            sub.plan, sub.feature_overrides, sub.expires_at, sub.is_active
          FROM sessions s
          JOIN users u ON u.id = s.user_id
          LEFT JOIN active_groups g ON g.user_id = s.user_id AND g.group_id = ${chatId}
          LEFT JOIN subscriptions sub ON sub.user_id = s.user_id
          WHERE s.phone_number = ${phone}`
        return row === undefined ? Option.none() : Option.some(yield* decodeContext(row))
      }, orDatabaseError)

      const values = Effect.fnUntraced(function*(order: NewOrder, lease: Lease) {
        return {
          userId: order.userId,
          phone: order.phoneNumber,
          chatId: order.chatId,
          messageId: order.messageId,
          sellerChatId: order.sellerChatId,
          groupTitle: order.groupTitle,
          customerId: order.customerId,
          customerName: order.customerName,
          text: order.text,
          quote: JSON.stringify(yield* encodeQuote(order.quote)),
          total: order.quote.total,
          replyState: order.replyText === null ? "none" : "pending",
          replyText: order.replyText,
          owner: lease.owner,
          leaseUntil: leaseEnd(lease),
          traceParent: order.traceParent
        }
      })

      const record = Effect.fn("Orders.record")(function*(order: NewOrder, lease: Lease) {
        const v = yield* values(order, lease)
        return Option.fromUndefinedOr((yield* decodeOrders(
          yield* sql`
            INSERT INTO orders (
              user_id, phone_number, chat_id, message_id, revision, seller_chat_id, group_title, customer_id,
              customer_name, text, quote, total_centavos, received_at, report_state, reply_state, reply_text,
              lease_owner, lease_until, trace_parent
            ) VALUES (
              ${v.userId}, ${v.phone}, ${v.chatId}, ${v.messageId}, 0, ${v.sellerChatId}, ${v.groupTitle}, ${v.customerId},
              ${v.customerName}, ${v.text}, ${v.quote}::jsonb, ${v.total}, now(), 'pending', ${v.replyState}, ${v.replyText},
              ${v.owner}, ${v.leaseUntil}, ${v.traceParent}
            )
            ON CONFLICT DO NOTHING
            RETURNING *`
        ))[0])
      }, orDatabaseError)

      const recordRevision = Effect.fn("Orders.recordRevision")(function*(order: NewRevision, lease: Lease) {
        const v = yield* values({ ...order, replyText: null }, lease)
        return Option.fromUndefinedOr((yield* decodeOrders(
          yield* sql`
            INSERT INTO orders (
              user_id, phone_number, chat_id, message_id, revision, edit_date, seller_chat_id, group_title, customer_id,
              customer_name, text, quote, total_centavos, received_at, report_state, reply_state, lease_owner,
              lease_until, trace_parent
            )
            SELECT ${v.userId}, ${v.phone}, ${v.chatId}, ${v.messageId}, coalesce(max(o.revision) + 1, 0), ${order.editDate},
              ${v.sellerChatId}, ${v.groupTitle}, ${v.customerId}, ${v.customerName}, ${v.text}, ${v.quote}::jsonb,
              ${v.total}, now(), 'pending', 'none', ${v.owner}, ${v.leaseUntil}, ${v.traceParent}
            FROM orders o
            WHERE o.user_id = ${v.userId} AND o.chat_id = ${v.chatId} AND o.message_id = ${v.messageId}
            HAVING (${order.isOrder} OR count(*) > 0)
              AND coalesce((array_agg(o.text ORDER BY o.revision DESC))[1] <> ${v.text}, true)
            ON CONFLICT DO NOTHING
            RETURNING *`
        ))[0])
      }, orDatabaseError)

      const undelivered = Effect.fn("Orders.undelivered")(function*(userId: UserId) {
        const [row] = yield* sql`
          SELECT count(DISTINCT (chat_id, message_id)) AS count FROM orders
          WHERE user_id = ${userId} AND report_state = 'undelivered'`
        return (yield* decodeCount(row)).count
      }, orDatabaseError)

      return Orders.of({ context, record, recordRevision, undelivered })
    })
  )
}
