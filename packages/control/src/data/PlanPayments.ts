/**
 * Plans bought in the bot with Telegram Stars: the invoices sent (what a payment must match), and the payments
 * received, one row per Telegram charge id, so a payment delivered twice is credited once; crediting extends the
 * seller's plan and a refund takes its period off again, each in one transaction with its audit entry.
 */
import { Context, DateTime, Duration, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { AuditLog } from "./AuditLog.ts"
import { DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import { type Subscription, type SubscriptionError, Subscriptions } from "./Subscriptions.ts"
import { UserId } from "./UserId.ts"

/** The plans sold in the bot. */
export const PaidPlan = Schema.Literals(["basic", "premium"])
export type PaidPlan = typeof PaidPlan.Type

export class Invoice extends Schema.Class<Invoice>("@vigia/control/data/Invoice")({
  id: Schema.String,
  userId: UserId,
  plan: PaidPlan,
  days: Schema.Int,
  stars: Schema.Int,
  createdAt: Schema.Date
}) {}

export const PaymentStatus = Schema.Literals(["credited", "unmatched", "refunded"])

export class StarPayment extends Schema.Class<StarPayment>("@vigia/control/data/StarPayment")({
  chargeId: Schema.String,
  invoiceId: Schema.NullOr(Schema.String),
  userId: Schema.NullOr(UserId),
  telegramUserId: SafeIntFromInt8,
  /** `null`: the payment matched no invoice of ours. */
  plan: Schema.NullOr(PaidPlan),
  days: Schema.NullOr(Schema.Int),
  stars: Schema.Int,
  status: PaymentStatus,
  paidAt: Schema.Date,
  refundedAt: Schema.NullOr(Schema.Date)
}) {}

const decodeInvoice = Schema.decodeUnknownEffect(Invoice)
const decodePayment = Schema.decodeUnknownEffect(StarPayment)

const payloadPrefix = "vigia-plan:"
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** What an invoice carries to Telegram and back (at most 128 bytes): names the invoice, nothing else. */
export const payloadOf = (invoice: Invoice): string => `${payloadPrefix}${invoice.id}`

/** The invoice a payload names, if it is one of ours. */
export const invoiceIdOf = (payload: string): string | undefined => {
  const id = payload.startsWith(payloadPrefix) ? payload.slice(payloadPrefix.length) : ""
  return uuidPattern.test(id) ? id : undefined
}

/** A `successful_payment` as Telegram delivered it. */
export interface ReceivedPayment {
  readonly chargeId: string
  readonly telegramUserId: number
  readonly payload: string
  readonly currency: string
  readonly amount: number
}

/** What receiving a payment did. */
export type Receipt =
  /** The plan was extended by the invoice's period. */
  | { readonly _tag: "Credited"; readonly payment: StarPayment; readonly subscription: Subscription }
  /** Recorded, but it matches no invoice of this payer (or not its amount): it is to be given back. */
  | { readonly _tag: "Unmatched"; readonly payment: StarPayment }
  /** This charge was received before: nothing was done again. */
  | { readonly _tag: "Duplicate"; readonly payment: StarPayment }

/** What recording a refund did. */
export type RefundRecord =
  | { readonly _tag: "Refunded"; readonly payment: StarPayment; readonly planShortened: boolean; readonly subscription: Subscription | null }
  | { readonly _tag: "AlreadyRefunded"; readonly payment: StarPayment }
  | { readonly _tag: "NotFound" }

/**
 * Who gave a payment back: an administrator (their Telegram id), the bot for a payment it could not match, or Telegram
 * (a `refunded_payment` the bot did not ask for).
 */
export type RefundedBy = { readonly admin: number } | "automatic" | "telegram"

export class PlanPayments extends Context.Service<PlanPayments, {
  readonly createInvoice: (
    userId: UserId,
    order: { readonly plan: PaidPlan; readonly days: number; readonly stars: number }
  ) => Effect.Effect<Invoice, DatabaseError>
  readonly findInvoice: (id: string) => Effect.Effect<Option.Option<Invoice>, DatabaseError>
  /** Whether a payment for the invoice was received (and not given back). */
  readonly isPaid: (invoiceId: string) => Effect.Effect<boolean, DatabaseError>
  /** Records a payment once per charge id and, when it matches its invoice, extends the plan it bought. */
  readonly receive: (payment: ReceivedPayment) => Effect.Effect<Receipt, SubscriptionError | DatabaseError>
  readonly find: (chargeId: string) => Effect.Effect<Option.Option<StarPayment>, DatabaseError>
  /** Records that Telegram gave the payment back, taking the period it bought off the plan; once per charge. */
  readonly recordRefund: (chargeId: string, by: RefundedBy) => Effect.Effect<RefundRecord, SubscriptionError | DatabaseError>
}>()("@vigia/control/data/PlanPayments") {
  static readonly layer = Layer.effect(
    PlanPayments,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const audit = yield* AuditLog
      const subscriptions = yield* Subscriptions

      const createInvoice = Effect.fn("PlanPayments.createInvoice")(
        function*(userId: UserId, order: { readonly plan: PaidPlan; readonly days: number; readonly stars: number }) {
          const now = yield* DateTime.nowAsDate
          const [row] = yield* sql`
            INSERT INTO plan_invoices (user_id, plan, days, stars, created_at)
            VALUES (${userId}, ${order.plan}, ${order.days}, ${order.stars}, ${now})
            RETURNING *`
          return yield* decodeInvoice(row)
        },
        orDatabaseError
      )

      const invoiceRow = (id: string) =>
        Effect.flatMap(sql`SELECT * FROM plan_invoices WHERE id = ${id}`, ([row]) =>
          row === undefined ? Effect.succeedNone : Effect.asSome(decodeInvoice(row)))

      const findInvoice = Effect.fn("PlanPayments.findInvoice")(function*(id: string) {
        return uuidPattern.test(id) ? yield* invoiceRow(id) : Option.none<Invoice>()
      }, orDatabaseError)

      const isPaid = Effect.fn("PlanPayments.isPaid")(function*(invoiceId: string) {
        const rows = yield* sql`SELECT 1 FROM star_payments WHERE invoice_id = ${invoiceId} AND status = 'credited'`
        return rows.length > 0
      }, orDatabaseError)

      const paymentRow = (chargeId: string, lock: boolean) =>
        Effect.flatMap(
          lock
            ? sql`SELECT * FROM star_payments WHERE charge_id = ${chargeId} FOR UPDATE`
            : sql`SELECT * FROM star_payments WHERE charge_id = ${chargeId}`,
          ([row]) => row === undefined ? Effect.succeedNone : Effect.asSome(decodePayment(row))
        )

      /** The invoice the payment is for, when it is this payer's and the amount and currency are the invoice's. */
      const matchingInvoice = (payment: ReceivedPayment) =>
        Effect.gen(function*() {
          const id = invoiceIdOf(payment.payload)
          if (id === undefined || payment.currency !== "XTR") return Option.none<Invoice>()
          const invoice = yield* invoiceRow(id)
          const [payer] = yield* sql<{ readonly id: string }>`SELECT id FROM users WHERE telegram_user_id = ${payment.telegramUserId}`
          return Option.filter(invoice, (found) => found.userId === payer?.id && found.stars === payment.amount)
        })

      const receive = Effect.fn("PlanPayments.receive")(function*(payment: ReceivedPayment) {
        const receipt = yield* sql.withTransaction(Effect.gen(function*() {
          const invoice = Option.getOrUndefined(yield* matchingInvoice(payment))
          const now = yield* DateTime.nowAsDate
          const [inserted] = yield* sql`
            INSERT INTO star_payments (charge_id, invoice_id, user_id, telegram_user_id, plan, days, stars, status, paid_at)
            VALUES (${payment.chargeId}, ${invoice?.id ?? null}, ${invoice?.userId ?? null}, ${payment.telegramUserId},
                    ${invoice?.plan ?? null}, ${invoice?.days ?? null}, ${payment.amount},
                    ${invoice === undefined ? "unmatched" : "credited"}, ${now})
            ON CONFLICT (charge_id) DO NOTHING
            RETURNING *`
          if (inserted === undefined) {
            const existing = yield* paymentRow(payment.chargeId, false)
            if (Option.isNone(existing)) {
              return yield* new DatabaseError({ message: "a payment row vanished while being received", cause: null })
            }
            return { _tag: "Duplicate", payment: existing.value } satisfies Receipt
          }
          const recorded = yield* decodePayment(inserted)
          const details = { chargeId: payment.chargeId, stars: payment.amount, plan: invoice?.plan ?? null, days: invoice?.days ?? null }
          yield* audit.append({ userId: invoice?.userId ?? null, action: "payment-received", details: { ...details, status: recorded.status } })
          if (invoice === undefined) return { _tag: "Unmatched", payment: recorded } satisfies Receipt
          const subscription = yield* subscriptions.extend(invoice.userId, {
            plan: invoice.plan,
            duration: Duration.days(invoice.days),
            paymentReference: payment.chargeId,
            source: "payment"
          })
          return { _tag: "Credited", payment: recorded, subscription } satisfies Receipt
        }))
        if (receipt.payment.userId !== null) yield* subscriptions.refresh(receipt.payment.userId)
        return receipt
      }, orDatabaseError)

      const find = Effect.fn("PlanPayments.find")(function*(chargeId: string) {
        return yield* paymentRow(chargeId, false)
      }, orDatabaseError)

      const recordRefund = Effect.fn("PlanPayments.recordRefund")(function*(chargeId: string, by: RefundedBy) {
        const record = yield* sql.withTransaction(Effect.gen(function*() {
          const found = yield* paymentRow(chargeId, true)
          if (Option.isNone(found)) return { _tag: "NotFound" } satisfies RefundRecord
          const payment = found.value
          if (payment.status === "refunded") return { _tag: "AlreadyRefunded", payment } satisfies RefundRecord
          const now = yield* DateTime.nowAsDate
          const [row] = yield* sql`
            UPDATE star_payments SET status = 'refunded', refunded_at = ${now} WHERE charge_id = ${chargeId} RETURNING *`
          const shortening = payment.status === "credited" && payment.userId !== null && payment.plan !== null && payment.days !== null
            ? yield* subscriptions.shorten(payment.userId, {
              plan: payment.plan,
              duration: Duration.days(payment.days),
              paymentReference: chargeId
            })
            : undefined
          yield* audit.append({
            userId: payment.userId,
            action: "payment-refunded",
            details: {
              chargeId,
              stars: payment.stars,
              by: typeof by === "string" ? by : by.admin,
              planShortened: shortening?.shortened ?? false
            }
          })
          return {
            _tag: "Refunded",
            payment: yield* decodePayment(row),
            planShortened: shortening?.shortened ?? false,
            subscription: shortening?.subscription ?? null
          } satisfies RefundRecord
        }))
        if (record._tag === "Refunded" && record.payment.userId !== null) yield* subscriptions.refresh(record.payment.userId)
        return record
      }, orDatabaseError)

      return PlanPayments.of({ createInvoice, findInvoice, isPaid, receive, find, recordRefund })
    })
  ).pipe(Layer.provide(AuditLog.layer))
}
