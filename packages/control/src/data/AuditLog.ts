/**
 * The audit log: every login, logout, plan change, group (de)activation, price table change, payment,
 * admin action and plan enforcement, appended in the same transaction as the change it records.
 */
import { Context, DateTime, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import { UserId } from "./UserId.ts"

export const AuditAction = Schema.Literals([
  "login",
  "logout",
  "plan-changed",
  "group-activated",
  "group-deactivated",
  "auto-reply-changed",
  "price-table-replaced",
  "admin-action",
  "plan-enforced",
  "price-item-set",
  "price-item-removed",
  "price-table-restored",
  "payment-received",
  "payment-refunded",
  "seller-deleted"
])
export type AuditAction = typeof AuditAction.Type

export class AuditEntry extends Schema.Class<AuditEntry>("@vigia/control/data/AuditEntry")({
  id: SafeIntFromInt8,
  userId: Schema.NullOr(UserId),
  action: AuditAction,
  details: Schema.JsonObject,
  at: Schema.Date
}) {}

export interface NewAuditEntry {
  /** The user the action concerns; `null` for actions about no single user. */
  readonly userId: UserId | null
  readonly action: AuditAction
  /** JSON only, and never a secret nor a full phone number. */
  readonly details: typeof Schema.JsonObject.Type
}

const decodeEntries = Schema.decodeUnknownEffect(Schema.Array(AuditEntry))

/** An entry with the Telegram id of the user it concerns (none for actions about no single user), for reading. */
export const ListedEntry = Schema.Struct({ ...AuditEntry.fields, telegramUserId: Schema.NullOr(SafeIntFromInt8) })
export type ListedEntry = typeof ListedEntry.Type

const decodeListed = Schema.decodeUnknownEffect(Schema.Array(ListedEntry))

/** Which entries `page` reads: one user's (or everyone's), older than an entry already shown. */
export interface AuditPage {
  readonly userId?: UserId
  /** Only entries before this one (its `id`): the next page. */
  readonly beforeId?: number
  readonly limit: number
}

export class AuditLog extends Context.Service<AuditLog, {
  /** Appends an entry; inside `sql.withTransaction` it commits or rolls back with the change. */
  readonly append: (entry: NewAuditEntry) => Effect.Effect<void, DatabaseError>
  /** The user's latest entries, newest first. */
  readonly recent: (userId: UserId, limit: number) => Effect.Effect<ReadonlyArray<AuditEntry>, DatabaseError>
  /** When the user's `action` entries holding `details` were appended since `since`, oldest first. */
  readonly times: (
    userId: UserId,
    action: AuditAction,
    details: typeof Schema.JsonObject.Type,
    since: Date
  ) => Effect.Effect<ReadonlyArray<Date>, DatabaseError>
  /** Entries newest first, a page at a time, with the Telegram id of the user each concerns. */
  readonly page: (page: AuditPage) => Effect.Effect<ReadonlyArray<ListedEntry>, DatabaseError>
}>()("@vigia/control/data/AuditLog") {
  static readonly layer = Layer.effect(
    AuditLog,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const append = Effect.fn("AuditLog.append")(function*(entry: NewAuditEntry) {
        const at = yield* DateTime.nowAsDate
        yield* sql`
          INSERT INTO audit_log (user_id, action, details, at)
          VALUES (${entry.userId}, ${entry.action}, ${JSON.stringify(entry.details)}, ${at})`
      }, orDatabaseError)

      const recent = Effect.fn("AuditLog.recent")(function*(userId: UserId, limit: number) {
        const rows = yield* sql`
          SELECT * FROM audit_log WHERE user_id = ${userId} ORDER BY at DESC, id DESC LIMIT ${limit}`
        return yield* decodeEntries(rows)
      }, orDatabaseError)

      const times = Effect.fn("AuditLog.times")(
        function*(userId: UserId, action: AuditAction, details: typeof Schema.JsonObject.Type, since: Date) {
          const rows = yield* sql<{ readonly at: Date }>`
            SELECT at FROM audit_log
            WHERE user_id = ${userId} AND action = ${action} AND at >= ${since} AND details @> ${JSON.stringify(details)}::jsonb
            ORDER BY at, id`
          return rows.map((row) => row.at)
        },
        orDatabaseError
      )

      const page = Effect.fn("AuditLog.page")(function*(page: AuditPage) {
        const conditions = [
          ...(page.userId === undefined ? [] : [sql`a.user_id = ${page.userId}`]),
          ...(page.beforeId === undefined ? [] : [sql`a.id < ${page.beforeId}`])
        ]
        const rows = yield* sql`
          SELECT a.*, u.telegram_user_id FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
          WHERE ${sql.and(conditions)} ORDER BY a.id DESC LIMIT ${page.limit}`
        return yield* decodeListed(rows)
      }, orDatabaseError)

      return AuditLog.of({ append, recent, times, page })
    })
  )
}
