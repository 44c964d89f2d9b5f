/**
 * What the daily summary job reads and records: the sellers whose summary is due (in their own time zone), and a
 * claim on each seller's day that one process alone wins (the day's orders are `OrderHistory`'s). The day claimed is recorded
 * before the summary is sent, so replicas and restarts send it at most once; a send that failed for a while gives the
 * claim back for a later pass.
 */
import { Context, DateTime, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { type DatabaseError, orDatabaseError } from "./Database.ts"
import { SafeIntFromInt8 } from "./Int8.ts"
import { UserId } from "./UserId.ts"

/** A calendar day, `YYYY-MM-DD`. */
export type Day = string

/** A seller whose summary is due: the hour came in their time zone, and no summary was claimed for their day. */
export const DueSummary = Schema.Struct({
  userId: UserId,
  /** The seller's private chat with the bot. */
  chatId: SafeIntFromInt8,
  timeZone: Schema.String,
  hour: Schema.Int,
  minute: Schema.Int,
  /** Today, in the seller's time zone. */
  localDay: Schema.String
})
export type DueSummary = typeof DueSummary.Type

const decodeDue = Schema.decodeUnknownEffect(Schema.Array(DueSummary))

export class DailySummaries extends Context.Service<DailySummaries, {
  /** Every seller whose summary is due at `now`. */
  readonly due: (now: Date) => Effect.Effect<ReadonlyArray<DueSummary>, DatabaseError>
  /** Claims the seller's `day` (their local day): true for the one caller that may send its summary. */
  readonly claim: (userId: UserId, day: Day) => Effect.Effect<boolean, DatabaseError>
  /** Gives the claim on `day` back, so that a later pass sends the summary again. */
  readonly release: (userId: UserId, day: Day) => Effect.Effect<void, DatabaseError>
  /** The seller blocked the bot: no summary is sent until they ask for one again. */
  readonly block: (userId: UserId) => Effect.Effect<void, DatabaseError>
}>()("@vigia/control/data/DailySummaries") {
  static readonly layer = Layer.effect(
    DailySummaries,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const due = Effect.fn("DailySummaries.due")(function*(now: Date) {
        const local = sql`(${now}::timestamptz AT TIME ZONE s.time_zone)`
        return yield* decodeDue(yield* sql`
          SELECT s.user_id, u.telegram_user_id AS chat_id, s.time_zone, s.summary_hour AS hour,
            s.summary_minute AS minute, to_char(${local}::date, 'YYYY-MM-DD') AS local_day
          FROM seller_settings s JOIN users u ON u.id = s.user_id
          WHERE s.summary_hour IS NOT NULL AND s.summary_blocked_at IS NULL
            AND ${local}::time >= make_time(s.summary_hour, s.summary_minute, 0)
            AND (s.summary_last_day IS NULL OR s.summary_last_day < ${local}::date)`)
      }, orDatabaseError)

      const claim = Effect.fn("DailySummaries.claim")(function*(userId: UserId, day: Day) {
        const rows = yield* sql`
          UPDATE seller_settings SET summary_last_day = ${day}::date
          WHERE user_id = ${userId} AND summary_hour IS NOT NULL AND summary_blocked_at IS NULL
            AND (summary_last_day IS NULL OR summary_last_day < ${day}::date)
          RETURNING user_id`
        return rows.length > 0
      }, orDatabaseError)

      const release = Effect.fn("DailySummaries.release")(function*(userId: UserId, day: Day) {
        yield* sql`
          UPDATE seller_settings SET summary_last_day = ${day}::date - 1
          WHERE user_id = ${userId} AND summary_last_day = ${day}::date`
      }, orDatabaseError)

      const block = Effect.fn("DailySummaries.block")(function*(userId: UserId) {
        const now = yield* DateTime.nowAsDate
        yield* sql`UPDATE seller_settings SET summary_blocked_at = ${now} WHERE user_id = ${userId}`
      }, orDatabaseError)

      return DailySummaries.of({ due, claim, release, block })
    })
  )
}
