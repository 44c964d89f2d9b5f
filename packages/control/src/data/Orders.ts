/**
 * The order ledger: one row per order revision, written in the one statement that claims the message, with the
 * state of each delivery step (the seller's report, the group reply), their failures, and the outbox's lease; the
 * context a group message is read in. `OrderSteps` moves the steps on.
 */
import { PhoneNumber } from "@vigia/domain/PhoneNumber"
import { FeatureOverrides, Plan } from "@vigia/domain/Plan"
import { Quote } from "@vigia/domain/Quote"
import { Context, Duration, Effect, Layer, Option, Schema } from "effect"
import { SqlClient, type Statement } from "effect/sql"
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
  isActive: Schema.NullOr(Schema.Boolean),
  /** A digest of everything above: another stamp, another context. */
  stamp: Schema.String
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

const decodeWritten = Schema.decodeUnknownEffect(Schema.Array(Schema.Struct({ id: SafeIntFromInt8, revision: Schema.Int })))
const decodeWrittenColumns = Schema.decodeUnknownEffect(
  Schema.Struct({ writtenId: Schema.NullOr(SafeIntFromInt8), writtenRevision: Schema.NullOr(Schema.Int) })
)
const decodeContext = Schema.decodeUnknownEffect(OrderContext)
const encodeQuote = Schema.encodeEffect(Quote)
const decodeCount = Schema.decodeUnknownEffect(Schema.Struct({ count: SafeIntFromInt8 }))

/** `now() + lease`, on PostgreSQL's clock, which every process shares. */
export const leaseEndOf = (sql: SqlClient.SqlClient) => (lease: Lease) =>
  sql`now() + ${Duration.toMillis(lease.duration)} * interval '1 millisecond'`

/** The context's columns, and its stamp: a digest of all of them, which changes when any of them does. */
const contextOf = (sql: SqlClient.SqlClient, phone: PhoneNumber, chatId: number) =>
  sql`
    SELECT s.user_id, u.telegram_user_id AS seller_chat_id, u.price_table_version,
      g.group_id IS NOT NULL AS group_active, g.title AS group_title, coalesce(g.auto_reply, false) AS auto_reply,
      sub.plan, sub.feature_overrides, sub.expires_at, sub.is_active,
      md5(row(s.user_id, u.telegram_user_id, u.price_table_version, g.group_id, g.title, g.auto_reply, sub.plan,
        sub.feature_overrides, sub.expires_at, sub.is_active)::text) AS stamp
    FROM sessions s
    JOIN users u ON u.id = s.user_id
    LEFT JOIN active_groups g ON g.user_id = s.user_id AND g.group_id = ${chatId}
    LEFT JOIN subscriptions sub ON sub.user_id = s.user_id
    WHERE s.phone_number = ${phone}`

/** The row just written, from what was written: only its id and revision come back from PostgreSQL. */
const rowOf = (order: NewOrder, id: number, revision: number) =>
  new Order({
    id,
    userId: order.userId,
    phoneNumber: order.phoneNumber,
    chatId: order.chatId,
    messageId: order.messageId,
    revision,
    sellerChatId: order.sellerChatId,
    groupTitle: order.groupTitle,
    customerName: order.customerName,
    quote: order.quote,
    reportState: "pending",
    replyState: order.replyText === null ? "none" : "pending",
    replyText: order.replyText,
    replyNotBefore: null,
    traceParent: order.traceParent
  })

export class Orders extends Context.Service<Orders, {
  /** What a message in `chatId` seen by the account `phone` is read against; none for an account with no session. */
  readonly context: (phone: PhoneNumber, chatId: number) => Effect.Effect<Option.Option<OrderContext>, DatabaseError>
  /** Claims the message and records the order under `lease`: the row, or none when it was recorded already. */
  readonly record: (order: NewOrder, lease: Lease) => Effect.Effect<Option.Option<Order>, DatabaseError>
  /**
   * `record` in the same statement as reading the context again, for an order read in a context held from earlier:
   * recorded only while the context still has `stamp` (else nothing is written). Answers the context as it is now,
   * and the row (none when the context changed, or the order was recorded already).
   */
  readonly recordIfUnchanged: (order: NewOrder, lease: Lease, stamp: string) => Effect.Effect<{
    readonly context: Option.Option<OrderContext>
    readonly written: Option.Option<Order>
  }, DatabaseError>
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
        const [row] = yield* contextOf(sql, phone, chatId)
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

      const written = (order: NewOrder, rows: ReadonlyArray<unknown>) =>
        Effect.map(decodeWritten(rows), ([row]) =>
          Option.map(Option.fromUndefinedOr(row), ({ id, revision }) => rowOf(order, id, revision)))

      /** Inserts the order as its first revision, with the rows of `source` (one, or none to write nothing). */
      const insert = (v: Effect.Success<ReturnType<typeof values>>, source: Statement.Fragment) =>
        sql`
          INSERT INTO orders (
            user_id, phone_number, chat_id, message_id, revision, seller_chat_id, group_title, customer_id,
            customer_name, text, quote, total_centavos, received_at, report_state, reply_state, reply_text,
            lease_owner, lease_until, trace_parent
          )
          SELECT ${v.userId}, ${v.phone}, ${v.chatId}, ${v.messageId}, 0, ${v.sellerChatId}, ${v.groupTitle},
            ${v.customerId}, ${v.customerName}, ${v.text}, ${v.quote}::json, ${v.total}, now(), 'pending',
            ${v.replyState}, ${v.replyText}, ${v.owner}, ${v.leaseUntil}, ${v.traceParent}
          ${source}
          ON CONFLICT DO NOTHING
          RETURNING id, revision`

      const record = Effect.fn("Orders.record")(function*(order: NewOrder, lease: Lease) {
        return yield* written(order, yield* insert(yield* values(order, lease), sql``))
      }, orDatabaseError)

      const recordIfUnchanged = Effect.fn("Orders.recordIfUnchanged")(function*(order: NewOrder, lease: Lease, stamp: string) {
        const v = yield* values(order, lease)
        const [row] = yield* sql`
          WITH context AS (${contextOf(sql, v.phone, v.chatId)}),
          written AS (${insert(v, sql`FROM context WHERE context.stamp = ${stamp}`)})
          SELECT context.*, written.id AS written_id, written.revision AS written_revision
          FROM context LEFT JOIN written ON true`
        if (row === undefined) return { context: Option.none(), written: Option.none() }
        const fresh = yield* decodeContext(row)
        const { writtenId, writtenRevision } = yield* decodeWrittenColumns(row)
        return {
          context: Option.some(fresh),
          written: fresh.stamp !== stamp || writtenId === null
            ? Option.none()
            : Option.some(rowOf(order, writtenId, writtenRevision ?? 0))
        }
      }, orDatabaseError)

      const recordRevision = Effect.fn("Orders.recordRevision")(function*(order: NewRevision, lease: Lease) {
        const v = yield* values({ ...order, replyText: null }, lease)
        return yield* written({ ...order, replyText: null }, yield* sql`
            INSERT INTO orders (
              user_id, phone_number, chat_id, message_id, revision, edit_date, seller_chat_id, group_title, customer_id,
              customer_name, text, quote, total_centavos, received_at, report_state, reply_state, lease_owner,
              lease_until, trace_parent
            )
            SELECT ${v.userId}, ${v.phone}, ${v.chatId}, ${v.messageId}, coalesce(max(o.revision) + 1, 0), ${order.editDate},
              ${v.sellerChatId}, ${v.groupTitle}, ${v.customerId}, ${v.customerName}, ${v.text}, ${v.quote}::json,
              ${v.total}, now(), 'pending', 'none', ${v.owner}, ${v.leaseUntil}, ${v.traceParent}
            FROM orders o
            WHERE o.user_id = ${v.userId} AND o.chat_id = ${v.chatId} AND o.message_id = ${v.messageId}
            HAVING (${order.isOrder} OR count(*) > 0)
              AND coalesce((array_agg(o.text ORDER BY o.revision DESC))[1] <> ${v.text}, true)
            ON CONFLICT DO NOTHING
            RETURNING id, revision`)
      }, orDatabaseError)

      const undelivered = Effect.fn("Orders.undelivered")(function*(userId: UserId) {
        const [row] = yield* sql`
          SELECT count(DISTINCT (chat_id, message_id)) AS count FROM orders
          WHERE user_id = ${userId} AND report_state = 'undelivered'`
        return (yield* decodeCount(row)).count
      }, orDatabaseError)

      return Orders.of({ context, record, recordIfUnchanged, recordRevision, undelivered })
    })
  )
}
